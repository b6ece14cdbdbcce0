"""A minimal HTTP/1.1 server protocol for asyncio, built for throughput.

It parses what HTTP clients such as ``requests`` send: a request line, headers,
and a body sized by ``Content-Length``.  Connections are kept alive unless the
client sends ``Connection: close`` or speaks HTTP/1.0 without keep-alive.
Chunked request bodies are rejected with 501, because neither looker-sdk nor
requests sends one for a form or bytes body.

Each connection responds to its requests one at a time and in order.  A
response delayed by simulated latency (``Response.delay_s``, applied with
``loop.call_later``, never by blocking) therefore holds back the requests
pipelined behind it, as on a real server, while other connections go on.
A response marked ``hang`` is never sent: its connection waits until the
client closes it.  One with ``truncate_at`` set sends its full head, that many
body bytes, and closes the connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from urllib.parse import unquote

import orjson

logger = logging.getLogger(__name__)

# Limits that protect the simulator from a broken client.  Looker clients send
# a few hundred bytes of headers and, for login only, a small form body.
MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024
# Bodies at least this large are written apart from their head instead of
# joined to it, because copying a large body costs more than a second send().
_JOIN_LIMIT = 16 * 1024

REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Request:
    """One parsed HTTP request; header names are lower-case bytes."""

    __slots__ = (
        "method",
        "path",
        "query",
        "headers",
        "body",
        "keep_alive",
        "peer",
        "arrived",
    )

    def __init__(
        self, method, path, query, headers, body, keep_alive, peer="", arrived=0.0
    ) -> None:
        self.method: str = method
        self.path: str = path
        self.query: str = query
        self.headers: dict[bytes, bytes] = headers
        self.body: bytes = body
        self.keep_alive: bool = keep_alive
        # "ip:port" of the client, and time.time() when the request's first
        # bytes were read.
        self.peer: str = peer
        self.arrived: float = arrived


class Response:
    """A response to send ``delay_s`` seconds after its request.

    ``on_done`` is called with True once the whole response is written, or
    with False when it is never sent in full: it hung, was truncated, or
    its connection closed before the delay ended.
    """

    __slots__ = (
        "status",
        "body",
        "content_type",
        "headers",
        "delay_s",
        "close",
        "hang",
        "truncate_at",
        "on_done",
    )

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "application/json",
        headers: tuple[tuple[str, str], ...] = (),
        delay_s: float = 0.0,
        close: bool = False,
        hang: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers
        self.delay_s = delay_s
        self.close = close
        self.hang = hang
        self.truncate_at: int | None = None
        self.on_done: Callable[[bool], None] | None = None

    def done(self, sent: bool) -> None:
        if self.on_done is not None:
            self.on_done(sent)

    def head(self, close: bool) -> bytes:
        """Serialize the status line and headers, ending with the blank line."""
        lines = [f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Unknown')}"]
        if self.content_type is not None:
            lines.append(f"Content-Type: {self.content_type}")
        if self.status != 204:  # RFC 9110 forbids Content-Length on a 204
            lines.append(f"Content-Length: {len(self.body)}")
        lines.extend(f"{name}: {value}" for name, value in self.headers)
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class BadRequest(Exception):
    """A request that cannot be parsed; the connection closes after the error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


Handler = Callable[[Request], Response]


class Counters:
    """Responses and bytes sent since start, admin endpoints included.

    Also the connections open now and the requests hanging on them.
    """

    __slots__ = ("requests", "bytes_sent", "connections", "hanging")

    def __init__(self) -> None:
        self.requests = 0
        self.bytes_sent = 0
        self.connections = 0
        self.hanging = 0


def parse_head(head: bytes) -> tuple[str, str, str, dict[bytes, bytes], bool]:
    """Parse a request head into (method, path, query, headers, keep-alive)."""
    lines = head.split(b"\r\n")
    try:
        method, target, version = lines[0].decode("latin-1").split(" ")
    except ValueError:
        raise BadRequest(400, "malformed request line") from None
    if not version.startswith("HTTP/1."):
        raise BadRequest(400, f"unsupported protocol {version!r}")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            raise BadRequest(400, "malformed header line")
        headers[name.strip().lower()] = value.strip()
    path, _, query = target.partition("?")
    if "%" in path:
        path = unquote(path)
    connection = headers.get(b"connection", b"").lower()
    if version == "HTTP/1.0":
        keep_alive = connection == b"keep-alive"
    else:
        keep_alive = connection != b"close"
    return method, path, query, headers, keep_alive


