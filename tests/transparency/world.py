"""Two worlds for one command: the registry straight, and the same registry through the guard.

``direct``: client → recorder → registry. ``guard``: client → front recorder → guard → back
recorder → registry. Each world has its own fresh registry (a Verdaccio process, or the emulator
as Artifactory), seeded with the same packages, so the two runs of a command meet the same
state. What a registry received is the recorder in front of it; what the client saw through the
guard is the front recorder. ``normalise`` takes out what must differ between two worlds
(ports, tokens, times, revisions, temporary folders).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import orjson

from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.clients import Client
from tests.harness.http import escape_package_name, http_request
from tests.harness.process import guard_process
from tests.harness.recorder import RecordingProxy
from tests.harness.servers import ServerThread
from tests.harness.tools import ClientTool
from tests.harness.verdaccio import Verdaccio, free_port

USER, PASSWORD = "alice", "alice-transparency-password"
STATUS_TOKEN = "status-token-transparency-0123456789"
# what every world holds before the commands run: a dependency graph to install
SEED: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("tp-leaf", "1.0.0", {}),
    ("tp-leaf", "1.1.0", {}),
    ("tp-mid", "1.0.0", {"tp-leaf": "^1.0.0"}),
    ("@tp/app-lib", "2.0.0", {"tp-mid": "^1.0.0"}),
    ("tp-old", "1.0.0", {}),
    ("tp-gone", "1.0.0", {}),
    ("tp-gone", "1.0.1", {}),
)
_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d[:_]\d\d[:_]\d\d(?:[._]\d+)?Z")
_REV = re.compile(rb"\b\d+-[0-9a-f]{8,40}\b")
_PORT = re.compile(rb"(127\.0\.0\.1|localhost):\d+")


@dataclass
class World:
    """One registry and the path a client takes to it."""

    kind: str  # "direct" | "guard"
    upstream: str  # the registry's npm URL (seeding and checks go here, unrecorded)
    registry: str  # the URL clients use
    back: RecordingProxy  # in front of the registry
    front: RecordingProxy | None  # guard world: in front of the guard
    token: str
    workdir: Path
    secrets: list[str] = field(default_factory=list)  # to normalise (tokens made on the way)
    plain_documents: bool = False  # the guard rewrites tarball URLs (asks documents plain)
    guard_url: str = ""  # the guard's own address (its status page), in the guard world
    log: Path | None = None  # the guard's log, in the guard world
    pid: int | None = None  # the guard's process, in the guard world

    def client(self, tool: ClientTool, name: str, *, token: bool = True) -> Client:
        return Client(tool, self.registry, self.token if token else None, self.workdir / name)

    def normalise(self, data: bytes) -> bytes:
        data = data.replace(str(self.workdir).encode(), b"<dir>")
        for secret in sorted({self.token, *self.secrets}, key=len, reverse=True):
            data = data.replace(secret.encode(), b"<token>")
        data = _PORT.sub(b"<host>", data)
        data = _TIME.sub(b"<time>", data)
        return _REV.sub(b"<rev>", data)


def _seed(url: str, token: str) -> None:
    for name, version, dependencies in SEED:
        body = make_publish_body(name, version, manifest={"dependencies": dependencies})
        answer = http_request(
            "PUT",
            url + escape_package_name(name),
            data=orjson.dumps(body),
            token=token,
            headers={"content-type": "application/json"},
        )
        assert answer.status in (200, 201), (name, version, answer.status, answer.text)


@contextmanager
def _registry(kind: str, workdir: Path) -> Iterator[tuple[str, str, str]]:
    """(server root, npm URL relative to it, alice's token) of a fresh registry."""
    if kind == "verdaccio":
        with Verdaccio(workdir / "verdaccio") as verdaccio:
            yield verdaccio.url, "", verdaccio.add_user(USER, PASSWORD)
        return
    registry = Registry(RegistryConfig(flavor="artifactory"))
    alice = registry.add_user(USER, PASSWORD)
    with ServerThread(partial(create_registry_app, registry)) as server:
        yield server.url, registry.npm_url(server.url).removeprefix(server.url), alice.token


@contextmanager
def world(kind: str, upstream_kind: str, workdir: Path, *guard_args: str) -> Iterator[World]:
    with ExitStack() as stack:
        root, npm_path, token = stack.enter_context(_registry(upstream_kind, workdir))
        _seed(root + npm_path, token)
        back = RecordingProxy(root).start()
        stack.callback(back.stop)
        if kind == "direct":
            yield World(kind, root + npm_path, back.url + npm_path, back, None, token, workdir)
            return
        # the front recorder's port is known only once the guard is up: take a free one first
        port = free_port()
        front_url = f"http://127.0.0.1:{port}/"
        log = workdir / "guard.log"
        # Verdaccio builds tarball URLs from Host, Artifactory from its base URL setting: a
        # deployment sets --public-url (README) for installs to fetch tarballs through the guard
        args = (
            "--public-url",
            front_url + npm_path,
            "--lock-dir",
            str(workdir / "locks"),
            "--status-token",
            STATUS_TOKEN,
            "--log-level",
            "debug",
            *guard_args,
        )
        guard_url, process = stack.enter_context(guard_process(back.url + npm_path, *args, log=log))
        front = RecordingProxy(guard_url, tag=True, port=port).start()
        stack.callback(front.stop)
        yield World(
            kind,
            root + npm_path,
            front.url + npm_path,
            back,
            front,
            token,
            workdir,
            plain_documents=True,
            guard_url=guard_url,
            log=log,
            pid=process.pid,
        )
