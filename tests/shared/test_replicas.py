"""Many replicas, one guard: two and three guard processes, each with its own lock directory (as
pods on other hosts), sharing a real redis-server, in front of a real Verdaccio and of the
emulator's Nexus with "Allow redeploy" — where only the guard keeps a version from changing."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.clients import unique_name
from tests.harness.http import HttpResponse, escape_package_name, http_request
from tests.harness.process import guard_process
from tests.harness.redis_server import RedisServer
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import Verdaccio

pytestmark = pytest.mark.e2e
SENTENCE = "You cannot publish over the previously published versions"


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def verdaccio_with_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with Verdaccio(tmp_path_factory.mktemp("verdaccio-replicas")) as server:
        yield server.url, server.add_user("alice", "alice-replicas-password")


def _replicas(
    stack: ExitStack, upstream: str, redis_url: str, count: int, tmp: Path, *argv: str
) -> list[str]:
    urls = []
    tmp.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        url, _ = stack.enter_context(
            guard_process(
                upstream,
                "--shared-state",
                redis_url,
                "--lock-dir",
                str(tmp / f"locks-{i}"),  # a host of its own: only Redis is shared
                *argv,
                log=tmp / f"guard-{i}.log",
            )
        )
        urls.append(url)
    return urls


def _race(calls: list[Callable[[], HttpResponse]]) -> list[HttpResponse]:
    """All at once, as far as threads go."""
    answers: list[HttpResponse | None] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        start.wait()
        answers[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(answer is not None for answer in answers)
    return [a for a in answers if a is not None]


def _put(url: str, body: dict[str, Any], token: str) -> Callable[[], HttpResponse]:
    name = body["name"]
    data = orjson.dumps(body)
    return lambda: http_request(
        "PUT",
        url + escape_package_name(name),
        data=data,
        token=token,
        headers={"content-type": "application/json"},
        timeout=90,
    )


def _events_of(url: str, name: str, count: int) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while True:
        view: dict[str, Any] = http_request("GET", url + "-/guard/status.json").json()
        seen = [e for e in view["events"] if e["package"] == name]
        if len(seen) >= count or time.monotonic() > deadline:
            return view
        time.sleep(0.2)


def _intact(registry_url: str, name: str, token: str) -> dict[str, str]:
    document = http_request("GET", registry_url + escape_package_name(name), token=token).json()
    found = {}
    for version, manifest in document["versions"].items():
        tarball = http_request("GET", manifest["dist"]["tarball"], token=token)
        digest = base64.b64encode(hashlib.sha512(tarball.body).digest()).decode()
        assert manifest["dist"]["integrity"] == f"sha512-{digest}", f"{name}@{version} corrupted"
        found[version] = manifest["dist"]["integrity"]
    return found


@pytest.mark.parametrize("replicas", [2, 3])
def test_racing_publishes_of_one_version_over_replicas(
    replicas: int,
    redis: RedisServer,
    verdaccio_with_token: tuple[str, str],
    tmp_path: Path,
) -> None:
    registry_url, token = verdaccio_with_token
    name = unique_name("race")
    bodies = [
        make_publish_body(name, "1.0.0", files={"index.js": f"module.exports = {i};\n"})
        for i in range(8)
    ]
    with ExitStack() as stack:
        urls = _replicas(stack, registry_url, redis.url, replicas, tmp_path)
        answers = _race([_put(urls[i % replicas], body, token) for i, body in enumerate(bodies)])
        statuses = sorted(a.status for a in answers)
        assert statuses.count(403) == 7, statuses
        assert next(s for s in statuses if s != 403) in (200, 201)
        for answer in answers:
            if answer.status == 403:
                assert answer.json()["error"].startswith(f"{SENTENCE}: 1.0.0.")
        stored = _intact(registry_url, name, token)
        sent = {b["versions"]["1.0.0"]["dist"]["integrity"] for b in bodies}
        assert stored["1.0.0"] in sent
        for url in urls:  # either replica shows every publish of all of them (each writes
            view = _events_of(url, name, 8)  # what it saw to Redis within a second)
            assert view["shared_state"]["reachable"] is True
            events = [e for e in view["events"] if e["package"] == name]
            assert len(events) == 8
            assert len({e["replica"] for e in events}) == replicas
            assert view["counters"]["publishes"]["refused"] >= 7


def test_nexus_with_redeploy_allowed_keeps_the_first_publish(
    redis: RedisServer, tmp_path: Path
) -> None:
    registry = Registry(RegistryConfig(flavor="nexus"))
    registry.update_repo("npm-hosted", policy="allow")
    alice = registry.add_user("alice", "alice-pw")
    name = unique_name("redeploy")
    first = make_publish_body(name, "1.0.0", files={"index.js": "// first\n"})
    second = make_publish_body(name, "1.0.0", files={"index.js": "// second\n"})
    with ServerThread(partial(create_registry_app, registry)) as server, ExitStack() as stack:
        upstream = registry.npm_url(server.url)
        urls = _replicas(stack, upstream, redis.url, 2, tmp_path)
        answers = _race([_put(urls[0], first, alice.token), _put(urls[1], second, alice.token)])
        statuses = sorted(a.status for a in answers)
        assert statuses[0] in (200, 201)
        assert statuses[1] == 403, [a.text for a in answers]
        winner = first if answers[0].status != 403 else second
        stored = registry.document(name)
        assert stored is not None
        assert (
            stored["versions"]["1.0.0"]["dist"]["integrity"]
            == winner["versions"]["1.0.0"]["dist"]["integrity"]
        )
        assert len(registry.journal.find(method="PUT", path_contains=name)) == 1


def test_racing_dev_publishes_over_replicas_get_distinct_intact_versions(
    redis: RedisServer, verdaccio_with_token: tuple[str, str], tmp_path: Path
) -> None:
    registry_url, token = verdaccio_with_token
    name = unique_name("devrace")
    bodies = [
        make_publish_body(name, "1.0.0", files={"index.js": f"// build {i}\n"}) for i in range(10)
    ]
    with ExitStack() as stack:
        urls = _replicas(stack, registry_url, redis.url, 2, tmp_path, "--dev-mode", "always")
        answers = _race(
            [_put(urls[i % 2] + "-/dev/", body, token) for i, body in enumerate(bodies)]
        )
    assert all(a.status in (200, 201) for a in answers), [a.text for a in answers]
    versions = sorted(a.json()["version"] for a in answers)
    assert len(set(versions)) == 10, versions
    stored = _intact(registry_url, name, token)
    assert sorted(stored) == versions


def test_redis_down_refuses_publishes_and_keeps_reads_then_recovers(
    tmp_path: Path, verdaccio_with_token: tuple[str, str]
) -> None:
    registry_url, token = verdaccio_with_token
    name = unique_name("down")
    with RedisServer(tmp_path / "redis") as own_redis, ExitStack() as stack:
        urls = _replicas(stack, registry_url, own_redis.url, 2, tmp_path)
        assert _put(urls[0], make_publish_body(name, "1.0.0"), token)().status in (200, 201)
        own_redis.stop()
        down = _put(urls[1], make_publish_body(name, "1.1.0"), token)()
        assert down.status == 503, down.text
        assert down.json()["code"] == "SHARED_STATE_DOWN"
        assert down.headers["Retry-After"] == "5"
        assert "nothing was sent to the registry" in down.json()["error"]
        document = http_request("GET", urls[1] + escape_package_name(name), token=token)
        assert document.status == 200  # reads need no Redis
        assert "1.1.0" not in document.json()["versions"]
        page = http_request("GET", urls[0] + "-/guard/", headers={"accept": "text/html"})
        assert page.status == 200
        assert "The shared state (Redis) cannot be reached" in page.text
        assert http_request("GET", urls[0] + "-/guard/readyz").status == 200
        own_redis.start()  # the same port, empty, as a restarted Redis without persistence
        deadline = time.monotonic() + 30
        while True:
            again = _put(urls[1], make_publish_body(name, "1.1.0"), token)()
            if again.status != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert again.status in (200, 201), again.text
        assert sorted(_intact(registry_url, name, token)) == ["1.0.0", "1.1.0"]


def test_a_tls_redis_is_trusted_through_the_ca_bundle(
    tmp_path: Path, verdaccio_with_token: tuple[str, str]
) -> None:
    import trustme

    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key, ca_file = tmp_path / "redis.pem", tmp_path / "redis.key", tmp_path / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    registry_url, token = verdaccio_with_token
    name = unique_name("tls")
    with RedisServer(tmp_path / "redis", tls=(cert, key)) as tls_redis, ExitStack() as stack:
        assert tls_redis.url.startswith("rediss://")
        (trusted,) = _replicas(
            stack, registry_url, tls_redis.url, 1, tmp_path / "a", "--ca-bundle", str(ca_file)
        )
        (untrusted,) = _replicas(stack, registry_url, tls_redis.url, 1, tmp_path / "b")
        assert _put(trusted, make_publish_body(name, "1.0.0"), token)().status in (200, 201)
        refused = _put(untrusted, make_publish_body(name, "1.1.0"), token)()
        assert refused.status == 503, refused.text
        assert refused.json()["code"] == "SHARED_STATE_DOWN"
        assert "certificate" in refused.json()["error"].lower()
    assert sorted(_intact(registry_url, name, token)) == ["1.0.0"]