def body_length(headers: dict[bytes, bytes]) -> int:
    if b"transfer-encoding" in headers:
        raise BadRequest(501, "chunked request bodies are not supported")
    raw = headers.get(b"content-length")
    if raw is None:
        return 0
    if not raw.isdigit():
        raise BadRequest(400, "invalid Content-Length")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise BadRequest(413, "request body too large")
    return length


class HttpProtocol(asyncio.Protocol):
    """One client connection, which parses requests and writes the responses."""

    def __init__(self, handler: Handler, counters: Counters, connections: set) -> None:
        self._handler = handler
        self._counters = counters
        self._connections = connections
        self._transport: asyncio.Transport | None = None
        self._peer = ""
        self._buffer = bytearray()
        # time.time() when the first bytes still in the buffer were read.
        self._buffer_since = 0.0
        self._busy = False
        self._paused = False
        self._closing = False
        self._timer: asyncio.TimerHandle | None = None
        # The response that is delayed or hanging, until it is sent.
        self._pending: Response | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._connections.add(self)
        self._counters.connections += 1
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self._peer = f"{peer[0]}:{peer[1]}"

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        self._counters.connections -= 1
        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, None
        if pending is not None:
            if pending.hang:
                self._counters.hanging -= 1
            pending.done(False)

    def pause_writing(self) -> None:
        # The client reads slower than we write.  Responding stops until the
        # transport drains, so that pipelined requests cannot pile up bodies.
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._serve_buffered()

    def data_received(self, data: bytes) -> None:
        if not self._buffer:
            self._buffer_since = time.time()
        self._buffer += data
        if self._busy and len(self._buffer) > MAX_HEAD_BYTES + MAX_BODY_BYTES:
            # Requests pipelined behind a delayed or hanging response are kept
            # until it is sent, but not without bound.
            logger.warning(
                "closing connection from %s: %d bytes pipelined behind a "
                "response that is not sent yet",
                self._peer,
                len(self._buffer),
            )
            self.close()
            return
        self._serve_buffered()

    def close(self) -> None:
        """Close the connection once what is already written has been sent."""
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def _serve_buffered(self) -> None:
        while not (self._busy or self._paused or self._closing):
            try:
                request = self._next_request()
            except BadRequest as error:
                self._reject(error)
                return
            if request is None:
                return
            self._serve(request)

    def _next_request(self) -> Request | None:
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEAD_BYTES:
                raise BadRequest(431, "request head too large")
            return None
        method, path, query, headers, keep_alive = parse_head(bytes(buffer[:end]))
        length = body_length(headers)
        start = end + 4
        if len(buffer) < start + length:
            return None
        body = bytes(buffer[start : start + length])
        del buffer[: start + length]
        arrived = self._buffer_since
        if buffer:
            # The next request's first bytes came with this one's or later,
            # so now is the latest time they can have arrived.
            self._buffer_since = time.time()
        return Request(
            method, path, query, headers, body, keep_alive, self._peer, arrived
        )

    def _serve(self, request: Request) -> None:
        try:
            response = self._handler(request)
        except Exception:
            logger.exception("handler failed on %s %s", request.method, request.path)
            response = Response(500, b'{"message":"Internal server error"}')
        if response.hang:
            # Parse nothing more from this connection until the client closes it.
            self._busy = True
            self._pending = response
            self._counters.hanging += 1
            return
        close = response.close or not request.keep_alive
        if response.truncate_at is not None:
            close = True
        if response.delay_s > 0:
            self._busy = True
            self._pending = response
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(
                response.delay_s, self._send_later, response, close
            )
            return
        self._send(response, close)

    def _send_later(self, response: Response, close: bool) -> None:
        self._timer = None
        self._pending = None
        self._busy = False
        if self._closing:
            response.done(False)
            return
        self._send(response, close)
        self._serve_buffered()

    def _send(self, response: Response, close: bool) -> None:
        head = response.head(close)
        body = response.body
        if response.truncate_at is not None:
            body = body[: response.truncate_at]
            if not response.body:
                # With no body to cut, cut the head, or the client would
                # receive a complete response.
                head = head[: len(head) // 2]
        if len(body) < _JOIN_LIMIT:
            self._transport.write(head + body)
        else:
            self._transport.write(head)
            self._transport.write(body)
        self._counters.requests += 1
        self._counters.bytes_sent += len(head) + len(body)
        response.done(response.truncate_at is None)
        if close:
            self.close()

    def _reject(self, error: BadRequest) -> None:
        body = orjson.dumps({"message": str(error)})
        self._buffer.clear()
        self._send(Response(error.status, body), close=True)
