"""Upstream faults between the guard and real upstreams: every publish gets a true answer about
whether it landed (checked against the upstream's final state), and the guard keeps serving."""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Iterator
from functools import partial

import orjson
import pytest

from publish_guard.npm.names import escape_name
from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.clients import unique_name
from tests.harness.factories import GuardFactory, User
from tests.harness.faults import FaultProxy
from tests.harness.http import http_request
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import Verdaccio, free_port


@pytest.fixture
def emulator() -> Iterator[tuple[Registry, ServerThread, str]]:
    registry = Registry(RegistryConfig(flavor="artifactory"))
    user = registry.add_user("ci")
    server = ServerThread(partial(create_registry_app, registry)).start()
    yield registry, server, user.token
    server.stop()


@pytest.fixture
def proxies() -> Iterator[list[FaultProxy]]:
    started: list[FaultProxy] = []
    yield started
    for proxy in started:
        proxy.stop()


def _origin(url: str) -> str:
    return url.rstrip("/").split("/artifactory")[0].rstrip("/")


def _put(
    url: str, name: str, token: str, version: str = "1.0.0", content: str = "// 1\n"
) -> tuple[int, dict[str, object]]:
    body = make_publish_body(name, version, files={"index.js": content})
    answer = http_request(
        "PUT",
        url + escape_name(name),
        data=orjson.dumps(body),
        token=token,
        headers={"content-type": "application/json"},
        timeout=60,
    )
    return answer.status, answer.json()


def _only_puts(mode: str) -> object:
    return lambda request: mode if request.method == "PUT" else "pass"


@pytest.mark.parametrize(
    ("mode", "landed", "status", "code"),
    [
        ("reset_after", True, 200, None),
        ("error_after", True, 200, None),
        ("reset_before", False, 502, "PUBLISH_NOT_LANDED"),
        ("hang", False, 504, "PUBLISH_NOT_LANDED"),
        ("garbage", False, 502, "PUBLISH_NOT_LANDED"),
    ],
)
def test_publish_faults_at_the_emulator_get_a_true_answer(
    emulator: tuple[Registry, ServerThread, str],
    proxies: list[FaultProxy],
    guard: GuardFactory,
    mode: str,
    landed: bool,
    status: int,
    code: str | None,
) -> None:
    registry, server, token = emulator
    proxy = FaultProxy(server.url.rstrip("/"), _only_puts(mode)).start()  # type: ignore[arg-type]
    proxies.append(proxy)
    g = guard(registry.npm_url(proxy.url), "--read-timeout", "1s", "--flavor", "artifactory")
    name = unique_name(mode)
    got, answer = _put(g.url, name, token)
    assert got == status, answer
    assert (registry.document(name) is not None) is landed  # the truth, at the upstream
    if code:
        assert answer["code"] == code
        assert f"{name}@1.0.0 was NOT published" in str(answer["error"])
        assert "publishing again is safe" in str(answer["error"])
    else:
        assert "was published" in str(answer["notice"])
    assert http_request("GET", g.url + "-/guard/healthz").status == 200


@pytest.mark.parametrize(("mode", "landed"), [("reset_after", True), ("reset_before", False)])
def test_publish_faults_at_verdaccio_get_a_true_answer(
    verdaccio: Verdaccio,
    verdaccio_user: User,
    proxies: list[FaultProxy],
    guard: GuardFactory,
    mode: str,
    landed: bool,
) -> None:
    proxy = FaultProxy(verdaccio.url.rstrip("/"), _only_puts(mode)).start()  # type: ignore[arg-type]
    proxies.append(proxy)
    g = guard(proxy.url, "--flavor", "verdaccio")
    name = unique_name(f"v-{mode}")
    got, answer = _put(g.url, name, verdaccio_user.token)
    assert (verdaccio.get_document(name) is not None) is landed
    assert got == (200 if landed else 502), answer


