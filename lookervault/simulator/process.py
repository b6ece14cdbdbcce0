"""Run the simulator in a child process, for tests, benchmarks and the demo.

The child is started with the ``spawn`` method, so it shares no threads or
locks with the parent, and receives its config (client secret included) by
pickle over a pipe, never on its command line.  It ignores SIGINT so that
Ctrl-C in a terminal reaches only the parent, which decides when to stop it
with SIGTERM.
"""

from __future__ import annotations

import http.client
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Iterable
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

import orjson

from lookervault.simulator.config import SimulatorConfig
from lookervault.simulator.server import serve_forever

# Seconds stop() waits for a clean exit after SIGTERM before it kills.
_STOP_TIMEOUT_S = 10.0
_ADMIN_TIMEOUT_S = 30.0


class SimulatorStartFailed(RuntimeError):
    """The simulator process exited or timed out before it was listening."""


def _stop_with_parent() -> None:
    """Send ourselves SIGTERM once the parent process is gone.

    A parent killed with SIGKILL cannot stop its children, and an orphaned
    simulator would keep its port and memory until someone noticed.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    multiprocessing.connection.wait([parent.sentinel])
    os.kill(os.getpid(), signal.SIGTERM)


def _child_main(config: SimulatorConfig, connection: Connection) -> None:
    """Serve in the child and report readiness or the startup error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_stop_with_parent, daemon=True).start()

    def ready(base_url: str) -> None:
        connection.send(("ready", base_url))

    try:
        serve_forever(config, ready=ready)
    except Exception as error:  # reported to the parent, which raises it
        try:
            connection.send(("error", f"{type(error).__name__}: {error}"))
        except OSError:
            pass
        raise SystemExit(1) from None


class SimulatorProcess:
    """A simulator serving from a child process; also a context manager."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.base_url = ""
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self, timeout: float = 60) -> SimulatorProcess:
        """Start the child and return once it listens on ``base_url``.

        Raises ``InvalidSimulatorConfig`` for bad settings before starting
        anything, and :class:`SimulatorStartFailed` with the child's error
        message when the child cannot start (address in use, unreadable
        export directory) or is not listening within ``timeout`` seconds.
        """
        if self._process is not None:
            return self
        self.config.validate()
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child_main,
            args=(self.config, sender),
            name="lookervault-simulator",
            daemon=True,
        )
        self._process.start()
        sender.close()
        try:
            self.base_url = self._await_ready(receiver, timeout)
        except SimulatorStartFailed:
            self.stop()
            raise
        finally:
            receiver.close()
        return self

    def _await_ready(self, receiver: Connection, timeout: float) -> str:
        if not receiver.poll(timeout):
            raise SimulatorStartFailed(
                f"the simulator was not listening after {timeout:g} s; "
                "raise the timeout or lower the object counts"
            )
        try:
            status, detail = receiver.recv()
        except EOFError:
            self._process.join(_STOP_TIMEOUT_S)
            raise SimulatorStartFailed(
                f"the simulator process exited with code {self._process.exitcode} "
                "before it was listening; see its stderr"
            ) from None
        if status != "ready":
            raise SimulatorStartFailed(f"the simulator failed to start: {detail}")
        return detail

    @property
    def pid(self) -> int | None:
        """Process id of the running child, or None when it is not started."""
        return None if self._process is None else self._process.pid

    def stop(self) -> None:
        """Stop the child with SIGTERM (SIGKILL if it hangs); safe to repeat."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.is_alive():
            process.terminate()
            process.join(_STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()
        process.close()

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def record(self) -> dict:
        """Return what was served since the last reset (``/__simulator/record``)."""
        return orjson.loads(self._admin("GET", "record"))

    def inventory(self) -> dict:
        """Return every object id the simulator serves, per type."""
        return orjson.loads(self._admin("GET", "inventory"))

    def stats(self) -> dict:
        """Return the child's CPU seconds, responses and bytes sent since start.

        The counts include admin endpoints such as this one.  Also returns
        ``too_early`` (requests that came before the Retry-After of a 429 on
        their path, since the last reset), the ``connections`` open now, the
        requests ``hanging`` now and the number of ``log_entries``.
        """
        return orjson.loads(self._admin("GET", "stats"))

    def reset(self) -> None:
        """Clear the record, the request log and the fault counts.

        After a reset, the same requests draw the same faults again.
        Content changes made with :meth:`mutate` stay.
        """
        self._admin("POST", "reset")

    def log(self) -> list[dict]:
        """Return the log of API requests since the last reset, oldest first.

        Each entry has ``t``, ``method``, ``path``, ``query``, ``status``,
        ``bytes``, ``retry_after``, ``token``, ``peer`` and ``too_early``.
        """
        return orjson.loads(self._admin("GET", "log"))

    def mutate(
        self,
        edit: Iterable[tuple[str, str]] = (),
        edit_silent: Iterable[tuple[str, str]] = (),
        delete: Iterable[tuple[str, str]] = (),
        add: dict[str, int] | None = None,
    ) -> dict:
        """Change the content; return the ids affected per operation and type.

        ``edit`` moves ``updated_at`` forward, ``edit_silent`` does not.
        Raises RuntimeError with the simulator's message for an unknown type
        or id; nothing is changed then.
        """
        request = {
            "edit": [list(ref) for ref in edit],
            "edit_silent": [list(ref) for ref in edit_silent],
            "delete": [list(ref) for ref in delete],
            "add": dict(add or {}),
        }
        return orjson.loads(self._admin("POST", "mutate", orjson.dumps(request)))

    def _admin(self, method: str, name: str, body: bytes | None = None) -> bytes:
        # http.client rather than urllib: urllib would honour HTTP_PROXY.
        if not self.base_url:
            raise RuntimeError("the simulator is not started; call start() first")
        address = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(
            address.hostname, address.port, timeout=_ADMIN_TIMEOUT_S
        )
        try:
            connection.request(method, f"/__simulator/{name}", body=body)
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        if response.status >= 300:
            raise RuntimeError(
                f"{method} /__simulator/{name} returned HTTP {response.status}: "
                f"{_message(answer)}"
            )
        return answer


def _message(body: bytes) -> str:
    """Return the message of a JSON error body, or the body as text."""
    try:
        return str(orjson.loads(body)["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body.decode("utf-8", "replace")
