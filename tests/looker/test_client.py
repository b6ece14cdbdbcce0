"""The client's route: proxies and CA bundle read from the environment once,
with the rules requests and looker-sdk's login use."""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

import certifi
import pytest
import urllib3

from lookervault.config import Credentials
from lookervault.errors import ConfigInvalid
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
    with pytest.raises(ConfigInvalid, match="empty.pem, which holds no readable"):
        _client()
