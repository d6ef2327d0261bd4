from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.harness.http import http_request
from tests.harness.servers import ServerThread

HITS = web.AppKey("hits", list[str])
CLEANED = web.AppKey("cleaned", list[bool])


def _counting_app() -> web.Application:
    app = web.Application()
    app[HITS] = []
    app[CLEANED] = []

    async def handler(request: web.Request) -> web.Response:
        request.app[HITS].append(request.path)
        return web.json_response({"path": request.path})

    async def cleanup(app: web.Application) -> AsyncIterator[None]:
        yield
        app[CLEANED].append(True)

    app.router.add_route("*", "/{tail:.*}", handler)
    app.cleanup_ctx.append(cleanup)
    return app


def _port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_serves_on_a_free_port_and_stops() -> None:
    server = ServerThread(_counting_app).start()
    try:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}/"
        response = http_request("GET", server.url + "some/path")
        assert response.status == 200
        assert response.json() == {"path": "/some/path"}
        assert server.call_sync(lambda: server.app[HITS].copy()) == ["/some/path"]
    finally:
        app = server.app
        server.stop()
    assert app[CLEANED] == [True]
    assert not _port_is_open(server.port)
    server.stop()  # idempotent


def test_async_factory_and_context_manager() -> None:
    async def factory() -> web.Application:
        return _counting_app()

    with ServerThread(factory) as server:
        http_request("PUT", server.url + "x", json={"a": 1})

        async def hits() -> list[str]:
            return server.app[HITS].copy()

        assert server.call(hits) == ["/x"]
    assert not _port_is_open(server.port)


def test_failing_factory_raises_and_leaves_no_thread() -> None:
    def broken() -> web.Application:
        raise ValueError("no app today")

    before = threading.active_count()
    with pytest.raises(ValueError, match="no app today"):
        ServerThread(broken).start()
    assert threading.active_count() == before


def test_call_needs_a_running_server() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        ServerThread(_counting_app).call_sync(lambda: None)
