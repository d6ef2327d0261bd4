"""Races across two guard processes in front of a real Verdaccio: exactly one publish of a
version wins, its stored tarball is intact and is one of the racers', and the rest are refused."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from publish_guard.registry import make_publish_body
from tests.harness.clients import unique_name
from tests.harness.factories import User
from tests.harness.http import http_request
from tests.harness.process import guard_process
from tests.harness.verdaccio import Verdaccio

RACERS = 50


@pytest.fixture
def two_guards(verdaccio: Verdaccio, tmp_path: Path) -> Iterator[list[str]]:
    argv = ("--lock-dir", str(tmp_path / "locks"), "--access-log", "false")
    with (
        guard_process(verdaccio.url, *argv) as (one, _),
        guard_process(verdaccio.url, *argv) as (
            two,
            _,
        ),
    ):
        yield [one, two]


def test_fifty_concurrent_publishes_of_one_version_across_two_processes(
    two_guards: list[str], verdaccio: Verdaccio, verdaccio_user: User
) -> None:
    name = unique_name("race50")
    bodies = [
        make_publish_body(name, "1.0.0", files={"index.js": f"// racer {i}\n"})
        for i in range(RACERS)
    ]

    payloads = [orjson.dumps(body) for body in bodies]
    start = threading.Barrier(RACERS)

    def publish(i: int) -> tuple[int, dict[str, object]]:
        start.wait()  # all at once: the race is the point
        answer = http_request(
            "PUT",
            two_guards[i % 2] + name,
            data=payloads[i],
            token=verdaccio_user.token,
            headers={"content-type": "application/json"},
            timeout=120,
        )
        return answer.status, answer.json()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        answers = list(pool.map(publish, range(RACERS)))

    statuses = [status for status, _ in answers]
    assert sum(1 for s in statuses if 200 <= s < 300) == 1, statuses
    refusals = [body for status, body in answers if status == 403]
    assert len(refusals) == RACERS - 1
    assert all(
        str(b["error"]).startswith(
            "You cannot publish over the previously published versions: 1.0.0."
        )
        for b in refusals
    )

    doc = verdaccio.get_document(name)
    assert doc is not None
    assert list(doc["versions"]) == ["1.0.0"]
    stored = doc["versions"]["1.0.0"]["dist"]["integrity"]
    assert stored in {b["versions"]["1.0.0"]["dist"]["integrity"] for b in bodies}
    tarball = http_request("GET", doc["versions"]["1.0.0"]["dist"]["tarball"]).body
    assert stored == "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
