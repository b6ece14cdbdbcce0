"""Turn a failed connection into a sentence that says what to fix."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
import urllib3.exceptions


def describe_connection_error(error: Exception, url: str) -> str:
    """Return why ``url`` could not be reached, and what to try next."""
    parts = urlsplit(url)
    host = parts.hostname or url
    port = parts.port or (443 if parts.scheme == "https" else 80)
    reason = _root_cause(error)
    if isinstance(error, requests.exceptions.ProxyError):
        failure = (
            "refused the connection"
            if "refused" in str(error).lower()
            else f"failed ({_short(reason)})"
        )
        return (
            f"the proxy {proxy_for(url) or ''}, set in the environment for "
            f"{parts.scheme} URLs, {failure}; check HTTPS_PROXY and HTTP_PROXY, or "
            f"add {host} to NO_PROXY"
        )
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return f"host {host!r} does not resolve; check base_url for a typo"
    if (
        isinstance(error, requests.exceptions.SSLError)
        or "SSL" in type(reason).__name__
    ):
        return (
            f"TLS handshake with {host}:{port} failed ({_short(reason)}); if the "
            "instance uses a private certificate authority, point REQUESTS_CA_BUNDLE "
            "at its certificate, or set verify_ssl = false in [looker] to skip "
            "verification"
        )
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return f"connecting to {host}:{port} timed out; check base_url and firewalls"
    if isinstance(error, requests.Timeout):
        return f"{host}:{port} accepted the connection, then timed out answering"
    if "refused" in str(reason).lower():
        return f"connection to {host}:{port} was refused; check the port in base_url"
    return f"cannot connect to {host}:{port}: {_short(reason)}"


def proxy_for(url: str) -> str | None:
    """Return the proxy the environment sets for ``url``, without any user
    name or password in it, or None."""
    proxies = requests.utils.get_environ_proxies(url)
    proxy = proxies.get(urlsplit(url).scheme) or proxies.get("all")
    if not proxy:
        return None
    parts = urlsplit(proxy)
    if "@" not in parts.netloc:
        return proxy
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def _root_cause(error: Exception) -> Exception:
    reason = error.args[0] if error.args else error
    while isinstance(getattr(reason, "reason", None), Exception):
        reason = reason.reason
    return reason if isinstance(reason, Exception) else error


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:200] + "..."
