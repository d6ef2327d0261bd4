"""The guard in front of the emulator, both real servers on loopback, for HTTP-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.app import create_app
from publish_guard.config import load_settings
from publish_guard.npm.names import escape_name
from publish_guard.registry import NewUser, Registry, RegistryConfig, create_registry_app


@dataclass
class Rig:
    registry: Registry
    guard: TestClient[Any, Any]
    user: NewUser

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "authorization": f"Bearer {self.user.token}",
            "content-type": "application/json",
            **extra,
        }

    async def put(self, name: str, body: Any, **extra: str) -> ClientResponse:
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        return await self.guard.put(
            f"/{escape_name(name)}", data=data, headers=self.headers(**extra)
        )

    def puts(self, name: str) -> int:
        return len(self.registry.journal.find(method="PUT", path_contains=escape_name(name)))


RigFactory = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def rig() -> AsyncIterator[RigFactory]:
    started: list[Any] = []

    async def make(
        *argv: str,
        flavor: str = "artifactory",
        upstream_app: web.Application | None = None,
        registry: Registry | None = None,
    ) -> Rig:
        registry = registry or Registry(RegistryConfig(flavor=flavor))
        user = registry.add_user("alice", "alice-pw")
        upstream = TestServer(upstream_app or create_registry_app(registry), host="127.0.0.1")
        await upstream.start_server()
        started.append(upstream)
        url = registry.npm_url(str(upstream.make_url("/")))
        settings = load_settings(["--upstream", url, *argv], {})
        guard = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
        await guard.start_server()
        started.append(guard)
        return Rig(registry, guard, user)

    yield make
    for thing in reversed(started):
        await thing.close()
