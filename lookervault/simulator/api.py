"""Routing: the Looker API 4.0 endpoints a backup uses, and the admin endpoints.

Paths are normalized before routing and recording: repeated slashes collapse
(some tools send ``//api/4.0/login`` after rendering a base URL with a trailing
slash) and a trailing slash is dropped.  Admin endpoints live under
``/__simulator/``, need no token, get no latency or faults and are neither
recorded nor logged.

Every other request is logged.  Faults drawn by rate apply to every API
request except ``/login`` and ``/versions``.  They apply before the token is
checked, as a proxy or rate limiter in front of Looker would, and spare
listings when ``faults_on_listings`` is off.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson

from lookervault.simulator.auth import Tokens
from lookervault.simulator.faults import (
    DOCUMENTATION_URL,
    DROP,
    FORBIDDEN,
    GATEWAY_ERROR,
    HANG,
    SLOW,
    TOO_MANY_REQUESTS,
    Faults,
    FaultState,
    spoil,
)
from lookervault.simulator.http import Counters, Request, Response
from lookervault.simulator.mutate import InvalidMutation, Mutator
from lookervault.simulator.record import Record
from lookervault.simulator.requestlog import LogEntry, RequestLog
from lookervault.simulator.store import ObjectStore

API_PREFIX = "/api/4.0"
ADMIN_PREFIX = "/__simulator/"
# The user every token acts as; listings that default to "mine" filter on it.
API_USER_ID = "1"
LOOKER_RELEASE = "25.14.12"


def _error(message: str) -> bytes:
    return orjson.dumps({"message": message, "documentation_url": DOCUMENTATION_URL})


NOT_FOUND = _error("Not found")
REQUIRES_AUTHENTICATION = _error("Requires authentication.")
# The API 4.0 OpenAPI description lists 400, 404 and 429 for /login, not 401.
# The simulator sends 401 with a readable message for bad credentials.  SDK
# clients behave the same either way, because looker-sdk 26.22 raises SDKError
# for any login status that is not 2xx.
INVALID_CREDENTIALS = _error("Invalid client_id or client_secret")


@dataclass(frozen=True)
class Collection:
    """A content type's endpoints: ``/<segment>[/search]`` and ``/<segment>/{id}``."""

    type_name: str
    search: bool
    paged: bool
    # True when the listing returns complete objects, False for summaries.
    full: bool
    # (parameter, field): without ``parameter=true`` the listing returns only
    # the API user's objects, as ``all_users`` and ``all_owners`` do in Looker.
    mine_unless: tuple[str, str] | None = None


COLLECTIONS = {
    "dashboards": Collection("dashboards", search=True, paged=True, full=False),
    "looks": Collection("looks", search=True, paged=True, full=False),
    "folders": Collection("folders", search=True, paged=True, full=True),
    "boards": Collection("boards", search=True, paged=True, full=False),
    "users": Collection("users", search=False, paged=True, full=True),
    "groups": Collection("groups", search=False, paged=True, full=True),
    "roles": Collection("roles", search=True, paged=True, full=True),
    "permission_sets": Collection(
        "permission_sets", search=True, paged=True, full=True
    ),
    "model_sets": Collection("model_sets", search=True, paged=True, full=True),
    "user_attributes": Collection(
        "user_attributes", search=False, paged=False, full=True
    ),
    "scheduled_plans": Collection(
        "scheduled_plans",
        search=False,
        paged=False,
        full=False,
        mine_unless=("all_users", "user_id"),
    ),
    "alerts": Collection(
        "alerts",
        search=True,
        paged=True,
        full=False,
        mine_unless=("all_owners", "owner_id"),
    ),
    "lookml_models": Collection("lookml_models", search=False, paged=True, full=True),
}
GROUP_VALUES = "user_attribute_group_values"
# Token prefixes remembered for the log; more distinct headers than this
# start the cache over.
_PREFIX_CACHE_SIZE = 10_000
# Paths open without a token, which faults drawn by rate never hit.
UNLIMITED_PATHS = frozenset(
    ("/api/versions", f"{API_PREFIX}/versions", f"{API_PREFIX}/login")
)


class InvalidParameter(Exception):
    """A query parameter Looker would reject with 400."""


