"""Errors of the history commands, each with its exit code."""

from __future__ import annotations

from lookervault.errors import LookerVaultError, UsageError


class BodyUnreadable(LookerVaultError):
    """A stored body cannot be decompressed or parsed: the blob is damaged."""


class ExportTargetNotEmpty(UsageError):
    """The export directory already contains files and ``--force`` is off."""


class ExportFailed(LookerVaultError):
    """Writing an export file or directory failed (permissions, full disk)."""


class PolicyInvalid(UsageError):
    """A forget policy that would keep nothing, or has a negative count."""
