"""A Looker API client that returns raw bytes, status and headers.

looker-sdk is used for what it does well, reading settings and logging in
(``login.py``).  The content itself is fetched with urllib3, which requests
and looker-sdk are built on, so that the status code, ``Retry-After`` and the
exact bytes are kept (the SDK transport drops the first two and would
structure the body into models, losing fields).  requests is skipped too: its
per-request work (merging settings, hooks, cookies, redirects) cost 0.42 ms
of CPU for each 50 KB dashboard against 0.23 ms for urllib3 alone, measured
in one process against the simulator (bench/test_bench_hot_paths.py).
This module imports neither looker-sdk nor requests, because worker
processes, which never log in, import it.
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote, urlencode, urljoin

import certifi
import orjson
import urllib3

from lookervault import __version__
from lookervault.config import Credentials
from lookervault.errors import ConfigInvalid, LookerUnreachable
from lookervault.looker.diagnose import describe_connection_error
from lookervault.looker.route import Route

log = logging.getLogger(__name__)

API_VERSION = "4.0"
USER_AGENT = f"lookervault-batch/{__version__}"
# Seconds to wait for a TCP connection; the configured timeout bounds the rest.
CONNECT_TIMEOUT = 10.0
# The exceptions raised when a request gets no complete, readable response:
# refused or unresolved connections, timeouts, resets, proxy and TLS failures,
# bodies cut short or badly encoded, and status lines or headers that
# http.client or urllib3 cannot parse.
NETWORK_ERRORS = (urllib3.exceptions.HTTPError, http.client.HTTPException)
# Statuses that ask for the same request again later: Looker's 429 under load,
# and the 500, 502, 503 and 504 of Looker and the proxies in front of it.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# Attempts at /versions before a transient status is reported; the waits
# between them, 2, 4 and 8 s, give a restarting instance 14 s.
CHECK_ATTEMPTS = 4
# The maximum number of bytes one read takes from a response body.
BODY_CHUNK_BYTES = 256 * 1024
# The headers requests sends, so that Looker and proxies see the same
# requests from logging in and from fetching.
DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "*/*",
    **urllib3.util.make_headers(accept_encoding=True),
}


class TokenSource(Protocol):
    """The source of a client's Authorization header.

    The parent's own logins (``login.OwnLogin``) or, in workers, the token
    the parent shares (``tokens.SharedLogin``); both are safe to call from
    many threads.
    """

    def login(self) -> None: ...

    def current(self) -> dict[str, str]: ...

    def renew(self, rejected: dict[str, str]) -> dict[str, str]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP response, read whole."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self):
        """Return the body parsed as JSON; raise ValueError if it is not."""
        return orjson.loads(self.content)


class LookerClient:
    """GET raw responses from many threads with one token source.

    One instance per process: it holds a connection pool sized to the threads
    that share it.  ``route`` is the proxy and CA bundle read from the
    environment by the parent (``route.route_for``).
    """

    def __init__(
        self,
        credentials: Credentials,
        tokens: TokenSource,
        route: Route,
        pool_size: int = 10,
    ):
        self.credentials = credentials
        self.tokens = tokens
        self.route = route
        self.api_url = f"{credentials.base_url}/api/{API_VERSION}"
        self.pool = _pool_manager(credentials, route, pool_size)

    def login(self) -> None:
        """Log in now, raising :class:`LoginFailed` or :class:`LookerUnreachable`."""
        self.tokens.login()

    def get(
        self, path: str, params: dict | None = None, timeout: float | None = None
    ) -> Response:
        """GET ``path`` under the API root; log in again once on a 401.

        ``timeout`` caps the seconds to wait for a response (default: the
        configured timeout).  Network errors propagate as the urllib3
        exceptions in ``NETWORK_ERRORS`` for the caller to record or retry.
        """
        limit = min(timeout or self.credentials.timeout, self.credentials.timeout)
        url = self.api_url + path
        if params:
            url = f"{url}?{urlencode(params)}"
        authorization = self.tokens.current()
        response = self._send(url, authorization, limit)
        if response.status_code == 401:
            # Every thread holding the old token gets one; the parent logs the
            # renewal once.
            log.debug("401 on %s; renewing the access token", path)
            authorization = self.tokens.renew(authorization)
            response = self._send(url, authorization, limit)
        return response

    def describe(self, error: Exception, path: str) -> str:
        """Say why a request for ``path`` got no response, and what to try."""
        return describe_connection_error(error, self.api_url + path, self.route)

    def check_api(self) -> str | None:
        """Check that ``base_url`` serves Looker API 4.0, and return its release.

        ``/versions`` needs no login, so a wrong host, port, scheme, path or
        certificate is reported as such rather than as a failed login.
        """
        url = f"{self.api_url}/versions"
        for attempt in range(1, CHECK_ATTEMPTS + 1):
            try:
                response = self._send(url, {}, self.credentials.timeout)
            except NETWORK_ERRORS as exc:
                raise LookerUnreachable(
                    f"cannot reach Looker at {self.credentials.base_url}: "
                    f"{self.describe(exc, '/versions')}"
                ) from None
            status = response.status_code
            if status not in TRANSIENT_STATUSES or attempt == CHECK_ATTEMPTS:
                break
            # A Looker that is restarting, or a busy load balancer, responds so.
            wait = 2.0**attempt
            log.warning(
                "%s responded with HTTP %d; trying again in %.0f s", url, status, wait
            )
            time.sleep(wait)
        if response.status_code in TRANSIENT_STATUSES:
            raise LookerUnreachable(
                f"{url} responded with HTTP {response.status_code} "
                f"{CHECK_ATTEMPTS} times; Looker may be restarting or overloaded, "
                "so try again later"
            )
        versions = _json_object(response)
        if response.status_code != 200 or "supported_versions" not in versions:
            raise LookerUnreachable(_not_looker(url, response, self.route))
        release = versions.get("looker_release_version")
        return release if isinstance(release, str) else None

    def close(self) -> None:
        """Close every pooled connection."""
        self.pool.clear()
        self.tokens.close()

    def _send(self, url: str, authorization: dict, timeout: float) -> Response:
        """GET ``url``; the whole response must arrive within ``timeout`` s.

        urllib3's read timeout bounds each read from the socket, so a body
        that trickles in would otherwise take as long as the server likes.
        """
        log.debug("GET %s", url)
        deadline = time.monotonic() + timeout
        answer = self.pool.request(
            "GET",
            url,
            headers={**DEFAULT_HEADERS, **authorization},
            timeout=urllib3.Timeout(
                connect=min(CONNECT_TIMEOUT, timeout), read=timeout
            ),
            redirect=False,
            retries=False,
            preload_content=False,
        )
        return Response(answer.status, answer.headers, _read_body(answer, deadline))


def _read_body(answer, deadline: float) -> bytes:
    """Read a whole response body, or raise ReadTimeoutError at ``deadline``.

    ``read1`` returns what one read from the socket brings, so the deadline
    is checked as bytes arrive, however slowly; ``read(n)`` would wait for n.
    """
    chunks = []
    try:
        while chunk := answer.read1(BODY_CHUNK_BYTES):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise urllib3.exceptions.ReadTimeoutError(
                    None, answer.geturl(), "the response body did not arrive in time"
                )
    except BaseException:
        # The rest of the body is still on the connection: close it rather
        # than hand it back to the pool.
        answer.close()
        raise
    finally:
        answer.release_conn()
    return b"".join(chunks)


def _json_object(response: Response) -> dict:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _not_looker(url: str, response: Response, route: Route) -> str:
    """Describe why the response to ``/versions`` is not Looker's, and what to set."""
    status = response.status_code
    location = response.headers.get("Location")
    if 300 <= status < 400 and location:
        return (
            f"{url} redirects (HTTP {status}) to {urljoin(url, location)}; set "
            "base_url to the address it redirects to, without the "
            "/api/4.0/versions part"
        )
    if status == 407 and route.proxy:
        return (
            f"the proxy {route.shown_proxy}, set in {route.proxy_variable}, "
            "requires a user name and password it was not given or did not "
            f"accept (HTTP 407); set {route.proxy_variable} to "
            "http://USER:PASSWORD@HOST:PORT, percent-encoding any @, : or / in "
            "them"
        )
    through = (
        f"; the request went through the proxy {route.shown_proxy}, set in "
        f"{route.proxy_variable}, which may have answered instead (NO_PROXY "
        "skips it)"
        if route.proxy
        else ""
    )
    return (
        f"{url} responded with HTTP {status} "
        f"({response.headers.get('Content-Type', 'no content type')}), not "
        "Looker's API; set base_url to the address you open Looker at, "
        "such as https://mycompany.looker.com, with the API port if it "
        f"has one (often 19999){through}"
    )


