"""Dev mode over HTTP: triggers, on-conflict mode, and the collision answer's dev hint."""

from __future__ import annotations

import io
import os
import tarfile
from typing import Any

import orjson

from publish_guard.registry import make_publish_body
from tests.publish.conftest import RigFactory


def _body(name: str, version: str, content: str = "// 1\n", **kw: Any) -> dict[str, Any]:
    return make_publish_body(name, version, files={"index.js": content}, **kw)


async def test_on_conflict_publishes_free_versions_as_they_are(rig: RigFactory) -> None:
    r = await rig("--dev-mode", "on-conflict", "--dev-tag", "ci")
    first = await r.put("widget", _body("widget", "1.0.0", tag="ci"))
    assert first.status in (200, 201)
    second = await r.put("widget", _body("widget", "1.0.0", "// 2\n", tag="ci"))
    assert second.status in (200, 201)
    answer = await second.json()
    assert answer["version"] == "1.0.0-dev.0"
    assert answer["original"] == "1.0.0"
    stored = r.registry.document("widget")
    assert stored is not None
    assert sorted(stored["versions"]) == ["1.0.0", "1.0.0-dev.0"]
    assert stored["dist-tags"]["ci"] == "1.0.0-dev.0"


async def test_prerelease_and_latest_tag_rewrites(rig: RigFactory) -> None:
    r = await rig("--dev-mode", "always", "--dev-scope", "@acme-dev", "--dev-dist-tag", "snapshot")
    answer = await r.put("@acme-dev/w", _body("@acme-dev/w", "2.0.0-rc.1"))
    body = await answer.json()
    assert body["version"] == "2.0.0-rc.1.dev.0"
    assert answer.headers["npm-notice"] == (
        "published @acme-dev/w@2.0.0-rc.1.dev.0 (dev mode, from 2.0.0-rc.1); "
        "install with npm i @acme-dev/w@snapshot"
    )
    stored = r.registry.document("@acme-dev/w")
    assert stored is not None
    assert stored["dist-tags"] == {"snapshot": "2.0.0-rc.1.dev.0"}


async def test_other_scopes_and_tags_are_not_rewritten(rig: RigFactory) -> None:
    r = await rig("--dev-mode", "always", "--dev-scope", "@acme-dev", "--dev-tag", "dev")
    answer = await r.put("@acme/w", _body("@acme/w", "1.0.0", tag="beta"))
    assert answer.status in (200, 201)
    stored = r.registry.document("@acme/w")
    assert stored is not None
    assert list(stored["versions"]) == ["1.0.0"]


async def test_collision_answer_offers_a_dev_build_when_dev_mode_is_on(rig: RigFactory) -> None:
    r = await rig("--dev-mode", "always")
    await r.put("widget", _body("widget", "1.0.0"))
    response = await r.put("widget", _body("widget", "1.0.0", "// 2\n"))
    assert response.status == 403
    assert (
        "Or publish a dev build: npm publish --registry http://127.0.0.1:"
        in (response.headers["npm-notice"])
    )
    assert response.headers["npm-notice"].endswith("/-/dev/")


async def test_dev_prefix_reads_pass_through(rig: RigFactory) -> None:
    r = await rig("--dev-mode", "always")
    await r.put("widget", _body("widget", "1.0.0"))
    response = await r.guard.get("/-/dev/widget", headers=r.headers())
    assert response.status == 200
    assert "1.0.0" in (await response.json())["versions"]


async def test_a_big_dev_publish_is_rewritten_from_the_text_kept_aside(rig: RigFactory) -> None:
    """A tarball over 1 MiB is hashed as it arrives and its text stays in the received body;
    dev mode still rewrites the whole tarball."""
    blob = os.urandom(1_500_000)
    r = await rig("--dev-mode", "always", "--dev-tag", "ci")
    files: dict[str, str | bytes] = {"index.js": "// 1\n", "blob.bin": blob}
    answer = await r.put("widget", make_publish_body("widget", "1.0.0", files=files, tag="ci"))
    assert answer.status in (200, 201), await answer.text()
    assert (await answer.json())["version"] == "1.0.0-dev.0"
    stored = await r.guard.get("/widget/-/widget-1.0.0-dev.0.tgz", headers=r.headers())
    with tarfile.open(fileobj=io.BytesIO(await stored.read()), mode="r:gz") as tar:
        manifest = tar.extractfile("package/package.json")
        blob_file = tar.extractfile("package/blob.bin")
        assert manifest is not None
        assert blob_file is not None
        assert orjson.loads(manifest.read())["version"] == "1.0.0-dev.0"
        assert blob_file.read() == blob
