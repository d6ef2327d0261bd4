"""Each registry's own rules and refusals, through the guard to the emulator."""

from __future__ import annotations

import base64
import os
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from publish_guard.app import create_app
from publish_guard.config import load_settings
from publish_guard.registry import (
    Registry,
    RegistryConfig,
    Repo,
    create_registry_app,
    make_publish_body,
)
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


@pytest.mark.parametrize(
    ("flavor", "status", "reuse"),
    [
        ("github", 409, "Manage versions"),
        ("gitlab", 403, "Package registry"),
        ("azure", 403, "never takes a version number twice"),
        ("codeartifact", 409, "delete-package-versions"),
        ("gitea", 409, "npm unpublish"),
    ],
)
async def test_a_collision_the_look_up_could_not_see_is_told_as_one(
    rig: RigFactory, flavor: str, status: int, reuse: str
) -> None:
    # a token that may publish but not read (a GitLab deploy token with only
    # write_package_registry, a CI identity without read rights): the guard's look-up cannot see
    # the version, and the registry's own refusal must not read as a permission problem
    r = await rig("--flavor", flavor, flavor=flavor)
    assert (await _publish(r, "@acme/widget", "1.0.0", "// one\n"))[0] == 200
    r.user = r.registry.add_user("ci", "ci-pw", permissions="deploy")

    status_seen, answer = await _publish(r, "@acme/widget", "1.0.0", "// other bytes\n")
    assert status_seen == status
    assert answer["code"] == "UPSTREAM_REJECTED"
    assert "@acme/widget@1.0.0" in answer["hint"]
    assert "npm version patch" in answer["hint"]
    assert reuse in answer["hint"]
    assert "what this user may write" not in answer["hint"]
    assert "retry" not in answer["hint"]


async def test_gitlab_says_too_large_with_a_400(rig: RigFactory) -> None:
    # GitLab answers a file over the instance's npm limit with 400 "File is too large."
    registry = Registry(RegistryConfig(flavor="gitlab", max_body_size=4096))
    r = await rig("--flavor", "gitlab", registry=registry)
    noise = base64.b64encode(os.urandom(6000)).decode()

    status, answer = await _publish(r, "@acme/widget", "1.0.0", noise)
    assert status == 400
    assert answer["code"] == "TOO_LARGE_UPSTREAM"
    assert answer["error"].startswith(
        "GitLab refused the publish of @acme/widget@1.0.0: the request ("
    )
    assert "Maximum NPM package file size" in answer["error"]
    assert "0.0 MiB" not in answer["error"]


async def test_gitlab_project_named_by_its_encoded_path(rig: RigFactory) -> None:
    # GitLab's API takes a project's URL-encoded path where it takes its ID
    registry = Registry(RegistryConfig(flavor="gitlab", repos=[Repo("acme%2Fweb")]))
    r = await rig("--flavor", "auto", registry=registry)
    r.user = registry.add_user("reader", "reader-pw", permissions="read")

    status, answer = await _publish(r, "@acme/widget", "1.0.0", "// one\n")
    assert status == 403
    assert answer["code"] == "NO_PERMISSION"
    assert "may not publish to project acme/web:" in answer["error"]
    assert "write_package_registry" in answer["error"]  # the guard's own words, not redacted
    assert "[redacted]" not in answer["error"]
    assert "Ask a Maintainer of project acme/web " in answer["hint"]


async def test_gitea_says_too_large_with_a_quota_403(rig: RigFactory) -> None:
    # Gitea refuses an upload over [packages] LIMIT_SIZE_NPM with 403 "maximum allowed package
    # type size exceeded" (a quota error), which is about size, not permission
    registry = Registry(RegistryConfig(flavor="gitea", max_body_size=4096))
    r = await rig("--flavor", "gitea", registry=registry)
    noise = base64.b64encode(os.urandom(6000)).decode()

    status, answer = await _publish(r, "@acme/widget", "1.0.0", noise)
    assert status == 403
    assert answer["code"] == "TOO_LARGE_UPSTREAM"
    assert answer["upstream"]["said"] == "maximum allowed package type size exceeded"
    assert "LIMIT_SIZE_NPM" in answer["error"]


