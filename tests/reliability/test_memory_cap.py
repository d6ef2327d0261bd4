"""Bounded before trusted: many maximum-size publish bodies at once, from nobody in particular,
hold no more than ``--max-publish-memory`` of them; the rest are told to retry (503 with
``Retry-After``, which npm retries) and nothing of theirs reaches the registry."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web

from publish_guard.registry import make_publish_body
from tests.harness.http import http_request
from tests.harness.process import guard_process
from tests.harness.servers import ServerThread

MiB = 1024 * 1024
BODY_LIMIT = 20 * MiB
CAP = 70 * MiB  # room for two bodies at once, each with its tarball decoded
SLOW = 7.0  # the registry's time to answer: the guard holds what it admitted this long
CLIENTS = 6


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


@pytest.fixture
def slow_registry() -> Iterator[tuple[ServerThread, list[str]]]:
    """A registry that takes ``SLOW`` seconds over every answer, and lists what it was asked."""
    asked: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        asked.append(f"{request.method} {request.raw_path}")
        await request.read()
        await asyncio.sleep(SLOW)
        return web.json_response({"error": "authorization required"}, status=401)

    def app() -> web.Application:
        made = web.Application(client_max_size=64 * MiB)
        made.router.add_route("*", "/{tail:.*}", answer)
        return made

    with ServerThread(app) as server:
        yield server, asked


def test_publish_bodies_held_at_once_stay_under_the_cap(
    slow_registry: tuple[ServerThread, list[str]], tmp_path: Path
) -> None:
    server, asked = slow_registry
    blob = _incompressible(14 * MiB)
    bodies = [
        orjson.dumps(make_publish_body(f"capped-{i}", "1.0.0", files={"blob.bin": blob}))
        for i in range(CLIENTS)
    ]
    body = bodies[0]
    assert 16 * MiB < len(body) < BODY_LIMIT
    argv = (
        "--flavor",
        "verdaccio",
        "--max-publish-size",
        str(BODY_LIMIT),
        "--max-publish-memory",
        str(CAP),
        "--lock-dir",
        str(tmp_path / "locks"),
    )
    with guard_process(server.url, *argv, log=tmp_path / "guard.log") as (url, process):
        http_request("GET", url + "-/guard/healthz")
        before = _status_kib(process.pid, "VmRSS")
        answers: list[tuple[int, dict[str, str], float]] = []

        def publish(index: int) -> None:
            started = time.monotonic()
            answer = http_request(
                "PUT",
                url + f"capped-{index}",
                data=bodies[index],
                headers={"content-type": "application/json"},
                timeout=60,
            )
            answers.append((answer.status, dict(answer.headers), time.monotonic() - started))

        threads = [threading.Thread(target=publish, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        peak = _status_kib(process.pid, "VmHWM")

    # what the process grew by: the bodies it held (each about 1.3x a body at its peak: parsed
    # aside, decoded and hashed), never the bodies it refused
    grown = (peak - before) * 1024
    assert grown < 2 * 1.6 * len(body) + 24 * MiB, f"grew by {grown / MiB:.0f} MiB"

    statuses = sorted(status for status, _, _ in answers)
    busy = [headers for status, headers, _ in answers if status == 503]
    assert len(answers) == CLIENTS
    assert len(busy) == CLIENTS - 2, statuses  # two held at once; the others told to retry
    assert all(headers.get("Retry-After") == "5" for headers in busy)
    assert statuses.count(401) == 2  # the registry's answer to the two it was sent
    # the registry was asked about the two held publishes only (a look-up and the publish each)
    assert len([a for a in asked if a.startswith("PUT")]) == 2


def _incompressible(size: int) -> bytes:
    return random.Random(7).randbytes(size)
