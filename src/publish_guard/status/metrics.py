"""Prometheus metrics of one guard process (``/-/guard/metrics``), via prometheus-client."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from publish_guard import __version__
from publish_guard.status.request_stats import LATENCY_BUCKETS, RequestStats


class Metrics:
    """One registry per app, so that several guards in one process (tests) keep apart."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.request_stats = RequestStats()
        r.register(self.request_stats)
        self.publish_check_seconds = Histogram(
            "publish_guard_publish_check_seconds",
            "Time to check a publish against the upstream before forwarding it",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.publish_outcomes = Counter(
            "publish_guard_publish_outcomes",
            "Publishes by outcome and code",
            ["outcome", "code"],
            registry=r,
        )
        self.upstream_errors = Counter(
            "publish_guard_upstream_errors",
            "Failures reaching the upstream, by kind",
            ["kind"],
            registry=r,
        )
        self.dev_rewrites = Counter(
            "publish_guard_dev_rewrites", "Publishes rewritten to a -dev.N version", registry=r
        )
        self.upstream_up = Gauge(
            "publish_guard_upstream_up", "1 when the upstream answered its last ping", registry=r
        )
        self.shared_state_up = Gauge(
            "publish_guard_shared_state_up",
            "1 when the shared state (Redis) answered its last ping; absent without it",
            registry=r,
        )
        self.info = Info("publish_guard", "The guard's version and upstream flavor", registry=r)
        self.info.info({"version": __version__, "flavor": "unknown"})

    def render(self) -> bytes:
        return generate_latest(self.registry)