def _pool_manager(credentials: Credentials, route: Route, size: int):
    """Return a pool of up to ``size`` connections to Looker, through the
    route's proxy if it has one."""
    # urllib3 keeps one connection per host by default; with more threads it
    # would open and discard a connection on most requests.
    options = {"maxsize": max(size, 1), "block": False}
    if credentials.base_url.startswith("https:") or route.proxy_uses_tls:
        options["ssl_context"] = tls_context(credentials, route)
        if not credentials.verify_ssl:
            options["assert_hostname"] = False
    if not route.proxy:
        return urllib3.PoolManager(**options)
    if route.proxy.lower().startswith("socks"):
        return _socks_pool(route, options)
    # route_for checked that the URL parses.
    auth = urllib3.util.parse_url(route.proxy).auth
    headers = (
        urllib3.util.make_headers(proxy_basic_auth=unquote(auth)) if auth else None
    )
    if route.proxy_uses_tls:
        # The proxy's certificate is checked as Looker's is, as requests does.
        options["proxy_ssl_context"] = options["ssl_context"]
    try:
        return urllib3.ProxyManager(route.proxy, proxy_headers=headers, **options)
    except (urllib3.exceptions.LocationValueError, ValueError) as exc:
        raise ConfigInvalid(
            f"{route.proxy_variable} = {route.shown_proxy} is not a proxy URL "
            f"({exc}); set it to http://HOST:PORT, or unset it"
        ) from None


