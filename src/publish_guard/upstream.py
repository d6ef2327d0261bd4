"""The one gateway to the upstream registry.

Owns the pooled ``ClientSession`` (opened and closed with the app), the timeouts, and the mapping
of every network failure to a ``GuardError`` with a plain-words cause. No aiohttp client exception
escapes this module.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Required, TypedDict, Unpack

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from publish_guard import __version__
from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.explain.codes.network import (
    UPSTREAM_DNS,
    UPSTREAM_DROPPED,
    UPSTREAM_PROTOCOL,
    UPSTREAM_REFUSED,
    UPSTREAM_TIMEOUT,
    UPSTREAM_TLS,
    UPSTREAM_UNREACHABLE,
    UpstreamDetail,
    UpstreamDns,
    UpstreamRefused,
    UpstreamTimeout,
)
from publish_guard.npm.body_scan import Received
from publish_guard.proxies import proxy_for

GUARD_AGENT = f"publish-guard/{__version__}"  # the guard's own requests (pings, look-ups)
CHUNK_SIZE = 256 * 1024
# A body held in memory (a publish) is sent in slices of it from this size on: handed whole to
# the transport, the unsent rest would be copied into the transport's buffer (the body twice).
STREAM_BODY_FROM = 1024 * 1024


# the client's own headers are forwarded as they are; the guard adds none of aiohttp's defaults
_NOT_ADDED = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


class _AsSent(aiohttp.ClientRequest):
    """aiohttp's request with ``skip_auto_headers`` fixed to ``_NOT_ADDED``: aiohttp builds that
    set, and a copy of the request's headers to test it against, on every request (about 4% of
    a pass-through read's time); here nothing is added, without either."""

    _SKIPPED: CIMultiDict[None] = CIMultiDict((name, None) for name in _NOT_ADDED)

    def update_auto_headers(self, skip_auto_headers: object) -> None:
        self._skip_auto_headers = self._SKIPPED


class SendOptions(TypedDict, total=False):
    """What ``send`` and ``request`` take besides the method and target."""

    headers: Required[Mapping[str, str] | CIMultiDict[str]]
    data: Any  # bytes, a Received body, a StreamReader or None
    total_timeout: float | None  # None: the settings' connect and read timeouts only
    from_origin: bool  # the target is relative to the registry's origin, not its base


@dataclass(frozen=True, slots=True)
class Ping:
    ok: bool
    status: int | None
    latency_ms: float
    detail: str


