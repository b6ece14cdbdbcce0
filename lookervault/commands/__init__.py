"""One module per command; each has ``register(commands)`` adding its parser."""

from lookervault.commands import (
    diff,
    export,
    forget,
    history,
    list_objects,
    run,
    show,
    simulate,
    snapshots,
    verify,
)

# In the order --help lists them.
COMMANDS = (
    run,
    simulate,
    snapshots,
    list_objects,
    show,
    verify,
    diff,
    history,
    export,
    forget,
)
