"""``create_app(settings)``: the one application factory, used by the CLI and by the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from publish_guard.config import Settings
from publish_guard.flavors import FLAVORS, flavor_from_url
from publish_guard.health import healthz, readyz
from publish_guard.keys import ACCESS_LOG, PUBLISHER, SETTINGS, UPSTREAM
from publish_guard.middlewares import request_context, target_check
from publish_guard.publish.pipeline import PublishService
from publish_guard.publish.preflight import check
from publish_guard.publish.route import registry
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
    upstream = Upstream(settings)
    app[UPSTREAM] = upstream
    flavor = FLAVORS.get(settings.flavor) or flavor_from_url(settings.upstream)
    app[PUBLISHER] = PublishService(settings, upstream, flavor)
    app[ACCESS_LOG] = settings.access_log
    app.cleanup_ctx.append(_upstream_session)

    app.router.add_get(f"{GUARD_PREFIX}/healthz", healthz)
    app.router.add_get(f"{GUARD_PREFIX}/readyz", readyz)
    app.router.add_get(f"{GUARD_PREFIX}/check/{{name:.+}}", check)
    app.router.add_route("*", "/{tail:.*}", registry)
    return app


async def _upstream_session(app: web.Application) -> AsyncIterator[None]:
    await app[UPSTREAM].start()
    yield
    await app[UPSTREAM].close()
