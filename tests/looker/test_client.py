"""The client's HTTP session: proxies and CA bundle read from the environment
once, as requests would read them on every request."""

from __future__ import annotations

import pytest

from lookervault.config import Credentials
from lookervault.errors import ConfigInvalid
from lookervault.looker.diagnose import proxy_for
from lookervault.looker.login import logged_in_client

LOOKER = "https://looker.example.com"
PROXY = "http://proxy.example.com:3128"


def _session(**settings):
    credentials = Credentials(LOOKER, "id", "secret", **settings)
    return logged_in_client(credentials, pool_size=1).session


def test_proxy_variables_apply_to_the_session(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = _session()
    assert session.proxies.get("https") == PROXY
    assert session.trust_env is False


def test_no_proxy_naming_the_host_bypasses_the_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "example.com")
    assert _session().proxies == {}


def test_ca_bundle_used_unless_verification_off(monkeypatch, tmp_path):
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert _session().verify == str(bundle)
    assert _session(verify_ssl=False).verify is False
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert _session().verify is True


def test_ca_bundle_that_does_not_exist_is_named(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigInvalid, match="/nonexistent/ca.pem, which does not"):
        _session()


def test_proxy_is_named_without_its_password(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://admin:Pr0xyPass@proxy.example.com:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert proxy_for(LOOKER) == "http://***@proxy.example.com:3128"
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    assert proxy_for(LOOKER) == PROXY
