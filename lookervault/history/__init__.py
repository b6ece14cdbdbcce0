"""Read the snapshots back: verify, diff, history, export and forget.

Each module computes a result and returns it; the command modules in
``lookervault.commands`` decide whether it is printed as text or JSON.
"""
