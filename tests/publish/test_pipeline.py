"""The publish pipeline over HTTP: the guard in front of the emulator (both real servers)."""

from __future__ import annotations

import asyncio
import base64
import copy
import os
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.registry import Registry, RegistryConfig, create_registry_app
from publish_guard.registry import make_publish_body as _body
from tests.publish.conftest import RigFactory

SENTENCE = "You cannot publish over the previously published versions"


def body(
    name: str, version: str, content: str = "module.exports = 1;\n", **kw: Any
) -> dict[str, Any]:
    return _body(name, version, files={"index.js": content}, **kw)


# -- validation: a clear 4xx, never forwarded ---------------------------------------------------


def _broken(kind: str) -> bytes | dict[str, Any]:
    good = body("widget", "1.0.0")
    doc = copy.deepcopy(good)
    key = next(iter(doc["_attachments"]))
    if kind == "invalid_json":
        return b'{"name": "widget", '
    if kind == "missing_name":
        del doc["name"], doc["_id"]
    elif kind == "missing_versions":
        del doc["versions"]
    elif kind == "two_versions":
        doc["versions"]["1.0.1"] = copy.deepcopy(doc["versions"]["1.0.0"])
        doc["versions"]["1.0.1"]["version"] = "1.0.1"
    elif kind == "body_name_differs":
        doc["name"] = doc["_id"] = "gadget"
    elif kind == "manifest_name_differs":
        doc["versions"]["1.0.0"]["name"] = "gadget"
    elif kind == "invalid_version":
        doc["versions"] = {"1.0": doc["versions"]["1.0.0"]}
        doc["versions"]["1.0"]["version"] = "1.0"
        doc["dist-tags"] = {"latest": "1.0"}
    elif kind == "not_base64":
        doc["_attachments"][key]["data"] = "!!!not base64!!!"
    elif kind == "wrong_length":
        doc["_attachments"][key]["length"] += 5
    elif kind == "corrupt_upload":
        raw = bytearray(base64.b64decode(doc["_attachments"][key]["data"]))
        raw[-1] ^= 0xFF
        doc["_attachments"][key]["data"] = base64.b64encode(bytes(raw)).decode()
    elif kind == "no_attachment_data":
        doc["_attachments"] = {}
    return doc


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("invalid_json", "not valid JSON"),
        ("missing_name", "no package name"),
        ("missing_versions", "no version"),
        ("two_versions", "one version"),
        ("body_name_differs", "path names widget but the body publishes gadget"),
        ("manifest_name_differs", "expected 'widget'"),
        ("invalid_version", "invalid version"),
        ("not_base64", "not valid base64"),
        ("wrong_length", "declares"),
        ("corrupt_upload", "integrity"),
        ("no_attachment_data", "no _attachments"),
    ],
)
async def test_broken_bodies_are_refused_and_never_forwarded(
    rig: RigFactory, kind: str, words: str
) -> None:
    r = await rig()
    response = await r.put("widget", _broken(kind))
    answer = await response.json()
    assert response.status == 400, answer
    assert answer["code"] == "INVALID_PUBLISH"
    assert words in answer["error"]
    assert "nothing was sent to the registry" in answer["error"]
    assert response.headers["npm-notice"] == answer["hint"]
    assert r.puts("widget") == 0


async def test_a_body_over_the_limit_is_413_before_it_is_read(rig: RigFactory) -> None:
    r = await rig("--max-publish-size", "64kb")
    big = _body("widget", "1.0.0", files={"blob.bin": os.urandom(200_000)})
    response = await r.put("widget", big)
    answer = await response.json()
    assert response.status == 413
    assert answer["code"] == "PUBLISH_TOO_LARGE"
    assert "over the guard's limit of 64.0 KiB" in answer["error"]
    assert "--max-publish-size" in answer["hint"]
    assert r.puts("widget") == 0


