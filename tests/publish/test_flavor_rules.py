"""Each registry's own rules for used version numbers, through the guard to the emulator."""

from __future__ import annotations

from typing import Any


from publish_guard.registry import make_publish_body
from tests.publish.conftest import Rig, RigFactory


async def _publish(r: Rig, name: str, version: str, content: str) -> tuple[int, dict[str, Any]]:
    body = make_publish_body(name, version, files={"index.js": content})
    response = await r.put(name, body)
    return response.status, await response.json()


async def _unpublish_package(r: Rig, name: str) -> None:
    doc = await (await r.guard.get(f"/{name}?write=true", headers=r.headers())).json()
    deleted = await r.guard.delete(f"/{name}/-rev/{doc['_rev']}", headers=r.headers())
    assert deleted.status == 200


async def test_azure_takes_a_new_version_of_a_deleted_package_at_once(rig: RigFactory) -> None:
    # npmjs blocks a package unpublished less than 24 hours ago; Azure Artifacts has no such
    # rule, only the numbers once used stay taken
    r = await rig("--flavor", "azure", flavor="azure")
    assert (await _publish(r, "widget", "1.0.0", "// one\n"))[0] == 200
    await _unpublish_package(r, "widget")

    status, answer = await _publish(r, "widget", "2.0.0", "// two\n")
    assert (status, answer.get("code")) == (200, None), answer

    status, answer = await _publish(r, "widget", "1.0.0", "// one again\n")
    assert status == 400
    assert answer["code"] == "VERSION_RESERVED"
    assert "24 hours" not in answer["error"]
    assert "Azure Artifacts" in answer["error"]
