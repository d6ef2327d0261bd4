"""The guard as a user runs it (a process), its log lines, and the secrets that never reach them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.harness.clients import unique_name
from tests.harness.factories import ClientFactory, User
from tests.harness.http import http_request, settled_log
from tests.harness.process import guard_process
from tests.harness.verdaccio import Verdaccio

pytestmark = pytest.mark.e2e


@pytest.fixture
def guarded(verdaccio: Verdaccio, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    log_path = tmp_path / "guard.log"
    with guard_process(verdaccio.url, "--log-level", "debug", log=log_path) as (url, _):
        yield url, log_path


def test_no_secret_reaches_the_log(
    guarded: tuple[str, Path], client: ClientFactory, verdaccio_user: User
) -> None:
    url, log_path = guarded
    password = "correct-horse-battery-staple"
    otp = "918273"
    npm = client("npm", url, verdaccio_user.token)
    npm.publish(npm.make_package(unique_name("logged"), "1.0.0"), "--otp", otp).check()
    npm.run("whoami").check()
    login = http_request(
        "PUT",
        url + "-/user/org.couchdb.user:bob",
        json={"name": "bob", "password": password},
    )
    bob_token = login.json()["token"]
    basic = base64.b64encode(f"bob:{password}".encode()).decode()
    http_request("GET", url + "-/whoami", headers={"authorization": f"Basic {basic}"})
    last = http_request("GET", url + f"-/whoami?token={bob_token}", headers={"npm-otp": otp})

    log = settled_log(log_path, last)
    lines = [orjson.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 6
    assert {"request_id", "method", "path", "status", "duration_ms", "upstream_status"} <= set(
        requests[0]
    )
    for secret in (verdaccio_user.token, bob_token, password, basic, otp):
        assert secret not in log, f"a secret reached the log: {secret[:4]}…"