async def test_other_document_writes_pass_untouched(rig: RigFactory) -> None:
    r = await rig()
    assert (await r.put("widget", body("widget", "1.0.0"))).status in (200, 201)
    doc = await (await r.guard.get("/widget?write=true", headers=r.headers())).json()
    doc["versions"]["1.0.0"]["deprecated"] = "use gadget"
    response = await r.put("widget", doc)  # npm deprecate: the whole document back
    assert response.status in (200, 201)
    stored = r.registry.document("widget")
    assert stored is not None
    assert stored["versions"]["1.0.0"]["deprecated"] == "use gadget"
    assert r.puts("widget") == 2


# -- collisions ---------------------------------------------------------------------------------


async def test_collision_answer_matches_lerna_and_changesets(rig: RigFactory) -> None:
    r = await rig()
    for version in ("1.0.0", "1.4.0"):
        await r.put("widget", body("widget", version))
    response = await r.put("widget", body("widget", "1.0.0", content="// other\n"))
    answer = await response.json()
    assert response.status == 403
    # lerna: E403 whose body.error contains the sentence; changesets: "cannot publish over the
    # previously published version"
    assert answer["error"].startswith(f"{SENTENCE}: 1.0.0.")
    assert "cannot publish over the previously published version" in answer["error"]
    assert "\n" not in answer["error"]
    assert "the highest version is 1.4.0" in answer["error"]
    assert answer["code"] == "VERSION_EXISTS"
    assert answer["package"] == "widget"
    assert answer["version"] == "1.0.0"
    assert answer["suggestions"]["patch"] == "1.4.1"
    assert answer["existing"]["published_at"]
    assert answer["docs"].endswith("/-/guard/errors#VERSION_EXISTS")
    assert answer["request_id"]
    assert (
        response.headers["npm-notice"]
        == "Run 'npm version 1.4.1' (it becomes 1.4.1) and publish again."
    )
    assert r.puts("widget") == 2


async def test_versions_compare_as_npm_compares_them(rig: RigFactory) -> None:
    r = await rig()
    await r.put("widget", body("widget", "1.0.0"))
    response = await r.put("widget", body("widget", "1.0.0+build.7", content="// other\n"))
    assert response.status in (400, 403)
    assert r.puts("widget") == 1


async def test_identical_republish_can_be_configured_to_reject(rig: RigFactory) -> None:
    r = await rig("--identical-republish", "reject")
    publish = body("widget", "1.0.0")
    assert (await r.put("widget", publish)).status in (200, 201)
    response = await r.put("widget", publish)
    assert response.status == 403
    assert r.puts("widget") == 1


async def test_every_collision_is_answered_from_a_fresh_look_up(rig: RigFactory) -> None:
    """No verdict is remembered: an answer given instead of the registry's comes from a
    look-up made for it (after an unpublish, the same publish is free again at once)."""
    r = await rig()
    await r.put("widget", body("widget", "1.0.0"))
    await r.put("widget", body("widget", "1.0.0", content="// a\n"))
    gets = len(r.registry.journal.find(method="GET"))
    response = await r.put("widget", body("widget", "1.0.0", content="// b\n"))
    assert response.status == 403
    assert len(r.registry.journal.find(method="GET")) > gets


async def test_twenty_concurrent_publishes_of_one_version(rig: RigFactory) -> None:
    r = await rig()
    bodies = [body("racer", "1.0.0", content=f"module.exports = {i};\n") for i in range(20)]
    responses = await asyncio.gather(*(r.put("racer", b) for b in bodies))
    statuses = sorted(response.status for response in responses)
    assert statuses.count(403) == 19
    assert next(s for s in statuses if s != 403) in (200, 201)
    for response in responses:
        if response.status == 403:
            assert (await response.json())["error"].startswith(f"{SENTENCE}: 1.0.0.")
    assert r.puts("racer") == 1
    stored = r.registry.document("racer")
    assert stored is not None
    winner = stored["versions"]["1.0.0"]["dist"]["integrity"]
    assert winner in {b["versions"]["1.0.0"]["dist"]["integrity"] for b in bodies}


