"""Load looker-sdk's login machinery without its API model classes.

``looker_sdk/__init__.py`` imports every API 4.0 method and model, 450 attrs
classes built at import time, so that ``init40()`` can return a typed SDK.
A run needs only the runtime library under ``looker_sdk.rtl`` (settings,
transport, ``AuthSession``), which does not use them, yet importing any part
of the package runs that ``__init__`` first: 0.2 s of CPU in every run's
parent, a quarter of a short run's start-up.

:func:`defer_package_init` registers the package with its ``__init__`` not
yet run.  Submodules import as usual; the first use of any other name of the
package, such as ``looker_sdk.init40``, runs the real ``__init__`` then, in
the same module object, so code that wants the typed SDK still gets it.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import sys

PACKAGE = "looker_sdk"


def defer_package_init() -> None:
    """Register looker-sdk so that its ``__init__`` runs on first use."""
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not an ordinary package; the import below reports what is wrong
    package = importlib.util.module_from_spec(spec)
    submodules = {info.name for info in pkgutil.iter_modules(package.__path__)}

    def __getattr__(name: str):
        # The import system asks for submodules by name before loading them;
        # it must not take that for a use of the package.
        if name in submodules or name.startswith("__"):
            raise AttributeError(name)
        del package.__getattr__
        spec.loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = __getattr__
    sys.modules[PACKAGE] = package
