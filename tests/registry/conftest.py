"""Emulator fixtures.

- ``api(flavor, **config)``: a fresh registry behind aiohttp's test client (fast; for the
  status/body matrix). ``Api.publish(...)`` etc. send what npm 11 sends.
- ``emulators``: one running server per flavor for the whole session (for the real npm CLI);
  tests keep apart with ``unique_name()`` and their own repositories.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from publish_guard.npm.names import escape_name
from publish_guard.registry import (
    NewUser,
    Registry,
    RegistryConfig,
    create_registry_app,
    make_publish_body,
)
from tests.harness.servers import ServerThread

FLAVORS = ("artifactory", "nexus", "verdaccio", "npmjs")


@dataclass
class Api:
    registry: Registry
    client: TestClient[Any, Any]
    alice: NewUser

    def base(self, repo: str | None = None) -> str:
        return self.registry.mount_path(repo)

    def auth(self, token: str | None = None, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        chosen = self.alice.token if token is None else token
        if chosen and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {chosen}"
        return headers

    async def publish(
        self,
        name: str,
        version: str = "1.0.0",
        *,
        token: str | None = None,
        repo: str | None = None,
        headers: dict[str, str] | None = None,
        **body_options: Any,
    ) -> ClientResponse:
        body = make_publish_body(name, version, **body_options)
        return await self.client.put(
            f"{self.base(repo)}{escape_name(name)}",
            data=orjson.dumps(body),
            headers={"Content-Type": "application/json", **self.auth(token), **(headers or {})},
        )

    async def get(self, path: str, token: str | None = None, **headers: str) -> ClientResponse:
        return await self.client.get(path, headers=self.auth(token, **headers))

    async def put_json(self, path: str, body: Any, token: str | None = None) -> ClientResponse:
        return await self.client.put(
            path,
            data=orjson.dumps(body),
            headers={"Content-Type": "application/json", **self.auth(token)},
        )


ApiFactory = Callable[..., Awaitable[Api]]


@pytest.fixture
def api(aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> ApiFactory:
    async def make(flavor: str = "artifactory", **config: Any) -> Api:
        registry = Registry(RegistryConfig(flavor=flavor, **config))
        alice = registry.add_user("alice", "alice-pw")
        client = await aiohttp_client(create_registry_app(registry))
        return Api(registry, client, alice)

    return make


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class Emulator:
    """A running emulator and its users: alice (everything), reader (read), carol (OTP),
    dave (an expired token)."""

    registry: Registry
    server: ServerThread
    users: dict[str, NewUser] = field(default_factory=dict)

    @property
    def flavor(self) -> str:
        return self.registry.flavor.name

    def url(self, repo: str | None = None) -> str:
        return self.registry.npm_url(self.server.url, repo)

    def token(self, user: str) -> str:
        return self.users[user].token


def start_emulator(flavor: str, **config: Any) -> Emulator:
    registry = Registry(RegistryConfig(flavor=flavor, **config))
    users = {
        "alice": registry.add_user("alice", "alice-pw"),
        "reader": registry.add_user("reader", "reader-pw", permissions="read"),
        "carol": registry.add_user("carol", "carol-pw", otp=True),
        "dave": registry.add_user("dave", "dave-pw", token_expires_in=timedelta(0)),
    }
    server = ServerThread(lambda: create_registry_app(registry)).start()
    return Emulator(registry, server, users)


@pytest.fixture(scope="session")
def emulators() -> Iterator[dict[str, Emulator]]:
    started: dict[str, Emulator] = {}
    try:
        for flavor in FLAVORS:
            started[flavor] = start_emulator(flavor)
        yield started
    finally:
        for emulator in started.values():
            emulator.server.stop()
