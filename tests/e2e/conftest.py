"""Upstreams for end-to-end tests through the guard: real Verdaccio and the emulator's flavors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app
from tests.harness.factories import User
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import Verdaccio


@dataclass
class Upstream:
    kind: str
    url: str
    token: str
    document: Callable[[str], dict[str, Any] | None]
    registry: Registry | None = None  # the emulator, whose journal shows what reached it

    def puts(self, name: str) -> int:
        """PUTs of a package document that reached the upstream (emulator only)."""
        assert self.registry is not None
        escaped = name.replace("/", "%2f")
        return sum(
            1
            for entry in self.registry.journal.find(method="PUT")
            if entry.raw_path.partition("?")[0].endswith("/" + escaped)
        )


@pytest.fixture(scope="session")
def emulated() -> Iterator[dict[str, tuple[Registry, ServerThread]]]:
    servers: dict[str, tuple[Registry, ServerThread]] = {}
    try:
        for flavor in ("artifactory", "nexus"):
            registry = Registry(RegistryConfig(flavor=flavor))
            server = ServerThread(partial(create_registry_app, registry)).start()
            servers[flavor] = (registry, server)
        yield servers
    finally:
        for _, server in servers.values():
            server.stop()


@pytest.fixture(params=["verdaccio", "artifactory", "nexus"])
def upstream(
    request: pytest.FixtureRequest,
    verdaccio: Verdaccio,
    verdaccio_user: User,
    emulated: dict[str, tuple[Registry, ServerThread]],
) -> Upstream:
    kind: str = request.param
    if kind == "verdaccio":
        return Upstream(kind, verdaccio.url, verdaccio_user.token, verdaccio.get_document)
    registry, server = emulated[kind]
    user = registry.add_user(f"user{len(registry.journal.snapshot())}-{id(request)}")
    return Upstream(
        kind,
        registry.npm_url(server.url),
        user.token,
        lambda name: registry.document(name),  # type: ignore[arg-type,return-value]
        registry,
    )
