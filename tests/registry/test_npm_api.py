"""The npm API every flavor shares: paths, documents, tarballs, dist-tags, deprecate, unpublish,
login, OTP, and the journal."""

from __future__ import annotations

import pytest
from yarl import URL

from publish_guard.npm.integrity import sha1_hex, sri_sha512
from publish_guard.registry.journal import REDACTED
from tests.registry.conftest import FLAVORS, ApiFactory, basic

SPELLINGS = ("@acme%2fwidget", "@acme%2Fwidget", "%40acme%2fwidget", "@acme/widget")


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_every_spelling_of_a_scoped_name(api: ApiFactory, flavor: str) -> None:
    a = await api(flavor)
    assert (await a.publish("@acme/widget")).status in (200, 201)
    for spelling in SPELLINGS:
        answer = await a.get(a.base() + spelling)
        assert answer.status == 200, spelling
        assert (await answer.json())["name"] == "@acme/widget"
        tarball = await a.get(a.base() + spelling + "/-/widget-1.0.0.tgz")
        assert tarball.status == 200, spelling


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_tarball_bytes_match_the_document(api: ApiFactory, flavor: str) -> None:
    a = await api(flavor)
    await a.publish("@acme/widget", "1.2.3")
    doc = await (await a.get(a.base() + "@acme%2fwidget")).json()
    dist = doc["versions"]["1.2.3"]["dist"]
    data = await (await a.get(URL(dist["tarball"]).raw_path)).read()
    assert dist["integrity"] == sri_sha512(data)
    assert dist["shasum"] == sha1_hex(data)
    assert set(doc["time"]) == {"created", "modified", "1.2.3"}
    assert doc["_rev"].startswith("1-")
    version = await (await a.get(a.base() + "@acme%2fwidget/latest")).json()
    assert version["version"] == "1.2.3"


async def test_dist_tags_api(api: ApiFactory) -> None:
    a = await api("artifactory")
    await a.publish("pkg", "1.0.0")
    path = a.base() + "-/package/pkg/dist-tags"
    assert (await a.put_json(path + "/beta", "1.0.0")).status == 200
    assert await (await a.get(path)).json() == {"latest": "1.0.0", "beta": "1.0.0"}
    assert (await a.put_json(path + "/beta", "9.9.9")).status == 404
    assert (await a.client.delete(path + "/beta", headers=a.auth())).status == 200
    assert await (await a.get(path)).json() == {"latest": "1.0.0"}
    reader = a.registry.add_user("reader", permissions="read")
    assert (await a.put_json(path + "/x", "1.0.0", token=reader.token)).status == 403


async def test_deprecate_puts_the_whole_document(api: ApiFactory) -> None:
    a = await api("verdaccio")
    await a.publish("pkg", "1.0.0")
    doc = await (await a.get("/pkg?write=true")).json()
    assert doc["_attachments"] == {}
    doc["versions"]["1.0.0"]["deprecated"] = "use 2"
    answer = await a.put_json("/pkg", doc)
    assert (answer.status, await answer.json()) == (201, {"ok": "package changed"})
    stored = a.registry.document("pkg")
    assert stored is not None
    assert stored["versions"]["1.0.0"]["deprecated"] == "use 2"
    doc["versions"]["1.0.0"]["deprecated"] = ""
    await a.put_json("/pkg", doc)
    stored = a.registry.document("pkg")
    assert stored is not None
    assert "deprecated" not in stored["versions"]["1.0.0"]


async def test_removing_versions_needs_the_delete_permission(api: ApiFactory) -> None:
    a = await api("artifactory")
    await a.publish("pkg", "1.0.0")
    await a.publish("pkg", "1.1.0")
    deployer = a.registry.add_user("deployer", permissions="read,deploy")
    doc = await (await a.get(a.base() + "pkg?write=true")).json()
    del doc["versions"]["1.1.0"]
    doc["dist-tags"] = {"latest": "1.0.0"}  # npm moves the tags itself before the PUT
    path = f"{a.base()}pkg/-rev/{doc['_rev']}"
    assert (await a.put_json(path, doc, token=deployer.token)).status == 403
    assert (await a.put_json(path, doc)).status == 200
    stored = a.registry.document("pkg")
    assert stored is not None
    assert stored["dist-tags"] == {"latest": "1.0.0"}


async def test_login_whoami_logout(api: ApiFactory) -> None:
    a = await api("verdaccio")
    login = await a.put_json(
        "/-/user/org.couchdb.user:alice", {"name": "alice", "password": "alice-pw"}, token=""
    )
    body = await login.json()
    assert (login.status, body["ok"]) == (201, "you are authenticated as 'alice'")
    token = body["token"]
    whoami = await a.get("/-/whoami", token=token)
    assert await whoami.json() == {"username": "alice"}
    assert (await a.client.delete(f"/-/user/token/{token}")).status == 200
    assert (await a.get("/-/whoami", token=token)).status == 401
    wrong = await a.put_json(
        "/-/user/org.couchdb.user:alice", {"name": "alice", "password": "nope"}, token=""
    )
    assert (wrong.status, await wrong.json()) == (
        401,
        {"error": "bad username/password, access denied"},
    )
    signup = await a.put_json(
        "/-/user/org.couchdb.user:newbie", {"name": "newbie", "password": "pw"}, token=""
    )
    assert (await signup.json())["ok"] == "user 'newbie' created"