def tls_context(credentials: Credentials, route: Route) -> ssl.SSLContext:
    """Return one TLS context for every connection of this process.

    Given only a CA file, urllib3 would read it again for each new
    connection: 14 to 18 ms of CPU for certifi's bundle or a Linux system
    bundle (2-core VM), times the threads of every process.  The authorities
    are those the login trusts: the route's bundle, a file or a directory as
    requests reads it, else certifi's.
    """
    context = urllib3.util.create_urllib3_context()
    if not credentials.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        # The run warns once that verification is off; urllib3 would warn on
        # every request.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        return context
    bundle = route.ca_bundle or certifi.where()
    variable = route.ca_bundle_variable or "certifi"
    if not os.path.exists(bundle):
        raise ConfigInvalid(
            f"{variable} names {bundle}, which does not exist; point it at the "
            "PEM file of the certificate authority that signed Looker's "
            "certificate, or unset it"
        )
    try:
        if os.path.isdir(bundle):
            context.load_verify_locations(capath=bundle)
        else:
            context.load_verify_locations(cafile=bundle)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigInvalid(
            f"{variable} names {bundle}, which contains no readable certificate "
            f"({exc}); point it at the PEM file of the certificate authority "
            "that signed Looker's certificate, or unset it"
        ) from None
    return context


def _socks_pool(route: Route, options: dict):
    """Return a pool through a SOCKS proxy, if PySocks is installed."""
    try:
        from urllib3.contrib.socks import SOCKSProxyManager
    except ImportError:
        raise ConfigInvalid(
            f"{route.proxy_variable} names the SOCKS proxy {route.shown_proxy}, "
            "which needs the PySocks package; install it (pip install PySocks) "
            "or name an HTTP proxy"
        ) from None
    return SOCKSProxyManager(route.proxy, **options)