def test_a_download_that_dies_midway_is_never_taken_for_a_whole_one(
    emulator: tuple[Registry, ServerThread, str], proxies: list[FaultProxy], guard: GuardFactory
) -> None:
    registry, server, _ = emulator
    name = unique_name("mid")
    registry.seed(name, "1.0.0", files={"big.txt": "x" * 200_000})
    proxy = FaultProxy(
        server.url.rstrip("/"), lambda r: "die_mid_body" if r.path.endswith(".tgz") else "pass"
    )
    proxies.append(proxy.start())
    g = guard(registry.npm_url(proxy.url))
    with pytest.raises(http.client.IncompleteRead):  # a truncated body fails the download
        http_request("GET", g.url + f"{name}/-/{name}-1.0.0.tgz")
    assert http_request("GET", g.url + "-/guard/healthz").status == 200


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("garbage", "UPSTREAM_PROTOCOL"),
        ("huge_headers", "UPSTREAM_PROTOCOL"),
        ("hang", "UPSTREAM_TIMEOUT"),
    ],
)
def test_reads_through_broken_upstreams_are_explained(
    emulator: tuple[Registry, ServerThread, str],
    proxies: list[FaultProxy],
    guard: GuardFactory,
    mode: str,
    code: str,
) -> None:
    registry, server, _ = emulator
    proxy = FaultProxy(server.url.rstrip("/"), lambda r: mode).start()
    proxies.append(proxy)
    g = guard(registry.npm_url(proxy.url), "--read-timeout", "500ms", "--flavor", "artifactory")
    answer = http_request("GET", g.url + "widget")
    assert answer.status in (502, 504)
    assert answer.json()["code"] in (code, "UPSTREAM_DROPPED")


def test_an_html_error_page_is_passed_on_for_reads_and_quoted_for_writes(
    emulator: tuple[Registry, ServerThread, str], proxies: list[FaultProxy], guard: GuardFactory
) -> None:
    registry, server, token = emulator
    proxy = FaultProxy(server.url.rstrip("/"), lambda r: "html").start()
    proxies.append(proxy)
    g = guard(registry.npm_url(proxy.url), "--flavor", "artifactory")
    read = http_request("GET", g.url + "widget")
    assert read.status == 502
    assert read.body.startswith(b"<html>")  # reads are never rewritten
    status, answer = _put(g.url, unique_name("html"), token)
    assert status == 502
    assert "502 Bad Gateway" in str(answer["error"])
    assert "load balancer noise" not in str(answer["error"])


def test_a_slow_upstream_does_not_hold_up_other_clients(
    emulator: tuple[Registry, ServerThread, str], proxies: list[FaultProxy], guard: GuardFactory
) -> None:
    registry, server, _ = emulator
    name = unique_name("slow")
    # incompressible, so that the slow answer is slow (256 bytes every 20 ms: ~2 s for 24 KiB)
    registry.seed(name, "1.0.0", files={"big.bin": os.urandom(24_000)})
    proxy = FaultProxy(
        server.url.rstrip("/"), lambda r: "slow" if r.path.endswith(".tgz") else "pass"
    )
    proxies.append(proxy.start())
    g = guard(registry.npm_url(proxy.url))
    results: dict[str, float] = {}

    def slow_download() -> None:
        started = time.monotonic()
        http_request("GET", g.url + f"{name}/-/{name}-1.0.0.tgz", timeout=60)
        results["slow"] = time.monotonic() - started

    thread = threading.Thread(target=slow_download)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert http_request("GET", g.url + name).status == 200
    results["fast"] = time.monotonic() - started
    thread.join(timeout=60)
    assert results["slow"] > 1.0, results
    assert results["fast"] < results["slow"] / 2, results


def test_an_upstream_down_at_start_up_then_up(guard: GuardFactory) -> None:
    port = free_port()
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    g = guard(f"http://127.0.0.1:{port}/")
    deadline = time.monotonic() + 10
    ready = http_request("GET", g.url + "-/guard/readyz")
    while ready.json()["upstream"]["reachable"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
        ready = http_request("GET", g.url + "-/guard/readyz")
    # The guard stays in the Service: it is ready, and reports the upstream as down.
    assert ready.status == 200
    assert ready.json()["upstream"]["reachable"] is False
    refused = http_request("GET", g.url + "widget")
    assert refused.status == 502
    assert refused.json()["code"] == "UPSTREAM_REFUSED"
    server = ServerThread(partial(create_registry_app, registry), port=port).start()
    try:
        assert http_request("GET", g.url + "-/guard/readyz").status == 200
        assert http_request("GET", g.url + "-/ping").status == 200
    finally:
        server.stop()
