"""The client's route: proxies and CA bundle read from the environment once,
with the rules requests and looker-sdk's login use."""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

import certifi
import pytest
import urllib3

from lookervault.config import Credentials
from lookervault.errors import ConfigInvalid, LookerUnreachable
from lookervault.looker.client import NETWORK_ERRORS, LookerClient
from lookervault.looker.login import logged_in_client
from lookervault.looker.route import Route, route_for

LOOKER = "https://looker.example.com"
PROXY = "http://proxy.example.com:3128"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def _client(**settings):
    credentials = Credentials(LOOKER, "id", "secret", **settings)
    return logged_in_client(credentials, pool_size=1)


def test_proxy_variable_is_read_and_named(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    client = _client()
    assert client.route == Route(PROXY, "HTTPS_PROXY")
    assert isinstance(client.pool, urllib3.ProxyManager)


def test_all_proxy_is_named_as_such(monkeypatch):
    monkeypatch.setenv("all_proxy", PROXY)
    assert route_for(LOOKER) == Route(PROXY, "all_proxy")


def test_proxy_without_scheme_is_an_http_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example.com:3128")
    assert route_for(LOOKER).proxy == PROXY


def test_no_proxy_naming_the_host_bypasses_the_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "example.com")
    client = _client()
    assert client.route.proxy is None
    assert not isinstance(client.pool, urllib3.ProxyManager)


def test_proxy_password_is_sent_but_never_shown(monkeypatch):
    monkeypatch.setenv(
        "HTTPS_PROXY", "http://admin:Pr0xy%40Pass@proxy.example.com:3128"
    )
    client = _client()
    assert client.route.shown_proxy == "http://***@proxy.example.com:3128"
    assert client.pool.proxy_headers == urllib3.util.make_headers(
        proxy_basic_auth="admin:Pr0xy@Pass"
    )
    assert Route(PROXY).shown_proxy == PROXY


def test_socks_proxy_without_pysocks_says_what_to_install(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "socks5://proxy.example.com:1080")
    # Whether or not PySocks is installed here, the error must name the
    # missing package.
    monkeypatch.setitem(sys.modules, "urllib3.contrib.socks", None)
    with pytest.raises(ConfigInvalid, match="HTTPS_PROXY names the SOCKS proxy"):
        _client()


def _authorities(client) -> int:
    context = client.pool.connection_pool_kw["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    return context.cert_store_stats()["x509_ca"]


def test_ca_bundle_used_unless_verification_off(monkeypatch, tmp_path):
    certifi_pem = Path(certifi.where()).read_text()
    first = certifi_pem[: certifi_pem.index("-----END CERTIFICATE-----") + 26]
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text(first)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = _client()
    assert client.route.ca_bundle == str(bundle)
    assert _authorities(client) == 1
    unverified = _client(verify_ssl=False).pool.connection_pool_kw["ssl_context"]
    assert unverified.verify_mode == ssl.CERT_NONE
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert _authorities(_client()) == certifi_pem.count("BEGIN CERTIFICATE")


def test_ca_bundle_that_does_not_exist_is_named(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigInvalid, match="/nonexistent/ca.pem, which does not"):
        _client()


def test_ca_bundle_without_a_certificate_is_named(monkeypatch, tmp_path):
    bundle = tmp_path / "empty.pem"
    bundle.write_text("")
    monkeypatch.setenv("CURL_CA_BUNDLE", str(bundle))
    with pytest.raises(ConfigInvalid, match="empty.pem, which contains no readable"):
        _client()


class _NoToken:
    def current(self):
        return {}

    def close(self):
        pass


@pytest.fixture
def raw_server():
    """Serve one scripted HTTP response per connection on 127.0.0.1."""
    listener = socket.create_server(("127.0.0.1", 0))
    answers = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection, contextlib.suppress(OSError):
                # OSError: the client hung up, as it does when cutting a body.
                connection.recv(65536)
                for piece, pause in answers.pop(0):
                    connection.sendall(piece)
                    time.sleep(pause)

    threading.Thread(target=serve, daemon=True).start()
    port = listener.getsockname()[1]
    credentials = Credentials(f"http://127.0.0.1:{port}", "id", "")
    yield LookerClient(credentials, _NoToken(), Route(), pool_size=1), answers
    listener.close()


def test_unparsable_header_is_a_network_error(raw_server):
    client, answers = raw_server
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello"
    answers.append([(head, 0)])
    with pytest.raises(NETWORK_ERRORS):
        client.get("/dashboards/1")


def test_body_trickling_past_the_timeout_is_cut(raw_server):
    client, answers = raw_server
    # 400 bytes, one every 0.05 s: each read is quick, the whole takes 20 s.
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n"
    answers.append([(head, 0)] + [(b"x", 0.05)] * 400)
    started = time.monotonic()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError, match="did not arrive"):
        client.get("/dashboards/1", timeout=0.5)
    # Cut near the timeout, not after the whole body; 10 s leaves room for a
    # loaded machine.
    assert time.monotonic() - started < 10


def test_https_proxy_is_checked_with_the_same_authorities(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example.com:3128")
    client = _client()
    assert (
        client.pool.proxy_ssl_context is client.pool.connection_pool_kw["ssl_context"]
    )
    plain = Credentials("http://looker.example.com", "id", "secret")
    monkeypatch.setenv("HTTP_PROXY", "https://proxy.example.com:3128")
    behind = logged_in_client(plain, pool_size=1).pool
    assert behind.proxy_ssl_context.verify_mode == ssl.CERT_REQUIRED


def test_ca_directory_is_used_as_a_ca_path(monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path))
    client = _client()
    assert client.route.ca_bundle == str(tmp_path)
    assert _authorities(client) == 0  # a directory is read per handshake


def test_missing_ca_bundle_matters_only_for_tls(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    plain = Credentials("http://looker.example.com", "id", "secret")
    pool = logged_in_client(plain, pool_size=1).pool
    assert "ssl_context" not in pool.connection_pool_kw


def _versions(status: int) -> bytes:
    body = b'{"looker_release_version": "25.0.1", "supported_versions": []}'
    content = body if status == 200 else b"<html>busy</html>"
    head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(content)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + content


def test_busy_versions_is_asked_again(raw_server, monkeypatch):
    client, answers = raw_server
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    answers.extend(
        [[(_versions(503), 0)], [(_versions(429), 0)], [(_versions(200), 0)]]
    )
    assert client.check_api() == "25.0.1"
    assert answers == []


def test_versions_busy_every_time_says_try_later(raw_server, monkeypatch):
    client, answers = raw_server
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    answers.extend([[(_versions(503), 0)]] * 4)
    with pytest.raises(LookerUnreachable, match="responded with HTTP 503 4 times"):
        client.check_api()
