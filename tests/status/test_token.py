"""The status token: its 401 is one of the guard's own answers, in the error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.app import create_app
from publish_guard.config import load_settings
from publish_guard.explain.codes.requests import STATUS_TOKEN

UPSTREAM = "http://registry.example.test:8081/artifactory/api/npm/npm-local/"
TOKEN = "a-long-status-token-1234"
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    argv = ["--upstream", UPSTREAM, "--flavor", "artifactory", "--status-token", TOKEN]
    app = create_app(load_settings(argv, {}))
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/-/guard/", "/-/guard/status.json", "/-/guard/metrics"])
async def test_without_the_token_the_answer_is_the_status_token_error(
    client: Client, path: str
) -> None:
    async with client.get(path, headers={"Authorization": "Bearer wrong"}) as answer:
        assert answer.status == 401
        assert answer.headers["WWW-Authenticate"] == (
            'Basic realm="publish-guard status", charset="UTF-8"'
        )
        assert answer.headers["npm-notice"] == STATUS_TOKEN.hint
        body = orjson.loads(await answer.read())
    assert body == {
        "error": "the status page needs the guard's status token",
        "code": "STATUS_TOKEN",
        "hint": STATUS_TOKEN.hint,
        "docs": "/-/guard/errors#STATUS_TOKEN",
        "request_id": answer.headers["X-Request-Id"],
    }


async def test_with_the_token_the_status_answers(client: Client) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with client.get("/-/guard/status.json", headers=headers) as answer:
        assert answer.status == 200
    async with client.get("/-/guard/errors", headers={"Accept": "application/json"}) as answer:
        codes = [entry["code"] for entry in orjson.loads(await answer.read())["codes"]]
    assert "STATUS_TOKEN" in codes
