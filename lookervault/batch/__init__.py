"""The batch engine: plan the work, run it on a process pool, collect it."""
