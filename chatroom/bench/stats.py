"""Latency histograms small enough to ship between processes.

A fan-out run records millions of latencies; shipping every sample from the
workers to the coordinator would cost more than the run. Instead each worker
keeps a histogram: exact to the microsecond below 1 ms, then buckets 0.5 %
wide, so any percentile is within 0.5 % of the true value and the whole
histogram is a few hundred entries however long the run.
"""

from __future__ import annotations

import math

_EXACT_US = 1000
_STEP = math.log(1.005)


def bucket(latency_us: int) -> int:
    """The histogram key for a latency in microseconds (negative counts as 0)."""
    if latency_us < _EXACT_US:
        return latency_us if latency_us > 0 else 0
    return _EXACT_US + int(math.log(latency_us / _EXACT_US) / _STEP)


def bucket_value(key: int) -> float:
    """The latency (microseconds) a bucket stands for: its lower bound."""
    if key < _EXACT_US:
        return float(key)
    return _EXACT_US * math.exp((key - _EXACT_US) * _STEP)


def merge(histograms: list[dict[int, int]]) -> dict[int, int]:
    """Add histograms together (the workers' parts of one window)."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for key, count in histogram.items():
            total[key] = total.get(key, 0) + count
    return total


PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9))


def summarize(histogram: dict[int, int], max_us: float) -> dict[str, float | None]:
    """p50/p90/p99/p99.9/max in milliseconds; ``None`` when nothing was seen.

    The exact maximum is tracked beside the histogram, so ``max`` is never
    rounded down to its bucket and the percentiles never exceed it.
    """
    count = sum(histogram.values())
    result: dict[str, float | None] = {name: None for name, _ in PERCENTILES}
    if not count:
        return result | {"max": None, "count": 0}
    keys = sorted(histogram)
    for name, pct in PERCENTILES:
        rank = max(1, math.ceil(count * pct / 100))
        seen = 0
        for key in keys:
            seen += histogram[key]
            if seen >= rank:
                result[name] = round(min(bucket_value(key), max_us) / 1000, 3)
                break
    result["max"] = round(max_us / 1000, 3)
    result["count"] = count
    return result


def kib_per_client(
    rss_before: int | None, rss_after: int | None, clients: int
) -> float | None:
    """Server RSS growth (KiB) per client, or None if either reading is missing."""
    if rss_before is None or rss_after is None or not clients:
        return None
    return round((rss_after - rss_before) / clients, 2)
