"""Writes are understood whatever their spelling, or refused: a corrupted publish is refused at
every path an upstream treats as a publish, no write through ``/-rev/`` adds or replaces a
version, an unknown write never reaches the registry, and the released versions survive intact.
Against a real Verdaccio and the emulator (as Artifactory), through a guard process."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from publish_guard.registry import make_publish_body
from tests.harness.http import HttpResponse, escape_package_name, http_request
from tests.transparency.world import World, world

pytestmark = pytest.mark.e2e

SPELLINGS = {
    "tp-leaf": ["tp-leaf/", "tp-leaf?write=true", "tp-leaf/?x=1", "%74p-leaf", "%74p-leaf/"],
    "@tp/app-lib": [
        "@tp%2fapp-lib/",
        "@tp%2Fapp-lib",
        "%40tp%2Fapp-lib/",
        "%40tp%2fapp-lib",
        "@tp/app-lib",
        "@tp/app-lib/",
    ],
}


@pytest.fixture(scope="module", params=["verdaccio", "emulator"])
def guarded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    kind = str(request.param)
    with world("guard", kind, tmp_path_factory.mktemp(f"spellings-{kind}")) as w:
        yield w


def _put(w: World, path: str, body: dict[str, Any] | bytes) -> HttpResponse:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return http_request(
        "PUT",
        w.registry + path,
        data=data,
        token=w.token,
        headers={"content-type": "application/json"},
    )


def _corrupted(name: str, version: str) -> dict[str, Any]:
    """A publish whose tarball is not the one its integrity names (a damaged upload)."""
    body = make_publish_body(name, version)
    attachment = next(iter(body["_attachments"].values()))
    data = bytearray(base64.b64decode(attachment["data"]))
    data[len(data) // 2] ^= 0xFF
    attachment["data"] = base64.b64encode(bytes(data)).decode()
    return body


def _document(w: World, name: str) -> dict[str, Any]:
    answer = http_request("GET", w.upstream + escape_package_name(name), token=w.token)
    assert answer.status == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def _intact(w: World, name: str) -> dict[str, str]:
    """Each stored version's integrity, checked against the tarball the registry serves."""
    document = _document(w, name)
    found = {}
    for version, manifest in document["versions"].items():
        tarball = http_request("GET", manifest["dist"]["tarball"], token=w.token)
        assert tarball.status == 200, (version, tarball.status)
        digest = base64.b64encode(hashlib.sha512(tarball.body).digest()).decode()
        assert manifest["dist"]["integrity"] == f"sha512-{digest}", f"{name}@{version} corrupted"
        found[version] = manifest["dist"]["integrity"]
    return found


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_a_corrupted_publish_is_refused_at_every_spelling(guarded: World, name: str) -> None:
    w = guarded
    before = _intact(w, name)
    w.back.taken()
    for path in SPELLINGS[name]:
        answer = _put(w, path, _corrupted(name, "9.0.0"))
        assert answer.status == 400, (path, answer.status, answer.text)
        assert answer.json()["code"] == "INVALID_PUBLISH", path
        assert "does not match" in answer.json()["error"] or "integrity" in answer.json()["error"]
    assert [e for e in w.back.taken() if e.method != "GET"] == []  # nothing was forwarded
    assert _intact(w, name) == before


def test_a_collision_is_refused_at_every_spelling(guarded: World) -> None:
    w = guarded
    for path in SPELLINGS["tp-leaf"]:
        other = make_publish_body("tp-leaf", "1.0.0", files={"index.js": "// other bytes\n"})
        answer = _put(w, path, other)
        assert answer.status == 403, (path, answer.text)
        assert answer.json()["error"].startswith(
            "You cannot publish over the previously published versions: 1.0.0."
        )


