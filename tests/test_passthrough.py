"""The pass-through against a real recording upstream server on loopback."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.app import create_app
from publish_guard.config import load_settings

PREFIX = "/artifactory/api/npm/npm-local/"


@dataclass
class Seen:
    method: str
    raw_path: str
    headers: dict[str, str]
    body_sha256: str
    body_size: int


@dataclass
class Recorder:
    seen: list[Seen] = field(default_factory=list)


async def _record(request: web.Request) -> web.StreamResponse:
    recorder: Recorder = request.app[RECORDER]
    if request.raw_path == PREFIX + "-/ping":  # the guard's own health watch, not the client's
        return web.json_response({})
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.content.iter_any():
        digest.update(chunk)
        size += len(chunk)
    recorder.seen.append(
        Seen(request.method, request.raw_path, dict(request.headers), digest.hexdigest(), size)
    )
    tail = request.raw_path[len(PREFIX) :]
    if tail.startswith("big"):
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        await response.prepare(request)
        for _ in range(64):
            await response.write(b"x" * 65536)
        await response.write_eof()
        return response
    if tail.startswith("gz"):
        return web.Response(
            body=gzip.compress(b'{"name":"gz"}'),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    if tail.startswith("slow"):
        await asyncio.sleep(5)
    if tail.startswith("otp"):
        return web.json_response(
            {"error": "one-time pass required"},
            status=401,
            headers={"WWW-Authenticate": "OTP", "npm-notice": "check your authenticator"},
        )
    host = request.headers.get("Host", "")
    doc = {
        "name": "widget",
        "versions": {
            "1.0.0": {"dist": {"tarball": f"http://{host}{PREFIX}widget/-/widget-1.0.0.tgz"}}
        },
        "sha": digest.hexdigest(),
    }
    return web.json_response(doc, headers={"npm-notice": "from upstream", "Connection": "close"})


async def _raw_request(port: int | None, request_line: str) -> bytes:
    """Send a request line exactly as written (test clients would normalise the target)."""
    assert port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{request_line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    answer = await reader.read()
    writer.close()
    return answer


RECORDER = web.AppKey("recorder", Recorder)


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[TestServer, Recorder]]:
    app = web.Application(client_max_size=1024**3, handler_args={"auto_decompress": False})
    recorder = Recorder()
    app[RECORDER] = recorder
    app.router.add_route("*", "/{tail:.*}", _record)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, recorder
    await server.close()


GuardFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def guard(upstream: tuple[TestServer, Recorder]) -> AsyncIterator[GuardFactory]:
    clients: list[TestClient[web.Request, web.Application]] = []
    server, recorder = upstream

    async def start(*argv: str, upstream_url: str | None = None) -> TestClient[Any, Any]:
        url = upstream_url or str(server.make_url(PREFIX))
        settings = load_settings(["--upstream", url, *argv], {})
        client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        recorder.seen.clear()  # the start-up flavor probe is not what the tests look at
        return client

    yield start
    for client in clients:
        await client.close()


async def test_paths_are_forwarded_byte_exact_under_the_prefix(
    guard: GuardFactory, upstream: Any
) -> None:
    _, recorder = upstream
    client = await guard()
    for path in [
        "/@acme%2fwidget?write=true",
        "/%40acme%2Fwidget",
        "/@acme/widget",
        "/-/v1/search?text=a+b",
    ]:
        answer = await _raw_request(client.port, f"GET {path} HTTP/1.1")
        assert answer.startswith(b"HTTP/1.1 200")
    assert [seen.raw_path for seen in recorder.seen] == [
        PREFIX + "@acme%2fwidget?write=true",
        PREFIX + "%40acme%2Fwidget",
        PREFIX + "@acme/widget",
        PREFIX + "-/v1/search?text=a+b",
    ]
    for seen in recorder.seen:  # nothing the client did not send is added, but X-Forwarded-*
        assert set(seen.headers) == {
            "Host",
            "X-Forwarded-For",
            "X-Forwarded-Proto",
            "X-Forwarded-Host",
        }


async def test_headers_end_to_end_kept_hop_by_hop_dropped(
    guard: GuardFactory, upstream: Any
) -> None:
    _, recorder = upstream
    client = await guard()
    response = await client.get(
        "/widget",
        headers={
            "Authorization": "Bearer npm_token",
            "npm-command": "view",
            "Accept": "application/vnd.npm.install-v1+json",
            "User-Agent": "npm/11.19.1 node/v20",
            "Connection": "keep-alive, X-Drop-Me",
            "X-Drop-Me": "1",
            "Proxy-Authorization": "Basic eA==",
            "X-Forwarded-For": "10.0.0.1",
        },
    )
    seen = recorder.seen[-1].headers
    assert seen["Authorization"] == "Bearer npm_token"
    assert seen["npm-command"] == "view"
    assert seen["Accept"] == "application/vnd.npm.install-v1+json"
    assert seen["User-Agent"] == "npm/11.19.1 node/v20"
    assert "X-Drop-Me" not in seen
    assert "Proxy-Authorization" not in seen
    assert seen["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1"
    assert seen["X-Forwarded-Proto"] == "http"
    assert seen["X-Forwarded-Host"] == f"127.0.0.1:{client.port}"
    assert seen["Accept-Encoding"] == "gzip, deflate"  # the test client's own, nothing added
    assert response.headers["npm-notice"] == "from upstream"
    assert "Connection" not in response.headers or response.headers["Connection"] != "close"


async def test_a_bare_request_reaches_the_upstream_with_nothing_added(
    guard: GuardFactory, upstream: Any
) -> None:
    """A client that sends no User-Agent, Accept or Content-Type (curl -H 'User-Agent:', a
    script): the registry sees none either; the HTTP client under the guard adds none of its
    defaults, for a read or for a write with a body."""
    _, recorder = upstream
    client = await guard()
    for line, body in (
        ("GET /widget HTTP/1.1", b""),
        ("POST /-/npm/v1/security/audits HTTP/1.1", b"{}"),
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
        head = f"{line}\r\nHost: x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        seen = {name.lower() for name in recorder.seen[-1].headers}
        assert not seen & {"user-agent", "accept", "accept-encoding", "content-type"}, seen


async def test_relayed_answers_carry_the_request_id(guard: GuardFactory, upstream: Any) -> None:
    """A document (sent whole) and a tarball (streamed) both name the request, as the access
    line does: the id a user quotes when a download went wrong."""
    client = await guard()
    for path in ("/widget", "/big.tgz"):
        response = await client.get(path, headers={"X-Request-Id": f"ci-{path[1:4]}"})
        assert response.status == 200
        assert response.headers["X-Request-Id"] == f"ci-{path[1:4]}"
        await response.read()


async def test_request_and_response_bodies_stream_both_ways(
    guard: GuardFactory, upstream: Any
) -> None:
    _, recorder = upstream
    client = await guard()
    payload = bytes(range(256)) * 40000  # ~10 MB, above aiohttp's 1 MiB read limit

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 1 << 20):
            yield payload[start : start + (1 << 20)]

    response = await client.post("/-/npm/v1/security/advisories/bulk", data=chunks())
    assert response.status == 200
    assert recorder.seen[-1].body_sha256 == hashlib.sha256(payload).hexdigest()
    assert recorder.seen[-1].body_size == len(payload)

    response = await client.get("/big")
    body = await response.read()
    assert body == b"x" * 65536 * 64


async def test_compressed_request_bodies_pass_as_they_were_sent(
    guard: GuardFactory, upstream: Any
) -> None:
    """npm's audit (on by default) posts a gzip body: it reaches the registry as the same bytes,
    with the client's Content-Encoding and length (decompressed, the registry waited for bytes
    that never came)."""
    _, recorder = upstream
    client = await guard()
    report = orjson.dumps({f"dep-{i}": ["1.0.0"] for i in range(2000)})
    sent = gzip.compress(report)
    response = await client.post(
        "/-/npm/v1/security/advisories/bulk",
        data=sent,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status == 200
    seen = recorder.seen[-1]
    assert (seen.body_size, seen.body_sha256) == (len(sent), hashlib.sha256(sent).hexdigest())
    assert seen.headers["Content-Encoding"] == "gzip"
    assert seen.headers["Content-Length"] == str(len(sent))


async def test_compressed_answers_pass_as_they_are(guard: GuardFactory) -> None:
    client = await guard()
    response = await client.get("/gz", headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(await response.read()) == b'{"name":"gz"}'


async def test_otp_challenge_passes_untouched(guard: GuardFactory) -> None:
    client = await guard()
    response = await client.put("/otp", json={})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "OTP"
    assert response.headers["npm-notice"] == "check your authenticator"
    assert (await response.json()) == {"error": "one-time pass required"}


async def test_tarball_urls_untouched_without_public_url(
    guard: GuardFactory, upstream: Any
) -> None:
    server, _ = upstream
    client = await guard()
    doc = await (await client.get("/widget")).json()
    tarball = doc["versions"]["1.0.0"]["dist"]["tarball"]
    assert tarball == f"http://127.0.0.1:{server.port}{PREFIX}widget/-/widget-1.0.0.tgz"


async def test_public_url_rewrites_tarball_urls_in_documents(
    guard: GuardFactory, upstream: Any
) -> None:
    _, recorder = upstream
    client = await guard("--public-url", "https://npm.example.com/")
    response = await client.get("/widget", headers={"Accept-Encoding": "gzip"})
    doc = await response.json()
    assert (
        doc["versions"]["1.0.0"]["dist"]["tarball"]
        == "https://npm.example.com/widget/-/widget-1.0.0.tgz"
    )
    assert recorder.seen[-1].headers["Accept-Encoding"] == "identity"
    # a small document goes out whole, with the rewritten body's own length (not chunked)
    assert response.headers["Content-Length"] == str(len(await response.read()))
    assert "Transfer-Encoding" not in response.headers
    # not a package document: untouched
    await client.get("/-/v1/search")
    assert recorder.seen[-1].headers["Accept-Encoding"] == "gzip, deflate"  # the client's own


@pytest.mark.parametrize(
    "raw",
    [
        "/a/../../../admin",
        "/%2e%2e/%2e%2e/admin",
        "/@a%2f..%2f..%2fadmin",
        "/x/..;/admin",
        "/a%5c..%5cadmin",
    ],
)
async def test_climbing_never_reaches_the_upstream(
    guard: GuardFactory, upstream: Any, raw: str
) -> None:
    _, recorder = upstream
    client = await guard()
    answer = await _raw_request(client.port, f"GET {raw} HTTP/1.1")
    assert answer.startswith(b"HTTP/1.1 400")
    assert b'"code":"BAD_TARGET"' in answer
    assert recorder.seen == []


async def test_absolute_form_and_connect_are_refused(guard: GuardFactory, upstream: Any) -> None:
    _, recorder = upstream
    client = await guard()
    for line in (
        "GET http://169.254.169.254/latest HTTP/1.1",
        "CONNECT 169.254.169.254:80 HTTP/1.1",
    ):
        answer = await _raw_request(client.port, line)
        assert answer.startswith(b"HTTP/1.1 400")
        assert b"not a forward proxy" in answer
    assert recorder.seen == []


async def test_refused_connection_is_a_502_naming_the_host(
    guard: GuardFactory, unused_tcp_port: int
) -> None:
    client = await guard(upstream_url=f"http://127.0.0.1:{unused_tcp_port}/repository/npm-hosted/")
    response = await client.get("/widget")
    assert response.status == 502
    body = await response.json()
    assert body["code"] == "UPSTREAM_REFUSED"
    assert f"127.0.0.1:{unused_tcp_port}" in body["error"]
    assert "connection refused" in body["error"]
    assert response.headers["npm-notice"] == body["hint"]
    ready = await client.get("/-/guard/readyz")
    assert ready.status == 200, "the guard stays ready to explain the outage"
    assert (await client.get("/-/guard/healthz")).status == 200


async def test_unresolvable_host_is_a_502_dns_error(guard: GuardFactory) -> None:
    client = await guard(
        "--connect-timeout", "5", upstream_url="http://registry.does-not-exist.invalid/"
    )
    response = await client.get("/widget")
    body = await response.json()
    assert response.status == 502
    assert body["code"] == "UPSTREAM_DNS"
    assert "registry.does-not-exist.invalid" in body["error"]
    assert "EAI_AGAIN" in body["error"] or "ENOTFOUND" in body["error"]


async def test_slow_upstream_is_a_504_and_others_are_still_served(guard: GuardFactory) -> None:
    client = await guard("--read-timeout", "300ms")
    slow, fast = await asyncio.gather(client.get("/slow"), client.get("/widget"))
    assert fast.status == 200
    assert slow.status == 504
    body = await slow.json()
    assert body["code"] == "UPSTREAM_TIMEOUT"
    assert "0.3s" in body["error"]


async def test_upstream_answering_garbage_is_a_502(guard: GuardFactory) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"this is not http\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = await guard(upstream_url=f"http://127.0.0.1:{port}/")
        response = await client.get("/widget")
        assert response.status == 502
        assert (await response.json())["code"] in ("UPSTREAM_PROTOCOL", "UPSTREAM_DROPPED")
    finally:
        server.close()


async def test_a_path_echoing_the_upstream_base_is_mapped_back_under_it(
    guard: GuardFactory, upstream: Any
) -> None:
    """Nexus builds tarball URLs from X-Forwarded-Host plus its own base path."""
    _, recorder = upstream
    client = await guard()
    answer = await _raw_request(client.port, f"GET {PREFIX}widget/-/widget-1.0.0.tgz HTTP/1.1")
    assert answer.startswith(b"HTTP/1.1 200")
    assert recorder.seen[-1].raw_path == PREFIX + "widget/-/widget-1.0.0.tgz"


async def test_a_not_modified_answer_with_a_length_passes_at_once(guard: GuardFactory) -> None:
    """npm revalidates cached documents (If-None-Match); a 304 may carry the entity's
    Content-Length but never a body: the guard must not wait for one."""
    answer = (
        b"HTTP/1.1 304 Not Modified\r\nContent-Type: application/json\r\n"
        b'Content-Length: 500\r\nETag: "v1"\r\n\r\n'
    )

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" if b"/-/ping" in head else answer
            )
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = await guard(upstream_url=f"http://127.0.0.1:{port}/")
        started = asyncio.get_running_loop().time()
        response = await client.get("/widget", headers={"If-None-Match": '"v1"'})
        assert response.status == 304
        assert response.headers["ETag"] == '"v1"'
        assert await response.read() == b""
        assert asyncio.get_running_loop().time() - started < 2
    finally:
        server.close()
