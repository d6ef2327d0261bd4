"""Nexus 3 flavor: the rows of UPSTREAMS.md, through HTTP (aiohttp test client)."""

from __future__ import annotations

from publish_guard.npm.integrity import sri_sha512
from publish_guard.registry.flavors.nexus import INSUFFICIENT_LICENSE
from tests.registry.conftest import ApiFactory, basic

REALM = 'BASIC realm="Sonatype Nexus Repository Manager"'


async def test_disable_redeploy_refuses_even_identical_bytes(api: ApiFactory) -> None:
    a = await api("nexus")
    assert (await a.publish("widget")).status == 200
    again = await a.publish("widget")  # the very same body
    assert again.status == 400
    assert await again.json() == {
        "success": False,
        "error": "Repository does not allow updating assets: npm-hosted",
    }


async def test_allow_redeploy_silently_overwrites(api: ApiFactory) -> None:
    a = await api("nexus")
    a.registry.update_repo("npm-hosted", policy="allow")
    await a.publish("widget", files={"index.js": "1"})
    answer = await a.publish("widget", files={"index.js": "2"})
    assert (answer.status, await answer.json()) == (200, {"success": True})
    tarball = a.registry.tarball("widget", "1.0.0")
    assert tarball is not None
    doc = a.registry.document("widget")
    assert doc is not None
    assert doc["versions"]["1.0.0"]["dist"]["integrity"] == sri_sha512(tarball)


async def test_read_only(api: ApiFactory) -> None:
    a = await api("nexus")
    a.registry.update_repo("npm-hosted", policy="read-only")
    answer = await a.publish("widget")
    assert answer.status == 400
    assert await answer.json() == {"success": False, "error": "Repository is read only: npm-hosted"}


async def test_proxy_has_no_put_route(api: ApiFactory) -> None:
    a = await api("nexus")
    a.registry.add_repo("npm-proxy", "proxy")
    for token in (None, ""):  # before authentication: there is no route at all
        answer = await a.publish("widget", repo="npm-proxy", token=token)
        assert (answer.status, await answer.read()) == (404, b"")


async def test_group_refuses_deploys(api: ApiFactory) -> None:
    a = await api("nexus")
    a.registry.add_repo("npm-group", "group", members=["npm-hosted"])
    answer = await a.publish("widget", repo="npm-group")
    assert answer.status == 403
    assert await answer.json() == {"success": False, "error": INSUFFICIENT_LICENSE}
    assert INSUFFICIENT_LICENSE.startswith("Deploying to groups is a PRO-licensed feature")
    a.registry.update_repo("npm-group", group_deploy_legacy=True)
    assert (await a.publish("widget", repo="npm-group")).status == 400


async def test_401_has_an_empty_body_and_the_nexus_realm(api: ApiFactory) -> None:
    a = await api("nexus")
    for token in ("", "npm_unknown"):
        answer = await a.publish("widget", token=token)
        assert answer.status == 401
        assert answer.headers["WWW-Authenticate"] == REALM
        assert await answer.read() == b""


async def test_latest_tag_locked(api: ApiFactory) -> None:
    a = await api("nexus")
    a.registry.update_repo("npm-hosted", latest_tag_locked=True)
    assert (await a.publish("widget", "1.0.0")).status == 200
    answer = await a.publish("widget", "1.1.0")
    assert answer.status == 400
    assert await answer.json() == {"success": False, "error": "Unable to update latest tag"}
    assert (await a.publish("widget", "2.0.0-beta.1", tag="beta")).status == 200


async def test_status_ping_and_full_documents_only(api: ApiFactory) -> None:
    a = await api("nexus")
    assert (await a.get("/service/rest/v1/status")).status == 200
    ping = await a.get(a.base() + "-/ping")
    assert (ping.status, await ping.json()) == (200, {})
    assert ping.headers["Server"].startswith("Nexus/3")
    await a.publish("widget")
    answer = await a.get(a.base() + "widget", Accept="application/vnd.npm.install-v1+json")
    assert answer.content_type == "application/json"
    assert "time" in await answer.json()


async def test_tarball_urls_follow_x_forwarded_headers(api: ApiFactory) -> None:
    a = await api("nexus")
    await a.publish("@acme/widget")
    answer = await a.get(
        a.base() + "@acme%2fwidget",
        **{"X-Forwarded-Host": "guard.example:8080", "X-Forwarded-Proto": "https"},
    )
    tarball = (await answer.json())["versions"]["1.0.0"]["dist"]["tarball"]
    assert (
        tarball
        == "https://guard.example:8080/repository/npm-hosted/@acme/widget/-/widget-1.0.0.tgz"
    )


async def test_not_found_and_login_texts(api: ApiFactory) -> None:
    a = await api("nexus")
    missing = await a.get(a.base() + "@acme%2fnothing")
    assert await missing.json() == {"success": False, "error": "Package '@acme/nothing' not found"}
    login = await a.put_json(
        a.base() + "-/user/org.couchdb.user:alice", {"name": "alice", "password": "alice-pw"}, ""
    )
    body = await login.json()
    assert (login.status, body["ok"], body["id"]) == (201, "true", "org.couchdb.user:undefined")
    bad = await a.put_json(
        a.base() + "-/user/org.couchdb.user:alice", {"name": "alice", "password": "x"}, ""
    )
    assert (bad.status, await bad.json()) == (
        401,
        {"success": False, "error": "Bad username or password"},
    )


async def test_without_the_bearer_token_realm_tokens_are_refused(api: ApiFactory) -> None:
    a = await api("nexus", bearer_tokens=False)
    answer = await a.publish("widget")
    assert (answer.status, answer.headers["WWW-Authenticate"]) == (401, REALM)
    basic_auth = {"Authorization": basic("alice", "alice-pw")}
    assert (await a.publish("widget", headers=basic_auth)).status == 200
