"""Turn a failed connection into a sentence that says what to fix."""

from __future__ import annotations

from urllib.parse import urlsplit

import urllib3.exceptions as errors

from lookervault.looker.route import Route

DIRECT = Route()


def describe_connection_error(error: Exception, url: str, route: Route = DIRECT) -> str:
    """Return why ``url`` could not be reached, and what to try next.

    ``error`` is what urllib3 raised; ``route`` names the proxy, if any, that
    the request went through.
    """
    parts = urlsplit(url)
    host = parts.hostname or url
    port = parts.port or (443 if parts.scheme == "https" else 80)
    reason = _root_cause(error)
    if isinstance(error, errors.ProxyError) and route.proxy:
        failure = (
            "refused the connection"
            if "refused" in str(reason).lower()
            else f"failed ({_short(reason)})"
        )
        return (
            f"the proxy {route.shown_proxy}, set in {route.proxy_variable}, "
            f"{failure}; check {route.proxy_variable}, or add {host} to NO_PROXY"
        )
    if isinstance(error, errors.NameResolutionError):
        return f"host {host!r} does not resolve; check base_url for a typo"
    if isinstance(error, errors.SSLError) or "SSL" in type(reason).__name__:
        return (
            f"TLS handshake with {host}:{port} failed ({_short(reason)}); if the "
            "instance uses a private certificate authority, point REQUESTS_CA_BUNDLE "
            "at its certificate, or set verify_ssl = false in [looker] to skip "
            "verification"
        )
    if "refused" in str(reason).lower():
        return f"connection to {host}:{port} was refused; check the port in base_url"
    if isinstance(error, errors.NewConnectionError):
        return f"cannot connect to {host}:{port}: {_short(reason)}"
    if isinstance(error, errors.ConnectTimeoutError):
        return f"connecting to {host}:{port} timed out; check base_url and firewalls"
    # Past the connection, the server this side talks to is the proxy if any.
    server = (
        f"the proxy {route.shown_proxy} (set in {route.proxy_variable}) or "
        f"{host}:{port} behind it"
        if route.proxy
        else f"{host}:{port}"
    )
    if isinstance(error, errors.TimeoutError):
        return f"{server} accepted the connection, then timed out answering"
    if isinstance(error, errors.ProtocolError):
        return (
            f"{server} closed the connection before a whole response arrived "
            f"({_short(reason)}); if every request fails so, check that the "
            "scheme of base_url (http or https) is the one the server speaks"
        )
    return f"{server} sent a response that could not be read ({_short(reason)})"


def _root_cause(error: Exception) -> Exception:
    reason = error
    while True:
        # urllib3 keeps the failure behind a proxy error or a failed read.
        inner = getattr(reason, "original_error", None) or getattr(
            reason, "reason", None
        )
        if not isinstance(inner, Exception):
            return reason
        reason = inner


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:200] + "..."
