"""A fault-injecting HTTP proxy to put between the guard and a real upstream (emulator or
Verdaccio). Each request is forwarded, or broken the way ``fault(request)`` says:

- ``"pass"``            forward, answer as the upstream did
- ``"reset_before"``    read the whole request, then drop the connection (nothing forwarded)
- ``"reset_after"``     forward the request, let the upstream act, then drop the connection
- ``"error_after"``     forward, then answer 503 (the upstream acted, the answer says it failed)
- ``"die_mid_body"``    forward, send the status line and part of the body, then drop
- ``"hang"``            read the request and never answer (until the proxy stops)
- ``"garbage"``         answer bytes that are not HTTP
- ``"html"``            answer 502 with an HTML error page, as a broken load balancer does
- ``"huge_headers"``    answer with a 64 KiB header line
- ``"slow"``            forward, and send the answer's body in small pieces with pauses

It records every request it saw (method, raw path) and what it did to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tests.harness.servers import ServerThread

Fault = Callable[[web.Request], str]
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length", "host"}
HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>" + (
    b"<p>" + b"load balancer noise " * 200 + b"</p></body></html>"
)


@dataclass
class Seen:
    method: str
    raw_path: str
    fault: str


@dataclass
class FaultProxy:
    upstream: str  # the real upstream's origin, e.g. "http://127.0.0.1:4873"
    fault: Fault = field(default=lambda request: "pass")
    seen: list[Seen] = field(default_factory=list)
    server: ServerThread | None = None

    def start(self) -> FaultProxy:
        self.server = ServerThread(self._app).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def seen_with(self, method: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method]

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.cleanup_ctx.append(self._session)
        return app

    async def _session(self, app: web.Application) -> AsyncIterator[None]:
        self._client = aiohttp.ClientSession(auto_decompress=False)
        yield
        await self._client.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        fault = self.fault(request)
        self.seen.append(Seen(request.method, request.raw_path, fault))
        body = await request.read()
        if fault == "reset_before":
            return _drop(request)
        if fault == "hang":
            await asyncio.sleep(3600)
        if fault in ("garbage", "huge_headers"):
            assert request.transport is not None
            if fault == "garbage":
                request.transport.write(b"\x00\x01 this is not HTTP at all\r\n\r\n")
            else:
                request.transport.write(
                    b"HTTP/1.1 200 OK\r\nX-Huge: " + b"h" * 65536 + b"\r\nContent-Length: 0\r\n\r\n"
                )
            return _drop(request)
        if fault == "html":
            return web.Response(status=502, body=HTML, content_type="text/html")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        async with self._client.request(
            request.method,
            self.upstream + request.raw_path,
            headers=headers,
            data=body or None,
            allow_redirects=False,
        ) as answer:
            content = await answer.read()
            if fault == "reset_after":
                return _drop(request)
            if fault == "error_after":
                return web.json_response({"error": "internal server error"}, status=503)
            response = web.StreamResponse(status=answer.status, reason=answer.reason)
            for name, value in answer.headers.items():
                if name.lower() not in HOP:
                    response.headers.add(name, value)
            response.content_length = len(content)
            await response.prepare(request)
            if fault == "die_mid_body":
                await response.write(content[: max(1, len(content) // 2)])
                return _drop(request)
            if fault == "slow":
                for start in range(0, len(content), 256):
                    await response.write(content[start : start + 256])
                    await asyncio.sleep(0.02)
            else:
                await response.write(content)
            await response.write_eof()
            return response


def _drop(request: web.Request) -> web.Response:
    assert request.transport is not None
    request.transport.abort()
    return web.Response()
