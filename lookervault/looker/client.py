"""A Looker API client that returns raw bytes, status and headers.

looker-sdk is used for what it does well, reading settings and logging in; the
content itself is fetched with a plain ``requests.Session`` so that the status
code, ``Retry-After`` and the exact bytes are kept (the SDK transport drops the
first two and would structure the body into models, losing fields).
"""

from __future__ import annotations

import logging
import threading
import time

import requests
import urllib3
from looker_sdk.error import SDKError
from looker_sdk.rtl import serialize
from looker_sdk.rtl.api_settings import ApiSettings
from looker_sdk.rtl.auth_session import AuthSession
from looker_sdk.rtl.requests_transport import NullAuth, RequestsTransport

from lookervault import __version__
from lookervault.config import Credentials
from lookervault.errors import LoginFailed, LookerUnreachable
from lookervault.looker.diagnose import describe_connection_error

log = logging.getLogger(__name__)

API_VERSION = "4.0"
USER_AGENT = f"lookervault-batch/{__version__}"
# Seconds to wait for a TCP connection; the configured timeout bounds the rest.
CONNECT_TIMEOUT = 10.0
# Looker tokens last an hour. This is used when a login response omits expires_in.
DEFAULT_TOKEN_SECONDS = 3000.0


class LookerClient:
    """Log in once, then GET raw responses from many threads.

    One instance per process: it holds a connection pool sized to the threads
    that share it, and a lock so that an expired token is renewed by one
    thread while the others wait, instead of each logging in.
    """

    def __init__(self, credentials: Credentials, pool_size: int = 10):
        self.credentials = credentials
        self.api_url = f"{credentials.base_url}/api/{API_VERSION}"
        self.session = _pooled_session(credentials, pool_size)
        self.logins = 0
        self._lock = threading.Lock()
        self._auth, self._login_transport = _auth_session(credentials)
        self._authorization: dict[str, str] | None = None
        self._renew_at = 0.0

    def login(self) -> None:
        """Log in now, raising :class:`LoginFailed` or :class:`LookerUnreachable`."""
        with self._lock:
            self._login_locked()

    def get(
        self, path: str, params: dict | None = None, timeout: float | None = None
    ) -> requests.Response:
        """GET ``path`` under the API root; log in again once on a 401.

        ``timeout`` caps the seconds to wait for a response (default: the
        configured timeout).  Network errors propagate as ``requests``
        exceptions for the caller to record or retry.
        """
        limit = min(timeout or self.credentials.timeout, self.credentials.timeout)
        authorization = self._current_authorization()
        response = self._send(path, params, authorization, limit)
        if response.status_code == 401:
            log.info("401 on %s; logging in again", path)
            authorization = self._renew(authorization)
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
            raise LookerUnreachable(
                f"{url} responded with HTTP {response.status_code} "
                f"({response.headers.get('Content-Type', 'no content type')}), not "
                "Looker's API; set base_url to the address you open Looker at, "
                "such as https://mycompany.looker.com, with the API port if it "
                "has one (often 19999)"
            )
        release = versions.get("looker_release_version")
        return release if isinstance(release, str) else None

    def close(self) -> None:
        """Close every pooled connection."""
        self.session.close()
        self._login_transport.session.close()

    def _send(self, path, params, authorization, timeout) -> requests.Response:
        log.debug("GET %s %s", path, params or "")
        return self.session.get(
            self.api_url + path,
            params=params,
            headers=authorization,
            timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
        )

    def _current_authorization(self) -> dict[str, str]:
        with self._lock:
            if self._authorization is None or time.monotonic() >= self._renew_at:
                self._login_locked()
            return self._authorization

    def _renew(self, rejected: dict[str, str]) -> dict[str, str]:
        with self._lock:
            # Another thread may have renewed the token while this one waited.
            if self._authorization is rejected:
                self._login_locked()
            return self._authorization

    def _login_locked(self) -> None:
        self._login_transport.last_status = None
        self._auth.token = type(self._auth.token)()
        try:
            self._authorization = self._auth.authenticate({})
        except SDKError as exc:
            raise self._login_error(exc) from None
        self.logins += 1
        self._renew_at = time.monotonic() + _token_lifetime(self._auth.token.expires_in)
        log.debug("logged in to %s", self.credentials.base_url)

    def _login_error(self, exc: SDKError) -> Exception:
        status = self._login_transport.last_status
        url = f"{self.api_url}/login"
        if status is None:
            return LookerUnreachable(
                f"cannot reach Looker at {url}: {_first_line(exc.message)}; check "
                "base_url and that the host is reachable from here"
            )
        if status in (401, 403, 404):
            return LoginFailed(
                f"Looker rejected the API credentials (HTTP {status} from {url}); "
                f"check the client id {self.credentials.client_id!r} and its secret"
            )
        return LookerUnreachable(
            f"login failed with HTTP {status} from {url}: "
            f"{_first_line(exc.message)[:200]}"
        )


def _json_object(response: requests.Response) -> dict:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _token_lifetime(expires_in: int | None) -> float:
    """Return how long to use a token before logging in again.

    Renew 10 seconds early, as looker-sdk does, but never later than at 80% of
    the lifetime, so a token that lives a few seconds is still renewed before
    it expires rather than on every request.
    """
    if not expires_in:
        return DEFAULT_TOKEN_SECONDS
    return max(0.5, expires_in - min(10.0, expires_in * 0.2))


class _Session(requests.Session):
    """A session whose own ``verify`` setting is obeyed.

    requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment
    override a session's ``verify = False``; only a per-request value wins.
    """

    def request(self, *args, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(*args, **kwargs)


def _pooled_session(credentials: Credentials, pool_size: int) -> requests.Session:
    session = _Session()
    # urllib3 keeps 10 connections per host by default; with more threads it
    # would open and discard a connection on most requests.
    adapter = requests.adapters.HTTPAdapter(
        pool_connections=1, pool_maxsize=max(pool_size, 1), max_retries=0
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = credentials.verify_ssl
    if not credentials.verify_ssl:
        # The run warns once that verification is off; urllib3 would warn on
        # every request.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    session.headers["User-Agent"] = USER_AGENT
    # Proxies from the environment still apply, but a ~/.netrc entry for the
    # host must not replace the bearer token with basic auth.
    session.auth = NullAuth()
    return session


class _StatusTransport(RequestsTransport):
    """The SDK transport, remembering the status of its last response."""

    last_status: int | None = None

    def __init__(self, settings, session):
        super().__init__(settings, session)
        session.hooks["response"].append(self._remember)

    def _remember(self, response, *args, **kwargs):
        self.last_status = response.status_code


class _SdkSettings(ApiSettings):
    """ApiSettings built from resolved credentials instead of files."""

    def __init__(self, credentials: Credentials):
        self._credentials = credentials
        self.base_url = credentials.base_url
        self.verify_ssl = credentials.verify_ssl
        self.timeout = int(credentials.timeout)
        self.headers = {"Content-Type": "application/json"}
        self.agent_tag = USER_AGENT

    def read_config(self):
        return {
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
        }


def _auth_session(credentials: Credentials):
    settings = _SdkSettings(credentials)
    session = _Session()
    transport = _StatusTransport(settings, session)
    auth = AuthSession(settings, transport, serialize.deserialize40, API_VERSION)
    return auth, transport


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "no answer"
