"""A body held in memory goes to the upstream in slices, with its Content-Length, unchanged."""

from __future__ import annotations

import os

from aiohttp import web
from aiohttp.test_utils import TestServer

from publish_guard.config import load_settings
from publish_guard.upstream import STREAM_BODY_FROM, Upstream


async def test_a_big_body_is_sent_in_slices_with_its_length() -> None:
    seen: dict[str, object] = {}

    async def record(request: web.Request) -> web.Response:
        seen["length"] = request.headers.get("Content-Length")
        seen["chunked"] = request.headers.get("Transfer-Encoding")
        seen["body"] = await request.read()
        return web.Response(status=201)

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_put("/{tail:.*}", record)
    body = os.urandom(STREAM_BODY_FROM * 3 + 17)
    async with TestServer(app, host="127.0.0.1") as server:
        settings = load_settings(["--upstream", str(server.make_url("/"))], environ={})
        upstream = Upstream(settings)
        await upstream.start()
        try:
            # a stale Content-Length from the client is replaced by the body's own
            headers = {"Content-Length": "5", "content-type": "application/json"}
            async with upstream.request("PUT", "pkg", headers=headers, data=body) as answer:
                assert answer.status == 201
        finally:
            await upstream.close()
    assert seen == {"length": str(len(body)), "chunked": None, "body": body}
