"""Resolve credentials the way looker-sdk users already keep them.

The first value found wins: the ``[looker]`` table of the config file, then the
``LOOKERSDK_*`` environment variables, then ``looker.ini``.  The last two are
read by looker-sdk's own ``ApiSettings``, so an existing setup works unchanged.
"""

from __future__ import annotations

import configparser
import logging
from pathlib import Path
from urllib.parse import urlsplit

from lookervault.config import Credentials, RunConfig
from lookervault.errors import ConfigInvalid
from lookervault.looker.sdk import ApiSettings

log = logging.getLogger(__name__)

ENV_PREFIX = "LOOKERSDK"
API_SUFFIXES = ("/api/4.0", "/api/3.1", "/api/3.0")


def resolve_credentials(config: RunConfig) -> Credentials:
    """Return the credentials for ``config``, or raise naming what is missing."""
    ini_path, section = _ini_location(config)
    values = _sdk_values(ini_path, section)
    sources = {key: "looker.ini or LOOKERSDK_*" for key in values}
    for key in ("base_url", "client_id", "client_secret", "verify_ssl", "timeout"):
        if key in config.looker:
            values[key] = config.looker[key]
            sources[key] = f"[looker] in {config.path}"
    _require(config, values, ini_path, section)
    return Credentials(
        base_url=normalize_base_url(str(values["base_url"])),
        client_id=str(values["client_id"]),
        client_secret=str(values["client_secret"]),
        verify_ssl=_as_bool(values.get("verify_ssl", True), sources),
        timeout=_as_timeout(values.get("timeout", 120), sources),
    )


def normalize_base_url(url: str) -> str:
    """Return ``url`` without a trailing slash or an ``/api/...`` suffix.

    looker-sdk's ``base_url`` is the instance's address; people often paste
    the API URL, which would make every request go to ``/api/4.0/api/4.0``.
    """
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as exc:
        raise ConfigInvalid(f"base_url {url!r} is invalid: {exc}") from None
    if parts.username or parts.password:
        raise ConfigInvalid(
            "base_url contains a user name or password; remove them, Looker "
            "logs in with client_id and client_secret"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigInvalid(
            f"base_url {url!r} is invalid; write the instance address with its "
            "scheme, such as https://mycompany.looker.com:19999"
        )
    for suffix in API_SUFFIXES:
        if url.endswith(suffix):
            log.warning("base_url ends in %s; using %s", suffix, url[: -len(suffix)])
            return url[: -len(suffix)]
    return url


def _ini_location(config: RunConfig) -> tuple[Path | None, str | None]:
    section = config.looker.get("ini_section")
    name = config.looker.get("ini_file")
    if name is None:
        default = Path("looker.ini")
        return (default if default.is_file() else None), section
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = config.path.parent / path
    if not path.is_file():
        raise ConfigInvalid(
            f"{config.path}: [looker] ini_file {str(path)!r} not found; fix the "
            "path or remove the key"
        )
    return path, section


def _sdk_values(ini_path: Path | None, section: str | None) -> dict:
    # With no ini file, an empty name makes ApiSettings read the environment alone.
    filename = str(ini_path) if ini_path else ""
    try:
        settings = _RawSettings(
            filename=filename, section=section, env_prefix=ENV_PREFIX
        )
        values = dict(settings.read_config())
    except (configparser.Error, IndexError, UnicodeDecodeError) as exc:
        raise ConfigInvalid(f"cannot read {ini_path}: {exc}") from None
    except FileNotFoundError:
        values = {}
    return {k: v for k, v in values.items() if v not in (None, "")}


class _RawSettings(ApiSettings):
    """ApiSettings that reads without converting, so errors can name the key."""

    def __init__(self, *, filename, section, env_prefix):
        self.filename = filename
        self.section = section
        self.env_prefix = env_prefix


def _require(config: RunConfig, values: dict, ini_path, section) -> None:
    missing = [
        k for k in ("base_url", "client_id", "client_secret") if not values.get(k)
    ]
    if not missing:
        return
    ini = (
        f"{ini_path} [{section or 'first section'}]"
        if ini_path
        else "looker.ini (none)"
    )
    looked = (
        f"[looker] in {config.path}, then the environment variables "
        f"{', '.join(ENV_PREFIX + '_' + k.upper() for k in missing)}, then {ini}"
    )
    advice = (
        "; keep the secret in the environment rather than in the config file"
        if "client_secret" in missing
        else ""
    )
    raise ConfigInvalid(
        f"missing Looker {' and '.join(missing)}; looked in {looked}{advice}"
    )


def _as_bool(value, sources) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "y", "true", "t", "1"):
        return True
    if text in ("no", "n", "false", "f", "0"):
        return False
    raise ConfigInvalid(
        f"verify_ssl = {value!r} from {sources.get('verify_ssl')} is invalid; "
        "use true or false"
    )


def _as_timeout(value, sources) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 1 <= seconds <= 3600:
        raise ConfigInvalid(
            f"timeout = {value!r} from {sources.get('timeout')} is invalid; use a "
            "number of seconds from 1 to 3600"
        )
    return seconds
