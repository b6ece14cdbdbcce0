"""The HTTP/1.1 layer, spoken to over raw sockets."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from simhelpers import TIMEOUT_S

VERSIONS = b"GET /api/4.0/versions HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture
def connect(simulator):
    """Open raw sockets to the simulator; close them after the test."""
    address = urlsplit(simulator.base_url)
    opened = []

    def open_socket() -> socket.socket:
        sock = socket.create_connection(
            (address.hostname, address.port), timeout=TIMEOUT_S
        )
        opened.append(sock)
        return sock

    yield open_socket
    for sock in opened:
        sock.close()


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[bytes, bytes]:
    """Read one response (head, body) sized by Content-Length."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before a full response"
        buffer += chunk
    end = buffer.index(b"\r\n\r\n")
    head = bytes(buffer[:end])
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(buffer) < end + 4 + length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside a body"
        buffer += chunk
    body = bytes(buffer[end + 4 : end + 4 + length])
    del buffer[: end + 4 + length]
    return head, body


def closed_by_server(sock: socket.socket) -> bool:
    return sock.recv(1) == b""


def test_keep_alive_serves_many_requests(connect):
    """One connection serves request after request."""
    sock = connect()
    buffer = bytearray()

    heads = []
    for _ in range(3):
        sock.sendall(VERSIONS)
        heads.append(read_response(sock, buffer)[0])

    assert all(head.startswith(b"HTTP/1.1 200 OK") for head in heads)


def test_pipelined_requests_keep_order(connect):
    """Pipelined requests get their responses in the order sent."""
    sock = connect()
    buffer = bytearray()
    sock.sendall(
        b"GET /api/4.0/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
        + VERSIONS
        + b"GET /__simulator/inventory HTTP/1.1\r\nHost: x\r\n\r\n"
    )

    statuses = [read_response(sock, buffer)[0][9:12] for _ in range(3)]

    assert statuses == [b"401", b"200", b"200"]


def test_connection_close_is_honoured(connect):
    """``Connection: close`` gets its response, then the socket closes."""
    sock = connect()
    sock.sendall(VERSIONS.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))

    head, _ = read_response(sock, bytearray())

    assert b"Connection: close" in head
    assert closed_by_server(sock)


def test_http10_closes_by_default(connect):
    """HTTP/1.0 without keep-alive closes after one response."""
    sock = connect()
    sock.sendall(b"GET /api/4.0/versions HTTP/1.0\r\n\r\n")

    head, _ = read_response(sock, bytearray())

    assert head.startswith(b"HTTP/1.1 200")
    assert closed_by_server(sock)


def test_post_body_is_read_by_content_length(connect):
    """A form body split over two packets is read whole."""
    sock = connect()
    form = b"client_id=test-client&client_secret=test-secret-0f9a"
    sock.sendall(
        b"POST /api/4.0/login HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(form)}\r\n\r\n".encode()
        + form[:10]
    )
    sock.sendall(form[10:])

    head, body = read_response(sock, bytearray())

    assert head.startswith(b"HTTP/1.1 200")
    assert b"access_token" in body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"GET /x HTTP/2.0\r\n\r\n", b"400"),
        (b"GET /x HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
        (b"POST /api/4.0/login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"501"),
        (b"POST /api/4.0/login HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"400"),
    ],
)
def test_bad_requests_are_rejected_and_closed(connect, request_bytes, status):
    """Unparseable requests get a 4xx/5xx response and the connection closes."""
    sock = connect()
    sock.sendall(request_bytes)

    head, _ = read_response(sock, bytearray())

    assert head[9:12] == status
    assert closed_by_server(sock)


def test_oversized_head_is_rejected(connect):
    """A request head past the size limit gets 431."""
    sock = connect()
    sock.sendall(b"GET /x HTTP/1.1\r\nX-Big: " + b"a" * 70_000)

    head, _ = read_response(sock, bytearray())

    assert head[9:12] == b"431"
