"""``create_app(settings)``: the one application factory, used by the CLI and by the tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import structlog
from aiohttp import web

from publish_guard import __version__, badhttp
from publish_guard.config import Settings
from publish_guard.detect import Detection, detect, keep_detecting
from publish_guard.flavors import FLAVORS, GENERIC, flavor_from_url
from publish_guard.health import healthz, readyz
from publish_guard.keys import (
    ACCESS_LOG,
    DETECTION,
    HEALTH,
    PUBLISHER,
    SETTINGS,
    UPSTREAM,
)
from publish_guard.logs import flush_access_log
from publish_guard.middlewares import request_frame
from publish_guard.pages import add_catalogue_routes
from publish_guard.publish.devnumbers import DevNumbers
from publish_guard.publish.locks import Locks
from publish_guard.publish.pipeline import PublishService
from publish_guard.publish.preflight import check
from publish_guard.publish.route import registry
from publish_guard.status.board import Board, Recording
from publish_guard.status.metrics import Metrics
from publish_guard.status.recorder import BOARD, METRICS
from publish_guard.status.routes import add_status_routes
from publish_guard.status.watch import UpstreamHealth, watch
from publish_guard.upstream import Upstream

GUARD_PREFIX = "/-/guard"


async def _flush_logs(app: web.Application) -> None:
    flush_access_log()


log = structlog.get_logger("publish_guard")


def create_app(settings: Settings) -> web.Application:
    badhttp.install()
    app = web.Application(
        middlewares=[request_frame],
        handler_args={
            "max_field_size": settings.max_header_size,
            "max_line_size": settings.max_header_size,
            # bodies pass as sent: a gzip body (npm's audit) is forwarded gzip, with its length
            "auto_decompress": False,
        },
    )
    app[SETTINGS] = settings
    upstream = Upstream(settings)
    app[UPSTREAM] = upstream
    first_guess = FLAVORS.get(settings.flavor) or flavor_from_url(settings.upstream) or GENERIC
    metrics = Metrics()
    app[METRICS] = metrics
    app[HEALTH] = UpstreamHealth()
    board = Board()
    recording: Recording = board
    locks: Locks | None = None
    numbers: DevNumbers | None = None
    if settings.shared_state is not None:
        from publish_guard.shared.wiring import attach  # redis-py only when it is used

        parts = attach(app, settings, board)
        recording, locks, numbers = parts.board, parts.locks, parts.numbers
    app[BOARD] = recording
    app[PUBLISHER] = PublishService(
        settings, upstream, first_guess, metrics, locks=locks, numbers=numbers
    )
    app[ACCESS_LOG] = settings.access_log
    app.cleanup_ctx.append(_upstream_session)
    app.on_cleanup.append(_flush_logs)

    app.router.add_get(f"{GUARD_PREFIX}/healthz", healthz)
    app.router.add_get(f"{GUARD_PREFIX}/readyz", readyz)
    app.router.add_get(f"{GUARD_PREFIX}/check/{{name:.+}}", check)
    add_catalogue_routes(app, GUARD_PREFIX)
    add_status_routes(app)
    app.router.add_route("*", "/{tail:.*}", registry)
    return app


async def _upstream_session(app: web.Application) -> AsyncIterator[None]:
    upstream = app[UPSTREAM]
    await upstream.start()
    setting = app[SETTINGS].flavor

    def apply(found: Detection) -> None:
        app[PUBLISHER].flavor = found.flavor
        app[DETECTION] = found
        app[METRICS].info.info({"version": __version__, "flavor": found.flavor.key})

    found = await detect(upstream, setting)
    apply(found)
    log.info("upstream_flavor", flavor=found.flavor.key, how=found.how, upstream=str(upstream.base))
    tasks = [asyncio.create_task(watch(upstream, app[HEALTH], _health_gauge(app)))]
    if not found.confirmed:
        tasks.append(asyncio.create_task(keep_detecting(upstream, setting, found, apply)))
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await upstream.close()


def _health_gauge(app: web.Application) -> Callable[[UpstreamHealth], None]:
    def update(health: UpstreamHealth) -> None:
        app[METRICS].upstream_up.set(1 if health.last and health.last.ok else 0)

    return update
