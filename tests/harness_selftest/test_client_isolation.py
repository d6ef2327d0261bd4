"""What each client sends, seen by a recording registry under a path prefix, and that nothing
from the machine's own npm configuration reaches a client."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from tests.harness.clients import Client, nerf_dart
from tests.harness.factories import ClientFactory
from tests.harness.servers import ServerThread
from tests.harness.tools import ClientTool

PREFIX = "/artifactory/api/npm/npm-local/"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    authorization: str | None
    npm_command: str | None


SEEN = web.AppKey("seen", list[Seen])


def _recording_registry() -> web.Application:
    app = web.Application()
    app[SEEN] = []

    async def record(request: web.Request) -> web.Response:
        headers = request.headers
        seen = Seen(
            request.method, request.path, headers.get("authorization"), headers.get("npm-command")
        )
        request.app[SEEN].append(seen)
        if request.path == PREFIX + "-/whoami":
            return web.json_response({"username": "recorded-user"})
        if request.path == PREFIX + "-/ping":
            return web.json_response({})
        return web.json_response({"error": "not found"}, status=404)

    app.router.add_route("*", "/{tail:.*}", record)
    return app


@pytest.fixture
def registry() -> Iterator[ServerThread]:
    with ServerThread(_recording_registry) as server:
        yield server


def _seen(server: ServerThread) -> list[Seen]:
    return server.call_sync(lambda: server.app[SEEN].copy())


def _whoami(cli: Client) -> str:
    args = ("npm", "whoami") if cli.tool == "yarn" else ("whoami",)
    return cli.run(*args, timeout=60).check().stdout


def test_auth_line_keeps_the_path_prefix(tmp_path_factory: pytest.TempPathFactory) -> None:
    registry = "http://127.0.0.1:9/artifactory/api/npm/npm-local"
    assert nerf_dart(registry) == "//127.0.0.1:9/artifactory/api/npm/npm-local/"
    cli = Client("npm", registry, "tok", tmp_path_factory.mktemp("npm"), auth="u:p")
    lines = cli.npmrc.read_text().splitlines()
    assert f"registry={registry}/" in lines
    assert "//127.0.0.1:9/artifactory/api/npm/npm-local/:_authToken=tok" in lines
    assert "//127.0.0.1:9/artifactory/api/npm/npm-local/:_auth=dTpw" in lines


@pytest.mark.e2e
@pytest.mark.parametrize("tool", ["npm", "pnpm", "yarn", "npm9", "npm10"])
def test_token_reaches_a_prefixed_registry(
    tool: ClientTool, client: ClientFactory, registry: ServerThread
) -> None:
    cli = client(tool, registry.url + PREFIX.lstrip("/"), "secret-token")
    assert "recorded-user" in _whoami(cli)
    whoami = [seen for seen in _seen(registry) if seen.path == PREFIX + "-/whoami"]
    assert whoami
    assert {seen.authorization for seen in whoami} == {"Bearer secret-token"}
    if tool != "yarn":  # yarn sends no npm-command
        assert whoami[0].npm_command == "whoami"


@pytest.mark.e2e
@pytest.mark.parametrize("tool", ["npm", "yarn"])
def test_basic_auth_reaches_a_prefixed_registry(
    tool: ClientTool, client: ClientFactory, registry: ServerThread
) -> None:
    cli = client(tool, registry.url + PREFIX.lstrip("/"), auth="bob:s3cret")
    if tool == "yarn":
        _whoami(cli)
    else:  # npm answers whoami from a Basic credential without asking the registry
        assert _whoami(cli).strip() == "bob"
        cli.run("ping", timeout=60).check()
    expected = "Basic " + base64.b64encode(b"bob:s3cret").decode()
    assert {seen.authorization for seen in _seen(registry)} == {expected}


@pytest.mark.e2e
def test_machine_configuration_does_not_leak(
    client: ClientFactory, registry: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/wrong/")
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", "/nonexistent/npmrc")
    cli = client("npm", registry.url)
    result = cli.run("config", "get", "registry").check()
    assert result.stdout.strip() == registry.url
    # the real ~/.npmrc has a key npm warns about; the client must not read that file
    assert result.stderr == ""
    cache = cli.run("config", "get", "cache").check().stdout.strip()
    assert cache == str(cli.workdir / "npm-cache")


@pytest.mark.e2e
def test_anonymous_client_sends_no_authorization(
    client: ClientFactory, registry: ServerThread
) -> None:
    cli = client("npm", registry.url + PREFIX.lstrip("/"))
    assert "PONG" in cli.run("ping", timeout=60).check().output
    assert [seen.authorization for seen in _seen(registry)] == [None]
