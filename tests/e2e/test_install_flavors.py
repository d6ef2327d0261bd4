"""Installs through the guard from each emulated flavor, whatever their tarball URLs look like."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Upstream
from tests.harness.clients import installed_manifest, unique_name
from tests.harness.factories import ClientFactory, GuardFactory

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("public", [False, True])
def test_publish_then_install_through_the_guard(
    upstream: Upstream, guard: GuardFactory, client: ClientFactory, public: bool
) -> None:
    server = guard(upstream.url)
    if public:  # the guard must know its own URL: serve it where --public-url says
        port = server.port
        server.stop()
        server = guard(
            upstream.url,
            "--public-url",
            f"http://127.0.0.1:{port}/",
            "--listen",
            f"127.0.0.1:{port}",
        )
    npm = client("npm", server.url, upstream.token)
    name = unique_name("install", scope="acme")
    npm.publish(npm.make_package(name, "1.0.0")).check()
    tarball = npm.run("view", name, "dist.tarball").check().stdout.strip()
    assert tarball.startswith(server.url if public or upstream.kind == "nexus" else "http://")
    installer = client("npm", server.url, upstream.token)  # a cold cache: fetch the tarball
    result, project = installer.install(name)
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.0.0"
