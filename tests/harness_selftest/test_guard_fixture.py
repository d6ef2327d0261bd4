"""The ``guard`` fixture runs publish-guard in-process in front of a real upstream."""

from __future__ import annotations

import pytest

from tests.harness.clients import installed_manifest, unique_name
from tests.harness.factories import ClientFactory, GuardFactory, User
from tests.harness.http import http_request
from tests.harness.verdaccio import Verdaccio, free_port

pytestmark = pytest.mark.e2e


def test_npm_through_the_guard(
    guard: GuardFactory, client: ClientFactory, verdaccio: Verdaccio, verdaccio_user: User
) -> None:
    server = guard(verdaccio.url)
    assert http_request("GET", server.url + "-/ping").status == 200
    npm = client("npm", server.url, verdaccio_user.token)
    assert npm.run("whoami").check().stdout.strip() == verdaccio_user.name

    name = unique_name("guarded")
    npm.publish(npm.make_package(name, "1.0.0")).check()
    document = verdaccio.get_document(name)
    assert document is not None
    assert list(document["versions"]) == ["1.0.0"]

    result, project = npm.install(name)
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.0.0"


def test_a_later_listen_flag_chooses_the_port(guard: GuardFactory, verdaccio: Verdaccio) -> None:
    port = free_port()
    server = guard(verdaccio.url, "--listen", f"127.0.0.1:{port}")
    assert server.url == f"http://127.0.0.1:{port}/"
    assert http_request("GET", server.url + "-/ping").status == 200
