"""Log in through looker-sdk and keep the run's access token fresh.

Only the parent process logs in; worker processes read the token it
publishes in a :class:`~lookervault.looker.tokens.SharedToken`.  So a run logs
in once per token lifetime rather than once per process, and the client
secret never reaches a worker.  Workers never import looker-sdk, and the
parent imports only its runtime library (``sdk_import``).
"""

from __future__ import annotations

import logging
import threading
import time

import requests

from lookervault.config import Credentials
from lookervault.errors import LoginFailed, LookerUnreachable
from lookervault.looker.client import (
    API_VERSION,
    USER_AGENT,
    LookerClient,
    tls_context,
)
from lookervault.looker.route import Route, route_for
from lookervault.looker.sdk import (
    ApiSettings,
    AuthSession,
    RequestsTransport,
    SDKError,
    serialize,
)
from lookervault.looker.tokens import SharedToken

log = logging.getLogger(__name__)

# Looker tokens last an hour. This is used when a login response omits expires_in.
DEFAULT_TOKEN_SECONDS = 3000.0
# Seconds between attempts to log in again while Looker cannot be reached.
LOGIN_RETRY_SECONDS = 5.0


def logged_in_client(credentials: Credentials, pool_size: int) -> LookerClient:
    """Return a client whose token comes from this process's own logins.

    It logs in on its first request, or when :meth:`LookerClient.login` is
    called, which callers do after :meth:`LookerClient.check_api`.
    """
    route = route_for(credentials.base_url, credentials.verify_ssl)
    return LookerClient(credentials, OwnLogin(credentials, route), route, pool_size)


class OwnLogin:
    """Tokens from looker-sdk logins, renewed on our own clock and after a 401.

    Renewal happens under a lock, so one thread logs in while the others
    wait.  Once :meth:`share` is called, every new token is also published
    for the worker processes, and :meth:`keep_fresh` logs in again when one
    of them reports its token rejected.
    """

    def __init__(self, credentials: Credentials, route: Route | None = None):
        self.credentials = credentials
        self.logins = 0
        self._lock = threading.Lock()
        self._sdk = _SdkLogin(credentials, route or Route())
        self._authorization: dict[str, str] | None = None
        self._renew_at = 0.0
        self._retry_at = 0.0
        self._shared: SharedToken | None = None

    def login(self) -> None:
        """Log in now, raising :class:`LoginFailed` or :class:`LookerUnreachable`."""
        with self._lock:
            self._login_locked()

    def current(self) -> dict[str, str]:
        """Return the Authorization header, logging in first when it is due."""
        with self._lock:
            if self._authorization is None or time.monotonic() >= self._renew_at:
                self._login_locked()
            return self._authorization

    def renew(self, rejected: dict[str, str]) -> dict[str, str]:
        """Return a header other than ``rejected``, logging in if none is newer."""
        with self._lock:
            # Another thread may have renewed the token while this one waited.
            if self._authorization is rejected:
                self._login_locked()
            return self._authorization

    def share(self, shared: SharedToken) -> None:
        """Publish the current token, and every later one, to ``shared``."""
        with self._lock:
            self._shared = shared
            if self._authorization is not None:
                shared.publish(self._authorization["Authorization"])

    def keep_fresh(self) -> None:
        """Log in again if the token is due or a worker had it rejected.

        Called from the parent's loop while workers run, since workers
        cannot log in themselves.  Credentials that Looker now rejects stop
        the run (:class:`LoginFailed`).  A login that cannot reach Looker is
        tried again every ``LOGIN_RETRY_SECONDS``, while the workers go on
        with the current token, which a renewal on the clock replaces early.
        """
        now = time.monotonic()
        requested = self._shared is not None and self._shared.renewal_requested()
        if not (requested or now >= self._renew_at) or now < self._retry_at:
            return
        if requested:
            log.info("a worker had the access token rejected; logging in again")
        try:
            self.login()
        except LookerUnreachable as exc:
            self._retry_at = now + LOGIN_RETRY_SECONDS
            log.warning(
                "could not renew the access token (%s); trying again in %.0f s",
                exc,
                LOGIN_RETRY_SECONDS,
            )

    def close(self) -> None:
        self._sdk.close()

    def _login_locked(self) -> None:
        # The lifetime counts from the request: a slow login eats into it.
        requested = time.monotonic()
        self._authorization, expires_in = self._sdk.login()
        self.logins += 1
        self._renew_at = requested + token_lifetime(expires_in)
        if self._shared is not None:
            self._shared.publish(self._authorization["Authorization"])
        log.debug("logged in to %s", self.credentials.base_url)


def token_lifetime(expires_in: int | None) -> float:
    """Return how long to use a token before logging in again.

    Renew 10 seconds early, as looker-sdk does, but never later than at 80% of
    the lifetime, so a token that lives a few seconds is still renewed before
    it expires rather than on every request.
    """
    if not expires_in:
        return DEFAULT_TOKEN_SECONDS
    return max(0.5, expires_in - min(10.0, expires_in * 0.2))


class _SdkLogin:
    """One looker-sdk AuthSession, turning its errors into ours."""

    def __init__(self, credentials: Credentials, route: Route):
        self.credentials = credentials
        settings = _SdkSettings(credentials)
        self._transport = _StatusTransport(settings, _login_session(credentials, route))
        self._auth = AuthSession(
            settings, self._transport, serialize.deserialize40, API_VERSION
        )

    def login(self) -> tuple[dict[str, str], int | None]:
        """Log in; return the Authorization header and the token's lifetime."""
        self._transport.last_status = None
        self._auth.token = type(self._auth.token)()
        try:
            authorization = self._auth.authenticate({})
        except SDKError as exc:
            raise self._error(exc) from None
        return authorization, self._auth.token.expires_in

    def close(self) -> None:
        self._transport.session.close()

    def _error(self, exc: SDKError) -> Exception:
        status = self._transport.last_status
        url = f"{self.credentials.base_url}/api/{API_VERSION}/login"
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


def _login_session(credentials: Credentials, route: Route) -> requests.Session:
    """Return the session the login sends its request through.

    requests leaves the certificate of an https:// proxy unchecked when the
    URL behind it is http:// (requests 2.34), and the login sends the client
    secret through it.  So an https:// proxy gets the TLS context fetching
    uses: the same authorities, and ``verify_ssl``.
    """
    session = Session()
    if route.proxy_uses_tls:
        adapter = _ProxyTlsAdapter(tls_context(credentials, route))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


class _ProxyTlsAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose proxy connections use one given TLS context."""

    def __init__(self, context):
        self.context = context
        super().__init__()

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs.setdefault("proxy_ssl_context", self.context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class Session(requests.Session):
    """A session whose own ``verify`` setting is obeyed.

    requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment
    override a session's ``verify = False``; only a per-request value wins.
    """

    def request(self, *args, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(*args, **kwargs)


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


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "no answer"
