"""One guard per upstream for the whole matrix, what reached it, and a way to seed the upstream.

The guard runs with ``--dev-mode always`` (so that ``/-/dev/`` works; plain publishes are not
rewritten) and ``--public-url`` (so that installs fetch tarballs through it too).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler as _Handler
from aiohttp.typedefs import Middleware

from publish_guard.npm.names import escape_name
from publish_guard.registry import Registry, make_publish_body
from publish_guard.registry.serving import status_observer
from tests.harness.http import http_request
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import free_port


@dataclass(frozen=True)
class Seen:
    """One request the guard answered."""

    method: str
    path: str  # raw, without the query
    status: int
    npm_command: str | None

    def about(self, name: str) -> bool:
        """A request for the package document of ``name`` (through ``/-/dev/`` too)."""
        path = self.path.removeprefix("/-/dev")
        return unquote(path.lstrip("/")) == name


@dataclass
class Recorder:
    """Every request the guard answered, recorded by an outermost middleware. A streamed answer
    reaches the client before its handler returns, so a question waits (up to 5 s) until no
    request is being handled: what a client saw answered is recorded."""

    seen: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _handling: int = 0

    @property
    def middleware(self) -> Middleware:
        observe = status_observer(self._record)

        @web.middleware
        async def counting(request: web.Request, handler: _Handler) -> web.StreamResponse:
            with self._lock:
                self._handling += 1
            try:
                return await observe(request, handler)
            finally:
                with self._lock:
                    self._handling -= 1

        return counting

    def _settled(self) -> None:
        deadline = time.monotonic() + 5
        while self._handling and time.monotonic() < deadline:
            time.sleep(0.01)

    def _record(self, request: web.Request, status: int) -> None:
        seen = Seen(
            request.method,
            request.raw_path.partition("?")[0],
            status,
            request.headers.get("npm-command"),
        )
        with self._lock:
            self.seen.append(seen)

    def puts(self, name: str) -> list[Seen]:
        """The PUTs of ``name``'s package document (publishes, deprecate) and their answers."""
        self._settled()
        with self._lock:
            return [s for s in self.seen if s.method == "PUT" and s.about(name)]

    def find(self, method: str, path_suffix: str) -> list[Seen]:
        self._settled()
        with self._lock:
            return [s for s in self.seen if s.method == method and s.path.endswith(path_suffix)]


@dataclass
class Rig:
    """An upstream with a guard in front of it; ``token`` publishes, ``login`` is a user with a
    password for the login scenario."""

    kind: str  # "verdaccio" | "artifactory", or an emulated flavor ("github", …)
    upstream_url: str
    token: str
    login: tuple[str, str]
    document: Callable[[str], dict[str, Any] | None]
    guard: ServerThread
    recorder: Recorder
    registry: Registry | None = None  # the emulator, whose journal shows what reached it
    reader: str | None = None  # a token that may read but not publish (emulated registries)

    @property
    def url(self) -> str:
        return self.guard.url

    @property
    def where(self) -> str:
        """How the guard names this upstream in its answers."""
        titles = {
            "artifactory": "Artifactory",
            "github": "GitHub Packages",
            "gitlab": "GitLab",
            "gitea": "Gitea",
            "azure": "Azure Artifacts",
            "codeartifact": "AWS CodeArtifact",
        }
        return titles.get(self.kind, "the registry")

    def seed(self, name: str, version: str, *, files: dict[str, str | bytes] | None = None) -> str:
        """Publishes ``name@version`` straight to the upstream; returns its integrity."""
        body = make_publish_body(name, version, files=files)
        answer = http_request(
            "PUT",
            self.upstream_url + escape_name(name),
            data=orjson.dumps(body),
            token=self.token,
            headers={"content-type": "application/json"},
        )
        assert answer.status in (200, 201), f"seeding {name}@{version}: {answer.text}"
        integrity: str = body["versions"][version]["dist"]["integrity"]
        return integrity

    def versions(self, name: str) -> list[str]:
        doc = self.document(name)
        return sorted((doc or {}).get("versions", {}))

    def dist_tags(self, name: str) -> dict[str, str]:
        doc = self.document(name)
        tags: dict[str, str] = (doc or {}).get("dist-tags", {})
        return tags

    def upstream_puts(self, name: str) -> int | None:
        """PUTs of ``name``'s document that reached the upstream (the emulator's journal; Verdaccio
        keeps none: ``None``)."""
        if self.registry is None:
            return None
        escaped = escape_name(name)
        return sum(
            1
            for entry in self.registry.journal.find(method="PUT")
            if entry.raw_path.partition("?")[0].endswith("/" + escaped)
        )

    def whoami_at_upstream(self, token: str) -> str | None:
        answer = http_request("GET", self.upstream_url + "-/whoami", token=token)
        if answer.status != 200:
            return None
        username: str = answer.json()["username"]
        return username


def start_guard(upstream_url: str, *argv: str) -> tuple[ServerThread, Recorder]:
    from publish_guard.app import create_app
    from publish_guard.config import load_settings

    port = free_port()
    settings = load_settings(
        [
            "--upstream",
            upstream_url,
            "--listen",
            f"127.0.0.1:{port}",
            "--public-url",
            f"http://127.0.0.1:{port}/",
            "--dev-mode",
            "always",
            "--access-log",
            "false",
            "--log-level",
            "warning",
            *argv,
        ],
        environ={},
    )
    recorder = Recorder()

    def app() -> web.Application:
        application = create_app(settings)
        application.middlewares.insert(0, recorder.middleware)
        return application

    return ServerThread(app, "127.0.0.1", port).start(), recorder
