"""``/-/guard/healthz`` (the process is up) and ``/-/guard/readyz`` (the upstream answers)."""

from __future__ import annotations

from aiohttp import web

from publish_guard import __version__
from publish_guard.keys import UPSTREAM


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def readyz(request: web.Request) -> web.Response:
    upstream = request.app[UPSTREAM]
    ping = await upstream.ping()
    body = {
        "status": "ready" if ping.ok else "not ready",
        "upstream": {
            "url": str(upstream.base),
            "reachable": ping.ok,
            "status": ping.status,
            "latency_ms": ping.latency_ms,
            "detail": ping.detail,
        },
    }
    return web.json_response(body, status=200 if ping.ok else 503)
