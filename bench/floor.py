"""The floor of a Python pass-through: a dozen lines of aiohttp (server and pooled client, on
uvloop, bodies streamed) with no checks, no log, no headers work. Scenario 1 measures it beside
the guard, to show what the guard's own code costs and what aiohttp itself costs.

``python -m bench.floor UPSTREAM PORT``
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import aiohttp
import uvloop
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)


async def forward(request: web.Request) -> web.StreamResponse:
    upstream: str = request.app["upstream"]
    async with request.app[SESSION].get(upstream + request.path_qs[1:]) as answer:
        response = web.StreamResponse(status=answer.status)
        response.content_type = answer.content_type
        if answer.content_length is not None:
            response.content_length = answer.content_length
        await response.prepare(request)
        async for chunk in answer.content.iter_any():
            await response.write(chunk)
        await response.write_eof()
        return response


async def _session(app: web.Application) -> AsyncIterator[None]:
    app[SESSION] = aiohttp.ClientSession(auto_decompress=False)
    yield
    await app[SESSION].close()


def main() -> None:
    upstream, port = sys.argv[1], int(sys.argv[2])
    app = web.Application()
    app["upstream"] = upstream
    app.cleanup_ctx.append(_session)
    app.router.add_get("/{tail:.*}", forward)
    web.run_app(
        app, host="127.0.0.1", port=port, access_log=None, print=None, loop=uvloop.new_event_loop()
    )


if __name__ == "__main__":
    main()
