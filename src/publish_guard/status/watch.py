"""The upstream's health, asked every few seconds in the background, for the page and metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from publish_guard.upstream import Ping, Upstream

INTERVAL = 15.0


@dataclass
class UpstreamHealth:
    last: Ping | None = None
    checked: float | None = None

    def as_dict(self) -> dict[str, object]:
        if self.last is None:
            return {"checked": None, "reachable": None}
        return {
            "checked": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.checked or 0)),
            "reachable": self.last.ok,
            "status": self.last.status,
            "latency_ms": self.last.latency_ms,
            "detail": self.last.detail,
        }


async def watch(
    upstream: Upstream,
    health: UpstreamHealth,
    on_change: Callable[[UpstreamHealth], None] | None = None,
) -> None:
    """Ping forever (cancelled with the app)."""
    while True:
        health.last = await upstream.ping()
        health.checked = time.time()
        if on_change is not None:
            on_change(health)
        await asyncio.sleep(INTERVAL)