async def test_the_stage_route_is_guarded_too(rig: RigFactory) -> None:
    r = await rig()
    await r.put("widget", body("widget", "1.0.0"))
    response = await r.guard.post(
        "/-/stage/package/widget",
        data=orjson.dumps(body("widget", "1.0.0", content="//x\n")),
        headers=r.headers(),
    )
    assert response.status == 403
    assert (await response.json())["code"] == "VERSION_EXISTS"


async def test_npmjs_reserves_unpublished_versions(rig: RigFactory) -> None:
    r = await rig("--flavor", "npmjs", flavor="npmjs")
    await r.put("widget", body("widget", "1.0.0"))
    await r.put("widget", body("widget", "1.1.0"))
    doc = await (await r.guard.get("/widget?write=true", headers=r.headers())).json()
    del doc["versions"]["1.0.0"]
    rev = doc["_rev"]
    assert (
        await r.guard.put(f"/widget/-rev/{rev}", data=orjson.dumps(doc), headers=r.headers())
    ).status < 300
    puts = r.puts("widget")
    response = await r.put("widget", body("widget", "1.0.0", content="// again\n"))
    answer = await response.json()
    assert response.status == 400
    assert answer["code"] == "VERSION_RESERVED"
    assert answer["error"].startswith('Cannot publish over previously published version "1.0.0".')
    assert "never lets a version number be used twice" in answer["error"]
    assert r.puts("widget") == puts


# -- the upstream fails after receiving the body --------------------------------------------------


def _faulty_upstream(registry: Registry, mode: str) -> web.Application:
    """The emulator behind a fault: ``landed`` drops the connection after the emulator stored the
    publish, ``lost`` drops it before; ``error`` answers 503 after storing."""
    inner = create_registry_app(registry)
    faulty = web.Application()

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.method == "PUT" and mode in ("landed", "lost", "error"):
            raw = await request.read()
            if mode in ("landed", "error"):
                server = TestServer(inner, host="127.0.0.1")
                async with TestClient(server) as client:
                    await client.put(request.raw_path, data=raw, headers=dict(request.headers))
                if mode == "error":
                    return web.json_response({"error": "internal"}, status=503)
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        server = TestServer(inner, host="127.0.0.1")
        async with TestClient(server) as client:
            answer = await client.request(
                request.method, request.raw_path, headers=dict(request.headers)
            )
            return web.Response(
                status=answer.status, body=await answer.read(), content_type=answer.content_type
            )

    faulty.router.add_route("*", "/{tail:.*}", handler)
    return faulty


@pytest.mark.parametrize("mode", ["landed", "error"])
async def test_a_publish_that_landed_despite_a_failure_is_a_success(
    rig: RigFactory, mode: str
) -> None:
    registry = Registry(RegistryConfig(flavor="artifactory"))
    r = await rig(registry=registry, upstream_app=_faulty_upstream(registry, mode))
    response = await r.put("widget", body("widget", "1.0.0"))
    answer = await response.json()
    assert response.status == 200, answer
    assert "was published" in response.headers["npm-notice"]
    assert registry.document("widget") is not None


async def test_a_publish_that_did_not_land_says_so_and_that_retrying_is_safe(
    rig: RigFactory,
) -> None:
    registry = Registry(RegistryConfig(flavor="artifactory"))
    r = await rig(registry=registry, upstream_app=_faulty_upstream(registry, "lost"))
    response = await r.put("widget", body("widget", "1.0.0"))
    answer = await response.json()
    assert response.status == 502
    assert answer["code"] == "PUBLISH_NOT_LANDED"
    assert answer["error"].startswith("widget@1.0.0 was NOT published")
    assert "publishing again is safe" in answer["error"]
    assert registry.document("widget") is None


