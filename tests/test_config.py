"""Config files: what is accepted, and the one-line errors for what is not."""

from __future__ import annotations

import pytest

from lookervault import catalog, config
from lookervault.config import ConfigInvalid
from lookervault.looker.settings import normalize_base_url, resolve_credentials


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_fill_a_minimal_config(tmp_path):
    loaded = config.load(write(tmp_path, '[looker]\nbase_url = "https://x.test"\n'))
    assert loaded.backup.types == catalog.TYPE_NAMES
    assert loaded.backup.threads == 8
    assert 1 <= loaded.backup.processes <= 8
    assert loaded.backup.database == tmp_path / "lookervault.db"
    assert loaded.simulator is None


def test_command_line_overrides_win(tmp_path):
    path = write(tmp_path, "[backup]\nprocesses = 3\nthreads = 2\n")
    loaded = config.load(path, {"processes": 5, "threads": None})
    assert loaded.backup.processes == 5
    assert loaded.backup.threads == 2


@pytest.mark.parametrize(
    "text, words",
    [
        ("[backup]\nprocesses = 0\n", ["processes = 0", "out of range", "1 to 64"]),
        ("[backup]\nthreads = 65\n", ["threads = 65", "out of range"]),
        ("[backup]\nthreads = true\n", ["threads = True", "whole number"]),
        ('[backup]\nprocesses = "4"\n', ["processes = '4'", "whole number"]),
        ("[backup]\nthread = 4\n", ["unknown key 'thread'", "did you mean 'threads'"]),
        ("[backups]\n", ["unknown table", "did you mean 'backup'"]),
        (
            '[backup]\ntypes = ["dashboard"]\n',
            ["dashboard", "did you mean 'dashboards'"],
        ),
        ("[backup]\ntypes = []\n", ["types is empty"]),
        ('[backup]\nstart_method = "fork"\n', ["fork", "spawn"]),
        ('[simulator]\nfail = ["dashboards"]\n', ["type:id"]),
        ("[backup\nprocesses = 1\n", ["not valid TOML", "line 1"]),
    ],
)
def test_invalid_values_are_named(tmp_path, text, words):
    with pytest.raises(ConfigInvalid) as caught:
        config.load(write(tmp_path, text))
    for word in words:
        assert word in str(caught.value)


def test_missing_file_says_so(tmp_path):
    with pytest.raises(ConfigInvalid, match="not found"):
        config.load(tmp_path / "absent.toml")


def test_credentials_prefer_config_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", "from-env")
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("LOOKERSDK_BASE_URL", "https://env.test")
    loaded = config.load(write(tmp_path, '[looker]\nclient_id = "from-config"\n'))
    credentials = resolve_credentials(loaded)
    assert credentials.client_id == "from-config"
    assert credentials.client_secret == "env-secret"
    assert credentials.base_url == "https://env.test"
    assert "env-secret" not in repr(credentials)


def test_credentials_read_from_looker_ini(tmp_path, monkeypatch):
    for name in ("BASE_URL", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(f"LOOKERSDK_{name}", raising=False)
    (tmp_path / "looker.ini").write_text(
        "[Looker]\nbase_url=https://ini.test/\nclient_id=ini-id\n"
        "client_secret=ini-secret\nverify_ssl=false\n"
    )
    loaded = config.load(write(tmp_path, '[looker]\nini_file = "looker.ini"\n'))
    credentials = resolve_credentials(loaded)
    assert credentials.base_url == "https://ini.test"
    assert credentials.client_id == "ini-id"
    assert credentials.verify_ssl is False


def test_missing_credentials_say_where_they_were_looked_for(tmp_path, monkeypatch):
    for name in ("BASE_URL", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(f"LOOKERSDK_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    loaded = config.load(write(tmp_path, '[looker]\nbase_url = "https://x.test"\n'))
    with pytest.raises(ConfigInvalid) as caught:
        resolve_credentials(loaded)
    message = str(caught.value)
    assert "client_id and client_secret" in message
    assert "LOOKERSDK_CLIENT_SECRET" in message
    assert "looker.ini" in message


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://x.test/", "https://x.test"),
        ("https://x.test:19999/api/4.0", "https://x.test:19999"),
        ("https://x.test/api/4.0/", "https://x.test"),
    ],
)
def test_base_url_is_normalized(url, expected):
    assert normalize_base_url(url) == expected


def test_base_url_without_scheme_is_rejected():
    with pytest.raises(ConfigInvalid, match="https://"):
        normalize_base_url("mycompany.looker.com")
