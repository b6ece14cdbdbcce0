"""End helper processes whose parent died, so a killed run leaves no orphans.

A parent killed with SIGKILL cannot stop its workers or its Manager; without
this, they would wait forever on queues nobody feeds.
"""

from __future__ import annotations

import os
import signal
import threading
import time

# Seconds between checks: an orphan lingers at most this long.
CHECK_INTERVAL = 1.0
ORPHAN_EXIT_CODE = 70


def exit_with_parent() -> None:
    """Start a daemon thread that ends this process when its parent goes away."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(CHECK_INTERVAL)
            # A dead parent's children are adopted by init or a subreaper.
            if os.getppid() != parent:
                os._exit(ORPHAN_EXIT_CODE)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def start_helper_process() -> None:
    """Initializer of helper processes: ignore Ctrl-C, exit with the parent.

    Ctrl-C reaches every process in the terminal's process group; the parent
    alone decides what it means, and needs its helpers alive to drain them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()
