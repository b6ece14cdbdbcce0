"""Load looker-sdk's login machinery without its API model classes.

``looker_sdk/__init__.py`` imports every API 4.0 method and model, 450 attrs
classes built at import time, so that ``init40()`` can return a typed SDK.
A run needs only the runtime library (``looker_sdk.error`` and
``looker_sdk.rtl``: settings, transport, ``AuthSession``), which does not use
them, yet importing any part of the package runs that ``__init__`` first:
0.24 s of CPU and 20 MB in every run's parent.

:func:`defer_package_init` registers the package with its ``__init__`` not
yet run and imports the runtime modules.  The first later use of a name the
package does not have yet, such as ``looker_sdk.init40``, ``looker_sdk.sdk``
or a star import, runs the real ``__init__`` in the same module object.  It
runs once, under a lock, so code that wants the typed SDK in the same
process still gets it.

NOTE: until that first use, ``dir()`` and ``vars()`` of the package list only
the runtime modules, so introspection such as tab completion misses
``init40`` and the rest.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import pkgutil
import sys
import threading

PACKAGE = "looker_sdk"
RUNTIME_MODULES = (
    "looker_sdk.error",
    "looker_sdk.rtl.api_settings",
    "looker_sdk.rtl.auth_session",
    "looker_sdk.rtl.requests_transport",
    "looker_sdk.rtl.serialize",
)


def defer_package_init() -> None:
    """Import looker-sdk's runtime modules and defer its ``__init__``.

    Does nothing if something imported looker-sdk already.
    """
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not an ordinary package; the import below reports what is wrong
    package = importlib.util.module_from_spec(spec)
    package.__getattr__ = _DeferredInit(package, spec)
    sys.modules[PACKAGE] = package
    with package.__getattr__.loading():
        for name in RUNTIME_MODULES:
            importlib.import_module(name)


class _DeferredInit:
    """The package's ``__getattr__`` until its real ``__init__`` has run.

    While this module or the real ``__init__`` imports submodules, the import
    system looks up each submodule on the package by name before loading it,
    and on that thread this returns the submodule itself.  Any other use runs the
    real ``__init__`` first.  If it fails, the next use runs it again and
    raises the same error.
    """

    def __init__(self, package, spec):
        self.package = package
        self.spec = spec
        locations = spec.submodule_search_locations
        self.submodules = {info.name for info in pkgutil.iter_modules(locations)}
        self.lock = threading.RLock()
        self.loader_thread: int | None = None

    @contextlib.contextmanager
    def loading(self):
        """Mark this thread as the one importing the package's modules."""
        with self.lock:
            previous, self.loader_thread = self.loader_thread, threading.get_ident()
            try:
                yield
            finally:
                self.loader_thread = previous

    def __call__(self, name: str):
        if name.startswith("__") and name != "__all__":
            raise AttributeError(name)
        if self.loader_thread == threading.get_ident():
            if name in self.submodules:
                return importlib.import_module(f"{PACKAGE}.{name}")
            raise AttributeError(name)
        with self.lock:
            if self.package.__dict__.get("__getattr__") is self:
                with self.loading():
                    self.spec.loader.exec_module(self.package)
                del self.package.__getattr__
        return getattr(self.package, name)
