"""The parent's access token, shared with the worker processes.

The parent logs in and publishes each new token here; workers read it before
every request.  A worker whose token is rejected (a 401) marks it so and
waits until the parent, which looks between results, has logged in again.
Picklable into a child at process start, like the counters.
"""

from __future__ import annotations

import threading
import time
from multiprocessing.context import BaseContext

# Room for the Authorization header's value; Looker's tokens are 40 characters.
TOKEN_BYTES = 4096
# How often a worker waiting for a new token looks whether it has come.
RENEW_POLL_SECONDS = 0.05
# How long a worker waits for a new token before sending with the old one,
# which then fails as a 401: past a login's own timeout, something is wrong.
RENEW_WAIT_SECONDS = 30.0


class SharedToken:
    """One Authorization value in shared memory, with a generation number.

    The generation counts publications, so a reader can tell a new token from
    the one it has by reading one integer.  ``_rejected`` is the newest
    generation a worker found rejected.
    """

    def __init__(self, context: BaseContext):
        self._value = context.Array("c", TOKEN_BYTES, lock=False)
        self._generation = context.Value("q", 0, lock=True)
        self._rejected = context.Value("q", 0, lock=False)

    def publish(self, authorization: str) -> None:
        """Make ``authorization`` the token every worker sends from now on."""
        encoded = authorization.encode()
        if len(encoded) >= TOKEN_BYTES:
            raise ValueError(
                f"Looker returned an access token of {len(encoded)} bytes, more "
                f"than the {TOKEN_BYTES - 1} that lookervault-batch can share "
                "with its worker processes"
            )
        with self._generation.get_lock():
            self._value.value = encoded
            self._generation.value += 1

    def read(self) -> tuple[int, str]:
        """Return the current (generation, authorization)."""
        with self._generation.get_lock():
            return self._generation.value, self._value.value.decode()

    @property
    def generation(self) -> int:
        return self._generation.value

    def request_renewal(self, rejected_generation: int) -> None:
        """Ask the parent for a token newer than ``rejected_generation``."""
        with self._generation.get_lock():
            self._rejected.value = max(self._rejected.value, rejected_generation)

    def renewal_requested(self) -> bool:
        """True when a worker found the current token rejected."""
        with self._generation.get_lock():
            return self._rejected.value >= self._generation.value > 0


class SharedLogin:
    """A worker's token source: the parent's token, read from shared memory.

    A :class:`~lookervault.looker.client.TokenSource` that never logs in
    itself.
    """

    def __init__(self, shared: SharedToken):
        self.shared = shared
        self._lock = threading.Lock()
        self._generation = -1
        self._authorization: dict[str, str] = {}

    def login(self) -> None:
        """Take the token the parent published."""
        self.current()

    def current(self) -> dict[str, str]:
        """Return the Authorization header the parent published last."""
        if self.shared.generation != self._generation:
            with self._lock:
                generation, value = self.shared.read()
                if generation != self._generation:
                    self._generation = generation
                    self._authorization = {"Authorization": value}
        return self._authorization

    def renew(self, rejected: dict[str, str]) -> dict[str, str]:
        """Ask the parent for a newer token than ``rejected``; wait for it."""
        current = self.current()
        if current is not rejected:
            return current
        rejected_generation = self._generation
        self.shared.request_renewal(rejected_generation)
        deadline = time.monotonic() + RENEW_WAIT_SECONDS
        while self.shared.generation <= rejected_generation:
            if time.monotonic() > deadline:
                break
            time.sleep(RENEW_POLL_SECONDS)
        return self.current()

    def close(self) -> None:
        pass
