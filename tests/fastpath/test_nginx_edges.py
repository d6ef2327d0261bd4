"""The fast path's nginx on the edges an attack found: requests as to a forward proxy, a guard
that dies holding a write, targets and lines nginx refuses itself, requests without Host, and
IPv6 registries — each answered as the guard answers, with the real nginx."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from aiohttp import web

from tests.harness.http import HttpResponse, http_request, raw_request
from tests.harness.nginx import FastPath, nginx_config
from tests.harness.process import wait_healthy
from tests.harness.recorder import RecordingProxy
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import free_port

pytestmark = pytest.mark.e2e


@dataclass
class Edge:
    back: RecordingProxy  # the registry's side: what reached it
    fast: FastPath
    guard: subprocess.Popen[bytes]
    held: threading.Event  # set when the registry holds a write

    @property
    def port(self) -> int:
        return int(self.fast.url.rstrip("/").rsplit(":", 1)[1])


def _registry(held: threading.Event) -> web.Application:
    """A registry that answers reads at once and holds every write for 10 s."""

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        if request.method not in ("GET", "HEAD"):
            held.set()
            await asyncio.sleep(10)
        return web.json_response({"name": "widget", "versions": {}})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    return app


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait(10)


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    held = threading.Event()
    with ExitStack() as stack:
        registry = stack.enter_context(ServerThread(lambda: _registry(held)))
        back = RecordingProxy(registry.url).start()
        stack.callback(back.stop)
        port = free_port()
        guard = subprocess.Popen(
            [sys.executable, "-m", "publish_guard", "serve", "--upstream", back.url,
             "--flavor", "verdaccio", "--listen", f"127.0.0.1:{port}"],
            stdout=(tmp_path / "guard.log").open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        stack.callback(_kill, guard)
        guard_url = f"http://127.0.0.1:{port}/"
        wait_healthy(guard_url)
        fast = stack.enter_context(
            FastPath(tmp_path / "nginx", back.url, guard_url, "--flavor", "verdaccio")
        )
        yield Edge(back, fast, guard, held)


def _json(raw: bytes) -> tuple[int, dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), orjson.loads(body)


@pytest.mark.parametrize(
    "target", [b"http://registry.npmjs.org/widget", b"HTTPS://registry.npmjs.org/-/x", b"*"]
)
def test_a_request_as_to_a_forward_proxy_is_refused_by_nginx(edge: Edge, target: bytes) -> None:
    before = len(edge.back.exchanges)
    for method in (b"GET", b"PUT"):
        head = method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        status, body = _json(raw_request(edge.port, head + b"Connection: close\r\n\r\n", b"{}"))
        assert (status, body["code"]) == (400, "NOT_A_PROXY")
        assert method.decode() in body["error"]
    assert len(edge.back.exchanges) == before


def test_a_guard_that_dies_holding_a_write_is_not_said_to_have_sent_nothing(edge: Edge) -> None:
    answers: list[HttpResponse] = []
    client = threading.Thread(
        target=lambda: answers.append(
            http_request("PUT", edge.fast.url + "-/package/widget/dist-tags/beta", json="1.0.0")
        )
    )
    client.start()
    assert edge.held.wait(15), "the write never reached the registry"
    edge.guard.send_signal(signal.SIGKILL)
    client.join(30)
    (answer,) = answers
    assert answer.status == 502, answer.text
    assert answer.json()["code"] == "GUARD_LOST"
    assert "nothing was sent" not in answer.text
    assert answer.headers.get("npm-notice")
    edge.guard.wait(10)
    never = http_request("PUT", edge.fast.url + "-/package/widget/dist-tags/rc", json="1.0.0")
    assert never.status == 503  # the guard is gone: nothing reaches it, so nothing was sent
    assert never.json()["code"] == "GUARD_UNREACHABLE"


def test_what_nginx_refuses_itself_is_answered_as_the_guard_answers(edge: Edge) -> None:
    for method in (b"DELETE", b"PUT"):
        head = method + b" /a/../../x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        status, body = _json(raw_request(edge.port, head))
        assert (status, body["code"]) == (400, "BAD_TARGET")
        assert f"refused {method.decode()} " in body["error"]
    long_target = b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    big_header = b"GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 17000 + b"\r\n\r\n"
    for raw in (long_target, big_header):
        status, body = _json(raw_request(edge.port, raw))
        assert (status, body["code"]) == (400, "BAD_HTTP"), body


def test_a_request_without_host_reaches_the_registry_with_one(edge: Edge) -> None:
    """Verdaccio builds tarball URLs from Host: HTTP/1.0 may come without."""
    before = len(edge.back.exchanges)
    raw = raw_request(edge.port, b"GET /widget HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200")
    (read,) = edge.back.exchanges[before:]
    assert read.header("host") == f"127.0.0.1:{edge.port}"
    assert read.header("x-forwarded-host") == f"127.0.0.1:{edge.port}"


def test_an_ipv6_registry_gets_a_bracketed_host(tmp_path: Path) -> None:
    written = nginx_config(
        "--upstream", "http://[::1]:4873/", "--flavor", "nexus", "--listen", "127.0.0.1:8081",
        "--guard", "http://127.0.0.1:8080/", "--output", str(tmp_path / "nginx.conf"),
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    conf = (tmp_path / "nginx.conf").read_text()
    assert "proxy_set_header Host [::1]:4873;" in conf
    assert "server [::1]:4873;" in conf
