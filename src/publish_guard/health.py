"""``/-/guard/healthz`` (the process is up) and ``/-/guard/readyz`` (the guard can take
requests).

``readyz`` answers for the guard itself: 200 while it serves. The upstream's and the shared
state's health are reported in the body, never used to take the guard out of a Service — a
guard that stays in the Service can explain an outage to npm; a pod that leaves it cannot.
"""

from __future__ import annotations

from aiohttp import web

from publish_guard import __version__
from publish_guard.keys import HEALTH, SHARED, UPSTREAM


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def readyz(request: web.Request) -> web.Response:
    """The last health seen of what the guard stands in front of (asked in the background,
    so this answers at once, whatever they do)."""
    app = request.app
    upstream, health = app[UPSTREAM], app[HEALTH]
    body: dict[str, object] = {
        "status": "ready",
        "upstream": {"url": str(upstream.base), **health.as_dict()},
    }
    shared = app.get(SHARED)
    if shared is not None:
        last = shared.last
        body["shared_state"] = {
            "url": shared.where,
            "reachable": None if last is None else last.ok,
            "detail": None if last is None else last.detail,
        }
    return web.json_response(body)
