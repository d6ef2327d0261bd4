"""--flavor auto against the emulator's flavors (real servers) and a registry that is down."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.app import create_app
from publish_guard.config import load_settings
from publish_guard.keys import DETECTION, PUBLISHER
from publish_guard.registry import Registry, RegistryConfig, create_registry_app

Start = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    things: list[TestServer | TestClient[web.Request, web.Application]] = []

    async def run(
        upstream_url: str | None, flavor: str | None = None, *argv: str
    ) -> TestClient[web.Request, web.Application]:
        if upstream_url is None:
            assert flavor is not None
            registry = Registry(RegistryConfig(flavor=flavor))
            server = TestServer(create_registry_app(registry), host="127.0.0.1")
            await server.start_server()
            things.append(server)
            upstream_url = registry.npm_url(str(server.make_url("/")))
        client: TestClient[web.Request, web.Application] = TestClient(
            TestServer(
                create_app(load_settings(["--upstream", upstream_url, *argv], {})), host="127.0.0.1"
            )
        )
        await client.start_server()
        things.append(client)
        return client

    yield run
    for thing in reversed(things):
        await thing.close()


@pytest.mark.parametrize(
    ("flavor", "how"),
    [
        ("artifactory", "from its response headers (artifactory/api/system/ping)"),
        ("nexus", "from its response headers (service/rest/v1/status)"),
        ("verdaccio", "from its response headers (-/ping)"),
    ],
)
async def test_auto_detects_each_flavor(start: Start, flavor: str, how: str) -> None:
    client = await start(None, flavor)
    found = client.app[DETECTION]
    assert found.flavor.key == flavor
    assert found.how == how
    assert client.app[PUBLISHER].flavor.key == flavor


async def test_configured_flavor_wins(start: Start) -> None:
    client = await start(None, "verdaccio", "--flavor", "npmjs")
    assert client.app[DETECTION].flavor.key == "npmjs"


async def test_down_upstream_falls_back_to_the_url_and_keeps_serving(
    start: Start, unused_tcp_port: int
) -> None:
    client = await start(f"http://127.0.0.1:{unused_tcp_port}/repository/npm-hosted/")
    found = client.app[DETECTION]
    assert found.flavor.key == "nexus"
    assert not found.confirmed
    assert "guessed from its URL" in found.how
    assert (await client.get("/-/guard/healthz")).status == 200
