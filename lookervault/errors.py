"""Errors a person sees, each with its exit code.

The CLI catches :class:`LookerVaultError` in one place, prints ``error: <message>``
on stderr and exits with the class's code; a traceback is printed only with
``--debug``.  Exit codes:

====  ==================================================================
0     backup complete
1     could not run: Looker unreachable, login failed, database unusable
2     bad usage or configuration
3     backup finished, but some objects failed (the snapshot is incomplete)
130   interrupted
====  ==================================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CANNOT_RUN = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_INTERRUPTED = 130


class LookerVaultError(Exception):
    """Base of every expected failure; the message is shown as it is."""

    exit_code = EXIT_CANNOT_RUN


class UsageError(LookerVaultError):
    """A command line or configuration the tool cannot act on."""

    exit_code = EXIT_USAGE


class ConfigInvalid(UsageError):
    """The configuration file is missing, unreadable or has invalid values."""


class LookerUnreachable(LookerVaultError):
    """The Looker API could not be reached or did not respond like Looker."""


class LoginFailed(LookerVaultError):
    """Looker rejected the API credentials."""


class StoreUnusable(LookerVaultError):
    """The database file cannot be created, opened or written."""


class SnapshotNotFound(UsageError):
    """A snapshot, content type or object named on the command line is absent."""


class WorkersFailed(LookerVaultError):
    """The worker processes stopped before the backup could finish."""


class Interrupted(LookerVaultError):
    """The run was stopped by SIGINT or SIGTERM."""

    exit_code = EXIT_INTERRUPTED
