"""Verdaccio and npmjs flavors: the rows of UPSTREAMS.md and NPM-PROTOCOL.md §6, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from publish_guard.npm.names import escape_name
from publish_guard.registry import FakeClock
from publish_guard.registry.flavors.npmjs import EXPIRED_NOTICE
from tests.registry.conftest import ApiFactory


async def test_verdaccio_conflict_and_auth_texts(api: ApiFactory) -> None:
    a = await api("verdaccio")
    assert (await a.publish("@acme/widget")).status == 201
    again = await a.publish("@acme/widget")
    assert (again.status, await again.json()) == (409, {"error": "this package is already present"})
    anonymous = await a.publish("@acme/other", token="")
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"] == "Basic, Bearer"
    assert await anonymous.json() == {
        "error": "authorization required to publish package @acme/other"
    }
    bob = a.registry.add_user("bob", permissions="read")
    denied = await a.publish("@acme/other", token=bob.token)
    assert (denied.status, await denied.json()) == (
        403,
        {"error": "user bob is not allowed to publish package @acme/other"},
    )


async def test_verdaccio_expired_token_counts_as_anonymous(api: ApiFactory) -> None:
    a = await api("verdaccio")
    old = a.registry.add_user("old", token_expires_in=timedelta(0))
    answer = await a.publish("pkg", token=old.token)
    assert answer.status == 401
    assert (await answer.json())["error"] == "authorization required to publish package pkg"


async def test_verdaccio_body_limit_and_uplinks(api: ApiFactory) -> None:
    a = await api("verdaccio", max_body_size=2048)
    big = await a.publish("big", files={"blob.txt": "x" * 4096 + "".join(map(str, range(900)))})
    assert (big.status, await big.json()) == (413, {"error": "request entity too large"})
    a.registry.update_repo("npm", uplink_down=True, max_body_size=None)
    down = await a.publish("new-one")
    assert (down.status, await down.json()) == (
        503,
        {"error": "one of the uplinks is down, refuse to publish"},
    )


async def test_verdaccio_serves_abbreviated_documents(api: ApiFactory) -> None:
    a = await api("verdaccio")
    await a.publish("pkg")
    answer = await a.get("/pkg", Accept="application/vnd.npm.install-v1+json")
    assert answer.content_type == "application/vnd.npm.install-v1+json"
    assert set(await answer.json()) == {"name", "modified", "dist-tags", "versions"}


async def test_npmjs_collision_and_reserved_versions(api: ApiFactory) -> None:
    a = await api("npmjs")
    await a.publish("pkg", "1.0.0")
    await a.publish("pkg", "1.1.0")
    again = await a.publish("pkg", "1.0.0")
    assert (again.status, await again.json()) == (
        403,
        {"error": "You cannot publish over the previously published versions: 1.0.0."},
    )
    # unpublish 1.0.0 the way npm does: PUT the document without it, then DELETE the tarball
    doc = await (await a.get("/pkg?write=true")).json()
    del doc["versions"]["1.0.0"]
    assert (await a.put_json(f"/pkg/-rev/{doc['_rev']}", doc)).status == 200
    rev = (await (await a.get("/pkg?write=true")).json())["_rev"]
    gone = await a.client.delete(f"/pkg/-/pkg-1.0.0.tgz/-rev/{rev}", headers=a.auth())
    assert gone.status == 200
    reserved = await a.publish("pkg", "1.0.0")
    assert (reserved.status, await reserved.json()) == (
        400,
        {"error": 'Cannot publish over previously published version "1.0.0".'},
    )
    time = (await (await a.get("/pkg")).json())["time"]
    assert "1.0.0" in time


async def test_npmjs_tombstone_and_24_hour_block(api: ApiFactory) -> None:
    clock = FakeClock()
    a = await api("npmjs", clock=clock)
    await a.publish("gone", "1.0.0")
    rev = (await (await a.get("/gone?write=true")).json())["_rev"]
    assert (await a.client.delete(f"/gone/-rev/{rev}", headers=a.auth())).status == 200
    stone = await (await a.get("/gone")).json()
    assert "versions" not in stone
    assert stone["time"]["unpublished"]["versions"] == ["1.0.0"]
    blocked = await a.publish("gone", "2.0.0")
    assert (blocked.status, await blocked.json()) == (
        403,
        {"error": "gone cannot be republished until 24 hours have passed."},
    )
    clock.advance(timedelta(hours=24))
    assert (await a.publish("gone", "1.0.0")).status == 400  # still reserved
    assert (await a.publish("gone", "2.0.0")).status == 200


async def test_npmjs_expired_token_404_with_notice(api: ApiFactory) -> None:
    a = await api("npmjs")
    old = a.registry.add_user("old", token_expires_in=timedelta(0))
    answer = await a.publish("pkg", token=old.token)
    assert (answer.status, await answer.json()) == (404, {"error": "Not Found"})
    assert answer.headers["npm-notice"] == EXPIRED_NOTICE
    await a.publish("pkg")
    read = await a.get("/pkg", token=old.token)  # reads go on as anonymous, with the notice
    assert read.status == 200
    assert read.headers["npm-notice"] == EXPIRED_NOTICE


async def test_npmjs_login_and_permission_texts(api: ApiFactory) -> None:
    a = await api("npmjs")
    anonymous = await a.publish("pkg", token="")
    assert (anonymous.status, await anonymous.json()) == (
        401,
        {"error": "You must be logged in to publish packages."},
    )
    bob = a.registry.add_user("bob", permissions="read")
    denied = await a.publish("@acme/pkg", token=bob.token)
    assert (denied.status, await denied.json()) == (
        403,
        {
            "error": 'You do not have permission to publish "@acme/pkg". '
            "Are you logged in as the correct user?"
        },
    )


async def test_npmjs_stage_publish_then_approve(api: ApiFactory) -> None:
    from publish_guard.registry import make_publish_body

    a = await api("npmjs")
    carol = a.registry.add_user("carol", otp=True)
    body = make_publish_body("@acme/staged", "1.0.0")
    staged = await a.client.post(
        f"/-/stage/package/{escape_name('@acme/staged')}",
        json=body,
        headers=a.auth(carol.token),
    )
    assert staged.status == 201  # staging skips the one-time password
    stage_id = (await staged.json())["stageId"]
    listed = await (await a.get("/-/stage", token=carol.token)).json()
    assert [item["id"] for item in listed["items"]] == [stage_id]
    assert a.registry.document("@acme/staged") is None
    url = f"/-/stage/{stage_id}/approve"
    assert (await a.client.post(url, headers=a.auth(carol.token))).status == 401
    otp = a.registry.otp("carol")
    approved = await a.client.post(url, headers=a.auth(carol.token, **{"npm-otp": otp}))
    assert approved.status == 200
    assert a.registry.document("@acme/staged") is not None


async def test_stage_routes_are_npmjs_only(api: ApiFactory) -> None:
    a = await api("verdaccio")
    answer = await a.client.post("/-/stage/package/x", json={}, headers=a.auth())
    assert answer.status == 404


async def test_root_flavors_serve_their_one_repository_whatever_its_key(api: ApiFactory) -> None:
    from publish_guard.registry import Repo

    a = await api("verdaccio", repos=[Repo("mine")])
    assert (await a.publish("pkg")).status == 201
    assert a.registry.document("pkg", "mine") is not None
    with pytest.raises(ValueError, match="single repository"):
        a.registry.add_repo("second")