async def test_artifactory_has_no_signup(api: ApiFactory) -> None:
    a = await api("artifactory")
    answer = await a.put_json(
        a.base() + "-/user/org.couchdb.user:newbie", {"name": "newbie", "password": "pw"}, ""
    )
    assert answer.status == 401


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_otp_users_must_send_npm_otp_on_writes(api: ApiFactory, flavor: str) -> None:
    a = await api(flavor)
    carol = a.registry.add_user("carol", otp=True)
    without = await a.publish("pkg", token=carol.token)
    assert without.status == 401
    assert without.headers["WWW-Authenticate"] == "OTP"
    assert "one-time password" in (await without.json())["error"]
    wrong = await a.publish("pkg", token=carol.token, headers={"npm-otp": "000000"})
    if a.registry.otp("carol") != "000000":
        assert wrong.status == 401
    right = await a.publish("pkg", token=carol.token, headers={"npm-otp": a.registry.otp("carol")})
    assert right.status in (200, 201)
    assert (await a.get(a.base() + "pkg", token=carol.token)).status == 200  # reads need none


async def test_journal_records_requests_without_secrets(api: ApiFactory) -> None:
    a = await api("artifactory")
    a.registry.journal.clear()
    await a.publish("@acme/widget", headers={"npm-otp": "123456"})
    await a.get(a.base() + "@acme%2Fwidget?write=true", Authorization=basic("alice", "alice-pw"))
    await a.client.delete("/artifactory/api/npm/npm-local/-/user/token/npm_secret")
    put, get, logout = a.registry.journal.snapshot()
    # (aiohttp's test client sends %2F; real npm's lowercase %2f is kept: see the npm tests)
    assert (put.method, put.raw_path, put.status, put.user) == (
        "PUT",
        "/artifactory/api/npm/npm-local/@acme%2Fwidget",
        200,
        "alice",
    )
    assert put.header("authorization") == f"Bearer {REDACTED}"
    assert put.header("npm-otp") == REDACTED
    assert put.body_size > 100
    assert get.raw_path.endswith("@acme%2Fwidget?write=true")
    assert get.header("Authorization") == f"Basic {REDACTED}"
    assert logout.raw_path.endswith(f"/-/user/token/{REDACTED}")
    everything = repr(a.registry.journal.snapshot())
    for secret in (a.alice.token, "alice-pw", "123456", "npm_secret"):
        assert secret not in everything
    assert a.registry.journal.find(method="put", path_contains="%2F") == [put]


async def test_unknown_repository_and_paths(api: ApiFactory) -> None:
    a = await api("artifactory")
    assert (await a.get("/artifactory/api/npm/nope/pkg")).status == 404
    assert (await a.get("/elsewhere")).status == 404
    assert (await a.get(a.base() + "pkg/a/b/c")).status == 404
    assert (await a.client.post(a.base() + "pkg", headers=a.auth())).status == 405


async def test_bad_publish_bodies_are_400_with_the_reason(api: ApiFactory) -> None:
    a = await api("verdaccio")
    answer = await a.put_json(
        "/pkg", {"name": "pkg", "versions": {"1.0.0": {}}, "_attachments": {"x": {"data": "eA=="}}}
    )
    assert answer.status == 400
    assert "versions['1.0.0'].name" in (await answer.json())["error"]
    other = await a.client.put("/pkg", data=b"{nope", headers=a.auth())
    assert other.status == 400


async def test_search(api: ApiFactory) -> None:
    a = await api("npmjs")
    await a.publish("findme-one", manifest={"description": "the first"})
    await a.publish("other")
    found = await (await a.get("/-/v1/search?text=findme")).json()
    assert [o["package"]["name"] for o in found["objects"]] == ["findme-one"]


async def test_read_only_tokens_cannot_write(api: ApiFactory) -> None:
    a = await api("npmjs")
    await a.publish("pkg")
    readonly = a.registry.create_token("alice", readonly=True)
    assert (await a.get("/pkg", token=readonly)).status == 200
    assert (await a.publish("pkg", "2.0.0", token=readonly)).status == 403


async def test_repositories_without_anonymous_reads(api: ApiFactory) -> None:
    a = await api("artifactory")
    a.registry.update_repo("npm-local", anonymous_read=False)
    await a.publish("pkg")
    anonymous = await a.get(a.base() + "pkg", token="")
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="Artifactory Realm"'
    assert (await a.get(a.base() + "pkg")).status == 200
    n = await api("npmjs")
    n.registry.update_repo("npm", anonymous_read=False)
    nobody = n.registry.add_user("nobody", permissions={})
    assert (await n.get("/pkg", token=nobody.token)).status == 404  # npmjs hides, 404


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_whoami_without_credentials_is_401(api: ApiFactory, flavor: str) -> None:
    a = await api(flavor)
    answer = await a.get(a.base() + "-/whoami", token="")
    assert answer.status == 401
