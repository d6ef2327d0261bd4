"""Hostile input: fuzzed publish bodies, names, paths and headers always get a 4xx JSON answer
(never a 500), are never forwarded when invalid, and never reach outside the base prefix —
asserted on the upstream's side, in the emulator's journal."""

from __future__ import annotations

import base64
import copy
import socket
import time
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish_guard.app import create_app
from publish_guard.config import load_settings
from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.http import raw_request
from tests.harness.servers import ServerThread

BASE = "/artifactory/api/npm/npm-local/"
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Rig:
    def __init__(self, *argv: str) -> None:
        self.registry = Registry(RegistryConfig(flavor="artifactory"))
        self.token = self.registry.add_user("fuzz").token
        self.upstream = ServerThread(partial(create_registry_app, self.registry)).start()
        url = self.registry.npm_url(self.upstream.url)
        guard_settings = load_settings(["--upstream", url, "--access-log", "false", *argv], {})
        self.guard = ServerThread(lambda: create_app(guard_settings)).start()

    def stop(self) -> None:
        self.guard.stop()
        self.upstream.stop()

    def send(
        self, method: str, target: bytes, body: bytes = b"", headers: bytes = b""
    ) -> tuple[int, bytes]:
        head = (
            method.encode()
            + b" "
            + target
            + b" HTTP/1.1\r\nHost: guard\r\nConnection: close\r\n"
            + b"Authorization: Bearer "
            + self.token.encode()
            + b"\r\n"
            + b"Content-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + headers
        )
        answer = raw_request(self.guard.port, head, body)
        # aiohttp's parser answers malformed requests itself, as HTTP/1.0
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else 0
        return status, answer.partition(b"\r\n\r\n")[2]


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    r = Rig("--max-publish-size", "2mb")
    yield r
    r.stop()


GOOD = make_publish_body("fuzzed", "1.0.0")
KEYS = ["name", "_id", "versions", "dist-tags", "_attachments", "access"]
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def broken_bodies(draw: st.DrawFn) -> bytes:
    doc: dict[str, Any] = copy.deepcopy(GOOD)
    kind = draw(st.sampled_from(["replace", "delete", "version", "attachment", "bytes", "tags"]))
    if kind == "replace":
        doc[draw(st.sampled_from(KEYS))] = draw(JSONISH)
    elif kind == "delete":
        doc.pop(draw(st.sampled_from(KEYS)), None)
    elif kind == "version":
        manifest = doc["versions"].pop("1.0.0")
        version = draw(st.text(min_size=0, max_size=12))
        manifest[draw(st.sampled_from(["version", "name", "dist"]))] = draw(JSONISH)
        doc["versions"][version] = manifest
    elif kind == "attachment":
        entry = next(iter(doc["_attachments"].values()))
        field = draw(st.sampled_from(["data", "length", "content_type"]))
        entry[field] = draw(st.text(max_size=30) | st.integers(-(2**53), 2**53) | st.none())
    elif kind == "tags":
        doc["dist-tags"] = draw(st.dictionaries(st.text(max_size=6), JSONISH, max_size=3))
    else:
        raw = orjson.dumps(doc)
        cut = draw(st.integers(min_value=0, max_value=len(raw)))
        return raw[:cut] + draw(st.binary(max_size=8))
    return orjson.dumps(doc)


@FUZZ
@given(body=broken_bodies())
def test_fuzzed_publish_bodies(rig: Rig, body: bytes) -> None:
    puts = len(rig.registry.journal.find(method="PUT"))
    status, answer = rig.send("PUT", b"/fuzzed", body)
    assert 200 <= status < 500, answer
    if status >= 400 and rig.registry.journal.find(method="PUT")[puts:] == []:
        parsed = orjson.loads(answer)  # the guard's own refusal: JSON with a one-line error
        assert isinstance(parsed["error"], str)
        assert "\n" not in parsed["error"]
    if status == 400 and b"INVALID_PUBLISH" in answer:
        assert len(rig.registry.journal.find(method="PUT")) == puts  # never forwarded


