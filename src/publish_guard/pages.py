"""The guard's HTML pages: one jinja2 environment per app, and the error catalogue's route.

The catalogue's data (every code's entry, the client-side errors, rendered examples) loads on
the first view of ``/-/guard/errors``, not when the guard starts: most guards never show it, and
every start (a rollout, each worker, each test) would pay for it.
"""

from __future__ import annotations

from typing import Final

import aiohttp_jinja2
import jinja2
import orjson
from aiohttp import web

TEMPLATES: Final = aiohttp_jinja2.APP_KEY
"""The app's one jinja2 environment, shared by every page of the guard."""


def setup_templates(app: web.Application) -> jinja2.Environment:
    """The app's jinja2 environment over ``publish_guard/templates``, made once per app."""
    if TEMPLATES in app:
        return app[TEMPLATES]
    env = aiohttp_jinja2.setup(
        app,
        app_key=TEMPLATES,
        loader=jinja2.PackageLoader("publish_guard", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty_json"] = _pretty_json
    return env


def add_catalogue_routes(app: web.Application, prefix: str = "/-/guard") -> None:
    setup_templates(app)
    app.router.add_get(f"{prefix}/errors", _errors_page)


async def _errors_page(request: web.Request) -> web.StreamResponse:
    from publish_guard.catalogue import errors_page  # the data, on the first view

    return await errors_page(request)


def _pretty_json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
