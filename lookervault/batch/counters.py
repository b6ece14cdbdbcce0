"""Counts shared by every process, read by the parent for bars and the summary."""

from __future__ import annotations

from multiprocessing.context import BaseContext

# fetched: objects packed into a row and sent to the parent; failed: objects
# recorded as failures; bytes: raw body bytes received; requests: HTTP
# requests sent; retries: requests sent again after a transient error;
# throttled: 429 answers received.
METRICS = ("fetched", "failed", "bytes", "requests", "retries", "throttled")


class Counters:
    """One ``multiprocessing.Value`` per (content type, metric).

    Picklable into a child at process start (not later).  Each update takes
    the value's own lock, so counts stay exact however many threads and
    processes add to them at once.
    """

    def __init__(self, context: BaseContext, types: tuple[str, ...]):
        self.types = types
        # Objects in a row, across the pool, whose requests got no HTTP
        # response at all; any response resets it.
        self._silence = context.Value("q", 0, lock=True)
        self._values = {
            (kind, metric): context.Value("q", 0, lock=True)
            for kind in types
            for metric in METRICS
        }

    def add(self, kind: str, metric: str, amount: int = 1) -> None:
        """Add ``amount`` to one counter."""
        value = self._values[(kind, metric)]
        with value.get_lock():
            value.value += amount

    def record_reachable(self, reachable: bool) -> None:
        """Count one object fetched without any HTTP response, or reset."""
        with self._silence.get_lock():
            self._silence.value = 0 if reachable else self._silence.value + 1

    @property
    def unanswered_streak(self) -> int:
        """Objects in a row that got no HTTP response, over every process."""
        return self._silence.value

    def read(self) -> dict[str, dict[str, int]]:
        """Return every counter as {type: {metric: count}}."""
        counts: dict[str, dict[str, int]] = {kind: {} for kind in self.types}
        for (kind, metric), value in self._values.items():
            counts[kind][metric] = value.value
        return counts

    def totals(self) -> dict[str, int]:
        """Return each metric summed over all types."""
        totals = dict.fromkeys(METRICS, 0)
        for per_type in self.read().values():
            for metric, count in per_type.items():
                totals[metric] += count
        return totals