@pytest.mark.parametrize(
    ("flavor", "said", "words"),
    [
        ("gitlab", "404 Project Not Found", "project 999 does not exist, or this token may not"),
        ("azure", "The feed with ID '999' doesn't exist.", "a project-scoped feed's URL"),
    ],
)
async def test_a_url_that_names_no_project_or_feed(flavor: str, said: str, words: str) -> None:
    registry = Registry(RegistryConfig(flavor=flavor))
    user = registry.add_user("alice", "alice-pw")
    async with TestServer(create_registry_app(registry), host="127.0.0.1") as upstream:
        wrong = str(upstream.make_url("/")).rstrip("/") + registry.flavor.mount_path("999")
        settings = load_settings(["--upstream", wrong, "--flavor", "auto"], {})
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as guard:
            response = await guard.put(
                "/widget",
                data=orjson.dumps(make_publish_body("widget", "1.0.0")),
                headers={
                    "authorization": f"Bearer {user.token}",
                    "content-type": "application/json",
                },
            )
            answer = await response.json()
    assert response.status == 404
    assert answer["code"] == "REPO_NOT_DEPLOYABLE"
    assert answer["upstream"]["said"].startswith(said)
    assert words in answer["error"]


@pytest.mark.parametrize(
    ("flavor", "words"),
    [
        ("github", "delete:packages"),
        ("gitlab", "Maintainer role"),
        ("azure", "Feed Owner"),
        ("codeartifact", "codeartifact:DeletePackageVersions"),
    ],
)
async def test_an_unpublish_without_the_right_names_the_right_to_delete(
    rig: RigFactory, flavor: str, words: str
) -> None:
    r = await rig("--flavor", flavor, flavor=flavor)
    assert (await _publish(r, "@acme/widget", "1.0.0", "// one\n"))[0] == 200
    doc = await (await r.guard.get("/@acme%2fwidget?write=true", headers=r.headers())).json()
    r.user = r.registry.add_user("ci", "ci-pw", permissions="read,deploy")

    response = await r.guard.delete(f"/@acme%2fwidget/-rev/{doc['_rev']}", headers=r.headers())
    answer = await response.json()
    assert response.status == 403
    assert answer["code"] == "NO_PERMISSION"
    assert "refused the unpublish of @acme/widget" in answer["error"]
    assert words in answer["error"] + answer["hint"]
    assert "add packages" not in answer["error"]
    assert "write:packages" not in answer["hint"]
    assert "may not publish" not in answer["error"]


@pytest.mark.parametrize(
    ("flavor", "step"),
    [
        ("codeartifact", "get-authorization-token --domain <domain>"),
        ("azure", "{nerf}:_password=<base64 of the token>"),
    ],
)
async def test_a_bad_token_is_told_how_to_set_one_for_the_guard(
    rig: RigFactory, flavor: str, step: str
) -> None:
    # 'aws codeartifact login --tool npm' and Azure's 'Connect to feed' set npm up for the
    # registry itself, past the guard; the next step must key the token to the guard's URL
    r = await rig("--flavor", flavor, flavor=flavor)
    response = await r.guard.put(
        "/widget",
        data=orjson.dumps(make_publish_body("widget", "1.0.0")),
        headers={"authorization": "Bearer not-a-token", "content-type": "application/json"},
    )
    answer = await response.json()
    assert response.status == 401
    assert answer["code"] == "AUTH_REJECTED"
    nerf = f"//{r.guard.host}:{r.guard.port}/"
    assert step.format(nerf=nerf) in answer["hint"]
    assert "login --tool npm" not in answer["hint"]
    assert "[redacted]" not in answer["hint"]
