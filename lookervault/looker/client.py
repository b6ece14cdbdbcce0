"""A Looker API client that returns raw bytes, status and headers.

looker-sdk is used for what it does well, reading settings and logging in
(``login.py``); the content itself is fetched with a plain
``requests.Session`` so that the status code, ``Retry-After`` and the exact
bytes are kept (the SDK transport drops the first two and would structure the
body into models, losing fields).  This module does not import looker-sdk,
because worker processes, which never log in, import it.
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

import requests
import urllib3

from lookervault import __version__
from lookervault.config import Credentials
from lookervault.errors import ConfigInvalid, LookerUnreachable
from lookervault.looker.diagnose import describe_connection_error, proxy_for

log = logging.getLogger(__name__)

API_VERSION = "4.0"
USER_AGENT = f"lookervault-batch/{__version__}"
# Seconds to wait for a TCP connection; the configured timeout bounds the rest.
CONNECT_TIMEOUT = 10.0


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


class LookerClient:
    """GET raw responses from many threads with one token source.

    One instance per process: it holds a connection pool sized to the threads
    that share it.
    """

    def __init__(
        self, credentials: Credentials, tokens: TokenSource, pool_size: int = 10
    ):
        self.credentials = credentials
        self.tokens = tokens
        self.api_url = f"{credentials.base_url}/api/{API_VERSION}"
        self.session = _pooled_session(credentials, pool_size)

    def login(self) -> None:
        """Log in now, raising :class:`LoginFailed` or :class:`LookerUnreachable`."""
        self.tokens.login()

    def get(
        self, path: str, params: dict | None = None, timeout: float | None = None
    ) -> requests.Response:
        """GET ``path`` under the API root; log in again once on a 401.

        ``timeout`` caps the seconds to wait for a response (default: the
        configured timeout).  Network errors propagate as ``requests``
        exceptions for the caller to record or retry.
        """
        limit = min(timeout or self.credentials.timeout, self.credentials.timeout)
        authorization = self.tokens.current()
        response = self._send(path, params, authorization, limit)
        if response.status_code == 401:
            # Every thread holding the old token gets one; the parent logs the
            # renewal once.
            log.debug("401 on %s; renewing the access token", path)
            authorization = self.tokens.renew(authorization)
            response = self._send(path, params, authorization, limit)
        return response

    def check_api(self) -> str | None:
        """Check that ``base_url`` serves Looker API 4.0, and return its release.

        ``/versions`` needs no login, so a wrong host, port, scheme, path or
        certificate is reported as such rather than as a failed login.
        """
        url = f"{self.api_url}/versions"
        try:
            response = self.session.get(url, timeout=self.credentials.timeout)
        except requests.RequestException as exc:
            raise LookerUnreachable(
                f"cannot reach Looker at {self.credentials.base_url}: "
                f"{describe_connection_error(exc, url)}"
            ) from None
        versions = _json_object(response)
        if response.status_code != 200 or "supported_versions" not in versions:
            proxy = proxy_for(url)
            through = (
                f"; the request went through the proxy {proxy}, set in the "
                "environment, which may have answered instead (NO_PROXY skips it)"
                if proxy
                else ""
            )
            raise LookerUnreachable(
                f"{url} responded with HTTP {response.status_code} "
                f"({response.headers.get('Content-Type', 'no content type')}), not "
                "Looker's API; set base_url to the address you open Looker at, "
                "such as https://mycompany.looker.com, with the API port if it "
                f"has one (often 19999){through}"
            )
        release = versions.get("looker_release_version")
        return release if isinstance(release, str) else None

    def close(self) -> None:
        """Close every pooled connection."""
        self.session.close()
        self.tokens.close()

    def _send(self, path, params, authorization, timeout) -> requests.Response:
        log.debug("GET %s %s", path, params or "")
        return self.session.get(
            self.api_url + path,
            params=params,
            headers=authorization,
            timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
        )


def _json_object(response: requests.Response) -> dict:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class Session(requests.Session):
    """A session whose own ``verify`` setting is obeyed.

    requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment
    override a session's ``verify = False``; only a per-request value wins.
    """

    def request(self, *args, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(*args, **kwargs)


def _pooled_session(credentials: Credentials, pool_size: int) -> requests.Session:
    session = Session()
    # urllib3 keeps 10 connections per host by default; with more threads it
    # would open and discard a connection on most requests.
    adapter = requests.adapters.HTTPAdapter(
        pool_connections=1, pool_maxsize=max(pool_size, 1), max_retries=0
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    _read_environment_once(session, credentials)
    if not credentials.verify_ssl:
        # The run warns once that verification is off; urllib3 would warn on
        # every request.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    session.headers["User-Agent"] = USER_AGENT
    # A ~/.netrc entry for the host must not replace the bearer token with
    # basic auth.
    session.auth = _NoAuth()
    return session


def _read_environment_once(session: requests.Session, credentials) -> None:
    """Apply the proxy and CA bundle variables now, not on every request.

    requests reads HTTPS_PROXY, NO_PROXY and the rest from the environment
    for each request it sends: two passes over os.environ per GET, about 10%
    of the CPU of a fetch loop measured in one process.  The environment of
    a run does not change, so it is read here, once per session, with the
    same rules, and ``trust_env`` keeps requests from reading it again.
    """
    session.trust_env = False
    session.proxies = requests.utils.get_environ_proxies(credentials.base_url)
    session.verify = credentials.verify_ssl and (_ca_bundle() or True)


def _ca_bundle() -> str | None:
    """Return the CA bundle the environment names, as requests reads it."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        path = os.environ.get(name)
        if path:
            if not os.path.exists(path):
                raise ConfigInvalid(
                    f"{name} names {path}, which does not exist; point it at "
                    "the PEM file of the certificate authority that signed "
                    "Looker's certificate, or unset it"
                )
            return path
    return None


class _NoAuth(requests.auth.AuthBase):
    """Leave the request's own headers alone (no netrc lookup)."""

    def __call__(self, request):
        return request
