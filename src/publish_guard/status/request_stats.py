"""Counts of every answered request, kept as plain numbers and turned into Prometheus metric
families only when ``/-/guard/metrics`` is scraped.

prometheus-client's Counter and Histogram take a lock on every increment and every
observation; for each pass-through read (the bulk of the traffic) that cost as much as the rest
of the guard's own work. These numbers are only ever touched from the event loop, so a few
additions do; prometheus-client still writes the exposition (a custom collector).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class RequestStats:
    """``publish_guard_requests_total`` by method and status class, and the
    ``publish_guard_passthrough_seconds`` histogram."""

    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        self._bounds = buckets
        self._buckets = [0] * (len(buckets) + 1)  # the last one: over every bound
        self._sum = 0.0

    def count(self, method: str, status: int) -> None:
        key = (method, status // 100)
        self.counts[key] = self.counts.get(key, 0) + 1

    def observe(self, seconds: float) -> None:
        self._buckets[bisect_left(self._bounds, seconds)] += 1
        self._sum += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "publish_guard_requests",
            "Requests answered, by method and status class",
            labels=["method", "status_class"],
        )
        for (method, status_class), count in sorted(self.counts.items()):
            requests.add_metric([method, f"{status_class}xx"], count)
        yield requests
        cumulative, total = [], 0
        for bound, count in zip((*self._bounds, float("inf")), self._buckets, strict=True):
            total += count
            cumulative.append(("+Inf" if bound == float("inf") else repr(float(bound)), total))
        yield HistogramMetricFamily(
            "publish_guard_passthrough_seconds",
            "Time to answer a passed-through request (headers and body streamed)",
            buckets=cumulative,
            sum_value=self._sum,
        )
