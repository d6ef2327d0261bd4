"""Gitea/Forgejo flavor: the answers of docs/registries.md, through HTTP."""

from __future__ import annotations

from publish_guard.registry.flavors.gitea import EXISTS
from tests.registry.conftest import ApiFactory

BASE = "/api/packages/acme/npm/"


async def test_an_existing_version_is_a_409(api: ApiFactory) -> None:
    a = await api("gitea")
    assert a.base() == BASE
    assert (await a.publish("@acme/widget")).status == 200
    assert (await a.get(f"{BASE}@acme%2fwidget", token="")).status == 200  # a public owner
    again = await a.publish("@acme/widget")
    assert (again.status, await again.json()) == (409, {"error": EXISTS})


async def test_a_bad_token_and_a_missing_right_get_the_same_401(api: ApiFactory) -> None:
    a = await api("gitea")
    reader = a.registry.add_user("reader", permissions="read")
    answers = [
        await a.publish("@acme/widget", token="not-a-token"),
        await a.publish("@acme/widget", token=reader.token),
    ]
    for answer in answers:
        assert answer.status == 401
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="Gitea Package API"'
        assert await answer.text() == "reqPackageAccess\n"
