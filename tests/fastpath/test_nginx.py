"""The fast path with the real nginx, the real guard and a real Verdaccio: installs go straight
to the registry, everything else reaches the guard, and with the guard stopped installs still
work while a publish gets the JSON explanation and nothing reaches the registry."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from publish_guard.fastpath.routes import direct_routes, matches
from publish_guard.registry import make_publish_body
from tests.harness.clients import Client, unique_name
from tests.harness.http import escape_package_name, http_request
from tests.harness.nginx import FastPath, nginx_config
from tests.harness.process import wait_healthy
from tests.harness.recorder import RecordingProxy
from tests.harness.verdaccio import Verdaccio, free_port

pytestmark = pytest.mark.e2e
SENTENCE = "You cannot publish over the previously published versions: 1.0.0."
DOWN = "publish-guard, which checks every write to this registry, is not reachable"


@dataclass
class Rig:
    verdaccio: Verdaccio
    token: str
    back: RecordingProxy  # between nginx or the guard and Verdaccio
    fast: FastPath
    guard_url: str
    guard_log: Path
    guard: subprocess.Popen[bytes]
    workdir: Path

    def client(self, tool: str, name: str) -> Client:
        return Client(tool, self.fast.url, self.token, self.workdir / name)  # type: ignore[arg-type]

    def guard_saw(self, marker: str) -> bool:
        return marker in self.guard_log.read_text(errors="replace")

    def stop_guard(self) -> None:
        self.guard.terminate()
        self.guard.wait(timeout=20)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    process.wait(20)


def _puts(rig: Rig) -> int:
    return len([e for e in rig.back.exchanges if e.method == "PUT"])


def _seed(url: str, token: str, name: str, version: str = "1.0.0") -> None:
    body = orjson.dumps(make_publish_body(name, version))
    answer = http_request(
        "PUT",
        url + escape_package_name(name),
        data=body,
        token=token,
        headers={"content-type": "application/json"},
    )
    assert answer.status in (200, 201), answer.text


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with ExitStack() as stack:
        fast_port = free_port()  # known before Verdaccio starts: its tarball URLs name nginx
        public = f"http://127.0.0.1:{fast_port}/"
        verdaccio = stack.enter_context(
            Verdaccio(tmp_path / "verdaccio", env={"VERDACCIO_PUBLIC_URL": public})
        )
        token = verdaccio.add_user("fast", "fast-path-password")
        back = RecordingProxy(verdaccio.url).start()
        stack.callback(back.stop)
        guard_port = free_port()
        guard_url = f"http://127.0.0.1:{guard_port}/"
        guard_log = tmp_path / "guard.log"
        guard = subprocess.Popen(
            [
                sys.executable, "-m", "publish_guard", "serve",
                "--upstream", back.url, "--listen", f"127.0.0.1:{guard_port}",
                "--lock-dir", str(tmp_path / "locks"), "--log-level", "debug",
            ],
            stdout=guard_log.open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        stack.callback(_stop, guard)
        wait_healthy(guard_url)
        fast = stack.enter_context(
            FastPath(tmp_path / "nginx", back.url, guard_url, port=fast_port)
        )
        yield Rig(verdaccio, token, back, fast, guard_url, guard_log, guard, tmp_path)


TARGETS = [
    ("GET", "/{name}"),
    ("HEAD", "/{name}"),
    ("GET", "/{name}?write=true"),
    ("GET", "/{name}/-/{name}-1.0.0.tgz"),
    ("GET", "/-/v1/search?text={name}"),
    ("GET", "/{name}/"),
    ("GET", "/%2e%2e/{name}"),
    ("GET", "/{name}/-/..%2f{name}-1.0.0.tgz"),
    ("GET", "/{name}%2f..%2f..%2fetc"),
    ("GET", "/-/whoami"),
    ("GET", "/-/guard/healthz"),
    ("GET", "/-/dev/{name}"),
    ("GET", "/-/ping?write=true"),
    ("OPTIONS", "/{name}"),
    ("PUT", "/{name}"),
    ("DELETE", "/{name}/-rev/1-abc"),
    ("POST", "/-/npm/v1/security/advisories/bulk"),
    ("POST", "/-/not-a-known-api"),
]


def test_nginx_routes_every_spelling_as_the_patterns_say(rig: Rig) -> None:
    """Each request is marked with its own request id: the guard logs the ids it saw."""
    name = unique_name("route")
    _seed(rig.verdaccio.url, rig.token, name)
    routes, _ = direct_routes("/", documents=True, dev_mode=False)
    sent = []
    for method, shape in TARGETS:
        target = shape.format(name=name)
        marker = uuid.uuid4().hex
        answer = http_request(
            method,
            rig.fast.url + target[1:],
            headers={"x-request-id": marker, "content-type": "application/json"},
            data=b"{}" if method in ("PUT", "POST") else None,
        )
        assert answer.status < 500 or answer.status == 502, (method, target, answer.status)
        sent.append((method, target, marker, answer))
    _wait_until_the_guard_logged_everything_before(rig, name)
    for method, target, marker, answer in sent:
        if matches(routes, method, target):
            assert not rig.guard_saw(marker), (method, target, answer.status)
        elif not rig.guard_saw(marker):  # nginx refused it itself, as the guard would
            assert answer.status == 400, (method, target, answer.status)
            assert answer.json()["code"] == "BAD_TARGET"
            assert "%2e" not in answer.text, "the path is not quoted back"


def _wait_until_the_guard_logged_everything_before(rig: Rig, name: str) -> None:
    """The access log is written in batches: a last write marks the end of the earlier ones."""
    marker = uuid.uuid4().hex
    http_request(
        "PUT",
        rig.fast.url + name,
        headers={"x-request-id": marker, "content-type": "application/json"},
        data=b"{}",
    )
    deadline = time.monotonic() + 10
    while not rig.guard_saw(marker):
        assert time.monotonic() < deadline, "the guard never logged the last write"
        time.sleep(0.05)


def test_install_with_defaults_never_waits_on_the_guard(rig: Rig) -> None:
    name = unique_name("fast-install")
    _seed(rig.verdaccio.url, rig.token, name)
    npm = rig.client("npm", "npm-install")
    result, project = npm.install(name)  # npm's defaults: audit on
    result.check()
    assert (project / "node_modules" / name / "package.json").exists()
    log = rig.guard_log.read_text()
    assert f"/{name}" not in log, "a read of the install went through the guard"
    access = rig.fast.access_log.read_text()
    assert f'"path":"/{name}/-/{name}-1.0.0.tgz"' in access
    assert "advisories/bulk" in access  # the audit query went straight too
    reads = [e for e in rig.back.exchanges if e.method == "GET" and name in e.path]
    assert reads
    for read in reads:  # as the registry needs them for its tarball URLs and its logs
        assert read.header("x-forwarded-host") == rig.fast.url.split("//")[1].rstrip("/")
        assert read.header("x-forwarded-for")
        assert read.header("x-forwarded-proto") == "http"


def test_direct_reads_reuse_kept_alive_connections_to_the_registry(rig: Rig) -> None:
    name = unique_name("fast-keepalive")
    _seed(rig.verdaccio.url, rig.token, name)
    before = len(rig.back.exchanges)
    for _ in range(20):
        assert http_request("GET", rig.fast.url + name).status == 200
    peers = {e.peer for e in rig.back.exchanges[before:]}
    assert len(peers) <= 2, f"{len(peers)} connections for 20 reads"


@pytest.mark.parametrize("tool", ["npm", "pnpm", "yarn"])
def test_a_collision_through_the_fast_path_shows_the_guards_sentence(rig: Rig, tool: str) -> None:
    cli = rig.client(tool, f"{tool}-collide")
    name = unique_name(f"fast-{tool}")
    cli.publish(cli.make_package(name, "1.0.0")).check()
    changed = cli.make_package(name, "1.0.0", files={"index.js": "module.exports = 2\n"})
    puts = _puts(rig)
    result = cli.publish(changed, *(("--force",) if tool in ("npm", "pnpm") else ()))
    assert result.returncode != 0
    assert SENTENCE in result.output, result.output
    assert _puts(rig) == puts


def test_with_the_guard_stopped_installs_work_and_publishes_are_explained(rig: Rig) -> None:
    name = unique_name("fast-down")
    _seed(rig.verdaccio.url, rig.token, name)
    rig.stop_guard()
    npm = rig.client("npm", "npm-down")
    installed, _ = npm.install(name)
    installed.check()
    fresh = unique_name("fast-never")
    puts = _puts(rig)
    result = npm.publish(npm.make_package(fresh, "1.0.0"), timeout=240)  # npm retries a 503
    assert result.returncode != 0
    assert "503" in result.output
    assert DOWN in result.output
    assert "nothing was sent to the registry" in result.output
    assert _puts(rig) == puts
    assert http_request("GET", rig.verdaccio.url + fresh).status == 404
    raw = http_request("PUT", rig.fast.url + fresh, json={"name": fresh})
    assert raw.status == 503
    assert raw.json()["code"] == "GUARD_UNREACHABLE"
    assert raw.headers.get("retry-after") == "5"
    assert raw.headers.get("npm-notice")


def test_nginx_config_refuses_what_it_cannot_route(tmp_path: Path) -> None:
    made = nginx_config("--upstream", "http://127.0.0.1:1/a b/", "--listen", "127.0.0.1:1")
    assert made.returncode == 2
    assert "base path" in made.stderr
    missing = nginx_config("--upstream", "http://127.0.0.1:1/")
    assert missing.returncode != 0
    assert "--listen" in missing.stderr
