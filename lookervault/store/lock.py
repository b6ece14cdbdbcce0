"""One run at a time per database, with a message naming the run holding it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path

from lookervault.errors import StoreUnusable
from lookervault.store.writer import utc_now


@contextlib.contextmanager
def exclusive_run(database: Path):
    """Hold an exclusive lock on ``database`` for the duration of a run.

    The lock is an ``flock`` on ``<database>.lock``, which the kernel
    releases when the process dies, however it dies, so a killed run never
    leaves a stale lock behind.  The file is left in place: removing it
    would let two runs lock two different files.
    """
    path = database.with_name(database.name + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock(fd, database)
        os.ftruncate(fd, 0)
        holder = f"pid {os.getpid()} on {socket.gethostname()} since {utc_now()}"
        os.write(fd, holder.encode())
        yield
    finally:
        os.close(fd)


def _lock(fd: int, database: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
        raise StoreUnusable(
            f"{database} is in use by another lookervault-batch run ({holder}); "
            "wait for it to finish, or back up into another database"
        ) from None
