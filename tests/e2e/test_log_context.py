"""Every log line a request leads to names it, as the guard runs as a process: its request id,
and the package and version of a publish, the publish pipeline's own lines included; the next
request on the same connection starts afresh."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.clients import unique_name
from tests.harness.http import HttpResponse, settled_log
from tests.harness.process import guard_process
from tests.harness.servers import ServerThread

pytestmark = pytest.mark.e2e


@pytest.fixture
def logged_guard(tmp_path: Path) -> Iterator[tuple[Registry, str, Path]]:
    """The guard as a process in front of the emulated Artifactory, its log in a file."""
    registry = Registry(RegistryConfig(flavor="artifactory"))
    log_path = tmp_path / "guard.log"
    with (
        ServerThread(partial(create_registry_app, registry)) as upstream,
        guard_process(registry.npm_url(upstream.url), log=log_path) as (url, _),
    ):
        yield registry, url, log_path


class _Connection:
    """One keep-alive HTTP connection to the guard; each request must reuse it."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self._connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self._headers = {"authorization": f"Bearer {token}", "accept": "application/json"}
        self._socket: object = None

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> HttpResponse:
        headers = dict(self._headers)
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["content-type"] = "application/json"
        self._connection.request(method, path, body=data, headers=headers)
        answer = self._connection.getresponse()
        result = HttpResponse(answer.status, answer.headers, answer.read())
        assert answer.getheader("connection", "").lower() != "close"
        if self._socket is None:
            self._socket = self._connection.sock
        assert self._connection.sock is self._socket, "the guard closed the connection"
        return result

    def close(self) -> None:
        self._connection.close()


def test_a_publishs_lines_name_its_request_package_and_version(
    logged_guard: tuple[Registry, str, Path],
) -> None:
    registry, url, log_path = logged_guard
    token = registry.add_user("log-context-user").token
    name = unique_name("log-context")
    other = unique_name("log-context-other")
    connection = _Connection(url, token)
    try:
        published = connection.send("PUT", f"/{name}", make_publish_body(name, "1.0.0"))
        changed = make_publish_body(name, "1.0.0", files={"index.js": "// changed\n"})
        collision = connection.send("PUT", f"/{name}", changed)
        read = connection.send("GET", f"/{name}")
        second = connection.send("PUT", f"/{other}", make_publish_body(other, "2.0.0"))
        last = connection.send("GET", "/-/whoami")
    finally:
        connection.close()
    assert published.status < 300
    assert collision.status == 403
    assert read.status == 200
    assert second.status < 300
    assert last.status == 200

    text = settled_log(log_path, last)
    lines = _lines_by_request(text)
    collided = lines[collision.headers["x-request-id"]]
    assert {line["event"] for line in collided} >= {"refused", "request"}
    for line in collided:
        assert (line["package"], line["version"]) == (name, "1.0.0"), line
    assert next(line for line in collided if line["event"] == "refused")["code"] == (
        "VERSION_EXISTS"
    )
    for line in lines[published.headers["x-request-id"]]:
        assert (line["package"], line["version"]) == (name, "1.0.0"), line

    # the same connection's next requests: a read names no package, another publish its own
    for line in lines[read.headers["x-request-id"]] + lines[last.headers["x-request-id"]]:
        assert "package" not in line, line
        assert "version" not in line, line
    for line in lines[second.headers["x-request-id"]]:
        assert (line["package"], line["version"]) == (other, "2.0.0"), line
    assert token not in text


def _lines_by_request(text: str) -> dict[str, list[dict[str, Any]]]:
    lines: dict[str, list[dict[str, Any]]] = {}
    for raw in text.splitlines():
        if raw.startswith("{"):
            line = orjson.loads(raw)
            lines.setdefault(line.get("request_id", ""), []).append(line)
    return lines
