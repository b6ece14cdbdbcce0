"""Read and check the TOML configuration of a backup run.

A config file has up to three tables::

    [looker]     where the instance is and how to log in
    [backup]     where the database goes and how hard to work
    [simulator]  start a bundled Looker simulator and back it up instead

Credentials are resolved in this order, the first value found winning: the
``[looker]`` table, the ``LOOKERSDK_*`` environment variables, then a
``looker.ini`` file, the last two read by looker-sdk's own settings reader.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lookervault import catalog
from lookervault.errors import ConfigInvalid

log = logging.getLogger(__name__)

MAX_PROCESSES = 64
MAX_THREADS = 64


def default_processes() -> int:
    """Return one process per CPU, at most 8.

    The work is network-bound and a process is only needed for the CPU spent
    hashing and compressing bodies, so more than 8 rarely helps and puts more
    concurrent requests on the Looker instance.
    """
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class Credentials:
    """How to reach and log in to one Looker instance; picklable."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    verify_ssl: bool = True
    timeout: float = 120.0
    # The name snapshots record for this instance; base_url when empty.  A
    # bundled simulator listens on a new port each run, so it is named by its
    # content instead, letting runs continue and build on its snapshots.
    name: str = ""

    @property
    def instance(self) -> str:
        """The instance's name in snapshots: ``name``, else ``base_url``."""
        return self.name or self.base_url

    def without_secret(self) -> Credentials:
        """Return these credentials with an empty client secret."""
        return dataclasses.replace(self, client_secret="")

    def public(self) -> dict[str, Any]:
        """Return the settings that may be shown and stored: no secret."""
        return {
            "base_url": self.base_url,
            "client_id": self.client_id,
            "verify_ssl": self.verify_ssl,
            "timeout": self.timeout,
        }


@dataclass(frozen=True)
class BackupSettings:
    """The settings of a run: content types, database, workers and limits."""

    database: Path
    types: tuple[str, ...] = catalog.TYPE_NAMES
    processes: int = field(default_factory=default_processes)
    threads: int = 8
    unit_size: int = 25
    page_size: int = 500
    start_method: str = "spawn"
    requests_per_second: float = 0.0
    max_attempts: int = 6
    object_deadline: float = 300.0
    verify_sample: float = 0.02


@dataclass(frozen=True)
class SimulatorSettings:
    """A simulator to start for the run, in place of a real Looker instance."""

    seed: int = 1
    scale: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)
    latency_ms: float = 0.0
    small: bool = False
    fail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, checked; credentials are resolved later."""

    path: Path
    looker: dict[str, Any]
    backup: BackupSettings
    simulator: SimulatorSettings | None


# Each key: (expected type(s), description used in error messages).
_LOOKER_KEYS = {
    "base_url": (str, "a URL such as https://mycompany.looker.com"),
    "client_id": (str, "a string"),
    "client_secret": (str, "a string"),
    "verify_ssl": (bool, "true or false"),
    "timeout": ((int, float), "a number of seconds"),
    "ini_file": (str, "a path to a looker.ini file"),
    "ini_section": (str, "a section name in the looker.ini file"),
}
_BACKUP_KEYS = {
    "database": (str, "a path to the SQLite file"),
    "types": (list, "a list of content type names"),
    "processes": (int, "a whole number"),
    "threads": (int, "a whole number"),
    "unit_size": (int, "a whole number"),
    "page_size": (int, "a whole number"),
    "start_method": (str, '"spawn" or "forkserver"'),
    "requests_per_second": ((int, float), "a number; 0 means no limit"),
    "max_attempts": (int, "a whole number"),
    "object_deadline": ((int, float), "a number of seconds"),
    "verify_sample": ((int, float), "a fraction from 0 to 1"),
}
_SIMULATOR_KEYS = {
    "seed": (int, "a whole number"),
    "scale": ((int, float), "a number"),
    "counts": (dict, "a table of content type = count"),
    "latency_ms": ((int, float), "a number of milliseconds"),
    "small": (bool, "true or false"),
    "fail": (list, 'a list of "type:id" strings'),
}
_TABLES = {"looker": _LOOKER_KEYS, "backup": _BACKUP_KEYS, "simulator": _SIMULATOR_KEYS}

# Ranges checked after types: (minimum, maximum).
_RANGES = {
    "processes": (1, MAX_PROCESSES),
    "threads": (1, MAX_THREADS),
    "unit_size": (1, 1000),
    "page_size": (1, 10000),
    "timeout": (1, 3600),
    "latency_ms": (0, 60000),
    "scale": (0, 1000),
    "requests_per_second": (0, 100000),
    "max_attempts": (1, 100),
    "object_deadline": (1, 86400),
    "verify_sample": (0, 1),
}


def load(path: str | os.PathLike, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read, check and return the config at ``path``.

    ``overrides`` holds ``[backup]`` values from the command line, which win over
    the file.  Raises :class:`ConfigInvalid` naming the file, key and fix.
    """
    path = Path(path)
    data = _read_toml(path)
    _check_tables(path, data)
    if "client_secret" in data.get("looker", {}):
        _warn_if_readable(path)
    backup = dict(data.get("backup", {}))
    backup.update({k: v for k, v in (overrides or {}).items() if v is not None})
    _check_table(path, "backup", backup)
    return RunConfig(
        path=path,
        looker=dict(data.get("looker", {})),
        backup=_backup_settings(path, backup),
        simulator=_simulator_settings(path, data.get("simulator")),
    )


