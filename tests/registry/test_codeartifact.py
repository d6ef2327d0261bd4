"""AWS CodeArtifact flavor: the answers of docs/registries.md, through HTTP."""

from __future__ import annotations

from tests.registry.conftest import ApiFactory

BASE = "/npm/my-repo/"


async def test_identical_bytes_are_accepted_and_other_bytes_are_a_409(api: ApiFactory) -> None:
    a = await api("codeartifact")
    assert a.base() == BASE
    assert (await a.publish("widget")).status == 200
    before = await (await a.get(f"{BASE}widget")).json()
    same = await a.publish("widget")
    assert same.status == 200
    assert await (await a.get(f"{BASE}widget")).json() == before  # accepted, nothing changed
    other = await a.publish("widget", files={"index.js": "// other\n"})
    assert (other.status, await other.json()) == (409, {"error": "Conflict"})


async def test_tokens_and_rights(api: ApiFactory) -> None:
    a = await api("codeartifact")
    bad = await a.publish("widget", token="not-a-token")
    assert bad.status == 401
    assert bad.headers["WWW-Authenticate"] == (
        'Bearer realm="acme/my-repo", Basic realm="acme/my-repo"'
    )
    assert (await a.get(f"{BASE}widget", token="")).status == 401
    reader = a.registry.add_user("reader", permissions="read")
    denied = await a.publish("widget", token=reader.token)
    assert denied.status == 403
    assert "codeartifact:PublishPackageVersion" in (await denied.json())["error"]