def normalize(path: str) -> str:
    """Collapse repeated slashes and drop a trailing one."""
    if "//" in path:
        path = "/" + "/".join(part for part in path.split("/") if part)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def split_fields(fields: str) -> list[str]:
    """Return the top-level names of a ``fields`` value.

    Looker accepts nested selections such as ``folder(id,name)``; the nested
    part is ignored here and the whole ``folder`` key is kept.
    """
    names, depth, current = [], 0, []
    for char in fields:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            names.append("".join(current).strip())
            current = []
        elif depth == 0:
            current.append(char)
    names.append("".join(current).strip())
    return [name for name in names if name]


def _integer(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise InvalidParameter(f"{name} must be a non-negative integer, not {raw!r}")
    return int(raw)


def page_window(params: dict[str, str]) -> tuple[int, int | None]:
    """Return (offset, limit) from ``limit``/``offset`` or deprecated paging."""
    limit = _integer(params, "limit")
    offset = _integer(params, "offset") or 0
    if limit is None and "limit" not in params:
        per_page = _integer(params, "per_page")
        if per_page is not None:
            page = max(1, _integer(params, "page") or 1)
            return (page - 1) * per_page, per_page
    return offset, limit


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(body: bytes, status: int = 200) -> Response:
    return Response(status, body)


def content_route(method: str, path: str) -> tuple[str | None, str | None]:
    """Return ("listing" or "detail", type) of a content request, else (None, None)."""
    if method != "GET" or not path.startswith(API_PREFIX + "/"):
        return None, None
    segments = path[len(API_PREFIX) + 1 :].split("/")
    collection = COLLECTIONS.get(segments[0])
    if collection is None:
        return None, None
    rest = segments[1:]
    if rest == (["search"] if collection.search else []):
        return "listing", collection.type_name
    if len(rest) == 1:
        return "detail", collection.type_name
    if rest[1:] == ["group_values"] and collection.type_name == "user_attributes":
        return "detail", GROUP_VALUES
    return None, None


class Api:
    """The request handler: Looker API 4.0 routes and the admin endpoints."""

    def __init__(
        self,
        store: ObjectStore,
        tokens: Tokens,
        faults: Faults,
        record: Record,
        counters: Counters,
        mutator: Mutator | None = None,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.faults = faults
        self.record = record
        self.counters = counters
        self.mutator = mutator or Mutator(store, None)
        self.fault_state = FaultState()
        self.log = RequestLog()
        self.base_url = ""
        # Full bodies the current response contains, recorded once it is sent.
        self._served: list[tuple[str, str, str, str]] = []
        # The token a successful login issued, logged in place of the header's.
        self._issued: str | None = None
        # Authorization header -> the token prefix logged, so that the log
        # entries of one token share one string.
        self._prefixes: dict[bytes, str | None] = {}

    def __call__(self, request: Request) -> Response:
        path = normalize(request.path)
        if path.startswith(ADMIN_PREFIX):
            return self._admin(request, path)

        self._served = []
        self._issued = None
        arrived = request.arrived or time.time()
        # Positional arguments, in LogEntry's field order, because keywords
        # cost 0.3 µs more on this path, which every request takes.
        entry = LogEntry(
            arrived,
            request.method,
            path,
            request.query,
            None,
            0,
            None,
            self._token_prefix(request.headers.get(b"authorization")),
            request.peer,
            self.fault_state.arrived(path, arrived),
        )
        response = self._respond(request, path, entry)

        if self._issued is not None:
            entry.token = self._issued[:8]
        if response.hang:
            self.record.requests[path] += 1
        else:
            entry.status = response.status
            entry.bytes = len(response.body)
            if response.truncate_at is not None:
                entry.bytes = min(entry.bytes, response.truncate_at)
            self.record.count_response(path, response.status)
        self.log.add(entry)

        if response.delay_s > 0 or response.hang or response.truncate_at is not None:
            response.on_done = self._on_done(response, entry, self._served)
        else:
            # The protocol sends a response without delay as soon as this
            # returns, so its bodies can be recorded now.
            self._record_served(self._served)
        return response

    def _respond(self, request: Request, path: str, entry: LogEntry) -> Response:
        """Serve a request with the fault drawn for it, if any."""
        delay_s = self.faults.delay_s(path)
        fault, status = self._draw_fault(request, path)
        if fault == HANG:
            return Response(0, hang=True)
        if fault == TOO_MANY_REQUESTS:
            sent_at = time.time() + delay_s
            response, retry_at = self.faults.too_many_requests(sent_at)
            self.fault_state.rate_limited(path, retry_at)
            entry.retry_after = retry_at - sent_at
        elif fault == GATEWAY_ERROR:
            response = self.faults.gateway_error(status)
        else:
            response = self._api(request, path)
        response.delay_s = delay_s
        if fault == DROP:
            response.truncate_at = len(response.body) // 2
        elif fault == SLOW:
            response.delay_s += self.faults.slow_s
        return response

    def _draw_fault(self, request: Request, path: str) -> tuple[str | None, int]:
        """Return the fault kind of a request, or None, and the status it sets."""
        faults = self.faults
        if path in UNLIMITED_PATHS or not path.startswith("/api/"):
            return None, 200
        if not (faults.active or faults.hang_types):
            return None, 200
        kind, type_name = content_route(request.method, path)
        if kind == "detail" and type_name in faults.hang_types:
            return HANG, 0
        if not faults.active or (kind == "listing" and not faults.faults_on_listings):
            return None, 200
        return faults.choose(path, self.fault_state.next_number(path))

    def _token_prefix(self, authorization: bytes | None) -> str | None:
        if not authorization:
            return None
        prefix = self._prefixes.get(authorization)
        if prefix is None:
            if len(self._prefixes) >= _PREFIX_CACHE_SIZE:
                self._prefixes.clear()
            token = authorization.partition(b" ")[2].strip()
            prefix = token[:8].decode("latin-1") or None
            self._prefixes[authorization] = prefix
        return prefix

    def _on_done(self, response: Response, entry: LogEntry, served: list):
        """Record the bodies once sent, or log that the client got nothing."""

        def done(sent: bool) -> None:
            if sent:
                self._record_served(served)
            elif response.truncate_at is None:
                entry.status = None
                entry.bytes = 0

        return done

    def _record_served(self, served: list[tuple[str, str, str, str]]) -> None:
        for type_name, object_id, path, sha256 in served:
            self.record.served_object(type_name, object_id, path, sha256)

    def _api(self, request: Request, path: str) -> Response:
        if path == "/api/versions":
            return _json(self._versions())
        if not path.startswith(API_PREFIX + "/"):
            return _json(NOT_FOUND, 404)
        segments = path[len(API_PREFIX) + 1 :].split("/")
        route = (request.method, *segments)

        # Login and versions are the only API endpoints open without a token.
        if route == ("POST", "login"):
            return self._login(request)
        if route == ("GET", "versions"):
            return _json(self._versions())
        authorization = request.headers.get(b"authorization")
        if not self.tokens.valid(authorization):
            return _json(REQUIRES_AUTHENTICATION, 401)

        if route == ("DELETE", "logout"):
            self.tokens.logout(authorization)
            return Response(204, content_type=None)
        if route == ("GET", "user"):
            return _json(self.store.api_user())
        if request.method != "GET":
            return _json(NOT_FOUND, 404)
        try:
            return self._content(request, path, segments)
        except InvalidParameter as error:
            return _json(_error(str(error)), 400)

    def _login(self, request: Request) -> Response:
        token = self.tokens.login(request.body, request.query)
        if token is None:
            return _json(INVALID_CREDENTIALS, 401)
        self.record.logins += 1
        self._issued = token["access_token"]
        return _json(orjson.dumps(token))

    def _content(self, request: Request, path: str, segments: list[str]) -> Response:
        collection = COLLECTIONS.get(segments[0])
        if collection is None:
            return _json(NOT_FOUND, 404)
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        rest = segments[1:]
        listing_rest = ["search"] if collection.search else []
        if rest == listing_rest:
            return self._listing(collection, path, params)
        if len(rest) == 1:
            return self._detail(collection.type_name, rest[0], path, params)
        if rest[1:] == ["group_values"] and collection.type_name == "user_attributes":
            return self._detail(GROUP_VALUES, rest[0], path, params)
        return _json(NOT_FOUND, 404)

    def _detail(
        self, type_name: str, object_id: str, path: str, params: dict[str, str]
    ) -> Response:
        table = self.store.tables[type_name]
        position = table.positions.get(object_id)
        if position is None:
            return _json(NOT_FOUND, 404)
        if type_name in self.faults.forbid_types:
            return _json(FORBIDDEN, 403)
        failure = self.faults.object_failure(type_name, object_id)
        if failure is not None:
            return failure
        body = self.store.body(type_name, position)
        fields = split_fields(params.get("fields", ""))
        if fields:
            return _json(orjson.dumps(_trim(orjson.loads(body.data), fields)))
        how = self.faults.corruption(type_name, object_id)
        if how is not None:
            data = spoil(body.data, how)
            self._served.append((type_name, object_id, path, _sha256(data)))
            return _json(data)
        self._served.append((type_name, object_id, path, body.sha256))
        return _json(body.data)

    def _listing(
        self, collection: Collection, path: str, params: dict[str, str]
    ) -> Response:
        if collection.type_name in self.faults.forbid_types:
            return _json(FORBIDDEN, 403)
        positions = self._positions(collection, params)
        fields = split_fields(params.get("fields", ""))
        if collection.full and not fields:
            return _json(self._full_listing(collection.type_name, positions, path))
        if collection.full:
            items = [
                _trim(
                    orjson.loads(self.store.body(collection.type_name, p).data), fields
                )
                for p in positions
            ]
        else:
            table = self.store.tables[collection.type_name]
            items = [table.summary(p, fields or None) for p in positions]
        return _json(orjson.dumps(items))

    def _positions(self, collection: Collection, params: dict[str, str]):
        type_name = collection.type_name
        sorts = params.get("sorts", "")
        table = self.store.tables[type_name]
        if sorts:
            positions = self.store.ordered(type_name, sorts)
        else:
            positions = range(len(table))
        if collection.mine_unless is not None:
            parameter, owner_field = collection.mine_unless
            if params.get(parameter, "").lower() != "true":
                positions = [
                    p for p in positions if table.value(p, owner_field) == API_USER_ID
                ]
        if not collection.paged:
            return positions
        offset, limit = page_window(params)
        end = None if limit is None else offset + limit
        return positions[offset:end]

    def _full_listing(self, type_name: str, positions, path: str) -> bytes:
        """Join canonical bodies so each array element is a body, byte for byte."""
        keys = self.store.tables[type_name].keys
        parts = []
        for position in positions:
            body = self.store.body(type_name, position)
            self._served.append((type_name, keys[position], path, body.sha256))
            parts.append(body.data)
        return b"[" + b",".join(parts) + b"]"

    def _versions(self) -> bytes:
        def version(number: str, full: str, status: str) -> dict:
            return {
                "version": number,
                "full_version": full,
                "status": status,
                "swagger_url": f"{self.base_url}/api/{number}/swagger.json",
            }

        current = version("4.0", f"4.0.{LOOKER_RELEASE}", "current")
        return orjson.dumps(
            {
                "looker_release_version": LOOKER_RELEASE,
                "current_version": current,
                "supported_versions": [
                    version("3.1", "3.1.0", "legacy"),
                    current,
                ],
                "api_server_url": self.base_url,
                "web_server_url": self.base_url,
            }
        )

    def _admin(self, request: Request, path: str) -> Response:
        name = path[len(ADMIN_PREFIX) :]
        if name == "reset" and request.method == "POST":
            self.record.reset()
            self.log.reset()
            self.fault_state.reset()
            return Response(204, content_type=None)
        if name == "mutate" and request.method == "POST":
            try:
                return _json(orjson.dumps(self.mutator.apply(request.body)))
            except InvalidMutation as error:
                return _json(_error(str(error)), 400)
        if request.method != "GET":
            return _json(NOT_FOUND, 404)
        if name == "record":
            return _json(self.record.to_json())
        if name == "log":
            return _json(self.log.to_json())
        if name == "inventory":
            return _json(orjson.dumps(self.store.inventory()))
        if name == "stats":
            return _json(self._stats())
        return _json(NOT_FOUND, 404)

    def _stats(self) -> bytes:
        times = os.times()
        return orjson.dumps(
            {
                "cpu_seconds": times.user + times.system,
                "requests": self.counters.requests,
                "bytes_sent": self.counters.bytes_sent,
                "too_early": self.fault_state.too_early,
                "connections": self.counters.connections,
                "hanging": self.counters.hanging,
                "log_entries": len(self.log),
            }
        )


def _trim(item: object, fields: list[str]) -> object:
    """Keep only ``fields`` of an object (or of each one in an array), in order."""
    if isinstance(item, list):
        return [_trim(element, fields) for element in item]
    if not isinstance(item, dict):
        return item
    requested = set(fields)
    return {key: value for key, value in item.items() if key in requested}
