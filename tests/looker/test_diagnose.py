"""Connection errors become sentences that name the fix.

A name that does not resolve is built by hand here: resolving one for real
would send a query to the machine's DNS server.
"""

from __future__ import annotations

import socket

import requests
import urllib3

from lookervault.looker.diagnose import describe_connection_error

URL = "https://looker.example.test:19999/api/4.0/versions"


def wrapped(reason: Exception) -> requests.ConnectionError:
    pool = urllib3.HTTPSConnectionPool("looker.example.test", 19999)
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(pool, URL, reason))


def test_unresolvable_host_is_named():
    pool = urllib3.HTTPSConnectionPool("looker.example.test", 19999)
    conn = pool._new_conn()
    reason = urllib3.exceptions.NameResolutionError(
        "looker.example.test", conn, socket.gaierror(-2, "Name or service not known")
    )
    message = describe_connection_error(wrapped(reason), URL)
    assert message == (
        "host 'looker.example.test' does not resolve; check base_url for a typo"
    )


def test_refused_connection_names_the_port(tmp_path):
    reason = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    message = describe_connection_error(wrapped(reason), URL)
    assert "looker.example.test:19999 was refused" in message
    assert "check the port" in message


def test_timeouts_are_told_apart():
    connect = describe_connection_error(requests.ConnectTimeout("slow"), URL)
    read = describe_connection_error(requests.ReadTimeout("slow"), URL)
    assert "connecting to looker.example.test:19999 timed out" in connect
    assert "timed out answering" in read
