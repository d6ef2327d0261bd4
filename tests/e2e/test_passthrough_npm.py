"""Issue 2's walk with the real npm CLI through the guard to a real Verdaccio.

Each flow runs twice, directly against Verdaccio and through the guard, and must leave the
upstream in the same state.
"""

from __future__ import annotations

from typing import Any

import pytest

from publish_guard.app import create_app
from publish_guard.config import load_settings
from tests.harness.clients import Client, installed_manifest, unique_name
from tests.harness.factories import ClientFactory, GuardFactory, User
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import Verdaccio, free_port

pytestmark = pytest.mark.e2e


def _walk(npm: Client, name: str, verdaccio: Verdaccio) -> dict[str, Any]:
    """publish 1.0.0 and 1.1.0, view, install, deprecate, dist-tag add/rm, unpublish 1.0.0."""
    pkg = npm.make_package(name, "1.0.0")
    npm.publish(pkg).check()
    npm.publish(npm.make_package(name, "1.1.0")).check()

    view = npm.run("view", name, "versions", "--json").check()
    assert "1.1.0" in view.stdout

    result, project = npm.install(f"{name}@1.0.0")
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.0.0"

    npm.run("deprecate", f"{name}@1.1.0", "use 2.x").check()
    npm.run("dist-tag", "add", f"{name}@1.1.0", "beta").check()
    npm.run("dist-tag", "add", f"{name}@1.0.0", "old").check()
    npm.run("dist-tag", "rm", name, "old").check()
    npm.run("unpublish", f"{name}@1.0.0").check()

    doc = verdaccio.get_document(name)
    assert doc is not None
    return {
        "versions": sorted(doc["versions"]),
        "dist-tags": doc["dist-tags"],
        "deprecated": {v: m.get("deprecated") for v, m in doc["versions"].items()},
        "integrity": {v: m["dist"]["integrity"] for v, m in doc["versions"].items()},
    }


def test_npm_walk_ends_as_it_does_against_verdaccio_directly(
    guard: GuardFactory, client: ClientFactory, verdaccio: Verdaccio, verdaccio_user: User
) -> None:
    server = guard(verdaccio.url)
    direct = _walk(
        client("npm", verdaccio.url, verdaccio_user.token), unique_name("direct"), verdaccio
    )
    through = _walk(
        client("npm", server.url, verdaccio_user.token), unique_name("guarded"), verdaccio
    )
    assert through["versions"] == direct["versions"] == ["1.1.0"]
    assert through["dist-tags"] == direct["dist-tags"] == {"latest": "1.1.0", "beta": "1.1.0"}
    assert through["deprecated"] == direct["deprecated"] == {"1.1.0": "use 2.x"}
    # same sources, same bytes: npm packs deterministically, only the name differs
    assert through["integrity"].keys() == direct["integrity"].keys()


def test_whoami_ping_and_scoped_packages(
    guard: GuardFactory, client: ClientFactory, verdaccio: Verdaccio, verdaccio_user: User
) -> None:
    server = guard(verdaccio.url)
    npm = client("npm", server.url, verdaccio_user.token)
    assert npm.run("whoami").check().stdout.strip() == verdaccio_user.name
    assert npm.run("ping").check().returncode == 0
    name = unique_name("scoped", scope="acme")
    npm.publish(npm.make_package(name, "0.1.0")).check()
    assert npm.run("view", name, "version").check().stdout.strip() == "0.1.0"
    doc = verdaccio.get_document(name)
    assert doc is not None
    assert list(doc["versions"]) == ["0.1.0"]


def test_install_through_public_url_fetches_tarballs_from_the_guard(
    request: pytest.FixtureRequest,
    client: ClientFactory,
    verdaccio: Verdaccio,
    verdaccio_user: User,
) -> None:
    publisher = client("npm", verdaccio.url, verdaccio_user.token)
    name = unique_name("tarball")
    publisher.publish(publisher.make_package(name, "2.0.0")).check()

    port = free_port()  # the guard must know its public URL before it starts
    settings = load_settings(
        ["--upstream", verdaccio.url, "--public-url", f"http://127.0.0.1:{port}/"], {}
    )
    server = ServerThread(lambda: create_app(settings), port=port).start()
    request.addfinalizer(server.stop)
    npm = client("npm", server.url, verdaccio_user.token)
    tarball = npm.run("view", name, "dist.tarball").check().stdout.strip()
    assert tarball == f"{server.url}{name}/-/{name}-2.0.0.tgz"
    result, project = npm.install(name)
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "2.0.0"
