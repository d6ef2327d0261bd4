"""TLS to the upstream: verified by default, a custom CA bundle, a clear error when it fails."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.app import create_app
from publish_guard.config import ConfigError, load_settings
from publish_guard.registry import Registry, RegistryConfig, create_registry_app


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def https_upstream(ca: trustme.CA) -> AsyncIterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    runner = web.AppRunner(create_registry_app(registry))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    yield f"https://127.0.0.1:{port}/"
    await runner.cleanup()


async def _guard(*argv: str) -> TestClient[web.Request, web.Application]:
    client = TestClient(TestServer(create_app(load_settings(list(argv), {})), host="127.0.0.1"))
    await client.start_server()
    return client


async def test_a_self_signed_upstream_is_refused_with_a_clear_error(https_upstream: str) -> None:
    client = await _guard("--upstream", https_upstream)
    try:
        response = await client.get("/-/ping")
        body = await response.json()
        assert response.status == 502
        assert body["code"] == "UPSTREAM_TLS"
        assert (
            "could not verify the TLS certificate of the upstream registry 127.0.0.1"
            in body["error"]
        )
        assert "certificate verify failed" in body["error"]
        assert "CA bundle" in body["hint"]
    finally:
        await client.close()


async def test_the_ca_bundle_makes_it_trusted(
    https_upstream: str, ca: trustme.CA, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    client = await _guard("--upstream", https_upstream, "--ca-bundle", str(bundle))
    try:
        response = await client.get("/-/ping")
        assert response.status == 200
    finally:
        await client.close()


def test_a_bad_ca_bundle_stops_the_start(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match="is not a PEM file of CA certificates"):
        load_settings(["--upstream", "https://r.example/", "--ca-bundle", str(junk)], {})
