"""GitHub Packages flavor: the answers of docs/registries.md, through HTTP."""

from __future__ import annotations

from publish_guard.registry.flavors.github import EXISTS, MISSING_CREDENTIALS, UNKNOWN_CREDENTIALS
from tests.registry.conftest import ApiFactory


async def test_an_existing_version_is_a_409_even_with_identical_bytes(api: ApiFactory) -> None:
    a = await api("github")
    assert (await a.publish("@octo/widget")).status == 200
    again = await a.publish("@octo/widget")
    assert (again.status, await again.json()) == (409, {"error": EXISTS})
    other = await a.publish("@octo/widget", files={"index.js": "// other\n"})
    assert other.status == 409


async def test_no_token_gets_the_realm_and_a_bad_token_does_not(api: ApiFactory) -> None:
    a = await api("github")
    anonymous = await a.publish("@octo/widget", token="")
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="GitHub Package Registry"'
    assert await anonymous.json() == {"error": MISSING_CREDENTIALS}
    bad = await a.publish("@octo/widget", token="ghp_not-a-token")
    assert (bad.status, await bad.json()) == (401, {"error": UNKNOWN_CREDENTIALS})
    assert "WWW-Authenticate" not in bad.headers


async def test_reads_need_a_token_and_writes_the_write_package_permission(
    api: ApiFactory,
) -> None:
    a = await api("github")
    assert (await a.publish("@octo/widget")).status == 200
    assert (await a.get("/@octo%2fwidget", token="")).status == 401
    reader = a.registry.add_user("reader", permissions="read")
    assert (await a.get("/@octo%2fwidget", token=reader.token)).status == 200
    denied = await a.publish("@octo/widget", "1.1.0", token=reader.token)
    assert (denied.status, await denied.json()) == (
        403,
        {"error": "Permission permission_denied: write_package"},
    )