def test_no_write_through_rev_adds_or_replaces_a_version(guarded: World) -> None:
    w = guarded
    name = "tp-leaf"
    before = _intact(w, name)
    document = _document(w, name)
    rev = document.get("_rev", "1-0")
    w.back.taken()

    publish = make_publish_body(name, "9.1.0")
    answer = _put(w, f"{name}/-rev/{rev}", publish)
    assert (answer.status, answer.json()["code"]) == (400, "PUBLISH_TO_REV"), answer.text
    answer = _put(w, f"{name}/-rev/{rev}/", publish)
    assert answer.json()["code"] == "PUBLISH_TO_REV"

    added = copy.deepcopy(document)
    added["versions"]["9.2.0"] = {**added["versions"]["1.0.0"], "version": "9.2.0"}
    answer = _put(w, f"{name}/-rev/{rev}", added)
    assert (answer.status, answer.json()["code"]) == (400, "METADATA_ONLY"), answer.text
    assert "adds version 9.2.0" in answer.json()["error"]

    replaced = copy.deepcopy(document)
    replaced["versions"]["1.0.0"]["dist"]["integrity"] = "sha512-" + "A" * 86 + "=="
    replaced["versions"]["1.0.0"]["scripts"] = {"postinstall": "node evil.js"}
    for path in (f"{name}/-rev/{rev}", name):  # as an unpublish, and as a deprecate
        answer = _put(w, path, replaced)
        assert (answer.status, answer.json()["code"]) == (400, "METADATA_ONLY"), answer.text
        assert "changes scripts of 1.0.0" in answer.json()["error"]
        assert "changes dist.integrity of 1.0.0" in answer.json()["error"]
    assert [e for e in w.back.taken() if e.method != "GET"] == []
    assert _intact(w, name) == before


def test_an_unknown_write_never_reaches_the_registry(guarded: World) -> None:
    w = guarded
    w.back.taken()
    body = orjson.dumps(make_publish_body("tp-leaf", "9.3.0"))
    for method, path in [
        ("PATCH", "tp-leaf"),
        ("POST", "tp-leaf"),
        ("PUT", "tp-leaf//"),
        ("PUT", "tp-leaf/9.3.0"),
        ("PUT", "tp-leaf/-/tp-leaf-9.3.0.tgz"),
        ("DELETE", "tp-leaf"),
        ("PUT", "@tp%252fapp-lib"),
        ("POST", "-/verdaccio/sec/login"),
    ]:
        answer = http_request(
            method,
            w.registry + path,
            data=body,
            token=w.token,
            headers={"content-type": "application/json"},
        )
        assert answer.status == 405, (method, path, answer.status, answer.text)
        assert answer.json()["code"] == "UNKNOWN_WRITE"
        assert answer.headers["Allow"] == "GET, HEAD, OPTIONS"
        assert answer.json()["error"].startswith(f"publish-guard refused {method} ")
    assert w.back.taken() == []
    assert "9.3.0" not in _document(w, "tp-leaf")["versions"]


def test_a_gzip_encoded_publish_is_checked_and_forwarded_as_sent(guarded: World) -> None:
    w = guarded
    corrupted = gzip.compress(orjson.dumps(_corrupted("tp-leaf", "9.4.0")))
    answer = http_request(
        "PUT",
        w.registry + "tp-leaf",
        data=corrupted,
        token=w.token,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert (answer.status, answer.json()["code"]) == (400, "INVALID_PUBLISH"), answer.text
    bomb = gzip.compress(b" " * (300 * 1024 * 1024))  # 300 MiB of spaces: over the size limit
    answer = http_request(
        "PUT",
        w.registry + "tp-leaf",
        data=bomb,
        token=w.token,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert (answer.status, answer.json()["code"]) == (413, "PUBLISH_TOO_LARGE"), answer.text
    answer = http_request(
        "PUT",
        w.registry + "tp-leaf",
        data=b"\x00" * 100,
        token=w.token,
        headers={"content-type": "application/json", "content-encoding": "br"},
    )
    assert (answer.status, answer.json()["code"]) == (415, "UNSUPPORTED_ENCODING"), answer.text
    w.back.taken()
    sent = gzip.compress(orjson.dumps(make_publish_body("tp-zipped", "1.0.0")))
    answer = http_request(
        "PUT",
        w.registry + "tp-zipped",
        data=sent,
        token=w.token,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    forwarded = [e for e in w.back.taken() if e.method == "PUT"]
    assert [e.body for e in forwarded] == [sent]  # the bytes as sent, still gzip
    assert forwarded[0].header("content-encoding") == "gzip"
    assert answer.status in (200, 201), answer.text  # both registries take a gzip body
    assert list(_intact(w, "tp-zipped")) == ["1.0.0"]
