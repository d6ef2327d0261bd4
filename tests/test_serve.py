"""``publish-guard serve --workers N`` as a user runs it: several processes, one port."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import threading
import time
from functools import partial

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler

from publish_guard.registry import (
    Registry,
    RegistryConfig,
    create_registry_app,
    make_publish_body,
)
from tests.harness.http import HttpResponse, http_request
from tests.harness.process import guard_process, wait_healthy
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import free_port


def test_two_workers_share_the_port_and_stop_together() -> None:
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    upstream = ServerThread(partial(create_registry_app, registry)).start()
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "publish_guard",
            "serve",
            "--upstream",
            upstream.url,
            "--listen",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-log",
            "false",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_healthy(url)
        pids = set()
        for _ in range(200):  # new connections spread over both workers
            answer = http_request("GET", url + "-/guard/status.json")
            guard = answer.json()["guard"]
            assert guard["workers"] == 2
            pids.add(guard["pid"])
            if len(pids) == 2:
                break
        assert len(pids) == 2
        assert http_request("GET", url + "-/ping").status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        upstream.stop()


def test_a_taken_port_is_one_clear_line() -> None:
    port = free_port()
    blocker = ServerThread(
        partial(create_registry_app, Registry(RegistryConfig())), port=port
    ).start()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "publish_guard",
                "serve",
                "--upstream",
                "http://127.0.0.1:9/",
                "--listen",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode != 0
        assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    finally:
        blocker.stop()


def test_a_client_dribbling_its_headers_is_cut_off() -> None:
    """Slow clients cannot hold connections: no complete request within --idle-timeout closes
    the connection, while other clients are served."""
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    upstream = ServerThread(partial(create_registry_app, registry)).start()
    try:
        with guard_process(upstream.url, "--idle-timeout", "1s", "--access-log", "false") as (
            url,
            _,
        ):
            port = int(url.rsplit(":", 1)[1].strip("/"))
            with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
                slow.sendall(b"GET /-/ping HTTP/1.1\r\nHost: g\r\n")
                started = time.monotonic()
                closed = False
                while time.monotonic() - started < 8:
                    try:
                        slow.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        closed = True
                        break
                    assert http_request("GET", url + "-/guard/healthz").status == 200
                    time.sleep(0.3)
                    try:
                        slow.settimeout(0.01)
                        if slow.recv(1) == b"":
                            closed = True
                            break
                    except TimeoutError:
                        pass
                assert closed
                assert time.monotonic() - started < 4
    finally:
        upstream.stop()


def _slow_registry(registry: Registry, started: threading.Event, seconds: float) -> web.Application:
    """The emulator, taking ``seconds`` over each publish (a big tarball on a busy registry)."""

    @web.middleware
    async def slow(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "PUT":
            await request.read()
            started.set()
            await asyncio.sleep(seconds)
        return await handler(request)

    app = create_registry_app(registry)
    app.middlewares.append(slow)
    return app


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_publish_in_flight_when_the_guard_is_stopped_completes(workers: str) -> None:
    """SIGTERM (a rollout, a scale-in, a drain) while a 25 s publish is at the registry: the
    client gets the registry's answer and the guard stops after it."""
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    alice = registry.add_user("alice", "alice-pw")
    started = threading.Event()
    upstream = ServerThread(partial(_slow_registry, registry, started, 25.0)).start()
    answers: list[HttpResponse] = []
    try:
        with guard_process(upstream.url, "--workers", workers) as (url, process):
            body = make_publish_body("slow-pkg", "1.0.0")
            client = threading.Thread(
                target=lambda: answers.append(
                    http_request("PUT", url + "slow-pkg", json=body, token=alice.token, timeout=60)
                )
            )
            client.start()
            assert started.wait(20)
            process.send_signal(signal.SIGTERM)
            client.join(60)
            assert process.wait(timeout=30) == 0
    finally:
        upstream.stop()
    assert [a.status for a in answers] == [201], answers
    assert "1.0.0" in (registry.document("slow-pkg") or {}).get("versions", {})