SEGMENT = st.sampled_from(
    [
        "..",
        ".",
        "%2e%2e",
        "%2E.",
        ".%2e",
        "%252e%252e",
        "%2f",
        "%2F",
        "%5c",
        "\\",
        "@s",
        "%40s",
        "a",
        "-",
        "-rev",
        "x;",
        "..;",
        "%00",
        "%0d%0a",
        "%c0%ae",
        "~",
        "_",
        "%",
        "%zz",
    ]
)


@FUZZ
@given(parts=st.lists(SEGMENT, min_size=1, max_size=6), joiner=st.sampled_from(["/", "", "%2f"]))
def test_fuzzed_paths_never_leave_the_base_prefix(rig: Rig, parts: list[str], joiner: str) -> None:
    target = "/" + joiner.join(parts)
    seen = len(rig.registry.journal.snapshot())
    status, _ = rig.send("GET", target.encode())
    assert 0 < status < 500, target
    for entry in rig.registry.journal.snapshot()[seen:]:
        path = entry.raw_path.partition("?")[0]
        assert path.startswith(BASE), (target, path)
        decoded = path
        for _ in range(4):
            decoded = unquote(decoded)
        assert ".." not in decoded.replace("\\", "/").split("/"), (target, path)


@FUZZ
@given(name=st.text(min_size=1, max_size=40), value=st.text(max_size=60))
def test_fuzzed_headers(rig: Rig, name: str, value: str) -> None:
    header = b"\r\n" + name.encode("utf-8", "replace") + b": " + value.encode("utf-8", "replace")
    status, _ = rig.send("GET", b"/fuzzed", headers=header)
    assert 0 < status < 500


@pytest.mark.parametrize(
    "head",
    [
        b"PUT /x HTTP/1.1\r\nHost: g\r\nContent-Length: 5\r\nTransfer-Encoding: chunked",
        b"PUT /x HTTP/1.1\r\nHost: g\r\nContent-Length: 5\r\nContent-Length: 7",
        b"GET /x HTTP/1.1\r\nHost: g\r\nX-Big: " + b"a" * 70_000,
        b"GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\nHost: 169.254.169.254",
        b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22",
        b"GET /%2e%2e/%2e%2e/artifactory/api/system/ping HTTP/1.1\r\nHost: g",
        b"GET /..%2f..%2fadmin HTTP/1.1\r\nHost: g",
    ],
)
def test_smuggling_and_escapes_never_reach_the_upstream(rig: Rig, head: bytes) -> None:
    seen = len(rig.registry.journal.snapshot())
    answer = raw_request(rig.guard.port, head + b"\r\nConnection: close", b"0\r\n\r\n")
    assert answer.split(b" ", 2)[1][:1] == b"4", answer[:200]
    assert rig.registry.journal.snapshot()[seen:] == []


def test_a_stalled_publish_body_is_cut_off() -> None:
    r = Rig("--read-timeout", "500ms")
    try:
        with socket.create_connection(("127.0.0.1", r.guard.port), timeout=10) as sock:
            sock.sendall(
                b"PUT /stalled HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100000\r\n\r\n{"name":'
            )
            started = time.monotonic()
            answer = sock.recv(65536)
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408")
        assert b"CLIENT_TOO_SLOW" in answer
        assert waited < 5
        assert r.registry.journal.find(method="PUT") == []
    finally:
        r.stop()


def test_base64_padding_and_unicode_names_are_refused_cleanly(rig: Rig) -> None:
    doc = copy.deepcopy(GOOD)
    entry = next(iter(doc["_attachments"].values()))
    entry["data"] = base64.b64encode(b"x").decode().rstrip("=")
    status, _ = rig.send("PUT", b"/fuzzed", orjson.dumps(doc))
    assert status == 400
    status, _ = rig.send("PUT", "/ünïcödé".encode(), orjson.dumps(GOOD))
    assert 400 <= status < 500