class Upstream:
    """Requests to the configured registry; paths are joined under its base, byte-exact."""

    def __init__(self, settings: Settings) -> None:
        self.base: URL = settings.upstream
        self.host = self.base.host_port_subcomponent or self.base.raw_host or "?"
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        # made once: every request needs them
        self._origin = str(self.base.with_path("/", encoded=True)).removesuffix("/")
        self._default_timeout = self.timeout()
        self.proxy = proxy_for(self.base, os.environ)  # credentials apart, never in a URL
        # aiohttp sends proxy_headers on CONNECT (https) only; to an http registry the proxy
        # reads Proxy-Authorization on the request itself
        self._proxy_to_http = (
            self.proxy.headers if self.proxy and self.base.scheme == "http" else None
        )

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            ssl=self._ssl_context(),
            limit=self._settings.upstream_connections,
            ttl_dns_cache=30,
            keepalive_timeout=30,
            enable_cleanup_closed=True,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=self.timeout(),
            skip_auto_headers=_NOT_ADDED,  # what _AsSent does, said to the session too
            request_class=_AsSent,
        )

    def _ssl_context(self) -> ssl.SSLContext | bool:
        """The system's trust store, plus ``--ca-bundle``; verification is never turned off."""
        if self._settings.ca_bundle is None:
            return True
        context = ssl.create_default_context()
        try:
            context.load_verify_locations(cafile=str(self._settings.ca_bundle))
        except (ssl.SSLError, OSError) as exc:
            raise ValueError(f"--ca-bundle {self._settings.ca_bundle}: {exc}") from None
        return context

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the upstream session is not started")
        return self._session

    def timeout(self, total: float | None = None) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=total,
            sock_connect=self._settings.connect_timeout,
            sock_read=self._settings.read_timeout,
        )

    def url(self, relative_target: str, *, from_origin: bool = False) -> URL:
        """The upstream URL of a validated raw target relative to the base (no leading '/'),
        or, ``from_origin``, relative to the upstream's origin (its REST APIs)."""
        prefix = "/" if from_origin else self.base.raw_path
        return URL(self._origin + prefix + relative_target, encoded=True)

    @asynccontextmanager
    async def request(
        self, method: str, relative_target: str, **options: Unpack[SendOptions]
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send one request; the answer's headers are read, its body is the caller's to read
        within the block (a network failure there is explained too)."""
        answer = await self.send(method, relative_target, **options)
        try:
            async with answer:
                yield answer
        except GuardError:
            raise
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise self.explain(exc, phase="answer") from exc

    async def send(
        self,
        method: str,
        relative_target: str,
        *,
        headers: Mapping[str, str] | CIMultiDict[str],
        data: Any = None,
        total_timeout: float | None = None,
        from_origin: bool = False,
    ) -> aiohttp.ClientResponse:
        """Send one request and return when the answer's headers are read; the caller releases
        the answer (``async with answer``) and reads its body with ``iter_body``/``read_body``.
        The pass-through's way: no context-manager layers for every resumption to cross."""
        if isinstance(data, Received) and (len(data) < STREAM_BODY_FROM or len(data.pieces) == 1):
            data = data.joined()  # one piece is not copied
        if isinstance(data, bytes | bytearray | Received) and len(data) >= STREAM_BODY_FROM:
            headers = CIMultiDict(headers)
            headers["Content-Length"] = str(len(data))
            data = _pieces(data) if isinstance(data, Received) else _slices(data)
        if self._proxy_to_http is not None:  # a plain-http registry: the proxy reads it here
            headers = CIMultiDict(headers)
            headers.update(self._proxy_to_http)
        try:
            return await self.session.request(
                method,
                self.url(relative_target, from_origin=from_origin),
                headers=headers,
                data=data,
                allow_redirects=False,
                proxy=self.proxy.url if self.proxy else None,
                proxy_headers=self.proxy.headers if self.proxy else None,
                timeout=self._default_timeout
                if total_timeout is None
                else self.timeout(total_timeout),
            )
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise self.explain(exc, phase="answer") from exc

    async def iter_body(self, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        """The answer's body as it arrives (compressed bytes stay compressed): each chunk as soon
        as it is there, which streams a big tarball about 1.5x faster than waiting for fixed-size
        chunks."""
        try:
            async for chunk in response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise self.explain(exc, phase="body") from exc

    async def read_body(self, response: aiohttp.ClientResponse, limit: int) -> bytes:
        """The whole answer's body, up to ``limit`` bytes (for the guard's own checks)."""
        length = response.content_length
        bodiless = response.status in (204, 304) or response.method == "HEAD"
        if length is not None and length <= limit and not bodiless:  # one call: length bounds it
            try:
                return await response.content.readexactly(length)
            except asyncio.IncompleteReadError as exc:
                raise self.explain(
                    aiohttp.ClientPayloadError("the answer ended early"), phase="body"
                ) from exc
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise self.explain(exc, phase="body") from exc
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.iter_body(response):
            size += len(chunk)
            if size > limit:
                raise GuardError(
                    UPSTREAM_PROTOCOL,
                    UpstreamDetail(
                        host=self.host,
                        upstream=str(self.base),
                        detail=f"answer larger than {limit} bytes",
                    ),
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def ping(self) -> Ping:
        started = time.perf_counter()
        try:
            async with self.request(
                "GET",
                "-/ping",
                headers={"accept": "application/json", "user-agent": GUARD_AGENT},
                total_timeout=self._settings.connect_timeout + 5,
            ) as response:
                await response.read()
                ok = response.status < 500 and response.status != 404
                detail = f"HTTP {response.status}"
                return Ping(ok, response.status, _elapsed_ms(started), detail)
        except GuardError as exc:
            return Ping(False, None, _elapsed_ms(started), exc.error)

    def explain(self, exc: BaseException, *, phase: str) -> GuardError:
        """Turn a network failure into the guard's error, naming the host and the cause."""
        where = {"host": self.host, "upstream": str(self.base)}
        if isinstance(exc, aiohttp.ClientConnectorDNSError) or isinstance(
            getattr(exc, "os_error", None), socket.gaierror
        ):
            os_error = getattr(exc, "os_error", None)
            code = getattr(os_error, "errno", None)
            name = "EAI_AGAIN" if code == socket.EAI_AGAIN else "ENOTFOUND"
            return GuardError(UPSTREAM_DNS, UpstreamDns(errno=name, **where))
        if isinstance(
            exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError | ssl.SSLError
        ):
            detail = str(getattr(exc, "certificate_error", None) or exc)
            return GuardError(UPSTREAM_TLS, UpstreamDetail(detail=_short(detail), **where))
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return GuardError(
                UPSTREAM_TIMEOUT,
                UpstreamTimeout(
                    phase="connecting",
                    seconds=_num(self._settings.connect_timeout),
                    setting="--connect-timeout (PUBLISH_GUARD_CONNECT_TIMEOUT)",
                    **where,
                ),
            )
        if isinstance(exc, aiohttp.SocketTimeoutError | asyncio.TimeoutError):
            what = "the answer" if phase == "answer" else "the rest of the answer"
            return GuardError(
                UPSTREAM_TIMEOUT,
                UpstreamTimeout(
                    phase=f"waiting for {what}",  # "… took longer than 60s"
                    seconds=_num(self._settings.read_timeout),
                    setting="--read-timeout (PUBLISH_GUARD_READ_TIMEOUT)",
                    **where,
                ),
            )
        if isinstance(exc, aiohttp.ClientConnectorError):
            os_error = exc.os_error
            if isinstance(os_error, ConnectionRefusedError) or os_error.errno == errno.ECONNREFUSED:
                return GuardError(UPSTREAM_REFUSED, UpstreamRefused(**where))
            detail = _short(os_error.strerror or str(os_error))
            return GuardError(UPSTREAM_UNREACHABLE, UpstreamDetail(detail=detail, **where))
        if isinstance(exc, aiohttp.ClientResponseError | aiohttp.ClientPayloadError) and not (
            isinstance(exc, aiohttp.ClientPayloadError) and _is_reset(exc)
        ):
            return GuardError(UPSTREAM_PROTOCOL, UpstreamDetail(detail=_short(str(exc)), **where))
        detail = (
            "the connection was reset" if _is_reset(exc) else _short(str(exc) or type(exc).__name__)
        )
        if isinstance(exc, aiohttp.ServerDisconnectedError):
            detail = "the server closed the connection"
        return GuardError(UPSTREAM_DROPPED, UpstreamDetail(detail=detail, **where))


async def _slices(data: bytes | bytearray) -> AsyncIterator[memoryview]:
    """``data`` in views of ``CHUNK_SIZE`` bytes, each sent once the previous one drained."""
    view = memoryview(data)
    for start in range(0, len(view), CHUNK_SIZE):
        yield view[start : start + CHUNK_SIZE]


async def _pieces(body: Received) -> AsyncIterator[bytes]:
    """A body read in pieces, sent as it was read, each piece once the previous one drained."""
    for piece in body.pieces:
        yield piece


def _is_reset(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionResetError | BrokenPipeError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "reset" in str(exc).lower()


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float) -> str:
    return f"{value:g}"


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