# -- pre-flight -----------------------------------------------------------------------------------


async def test_preflight_check_route(rig: RigFactory) -> None:
    r = await rig()
    await r.put("@acme/widget", body("@acme/widget", "2.0.0"))
    taken = await (
        await r.guard.get("/-/guard/check/@acme%2fwidget/2.0.0", headers=r.headers())
    ).json()
    assert taken["publishable"] is False
    assert taken["error"].startswith(f"{SENTENCE}: 2.0.0.")
    assert taken["suggestions"]["patch"] == "2.0.1"
    free = await (
        await r.guard.get("/-/guard/check/@acme%2fwidget/2.0.1", headers=r.headers())
    ).json()
    assert free["publishable"] is True


# -- big publishes: the tarball is found and hashed while the body arrives -------------------

BIG_FILES: dict[str, str | bytes] = {
    "index.js": "module.exports = 1;\n",
    "blob.bin": os.urandom(1_500_000),
}


def _big_broken(kind: str) -> dict[str, Any]:
    doc = _body("widget", "1.0.0", files=BIG_FILES)
    entry = next(iter(doc["_attachments"].values()))
    data: str = entry["data"]
    middle = len(data) // 2 // 4 * 4
    if kind == "not_base64":
        entry["data"] = data[:middle] + "!" + data[middle + 1 :]
    elif kind == "padding_inside":
        entry["data"] = data[:middle] + "QQ==" + data[middle + 4 :]
    elif kind == "wrong_length":
        entry["length"] -= 1
    elif kind == "corrupt_upload":
        raw = bytearray(base64.b64decode(data))
        raw[len(raw) // 2] ^= 0x01
        entry["data"] = base64.b64encode(bytes(raw)).decode()
    return doc


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("not_base64", "not valid base64"),
        ("padding_inside", "not valid base64"),
        ("wrong_length", "declares"),
        ("corrupt_upload", "integrity"),
    ],
)
async def test_big_broken_tarballs_are_refused_and_never_forwarded(
    rig: RigFactory, kind: str, words: str
) -> None:
    r = await rig()
    response = await r.put("widget", _big_broken(kind))
    answer = await response.json()
    assert response.status == 400, answer
    assert words in answer["error"]
    assert r.puts("widget") == 0


async def test_a_big_publish_lands_byte_for_byte(rig: RigFactory) -> None:
    r = await rig()
    doc = _body("widget", "1.0.0", files=BIG_FILES)
    filename, entry = next(iter(doc["_attachments"].items()))
    response = await r.put("widget", doc)
    assert response.status in (200, 201), await response.text()
    stored = await r.guard.get(f"/widget/-/{filename}", headers=r.headers())
    assert stored.status == 200
    assert await stored.read() == base64.b64decode(entry["data"])
    other = _body("widget", "1.0.0", files={**BIG_FILES, "index.js": "module.exports = 2;\n"})
    again = await r.put("widget", other)
    assert again.status == 403  # the same version with other bytes: a collision
    assert r.puts("widget") == 1


async def test_concurrent_big_publishes_look_again_when_another_one_ended_first(
    rig: RigFactory,
) -> None:
    """Each big publish looks the package up while its body is read; under the lock a look-up
    older than a publish that ended is not used: one PUT reaches the registry."""
    r = await rig()
    bodies = [
        _body("racer", "1.0.0", files={**BIG_FILES, "index.js": f"module.exports = {i};\n"})
        for i in range(5)
    ]
    responses = await asyncio.gather(*(r.put("racer", b) for b in bodies))
    statuses = [response.status for response in responses]
    assert statuses.count(403) == 4, statuses
    assert len({200, 201} & set(statuses)) == 1
    assert r.puts("racer") == 1
    gets = r.registry.journal.find(method="GET", path_contains="racer")
    assert len(gets) >= 5 + 1  # the early look-ups, and one more after the winner's publish
