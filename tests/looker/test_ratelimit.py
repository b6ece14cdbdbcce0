"""The shared rate limiter spaces requests and adapts to 429s."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from lookervault.looker.ratelimit import RateLimiter

CONTEXT = multiprocessing.get_context("spawn")


def test_zero_means_unlimited():
    limiter = RateLimiter(CONTEXT, 0)
    assert limiter.acquire() == 0.0


def test_slots_are_spaced_evenly():
    limiter = RateLimiter(CONTEXT, 50)
    stamps = []
    for _ in range(11):
        limiter.acquire()
        stamps.append(time.monotonic())
    # Ten gaps of 20 ms each; sleeping may overshoot, never undershoot.
    assert stamps[-1] - stamps[0] >= 10 / 50 - 0.005


def test_429_halves_the_rate_once_per_burst():
    limiter = RateLimiter(CONTEXT, 40)
    limiter.throttled()
    limiter.throttled()
    assert limiter.rate == pytest.approx(20)


def test_rate_recovers_after_the_burst():
    limiter = RateLimiter(CONTEXT, 40)
    limiter.throttled()
    time.sleep(0.5)
    limiter.acquire()
    assert 20 < limiter.rate <= 40
