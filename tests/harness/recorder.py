"""A transparent recording proxy: forwards every request byte-exact and keeps both sides.

It sits where a test needs to see the wire: between a client and the guard, between the guard
and the registry, or between a client and the registry directly. It never decompresses, keeps the
raw path and query, forwards the ``Host`` header the client sent (so the registry builds its
tarball URLs as it would for that client), and records each exchange: the request as it arrived
and the answer as the server behind gave it. With ``tag`` it adds a header numbering each
request, so that the same request can be found again further down a chain of recorders.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from tests.harness.servers import ServerThread

TAG_HEADER = "x-transparency-id"
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_NOT_FORWARDED = HOP_BY_HOP | {"content-length"}
_SESSION = web.AppKey("session", aiohttp.ClientSession)


@dataclass(frozen=True)
class Exchange:
    """One request as it arrived and the answer the server behind gave."""

    method: str
    path: str  # raw, with its leading "/", without the query
    query: str  # raw, without "?"
    headers: tuple[tuple[str, str], ...]  # as received, names lower-cased
    body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]  # names lower-cased
    response_body: bytes
    tag: str | None = None  # the TAG_HEADER value it carried or was given
    at: float = 0.0  # time.monotonic() when it arrived
    peer: int = 0  # the client's port: the same for requests on one kept-alive connection

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def response_header(self, name: str) -> str | None:
        return next((v for k, v in self.response_headers if k == name), None)


@dataclass
class RecordingProxy:
    """Forwards to ``target`` (a base URL); ``tag``: number each request it forwards."""

    target: str
    tag: bool = False
    port: int = 0
    exchanges: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: ServerThread | None = None

    def start(self) -> RecordingProxy:
        self._server = ServerThread(self._app, port=self.port).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the recorder is not running"
        return self._server.url

    def taken(self) -> list[Exchange]:
        """The exchanges so far, which are then forgotten."""
        with self._lock:
            taken, self.exchanges = self.exchanges, []
        return taken

    def _app(self) -> web.Application:
        app = web.Application(
            client_max_size=1024**3,
            handler_args={"auto_decompress": False, "max_field_size": 64 * 1024},
        )
        app.cleanup_ctx.append(self._session)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        return app

    async def _session(self, app: web.Application):  # type: ignore[no-untyped-def]
        connector = aiohttp.TCPConnector(limit=64, force_close=False)
        app[_SESSION] = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=120),
        )
        yield
        await app[_SESSION].close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        body = await request.read()
        headers: CIMultiDict[str] = CIMultiDict(
            (k, v) for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED
        )
        tag = request.headers.get(TAG_HEADER)
        if self.tag:
            tag = str(next(self._numbers))
            headers[TAG_HEADER] = tag
        path, _, query = request.raw_path.partition("?")
        url = self.target.rstrip("/") + request.raw_path
        session: aiohttp.ClientSession = request.app[_SESSION]
        async with session.request(
            request.method,
            yarl_url(url),
            headers=headers,
            data=body if body or request.method not in ("GET", "HEAD") else None,
            allow_redirects=False,
        ) as answer:
            answer_body = await answer.read()
            answer_headers = [
                (k.lower(), v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP
            ]
            status, reason = answer.status, answer.reason
        exchange = Exchange(
            method=request.method,
            path=path,
            query=query,
            headers=tuple((k.lower(), v) for k, v in request.headers.items()),
            body=body,
            status=status,
            response_headers=tuple(answer_headers),
            response_body=answer_body,
            tag=tag,
            at=arrived,
            peer=_peer_port(request),
        )
        with self._lock:
            self.exchanges.append(exchange)
        response = web.Response(status=status, reason=reason, body=answer_body)
        for name, value in answer_headers:
            if name not in ("content-length", "date", "server"):
                response.headers.add(name, value)
            elif name in ("date", "server"):
                response.headers[name] = value
        return response


def _peer_port(request: web.Request) -> int:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return int(peer[1]) if peer else 0


def yarl_url(text: str) -> URL:
    """The URL as given, percent-encoding and all (``@s%2fn`` must stay as it is)."""
    return URL(text, encoded=True)
