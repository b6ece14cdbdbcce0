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
