"""Show how a run is going: tqdm bars on a terminal, log lines elsewhere.

Bars and log records share stderr, so while bars are drawn, log records go
through tqdm's writer and never tear a bar in half.
"""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger(__name__)

# Without a terminal (cron, CI), one progress line this often.
LOG_INTERVAL_SECONDS = 5.0


class Progress:
    """Progress of one run, read from the shared counters by the parent."""

    def __init__(
        self,
        totals: dict[str, int],
        initial: dict[str, int] | None = None,
        baseline: dict[str, dict[str, int]] | None = None,
        enabled: bool = True,
    ):
        self.totals = {kind: n for kind, n in totals.items() if n}
        self.grand_total = sum(self.totals.values())
        # Objects already done when the bars open (listed types), kept out of
        # the rate so that objects/s measures this run's fetching.
        self.initial = {kind: (initial or {}).get(kind, 0) for kind in self.totals}
        # Counter values when the bars open; only growth beyond them is new.
        self.baseline = {
            kind: _done(counts) for kind, counts in (baseline or {}).items()
        }
        self.interactive = enabled and sys.stderr.isatty()
        self.quiet = not enabled
        self.started = time.monotonic()
        self._last_log = self.started
        self._bars: dict[str, object] = {}
        if self.interactive:
            self._open_bars()

    def update(self, counts: dict[str, dict[str, int]]) -> None:
        """Redraw the bars, or log a line if it is time to."""
        done = {
            kind: self.initial[kind] + _done(counts[kind]) - self.baseline.get(kind, 0)
            for kind in self.totals
        }
        if self.interactive:
            self._draw(done, counts)
        elif (
            not self.quiet and time.monotonic() - self._last_log >= LOG_INTERVAL_SECONDS
        ):
            self._last_log = time.monotonic()
            self._log_line(done, counts)

    def close(self) -> None:
        """Leave the bars on screen as they last were."""
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()

    def _open_bars(self) -> None:
        # Imported here: runs without a terminal, such as cron's, draw no bars
        # and skip the 0.03 s import.
        from tqdm import tqdm

        width = max((len(kind) for kind in self.totals), default=5)
        for position, (kind, total) in enumerate(self.totals.items()):
            self._bars[kind] = tqdm(
                total=total,
                initial=self.initial[kind],
                desc=kind.ljust(width),
                unit="obj",
                position=position,
                leave=True,
                dynamic_ncols=True,
            )
        self._bars["total"] = tqdm(
            total=self.grand_total,
            initial=sum(self.initial.values()),
            desc="total".ljust(width),
            unit="obj",
            position=len(self.totals),
            leave=True,
            dynamic_ncols=True,
        )

    def _draw(self, done: dict[str, int], counts) -> None:
        for kind, bar in self._bars.items():
            value = sum(done.values()) if kind == "total" else done.get(kind, 0)
            bar.update(value - bar.n)
            if kind == "total":
                retries = sum(c["retries"] for c in counts.values())
                failed = sum(c["failed"] for c in counts.values())
                bar.set_postfix(failed=failed, retries=retries, refresh=False)

    def _log_line(self, done: dict[str, int], counts) -> None:
        total = sum(done.values())
        fetched = total - sum(self.initial.values())
        elapsed = time.monotonic() - self.started
        failed = sum(c["failed"] for c in counts.values())
        retries = sum(c["retries"] for c in counts.values())
        log.info(
            "progress: %d/%d objects (%.0f%%), %.1f objects/s, %d failed, %d retries",
            total,
            self.grand_total,
            100.0 * total / max(1, self.grand_total),
            fetched / max(elapsed, 1e-9),
            failed,
            retries,
        )


def _done(counts: dict[str, int]) -> int:
    return counts["fetched"] + counts["failed"]
