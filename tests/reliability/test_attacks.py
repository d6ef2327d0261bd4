"""What an attack on the guard found, each a test now: a charset that makes one body two
publishes, a slow write that holds a package's lock, a dribbled body that holds the memory
budget, an update that crashes Verdaccio, malformed requests that put credentials in the log,
an integrity string npm can never satisfy. Against a guard process and a real Verdaccio."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from publish_guard.registry import make_publish_body
from tests.harness.http import http_request, settled_log
from tests.reliability.test_memory_cap import _status_kib
from tests.transparency.world import STATUS_TOKEN, World, world

pytestmark = pytest.mark.e2e
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2VjcmV0c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    args = ("--read-timeout", "4s", "--publish-timeout", "8s", "--max-publish-size", "8mb")
    with world("guard", "verdaccio", tmp_path_factory.mktemp("attacks"), *args) as w:
        yield w


def _port(w: World) -> int:
    return int(w.guard_url.rstrip("/").rsplit(":", 1)[1])


def _put(w: World, path: str, body: bytes, content_type: str = "application/json") -> int:
    answer = http_request(
        "PUT",
        w.guard_url + path,
        data=body,
        token=w.token,
        headers={"content-type": content_type},
    )
    return answer.status


def test_a_charset_the_guard_would_read_otherwise_is_refused(guarded: World) -> None:
    """Verdaccio decodes ``charset=utf-7`` before it parses (``+ACI-`` is a quote there): the
    guard would check one document and Verdaccio store another."""
    w = guarded
    body = orjson.dumps(make_publish_body("u7-pkg", "1.0.0"))
    w.back.taken()
    for content_type in (
        "application/json; charset=utf-7",
        "application/json; charset=UTF-7",
        'application/json; charset="utf-7-imap"',
        "application/json; charset=latin1",
        "text/plain",
    ):
        answer = http_request(
            "PUT",
            w.guard_url + "u7-pkg",
            data=body,
            token=w.token,
            headers={"content-type": content_type},
        )
        assert answer.status == 415, (content_type, answer.text)
        assert answer.json()["code"] == "UNSUPPORTED_ENCODING"
    assert [e for e in w.back.taken() if e.method == "PUT"] == []
    assert _put(w, "u7-pkg", body, "application/json; charset=utf-8") in (200, 201)


def test_a_dribbled_dist_tag_write_does_not_hold_the_package_lock(guarded: World) -> None:
    w = guarded
    assert _put(w, "locked-pkg", orjson.dumps(make_publish_body("locked-pkg", "1.0.0"))) in (
        200,
        201,
    )
    sockets = []
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", _port(w)))
        sock.sendall(
            b"PUT /-/package/locked-pkg/dist-tags/x HTTP/1.1\r\nHost: x\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"'
        )
        sockets.append(sock)
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(1):
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b" ")

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        status = _put(w, "locked-pkg", orjson.dumps(make_publish_body("locked-pkg", "1.0.1")))
        took = time.monotonic() - started
    finally:
        stop.set()
        dribbler.join()
        for sock in sockets:
            sock.close()
    assert status in (200, 201)
    assert took < 3, took


def test_a_dribbled_body_does_not_hold_the_memory_budget(guarded: World) -> None:
    w = guarded
    stop = threading.Event()
    sock = socket.create_connection(("127.0.0.1", _port(w)))
    sock.sendall(
        b"PUT /whatever HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {8 * 1024 * 1024}\r\n\r\n{{".encode()
    )

    def dribble() -> None:
        while not stop.wait(1):
            try:
                sock.sendall(b" ")
            except OSError:
                return

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        time.sleep(0.5)
        for n in range(3):  # the budget is the default 512 MiB: each a small publish
            body = orjson.dumps(make_publish_body("budget-victim", f"1.0.{n}"))
            started = time.monotonic()
            assert _put(w, "budget-victim", body) in (200, 201)
            assert time.monotonic() - started < 3
    finally:
        stop.set()
        dribbler.join()
        sock.close()


def test_an_update_carrying_attachments_never_reaches_verdaccio(guarded: World) -> None:
    """Verdaccio runs its publish steps for any _attachments entry (and dies on one without
    data)."""
    w = guarded
    assert _put(w, "upd-pkg", orjson.dumps(make_publish_body("upd-pkg", "1.0.0"))) in (200, 201)
    current = http_request("GET", w.upstream + "upd-pkg", token=w.token).json()
    update = copy.deepcopy(current)
    update["_attachments"] = {"upd-pkg-1.0.0.tgz": {"content_type": "x", "length": 5}}
    w.back.taken()
    answer = http_request(
        "PUT", w.guard_url + f"upd-pkg/-rev/{current['_rev']}", json=update, token=w.token
    )
    assert (answer.status, answer.json()["code"]) == (400, "METADATA_ONLY"), answer.text
    assert "carries attachments" in answer.json()["error"]
    assert [e for e in w.back.taken() if e.method == "PUT"] == []
    assert http_request("GET", w.upstream + "-/ping").status == 200  # still up


def test_an_integrity_npm_could_never_satisfy_is_refused(guarded: World) -> None:
    """A sha512 entry npm (ssri) picks but cannot match, beside a right sha1: every install of
    such a version would fail with EINTEGRITY."""
    w = guarded
    body = make_publish_body("sri-pkg", "1.0.0")
    tarball = base64.b64decode(next(iter(body["_attachments"].values()))["data"])
    url_safe = base64.urlsafe_b64encode(hashlib.sha512(tarball).digest()).decode()
    sha1 = (
        "sha1-" + base64.b64encode(hashlib.sha1(tarball, usedforsecurity=False).digest()).decode()
    )
    body["versions"]["1.0.0"]["dist"]["integrity"] = f"sha512-{url_safe}x {sha1}"
    answer = http_request("PUT", w.guard_url + "sri-pkg", json=body, token=w.token)
    assert answer.status == 400, answer.text
    assert answer.json()["code"] == "INVALID_PUBLISH"
    assert "integrity" in answer.json()["error"]


def test_malformed_requests_put_no_credential_in_the_log_or_the_answer(guarded: World) -> None:
    w = guarded
    basic = base64.b64encode(b"alice:hunter2Secret").decode()
    cases = [
        f"GET /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {JWT}\x01\r\n\r\n",
        f"GET /x HTTP/1.1\r\nHost: x\r\nAuthorization : Bearer {JWT}\r\n\r\n",
        f"GET /-/user/token/{JWT} HTTP/1.1 x\r\nHost: x\r\n\r\n",
        f"GET /x?password={JWT} HTTP/9.9\r\nHost: x\r\n\r\n",
        f"GET /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {JWT}{'A' * 20000}\r\n\r\n",
        f"GET /x HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {basic}\x00\r\n\r\n",
    ]
    answers = []
    for case in cases:
        with socket.create_connection(("127.0.0.1", _port(w)), timeout=5) as sock:
            sock.sendall(case.encode("latin1"))
            answers.append(_read_all(sock))
    assert all(a.startswith(b"HTTP/1.") and a[9:10] == b"4" for a in answers), [
        a[:40] for a in answers
    ]
    time.sleep(0.3)
    assert w.log is not None
    log = w.log.read_text()
    outputs = [log, *(a.decode("latin1") for a in answers)]
    for secret in (JWT, basic, "hunter2Secret"):
        assert not any(secret in text for text in outputs), secret
    for line in log.splitlines():
        if line.strip():
            json.loads(line)  # every line, aiohttp's own too, is one JSON object


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def test_refused_big_bodies_one_after_another_do_not_grow_the_guard(tmp_path: Path) -> None:
    """Memory freed after a body is refused goes back to the system: five 37 MiB bodies one
    after the other leave the guard as big as one did."""
    with world("guard", "emulator", tmp_path, "--max-publish-size", "40mb") as w:
        assert w.pid is not None
        blob = base64.b64encode(os.urandom(28 * 1024 * 1024)).decode()
        body = orjson.dumps(
            {"name": "other", "versions": {}, "_attachments": {"x": {"data": blob}}}
        )
        sizes = []
        for _ in range(5):
            answer = http_request(
                "PUT",
                w.guard_url + "refused",
                data=body,
                headers={"content-type": "application/json"},
                timeout=60,
            )
            assert answer.status == 400, answer.text
            sizes.append(_status_kib(w.pid, "VmRSS"))
        assert max(sizes) - sizes[0] < 24 * 1024, sizes  # KiB: no body's worth more per round


def test_a_client_gone_mid_publish_is_logged_as_such_not_as_a_failure(guarded: World) -> None:
    w = guarded
    assert w.log is not None
    status = "-/guard/status.json"
    auth = {"authorization": f"Bearer {STATUS_TOKEN}"}
    before = http_request("GET", w.guard_url + status, headers=auth).json()["counters"]
    sock = socket.create_connection(("127.0.0.1", _port(w)))
    sock.sendall(
        b"PUT /gone-widget HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + b'Content-Length: 100000\r\n\r\n{"name":"gone-widget",'
    )
    time.sleep(0.5)
    sock.close()  # a cancelled CI job
    after = http_request("GET", w.guard_url + status, headers=auth)
    lines = [json.loads(line) for line in settled_log(w.log, after).splitlines() if line]
    mine = [line for line in lines if line.get("package") == "gone-widget"]
    assert [line["event"] for line in mine] == ["client_gone", "request"]
    assert mine[-1]["status"] == 499
    assert all(line["level"] == "info" for line in mine)  # aiohttp's own lines carry it too
    assert after.json()["counters"]["publishes"] == before["publishes"]  # not failed, not refused
