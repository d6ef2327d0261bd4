"""The guard's own request counts expose exactly what prometheus-client's Counter and Histogram
would, for the same requests (bucket bounds inclusive, cumulative, +Inf, count and sum)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from publish_guard.status.request_stats import LATENCY_BUCKETS, RequestStats

_SECONDS = st.sampled_from([0.0, *LATENCY_BUCKETS, 31.0]) | st.floats(0, 60)
_REQUESTS = st.tuples(st.sampled_from(["GET", "HEAD", "PUT", "OTHER"]), st.integers(100, 599))


def _lines(registry: CollectorRegistry) -> set[str]:
    text = generate_latest(registry).decode()
    return {line for line in text.splitlines() if line and "_created" not in line}


@settings(max_examples=200, deadline=None)
@given(st.lists(_SECONDS, max_size=30), st.lists(_REQUESTS, max_size=30))
def test_the_exposition_is_prometheus_clients_own(
    seconds: list[float], requests: list[tuple[str, int]]
) -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    stats = RequestStats()
    ours.register(stats)
    histogram = Histogram(
        "publish_guard_passthrough_seconds",
        "Time to answer a passed-through request (headers and body streamed)",
        buckets=LATENCY_BUCKETS,
        registry=theirs,
    )
    counter = Counter(
        "publish_guard_requests",
        "Requests answered, by method and status class",
        ["method", "status_class"],
        registry=theirs,
    )
    for value in seconds:
        stats.observe(value)
        histogram.observe(value)
    for method, status in requests:
        stats.count(method, status)
        counter.labels(method, f"{status // 100}xx").inc()
    assert _lines(ours) == _lines(theirs)
