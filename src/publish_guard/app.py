"""``create_app(settings)``: the one application factory, used by the CLI and by the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from publish_guard.config import Settings
from publish_guard.health import healthz, readyz
from publish_guard.keys import ACCESS_LOG, SETTINGS, UPSTREAM
from publish_guard.middlewares import request_context, target_check
from publish_guard.passthrough import passthrough
from publish_guard.upstream import Upstream

GUARD_PREFIX = "/-/guard"


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[request_context, target_check],
        handler_args={
            "max_field_size": settings.max_header_size,
            "max_line_size": settings.max_header_size,
        },
    )
    app[SETTINGS] = settings
    app[UPSTREAM] = Upstream(settings)
    app[ACCESS_LOG] = settings.access_log
    app.cleanup_ctx.append(_upstream_session)

    app.router.add_get(f"{GUARD_PREFIX}/healthz", healthz)
    app.router.add_get(f"{GUARD_PREFIX}/readyz", readyz)
    app.router.add_route("*", "/{tail:.*}", passthrough)
    return app


async def _upstream_session(app: web.Application) -> AsyncIterator[None]:
    await app[UPSTREAM].start()
    yield
    await app[UPSTREAM].close()
