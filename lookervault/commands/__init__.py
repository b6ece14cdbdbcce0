"""One module per command; each has ``register(commands)`` adding its parser."""

from lookervault.commands import list_objects, run, show, simulate, snapshots

# In the order --help lists them.
COMMANDS = (run, simulate, snapshots, list_objects, show)
