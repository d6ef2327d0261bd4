"""``/-/guard/`` (the page), ``status.json`` and ``metrics``, and who may see them."""

from __future__ import annotations

import base64
import hmac
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from publish_guard import __version__
from publish_guard.catalogue import TEMPLATES, setup_templates
from publish_guard.keys import DETECTION, SETTINGS, UPSTREAM
from publish_guard.serve import worker_index
from publish_guard.status.chart import timeline_chart
from publish_guard.status.recorder import BOARD, METRICS
from publish_guard.status.watch import Health

HEALTH = web.AppKey("health", Health)
PREFIX = "/-/guard"
PROTECTED = (f"{PREFIX}/", f"{PREFIX}/status.json", f"{PREFIX}/metrics")
REFRESH_SECONDS = 10


def add_status_routes(app: web.Application) -> None:
    setup_templates(app).globals["timeline_chart"] = timeline_chart
    app.router.add_get(f"{PREFIX}/", page)
    app.router.add_get(PREFIX, _to_page)
    app.router.add_get(f"{PREFIX}/status.json", status_json)
    app.router.add_get(f"{PREFIX}/metrics", metrics)


def snapshot(app: web.Application) -> dict[str, Any]:
    """The facts of ``status.json`` and the page (documented in the README)."""
    settings = app[SETTINGS]
    detection = app.get(DETECTION)
    board = app[BOARD].snapshot()
    config = settings.redacted()
    return {
        "guard": {
            "version": __version__,
            **board["process"],
            "workers": settings.workers,
            "worker": worker_index(),
            "figures": "this process's own since it started"
            + (
                f"; {settings.workers} workers share the port and each counts its own requests"
                if settings.workers > 1
                else ""
            ),
        },
        "upstream": {
            "url": str(app[UPSTREAM].base),
            "flavor": detection.flavor.key if detection else None,
            "flavor_title": detection.flavor.title if detection else None,
            "flavor_detection": detection.how if detection else None,
            "health": app[HEALTH].as_dict(),
        },
        "counters": board["counters"],
        "timeline": board["timeline"],
        "events": board["events"],
        "config": config,
    }


async def status_json(request: web.Request) -> web.Response:
    return web.json_response(snapshot(request.app), headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(
        body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
    )


async def page(request: web.Request) -> web.StreamResponse:
    context = {"status": snapshot(request.app), "refresh": REFRESH_SECONDS}
    response = aiohttp_jinja2.render_template("status.html", request, context, app_key=TEMPLATES)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _to_page(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


@web.middleware
async def status_access(request: web.Request, handler: Handler) -> web.StreamResponse:
    """With ``--status-token``, the page, JSON and metrics need it (Bearer, or Basic with the
    token as password, which a browser prompts for); health and the catalogue stay open."""
    token = request.app[SETTINGS].status_token
    if token and request.path in PROTECTED and not _authorised(request, token):
        return web.json_response(
            {"error": "the status page needs the guard's status token", "code": "STATUS_TOKEN"},
            status=401,
            headers={"WWW-Authenticate": 'Basic realm="publish-guard status", charset="UTF-8"'},
        )
    if request.path == "/" and request.method == "GET" and _browser(request):
        raise web.HTTPFound(f"{PREFIX}/")
    return await handler(request)


def _authorised(request: web.Request, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() == "bearer":
        return hmac.compare_digest(value.strip().encode(), token.encode())
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password.encode(), token.encode())
    return False


def _browser(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "") and "npm-command" not in request.headers
