"""``publish-guard check name@version --registry URL`` as a CI step runs it: exit 0, 1 or 2."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from functools import partial

import orjson
import pytest

from publish_guard.app import create_app
from publish_guard.config import load_settings
from publish_guard.registry import (
    NewUser,
    Registry,
    RegistryConfig,
    create_registry_app,
    make_publish_body,
)
from tests.harness.http import http_request
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import free_port


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[str, str, NewUser]]:
    registry = Registry(RegistryConfig(flavor="nexus"))
    user = registry.add_user("ci", "ci-pw")
    upstream = ServerThread(partial(create_registry_app, registry)).start()
    npm_url = registry.npm_url(upstream.url)
    settings = load_settings(["--upstream", npm_url], {})
    guard = ServerThread(lambda: create_app(settings)).start()
    body = orjson.dumps(make_publish_body("@acme/tool", "1.2.3"))
    answer = http_request(
        "PUT",
        guard.url + "@acme%2ftool",
        data=body,
        token=user.token,
        headers={"content-type": "application/json"},
    )
    assert answer.status < 300
    try:
        yield guard.url, npm_url, user
    finally:
        guard.stop()
        upstream.stop()


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publish_guard", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_free_version_exits_0(setup: tuple[str, str, NewUser]) -> None:
    guard, _, user = setup
    done = _check("@acme/tool@1.2.4", "--registry", guard, "--token", user.token)
    assert done.returncode == 0, done.stderr
    assert "@acme/tool@1.2.4 is free to publish" in done.stdout


@pytest.mark.parametrize("through", ["guard", "registry"])
def test_taken_version_exits_1_with_the_explanation(
    setup: tuple[str, str, NewUser], through: str
) -> None:
    guard, npm_url, user = setup
    registry = guard if through == "guard" else npm_url
    done = _check("@acme/tool@1.2.3", "--registry", registry, "--token", user.token)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(
        "You cannot publish over the previously published versions: 1.2.3."
    )
    assert "next free: 1.2.4 (patch)" in done.stdout


def test_unreachable_registry_exits_2() -> None:
    done = _check("tool@1.0.0", "--registry", f"http://127.0.0.1:{free_port()}/")
    assert done.returncode == 2
    assert "could not ask" in done.stderr


def test_bad_spec_exits_2() -> None:
    done = _check("tool", "--registry", "http://127.0.0.1:1/")
    assert done.returncode == 2
    assert "is not name@version" in done.stderr


def test_json_output(setup: tuple[str, str, NewUser]) -> None:
    guard, _, user = setup
    done = _check("@acme/tool@1.2.3", "--registry", guard, "--token", user.token, "--json")
    answer = orjson.loads(done.stdout)
    assert answer["publishable"] is False
    assert answer["suggestions"]["minor"] == "1.3.0"


def test_an_unreachable_guard_is_not_blamed_on_its_registry() -> None:
    """The URL given is what could not be reached (the guard itself, in CI): the message names
    it and its cause, not a failure between the guard and its registry."""
    port = free_port()
    done = _check("tool@1.0.0", "--registry", f"http://127.0.0.1:{port}/")
    assert done.returncode == 2
    assert done.stderr.startswith(f"publish-guard check: could not ask http://127.0.0.1:{port}/: ")
    assert f"127.0.0.1:{port}" in done.stderr.split(": ", 2)[2]
    assert "upstream" not in done.stderr
    assert "guard-to-registry" not in done.stderr
