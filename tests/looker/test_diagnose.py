"""Connection errors become sentences that name the fix.

A name that does not resolve is built by hand here: resolving one for real
would send a query to the machine's DNS server.
"""

from __future__ import annotations

import socket

import urllib3
import urllib3.exceptions as errors

from lookervault.looker.diagnose import describe_connection_error
from lookervault.looker.route import Route

URL = "https://looker.example.test:19999/api/4.0/versions"


def test_unresolvable_host_is_named():
    pool = urllib3.HTTPSConnectionPool("looker.example.test", 19999)
    conn = pool._new_conn()
    error = errors.NameResolutionError(
        "looker.example.test", conn, socket.gaierror(-2, "Name or service not known")
    )
    message = describe_connection_error(error, URL)
    assert message == (
        "host 'looker.example.test' does not resolve; check base_url for a typo"
    )


def test_refused_connection_names_the_port():
    error = errors.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    message = describe_connection_error(error, URL)
    assert "looker.example.test:19999 was refused" in message
    assert "check the port" in message


def test_timeouts_are_told_apart():
    connect = describe_connection_error(errors.ConnectTimeoutError(None, "slow"), URL)
    read = describe_connection_error(errors.ReadTimeoutError(None, URL, "slow"), URL)
    assert "connecting to looker.example.test:19999 timed out" in connect
    assert "timed out answering" in read


def test_failing_proxy_is_named_with_its_variable():
    route = Route("http://user:pw@proxy.test:3128", "all_proxy")
    error = errors.ProxyError(
        "Unable to connect to proxy", OSError("Tunnel connection failed: 403")
    )
    message = describe_connection_error(error, URL, route)
    assert message.startswith("the proxy http://***@proxy.test:3128, set in all_proxy")
    assert "Tunnel connection failed: 403" in message
    assert "pw" not in message


def test_tls_failure_says_how_to_trust_the_certificate():
    error = errors.SSLError("certificate verify failed: self-signed certificate")
    message = describe_connection_error(error, URL)
    assert "TLS handshake with looker.example.test:19999 failed" in message
    assert "REQUESTS_CA_BUNDLE" in message


def test_read_timeout_through_a_proxy_names_it():
    route = Route("http://proxy.test:3128", "HTTPS_PROXY")
    error = errors.ReadTimeoutError(None, URL, "Read timed out.")
    message = describe_connection_error(error, URL, route)
    assert message.startswith("the proxy http://proxy.test:3128 (set in HTTPS_PROXY)")
    assert "timed out answering" in message


def test_broken_responses_are_not_connection_failures():
    reset = errors.ProtocolError("Connection aborted.", ConnectionResetError(104))
    header = errors.InvalidHeader("Content-Length contained multiple values")
    closed = describe_connection_error(reset, URL)
    unreadable = describe_connection_error(header, URL)
    assert "closed the connection before a whole response arrived" in closed
    assert "scheme of base_url" in closed
    assert unreadable.startswith("looker.example.test:19999 sent a response")
    assert "Content-Length contained multiple values" in unreadable
