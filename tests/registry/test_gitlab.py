"""GitLab flavor: the answers of docs/registries.md, through HTTP."""

from __future__ import annotations

from publish_guard.registry.flavors.gitlab import EXISTS
from tests.registry.conftest import ApiFactory


async def test_the_npm_api_lives_under_the_project(api: ApiFactory) -> None:
    a = await api("gitlab")
    assert a.base() == "/api/v4/projects/1/packages/npm/"
    assert (await a.publish("@acme/widget")).status == 200
    assert (await a.get("/api/v4/projects/1/packages/npm/@acme%2fwidget")).status == 200
    assert (await a.get("/api/v4/projects/1/packages/pypi/@acme%2fwidget")).status == 404


async def test_an_existing_version_is_a_403_that_says_so_in_message(api: ApiFactory) -> None:
    a = await api("gitlab")
    assert (await a.publish("@acme/widget")).status == 200
    again = await a.publish("@acme/widget", files={"index.js": "// other\n"})
    assert (again.status, await again.json()) == (403, {"message": EXISTS})


async def test_tokens_and_rights(api: ApiFactory) -> None:
    a = await api("gitlab")
    bad = await a.publish("@acme/widget", token="glpat-not-a-token")
    assert (bad.status, await bad.json()) == (401, {"message": "401 Unauthorized"})
    reporter = a.registry.add_user("reporter", permissions="read")
    denied = await a.publish("@acme/widget", token=reporter.token)
    assert (denied.status, await denied.json()) == (403, {"message": "403 Forbidden"})
