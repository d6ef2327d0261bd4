"""Artifactory flavor: the rows of UPSTREAMS.md, through HTTP (aiohttp test client)."""

from __future__ import annotations

from yarl import URL

from tests.registry.conftest import ApiFactory, basic

REALM = 'Basic realm="Artifactory Realm"'
FORBIDDEN = {"error": "forbidden"}


async def test_publish_then_collision_is_an_opaque_403(api: ApiFactory) -> None:
    a = await api("artifactory")
    assert (await a.publish("@acme/widget")).status == 200
    again = await a.publish("@acme/widget")
    assert again.status == 403
    assert await again.json() == FORBIDDEN


async def test_missing_deploy_right_says_the_same_as_a_collision(api: ApiFactory) -> None:
    a = await api("artifactory")
    bob = a.registry.add_user("bob", permissions={"npm-local": "read"})
    answer = await a.publish("fresh", token=bob.token)
    assert answer.status == 403
    assert await answer.json() == FORBIDDEN


async def test_no_or_bad_credentials_401_with_realm_and_json(api: ApiFactory) -> None:
    a = await api("artifactory")
    for token in ("", "npm_unknown"):
        answer = await a.publish("fresh", token=token)
        assert answer.status == 401
        assert answer.headers["WWW-Authenticate"] == REALM
        body = await answer.json()
        assert body["errors"][0]["status"] == 401
    # bad credentials fail reads too (anonymous reads are fine)
    assert (await a.get(a.base() + "fresh", token="npm_unknown")).status == 401
    assert (await a.get(a.base() + "fresh", token="")).status == 404


async def test_include_exclude_patterns(api: ApiFactory) -> None:
    a = await api("artifactory")
    a.registry.add_repo("libs", "local", includes=("@acme/**",), excludes=("@acme/secret*/**",))
    assert (await a.publish("@acme/ok", repo="libs")).status == 200
    for name, path in (
        ("other", "other/-/other-1.0.0.tgz"),
        ("@acme/secret-x", "@acme/secret-x/-/secret-x-1.0.0.tgz"),
    ):
        answer = await a.publish(name, repo="libs")
        assert answer.status == 403
        assert await answer.json() == {
            "error": f"The repository 'libs' rejected the artifact '{path}' due to its "
            "include/exclude patterns settings."
        }


async def test_remote_and_virtual_without_default_refuse_publishes(api: ApiFactory) -> None:
    a = await api("artifactory")
    a.registry.add_repo("npm-remote", "remote")
    a.registry.add_repo("npm-virtual", "virtual", members=["npm-local", "npm-remote"])
    for repo in ("npm-remote", "npm-virtual"):
        answer = await a.publish("fresh", repo=repo)
        assert answer.status == 403
        assert await answer.json() == FORBIDDEN
    # anonymous: authentication comes first
    assert (await a.publish("fresh", repo="npm-virtual", token="")).status == 401


async def test_virtual_with_default_deploys_there_and_reads_across_members(
    api: ApiFactory,
) -> None:
    a = await api("artifactory")
    a.registry.add_repo("npm-remote", "remote")
    a.registry.add_repo(
        "npm", "virtual", members=["npm-local", "npm-remote"], default_deployment_repo="npm-local"
    )
    a.registry.seed("cached", "1.0.0", repo="npm-remote")
    a.registry.seed("cached", "0.9.0", repo="npm-local", tag=None)
    assert (await a.publish("mine", repo="npm")).status == 200
    assert a.registry.document("mine", "npm-local") is not None
    doc = await (await a.get(a.base("npm") + "cached")).json()
    assert sorted(doc["versions"]) == ["0.9.0", "1.0.0"]
    tarball = doc["versions"]["1.0.0"]["dist"]["tarball"]
    assert "/artifactory/api/npm/npm/cached/-/cached-1.0.0.tgz" in tarball
    assert (await a.get(URL(tarball).raw_path)).status == 200


async def test_repository_rest_api_and_ping(api: ApiFactory) -> None:
    a = await api("artifactory")
    a.registry.add_repo("npm-remote", "remote")
    a.registry.add_repo("v1", "virtual", members=["npm-local"], default_deployment_repo="npm-local")
    a.registry.add_repo("v2", "virtual", members=["npm-local"])
    described = {}
    for key in ("npm-local", "npm-remote", "v1", "v2"):
        answer = await a.get(f"/artifactory/api/repositories/{key}")
        described[key] = await answer.json()
    assert described["npm-local"]["rclass"] == "local"
    assert described["npm-remote"]["rclass"] == "remote"
    assert described["v1"]["rclass"] == "virtual"
    assert described["v1"]["defaultDeploymentRepo"] == "npm-local"
    assert "defaultDeploymentRepo" not in described["v2"]
    ping = await a.get("/artifactory/api/system/ping")
    assert (ping.status, await ping.text()) == (200, "OK")
    assert ping.headers["X-JFrog-Version"].startswith("Artifactory/")


async def test_a_deleted_version_can_be_published_again(api: ApiFactory) -> None:
    a = await api("artifactory")
    await a.publish("again", "1.0.0")
    doc = await (await a.get(a.base() + "again?write=true")).json()
    assert (
        await a.client.delete(f"{a.base()}again/-rev/{doc['_rev']}", headers=a.auth())
    ).status == 200
    assert (await a.publish("again", "1.0.0")).status == 200


async def test_full_documents_only_and_tarball_urls_from_the_request(api: ApiFactory) -> None:
    a = await api("artifactory")
    await a.publish("@acme/widget")
    accept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
    answer = await a.get(a.base() + "@acme%2fwidget", Accept=accept, **{"X-Forwarded-Host": "x"})
    doc = await answer.json()
    assert "time" in doc  # not abbreviated
    host = a.client.server.host
    tarball = doc["versions"]["1.0.0"]["dist"]["tarball"]
    assert tarball.startswith(f"http://{host}:")  # X-Forwarded-Host is not Artifactory's rule
    assert tarball.endswith("/artifactory/api/npm/npm-local/@acme/widget/-/widget-1.0.0.tgz")
    override = await a.get(
        a.base() + "@acme%2fwidget",
        **{"X-JFrog-Override-Base-Url": "https://proxy.example/artifactory"},
    )
    tarball = (await override.json())["versions"]["1.0.0"]["dist"]["tarball"]
    assert tarball == (
        "https://proxy.example/artifactory/api/npm/npm-local/@acme/widget/-/widget-1.0.0.tgz"
    )


async def test_basic_auth_works_like_a_token(api: ApiFactory) -> None:
    a = await api("artifactory")
    answer = await a.publish("basic-auth", headers={"Authorization": basic("alice", "alice-pw")})
    assert answer.status == 200
    wrong = await a.publish("basic-auth2", headers={"Authorization": basic("alice", "nope")})
    assert wrong.status == 401
