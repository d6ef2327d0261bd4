"""Azure Artifacts flavor: the answers of docs/registries.md, through HTTP."""

from __future__ import annotations

from publish_guard.registry import FakeClock
from tests.registry.conftest import ApiFactory

BASE = "/acme/web/_packaging/npm-feed/npm/registry/"


async def test_the_npm_api_lives_under_the_feed(api: ApiFactory) -> None:
    a = await api("azure")
    assert a.base() == BASE
    assert (await a.publish("widget")).status == 200
    assert (await a.get(f"{BASE}widget")).status == 200
    assert (await a.get(f"{BASE}widget", token="")).status == 401  # feeds are private


async def test_an_existing_version_is_a_403_said_in_the_status_line(api: ApiFactory) -> None:
    a = await api("azure")
    assert (await a.publish("@acme/widget")).status == 200
    again = await a.publish("@acme/widget")  # identical bytes too
    sentence = (
        "The feed 'npm-feed' already contains file 'widget-1.0.0.tgz' in package "
        "'@acme/widget 1.0.0'."
    )
    assert again.status == 403
    assert again.reason is not None
    assert again.reason.startswith(f"Forbidden - {sentence} (DevOps Activity ID: ")
    assert (await again.json())["message"].startswith(sentence)


async def test_a_deleted_version_stays_taken(api: ApiFactory) -> None:
    a = await api("azure", clock=FakeClock())
    assert (await a.publish("widget", "1.0.0")).status == 200
    assert (await a.publish("widget", "1.1.0")).status == 200
    doc = await (await a.get(f"{BASE}widget")).json()
    del doc["versions"]["1.1.0"]
    doc["dist-tags"] = {"latest": "1.0.0"}
    assert (await a.put_json(f"{BASE}widget/-rev/{doc['_rev']}", doc)).status < 300  # unpublish
    after = await (await a.get(f"{BASE}widget")).json()
    assert sorted(after["versions"]) == ["1.0.0"]
    again = await a.publish("widget", "1.1.0")
    assert again.status == 403
    assert "already contains file 'widget-1.1.0.tgz'" in (await again.json())["message"]


async def test_tokens_and_rights(api: ApiFactory) -> None:
    a = await api("azure")
    bad = await a.publish("widget", token="not-a-pat")
    assert bad.status == 401
    assert bad.headers["WWW-Authenticate"].startswith("Bearer")
    reader = a.registry.add_user("reader", permissions="read")
    denied = await a.publish("widget", token=reader.token)
    assert denied.status == 403
    assert (
        "lacks permission to complete this action. You need to have 'AddPackage'."
        in (await denied.json())["message"]
    )


async def test_a_version_in_an_upstream_source_is_a_409(api: ApiFactory) -> None:
    a = await api("azure")
    a.registry.update_repo("npm-feed", upstream_versions=("left-pad@1.3.0",))
    answer = await a.publish("left-pad", "1.3.0")
    assert answer.status == 409
    assert answer.reason is not None
    assert answer.reason.startswith(
        "Conflict - 'left-pad 1.3.0' cannot be published to the feed because it exists in at "
        "least one of the feed's upstream sources."
    )
    assert (await a.publish("left-pad", "1.3.1")).status == 200
