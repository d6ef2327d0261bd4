"""npm straight against Verdaccio: every command the guard must pass through works untouched."""

from __future__ import annotations

import json

import pytest

from tests.harness.clients import Client, installed_manifest, unique_name
from tests.harness.factories import ClientFactory, User
from tests.harness.verdaccio import Verdaccio

pytestmark = pytest.mark.e2e


@pytest.fixture
def npm(client: ClientFactory, verdaccio: Verdaccio, verdaccio_token: str) -> Client:
    return client("npm", verdaccio.url, verdaccio_token)


def test_publish_view_install(npm: Client, verdaccio: Verdaccio) -> None:
    name = unique_name(scope="harness")
    npm.publish(npm.make_package(name, "1.0.0")).check()
    npm.publish(npm.make_package(name, "1.1.0-beta.1"), "--tag", "beta").check()

    document = verdaccio.get_document(name)
    assert document is not None
    assert set(document["versions"]) == {"1.0.0", "1.1.0-beta.1"}
    assert document["dist-tags"] == {"latest": "1.0.0", "beta": "1.1.0-beta.1"}

    view = npm.run("view", name, "--json").check()
    assert json.loads(view.stdout)["dist-tags"] == document["dist-tags"]

    result, project = npm.install(f"{name}@beta")
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.1.0-beta.1"


def test_deprecate_and_dist_tags(npm: Client, verdaccio: Verdaccio) -> None:
    name = unique_name()
    npm.publish(npm.make_package(name, "1.0.0")).check()
    npm.publish(npm.make_package(name, "2.0.0")).check()

    npm.run("deprecate", f"{name}@1.0.0", "use 2.x").check()
    npm.run("dist-tag", "add", f"{name}@1.0.0", "legacy").check()
    document = verdaccio.get_document(name)
    assert document is not None
    assert document["versions"]["1.0.0"]["deprecated"] == "use 2.x"
    assert "deprecated" not in document["versions"]["2.0.0"]
    assert document["dist-tags"] == {"latest": "2.0.0", "legacy": "1.0.0"}

    npm.run("dist-tag", "rm", name, "legacy").check()
    document = verdaccio.get_document(name)
    assert document is not None
    assert document["dist-tags"] == {"latest": "2.0.0"}


def test_unpublish_one_version(npm: Client, verdaccio: Verdaccio) -> None:
    name = unique_name()
    npm.publish(npm.make_package(name, "1.0.0")).check()
    npm.publish(npm.make_package(name, "1.0.1")).check()

    result = npm.run("unpublish", f"{name}@1.0.1").check()
    assert f"- {name}@1.0.1" in result.stdout
    document = verdaccio.get_document(name)
    assert document is not None
    assert set(document["versions"]) == {"1.0.0"}
    assert document["dist-tags"] == {"latest": "1.0.0"}


def test_whoami_and_ping(npm: Client, verdaccio_user: User) -> None:
    assert npm.run("whoami").check().stdout.strip() == verdaccio_user.name
    assert "PONG" in npm.run("ping").check().output


def test_republishing_a_version(npm: Client, client: ClientFactory, verdaccio: Verdaccio) -> None:
    """npm 11 refuses on its own; npm 10 sends the PUT and shows Verdaccio's 409."""
    name = unique_name()
    package = npm.make_package(name, "1.0.0")
    npm.publish(package).check()

    again = npm.publish(package)
    assert again.returncode == 1
    assert "You cannot publish over the previously published versions: 1.0.0." in again.stderr

    npm10 = client("npm10", verdaccio.url, npm.token)
    conflict = npm10.publish(npm10.make_package(name, "1.0.0"))
    assert conflict.returncode == 1
    assert "npm error code E409" in conflict.stderr
    assert "409 Conflict - PUT " in conflict.stderr
    assert "this package is already present" in conflict.stderr


def test_credentials(client: ClientFactory, verdaccio: Verdaccio, verdaccio_user: User) -> None:
    """Basic ``_auth`` works; no token or a bad one is refused and nothing is published."""
    basic = client("npm", verdaccio.url, auth=verdaccio_user.basic)
    assert basic.run("whoami").check().stdout.strip() == verdaccio_user.name

    anonymous = client("npm", verdaccio.url)
    name = unique_name()
    refused = anonymous.publish(anonymous.make_package(name, "1.0.0"))
    assert refused.returncode == 1
    assert "npm error code ENEEDAUTH" in refused.stderr  # npm stops before sending anything

    bad = client("npm", verdaccio.url, "not-a-token")
    refused = bad.publish(bad.make_package(name, "1.0.0"))
    assert refused.returncode == 1
    assert "npm error code E401" in refused.stderr
    assert verdaccio.get_document(name) is None