def _warn_if_readable(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & 0o077:
        log.warning(
            "%s contains client_secret and other users can read it (mode %03o); run "
            "chmod 600 on it, or keep the secret in LOOKERSDK_CLIENT_SECRET",
            path,
            mode & 0o777,
        )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigInvalid(
            f"config file {path} not found; pass the path of a TOML config "
            "such as examples/demo.toml"
        ) from None
    except IsADirectoryError:
        raise ConfigInvalid(f"config file {path} is a directory, not a file") from None
    except PermissionError:
        raise ConfigInvalid(
            f"config file {path} is not readable; check its permissions"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigInvalid(f"config file {path} is not UTF-8 text") from None


def _check_tables(path: Path, data: dict[str, Any]) -> None:
    for name, value in data.items():
        if name not in _TABLES:
            raise ConfigInvalid(
                f"{path}: unknown table or key '{name}'{_suggest(name, _TABLES)}; "
                f"valid tables are {', '.join('[' + t + ']' for t in _TABLES)}"
            )
        if not isinstance(value, dict):
            raise ConfigInvalid(f"{path}: '{name}' must be a table, written [{name}]")
        if name != "backup":
            _check_table(path, name, value)


def _check_table(path: Path, table: str, values: dict[str, Any]) -> None:
    keys = _TABLES[table]
    for key, value in values.items():
        if key not in keys:
            raise ConfigInvalid(
                f"{path}: unknown key '{key}' in [{table}]{_suggest(key, keys)}; "
                f"valid keys are {', '.join(keys)}"
            )
        expected, description = keys[key]
        # bool is an int in Python; a count written as true is still a mistake.
        wrong_bool = isinstance(value, bool) and expected is not bool
        if wrong_bool or not isinstance(value, expected):
            raise ConfigInvalid(
                f"{path}: [{table}] {key} = {value!r} is invalid; "
                f"expected {description}"
            )
        _check_range(path, table, key, value)


def _check_range(path: Path, table: str, key: str, value: Any) -> None:
    if key not in _RANGES:
        return
    low, high = _RANGES[key]
    if not low <= value <= high:
        raise ConfigInvalid(
            f"{path}: [{table}] {key} = {value} is out of range; "
            f"use a value from {low} to {high}"
        )


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _backup_settings(path: Path, values: dict[str, Any]) -> BackupSettings:
    if not str(values.get("database", "lookervault.db")).strip():
        raise ConfigInvalid(f"{path}: [backup] database is empty; name a file")
    database = Path(values.get("database", "lookervault.db")).expanduser()
    if not database.is_absolute():
        # Relative to the config file, so that cron's working directory
        # does not decide where the backup lands.
        database = path.parent / database
    start_method = values.get("start_method", "spawn")
    if start_method not in ("spawn", "forkserver"):
        raise ConfigInvalid(
            f"{path}: [backup] start_method = {start_method!r} is invalid; use "
            '"spawn" or "forkserver" (fork is unsafe with the threads every '
            "worker runs)"
        )
    settings = {k: v for k, v in values.items() if k not in ("database", "types")}
    settings["types"] = _types(path, values.get("types"))
    return BackupSettings(database=database, **settings)


def _types(path: Path, names: list | None) -> tuple[str, ...]:
    if names is None:
        return catalog.TYPE_NAMES
    for name in names:
        if name not in catalog.BY_NAME:
            raise ConfigInvalid(
                f"{path}: [backup] types has unknown content type {name!r}"
                f"{_suggest(str(name), catalog.BY_NAME)}; valid types are "
                f"{', '.join(catalog.TYPE_NAMES)}"
            )
    if not names:
        raise ConfigInvalid(f"{path}: [backup] types is empty; name at least one")
    # Catalog order, so that parents are listed before the types that need them.
    return tuple(t for t in catalog.TYPE_NAMES if t in names)


def _simulator_settings(path: Path, values: dict | None) -> SimulatorSettings | None:
    if values is None:
        return None
    values = dict(values)
    fail = tuple(_fail_target(path, item) for item in values.pop("fail", []))
    counts = values.pop("counts", {})
    for name, count in counts.items():
        _check_count(path, name, count)
    return SimulatorSettings(counts=counts, fail=fail, **values)


def _check_count(path: Path, name: str, count: Any) -> None:
    # Group values have no count of their own: one per user attribute.
    counted = name in catalog.BY_NAME and not catalog.BY_NAME[name].parent
    whole = isinstance(count, int) and not isinstance(count, bool) and count >= 0
    if not (counted and whole):
        raise ConfigInvalid(
            f"{path}: [simulator] counts.{name} = {count!r} is invalid; use a "
            "content type that has its own listing and a whole number of objects"
        )


def _fail_target(path: Path, item: Any) -> tuple[str, str]:
    kind, _, object_id = str(item).partition(":")
    if kind not in catalog.BY_NAME or not object_id:
        raise ConfigInvalid(
            f'{path}: [simulator] fail entry {item!r} is invalid; write "type:id", '
            'for example "dashboards:12"'
        )
    return kind, object_id
