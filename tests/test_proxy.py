"""A backup through an HTTP proxy that wants a password: the login, the
listings and every worker's fetches go through it, authenticated."""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import ssl
import subprocess
import threading
from urllib.parse import urlsplit

import pytest

from lookervault.config import Credentials
from lookervault.errors import LookerUnreachable
from lookervault.looker.login import OwnLogin
from lookervault.looker.route import route_for

from helpers import CLIENT_ID, CLIENT_SECRET, run_cli, write_config

PROXY_USER = "backup"
PROXY_PASSWORD = "pr0xy-p@ss"
HOP_HEADERS = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


class _ForwardingProxy(http.server.BaseHTTPRequestHandler):
    """Forward absolute-URL requests to their host; 407 without the password."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._forward()

    def do_POST(self):
        self._forward()

    def _forward(self):
        expected = (
            "Basic "
            + base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
        )
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.headers.get("Proxy-Authorization") != expected:
            self.server.refused += 1
            self._answer(407, {"Proxy-Authenticate": "Basic"}, b"")
            return
        target = urlsplit(self.path)
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS
        }
        upstream = http.client.HTTPConnection(target.hostname, target.port)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        upstream.close()
        with self.server.lock:
            self.server.forwarded.append(target.path)
        self._answer(answer.status, dict(answer.getheaders()), content)

    def _answer(self, status, headers, content):
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in HOP_HEADERS | {"content-length", "transfer-encoding"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ForwardingProxy)
    server.forwarded, server.refused, server.lock = [], 0, threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _proxy_env(port: int, password: str) -> dict:
    url = f"http://{PROXY_USER}:{password.replace('@', '%40')}@127.0.0.1:{port}"
    return {"HTTP_PROXY": url, "http_proxy": url, "NO_PROXY": "", "no_proxy": ""}


def test_backup_goes_through_an_authenticated_proxy(tmp_path, start_simulator, proxy):
    simulator = start_simulator(counts={"dashboards": 12, "looks": 12})
    config = write_config(tmp_path, simulator.base_url, types=["dashboards", "looks"])
    env = _proxy_env(proxy.server_address[1], PROXY_PASSWORD)
    result = run_cli("run", config, "--json", "--processes", "2", env=env)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert json.loads(result.stdout)["totals"]["stored"] == 24
    assert proxy.refused == 0
    assert "/api/4.0/login" in proxy.forwarded
    details = [p for p in proxy.forwarded if p.count("/") == 4 and "search" not in p]
    assert len(details) == 24
    assert PROXY_PASSWORD not in result.stderr.decode()


def test_wrong_proxy_password_is_reported(tmp_path, start_simulator, proxy):
    simulator = start_simulator(counts={"dashboards": 1})
    config = write_config(tmp_path, simulator.base_url, types=["dashboards"])
    env = _proxy_env(proxy.server_address[1], "wrong-password")
    result = run_cli("run", config, env=env)
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "the proxy http://***@127.0.0.1:" in stderr
    assert "requires a user name and password" in stderr
    assert "(HTTP 407)" in stderr
    assert "wrong-password" not in stderr


@pytest.mark.parametrize(
    "proxy, secret",
    [
        ("http://admin:Sup3rS3cret@127.0.0.1:99999", "Sup3rS3cret"),
        ("http://backup:p@ss:w/rd %x@127.0.0.1:18100", "ss:w"),
        ("http://[bad", "[bad"),
        ("3128", "3128"),
        ("http://:3128", ":3128"),
        ("http://u:p@127.0.0.1:9/MyS3cretPart@127.0.0.1:3128", "MyS3cretPart"),
        ("http://user:p@ss/w#rd@127.0.0.1:3128", "w#rd"),
    ],
)
def test_invalid_proxy_url_exits_2_unshown(tmp_path, proxy, secret):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    env = {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    result = run_cli("run", config, "--json", env=env)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert "http_proxy is not a valid proxy URL" in stderr
    assert "Traceback" not in stderr
    assert secret not in stderr
    assert json.loads(result.stdout)["exit_code"] == 2


@pytest.fixture
def tls_proxy(tmp_path):
    """The forwarding proxy over TLS, with a certificate no authority signed."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName = IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ForwardingProxy)
    server.forwarded, server.refused, server.lock = [], 0, threading.Lock()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, cert
    server.shutdown()
    server.server_close()


def _tls_proxy_url(proxy) -> str:
    password = PROXY_PASSWORD.replace("@", "%40")
    return f"https://{PROXY_USER}:{password}@127.0.0.1:{proxy.server_address[1]}"


def test_run_through_https_proxy_checks_it(tmp_path, start_simulator, tls_proxy):
    """An https:// proxy in front of an http:// Looker is trusted only with
    its authority in REQUESTS_CA_BUNDLE."""
    proxy, cert = tls_proxy
    simulator = start_simulator(counts={"dashboards": 2})
    config = write_config(tmp_path, simulator.base_url, types=["dashboards"])
    url = _tls_proxy_url(proxy)
    env = {"HTTP_PROXY": url, "http_proxy": url, "NO_PROXY": "", "no_proxy": ""}
    untrusted = run_cli("run", config, env={**env, "REQUESTS_CA_BUNDLE": ""})
    assert untrusted.returncode == 1, untrusted.stderr.decode()[-2000:]
    assert proxy.forwarded == []
    trusted = run_cli("run", config, env={**env, "REQUESTS_CA_BUNDLE": str(cert)})
    assert trusted.returncode == 0, trusted.stderr.decode()[-2000:]
    assert "/api/4.0/login" in proxy.forwarded


def test_login_checks_https_proxy_certificate(start_simulator, tls_proxy, monkeypatch):
    """The login sends the client secret through the proxy: requests alone
    would not check an https:// proxy in front of an http:// URL."""
    proxy, cert = tls_proxy
    simulator = start_simulator(counts={"dashboards": 1})
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, _tls_proxy_url(proxy))
    for name in ("NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    credentials = Credentials(simulator.base_url, CLIENT_ID, CLIENT_SECRET)
    untrusted = OwnLogin(credentials, route_for(simulator.base_url))
    with pytest.raises(LookerUnreachable):
        untrusted.login()
    assert proxy.forwarded == []
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    OwnLogin(credentials, route_for(simulator.base_url)).login()
    assert "/api/4.0/login" in proxy.forwarded
