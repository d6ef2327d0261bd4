"""``/-/guard/`` (the page), ``status.json`` and ``metrics``, and who may see them."""

from __future__ import annotations

import base64
import hmac
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from publish_guard import __version__
from publish_guard.explain import GuardError
from publish_guard.explain.codes.requests import STATUS_TOKEN
from publish_guard.explain.text import NoFacts
from publish_guard.keys import DETECTION, HEALTH, SETTINGS, SHARED, UPSTREAM
from publish_guard.pages import TEMPLATES, setup_templates
from publish_guard.status.chart import timeline_chart
from publish_guard.status.recorder import BOARD, METRICS
from publish_guard.worker import worker_index

PREFIX = "/-/guard"
REFRESH_SECONDS = 10


def add_status_routes(app: web.Application) -> None:
    setup_templates(app).globals["timeline_chart"] = timeline_chart
    app.router.add_get(f"{PREFIX}/", _token_only(page))
    app.router.add_get(PREFIX, _to_page)
    app.router.add_get(f"{PREFIX}/status.json", _token_only(status_json))
    app.router.add_get(f"{PREFIX}/metrics", _token_only(metrics))


async def snapshot(app: web.Application) -> dict[str, Any]:
    """The facts of ``status.json`` and the page (documented in the README)."""
    settings = app[SETTINGS]
    detection = app.get(DETECTION)
    board = await app[BOARD].view()
    config = settings.redacted()
    shared = app.get(SHARED)
    return {
        "guard": {
            "version": __version__,
            **board["process"],
            "workers": settings.workers,
            "worker": worker_index(),
            "figures": _figures(settings.workers, board.get("shared")),
        },
        "shared_state": None
        if shared is None
        else {
            "url": shared.where,
            "reachable": board.get("shared", {}).get("ok"),
            "detail": board.get("shared", {}).get("detail"),
            "replica": shared.replica,
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


def _figures(workers: int, shared: dict[str, Any] | None) -> str:
    if shared is not None and shared.get("ok"):
        return "every replica's, kept in the shared state (Redis)"
    own = "this process's own since it started"
    if shared is not None:
        own = f"{own}: the shared state (Redis) cannot be read ({shared.get('detail')})"
    if workers > 1:
        own += f"; {workers} workers share the port and each counts its own requests"
    return own


async def status_json(request: web.Request) -> web.Response:
    return web.json_response(await snapshot(request.app), headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(
        body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
    )


async def page(request: web.Request) -> web.StreamResponse:
    context = {"status": await snapshot(request.app), "refresh": REFRESH_SECONDS}
    response = aiohttp_jinja2.render_template("status.html", request, context, app_key=TEMPLATES)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _to_page(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


def _token_only(handler: Handler) -> Handler:
    """With ``--status-token``, the page, JSON and metrics need it (Bearer, or Basic with the
    token as password, which a browser prompts for); health and the catalogue stay open."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        token = request.app[SETTINGS].status_token
        if token and not _authorised(request, token):
            raise GuardError(
                STATUS_TOKEN,
                NoFacts(),
                headers={"WWW-Authenticate": 'Basic realm="publish-guard status", charset="UTF-8"'},
            )
        return await handler(request)

    return guarded


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
