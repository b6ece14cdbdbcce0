"""looker-sdk loads without its API models, yet stays whole for code that
wants the typed SDK.  Each check runs in a new interpreter, where nothing has
imported looker-sdk yet."""

from __future__ import annotations

import subprocess
import sys

MODELS = "looker_sdk.sdk.api40.models"


def _python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_worker_imports_neither_looker_sdk_nor_requests():
    code = (
        "import sys, lookervault.batch.worker\n"
        "print('looker_sdk' in sys.modules, 'requests' in sys.modules)\n"
    )
    assert _python(code) == ["False", "False"]


def test_login_loads_without_the_model_classes():
    code = f"import sys, lookervault.looker.login; print({MODELS!r} in sys.modules)"
    assert _python(code) == ["False"]


def test_first_use_of_the_package_runs_its_init():
    code = (
        "import sys, lookervault.looker.login as login\n"
        "import looker_sdk\n"
        "sdk_class = looker_sdk.init40.__name__\n"
        "same = looker_sdk.rtl.auth_session.AuthSession is login.AuthSession\n"
        f"print(sdk_class, same, {MODELS!r} in sys.modules)\n"
        "from looker_sdk import models40\n"
        "print(models40.Dashboard.__name__)\n"
    )
    assert _python(code) == ["init40", "True", "True", "Dashboard"]


def test_star_import_and_submodule_attributes_work():
    code = (
        "import lookervault.looker.login\n"
        "from looker_sdk import *\n"
        "import looker_sdk\n"
        "print('init40' in dir(), looker_sdk.sdk.api40.models.Dashboard.__name__)\n"
    )
    assert _python(code) == ["True", "Dashboard"]


def test_concurrent_first_use_gets_init40():
    code = (
        "import threading, lookervault.looker.login, looker_sdk\n"
        "found = []\n"
        "def use():\n"
        "    found.append(looker_sdk.init40.__name__)\n"
        "threads = [threading.Thread(target=use) for _ in range(4)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print(*found)\n"
    )
    assert _python(code) == ["init40"] * 4


def test_failed_init_raises_its_own_error_again():
    code = (
        "import sys, lookervault.looker.login, looker_sdk\n"
        "sys.modules['looker_sdk.sdk.api40.methods'] = None\n"
        "for _ in range(2):\n"
        "    try:\n"
        "        looker_sdk.init40\n"
        "    except ImportError as exc:\n"
        "        print(type(exc).__name__)\n"
    )
    assert _python(code) == ["ModuleNotFoundError", "ModuleNotFoundError"]
