"""API 4.0 login and access tokens that expire."""

from __future__ import annotations

import hmac
import math
import secrets
import time
from urllib.parse import parse_qsl

# Expired tokens are purged only when this many are held, so that checking a
# token stays one dict lookup on the hot path.
_PURGE_ABOVE = 10_000


class Tokens:
    """Checks API credentials and issues access tokens valid for ``ttl_s``."""

    def __init__(self, client_id: str, client_secret: str, ttl_s: float) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._ttl_s = ttl_s
        self._expiry: dict[str, float] = {}

    def login(self, form: bytes, query: str) -> dict | None:
        """Return an ``AccessToken`` body for valid credentials, else None.

        Looker reads ``client_id`` and ``client_secret`` from a form-encoded
        body, and from the query string for older clients.
        """
        fields = dict(parse_qsl(query))
        fields.update(parse_qsl(form.decode("utf-8", "replace")))
        client_id = fields.get("client_id", "")
        client_secret = fields.get("client_secret", "")
        valid_id = hmac.compare_digest(client_id.encode(), self._client_id.encode())
        valid_secret = hmac.compare_digest(
            client_secret.encode(), self._client_secret.encode()
        )
        if not (valid_id and valid_secret):
            return None
        return self._issue()

    def _issue(self) -> dict:
        if len(self._expiry) > _PURGE_ABOVE:
            self._purge()
        token = secrets.token_hex(20)
        self._expiry[token] = time.monotonic() + self._ttl_s
        return {
            "access_token": token,
            "token_type": "Bearer",
            # looker-sdk expects an integer, and a sub-second TTL must not be 0.
            "expires_in": math.ceil(self._ttl_s),
            "refresh_token": None,
        }

    def _purge(self) -> None:
        now = time.monotonic()
        self._expiry = {t: end for t, end in self._expiry.items() if end > now}

    def valid(self, authorization: bytes | None) -> bool:
        """Check an ``Authorization`` header: ``Bearer <token>`` or ``token <t>``."""
        if not authorization:
            return False
        scheme, _, token = authorization.partition(b" ")
        if scheme.lower() not in (b"bearer", b"token"):
            return False
        expiry = self._expiry.get(token.strip().decode("latin-1"))
        return expiry is not None and expiry > time.monotonic()

    def logout(self, authorization: bytes | None) -> bool:
        """Revoke the token of an ``Authorization`` header; False if it was invalid."""
        if not self.valid(authorization):
            return False
        token = authorization.partition(b" ")[2].strip().decode("latin-1")
        self._expiry.pop(token, None)
        return True
