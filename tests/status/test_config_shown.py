"""The effective configuration on the status page and in status.json, as it was given."""

from __future__ import annotations

import html

import orjson
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.app import create_app
from publish_guard.config import load_settings

UPSTREAM = "http://registry.example.test:8081/artifactory/api/npm/npm-local/"


async def test_the_listen_address_is_shown_as_host_and_port() -> None:
    argv = ["--upstream", UPSTREAM, "--flavor", "artifactory", "--listen", "127.0.0.1:8089"]
    argv += ["--dev-mode", "on-conflict", "--dev-scope", "@acme-dev", "--dev-scope", "@beta"]
    app = create_app(load_settings(argv, {}))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        async with client.get("/-/guard/status.json") as answer:
            assert answer.status == 200
            config = orjson.loads(await answer.read())["config"]
        async with client.get("/-/guard/", headers={"Accept": "text/html"}) as answer:
            assert answer.status == 200
            page = html.unescape(await answer.text())
    assert config["listen"] == "127.0.0.1:8089"
    assert config["dev_scopes"] == "@acme-dev, @beta"
    assert "127.0.0.1:8089" in page
    assert "127.0.0.1, 8089" not in page
