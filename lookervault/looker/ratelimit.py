"""One request rate for every process and thread of a run, adapting to 429s.

The limiter spaces requests evenly: each caller reserves the next free slot
``1 / rate`` seconds after the previous one and sleeps until it.  The slot
and the rate live in ``multiprocessing.Value``s, so the limit holds across
the whole pool and never bursts.  ``time.monotonic`` is one clock for every
process on Linux and macOS, so slots compare across processes.

A 429 halves the rate (at most once a second, so one burst of 429s counts
once); the rate then climbs back linearly to the configured one.
"""

from __future__ import annotations

import time
from multiprocessing.context import BaseContext

# Lowest rate a burst of 429s can push the pool down to, in requests/s.
MIN_RATE = 0.5
# Fraction of the configured rate regained per second after a cut, so a
# halved rate is whole again five seconds after the 429s stop.
RECOVERY_PER_SECOND = 0.1
CUT_INTERVAL = 1.0


class RateLimiter:
    """A shared, adaptive limit of ``requests_per_second``; picklable at start.

    A rate of 0 means no limit.
    """

    def __init__(self, context: BaseContext, requests_per_second: float):
        self.limit = float(requests_per_second)
        self._rate = context.Value("d", self.limit)
        self._next_slot = context.Value("d", 0.0, lock=False)
        self._last_cut = context.Value("d", 0.0, lock=False)
        self._last_recovery = context.Value("d", 0.0, lock=False)

    @property
    def rate(self) -> float:
        """The rate in force now, in requests per second."""
        return self._rate.value

    def acquire(self) -> float:
        """Wait for this caller's slot; return the seconds waited."""
        if self.limit <= 0:
            return 0.0
        with self._rate.get_lock():
            now = time.monotonic()
            self._recover(now)
            slot = max(now, self._next_slot.value)
            self._next_slot.value = slot + 1.0 / self._rate.value
        wait = slot - now
        if wait > 0:
            time.sleep(wait)
        return wait

    def throttled(self) -> None:
        """Halve the rate after a 429, once per burst."""
        if self.limit <= 0:
            return
        with self._rate.get_lock():
            now = time.monotonic()
            if now - self._last_cut.value < CUT_INTERVAL:
                return
            self._rate.value = max(MIN_RATE, self._rate.value / 2)
            self._last_cut.value = now
            self._last_recovery.value = now

    def _recover(self, now: float) -> None:
        rate = self._rate.value
        if rate >= self.limit:
            return
        gained = (now - self._last_recovery.value) * self.limit * RECOVERY_PER_SECOND
        self._rate.value = min(self.limit, rate + gained)
        self._last_recovery.value = now
