"""pnpm and yarn berry straight against Verdaccio: publish, then install what was published."""

from __future__ import annotations

import pytest

from tests.harness.clients import installed_manifest, unique_name
from tests.harness.factories import ClientFactory
from tests.harness.tools import ClientTool
from tests.harness.verdaccio import Verdaccio

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("tool", ["pnpm", "yarn", "npm9"])
def test_publish_and_install(
    tool: ClientTool, client: ClientFactory, verdaccio: Verdaccio, verdaccio_token: str
) -> None:
    cli = client(tool, verdaccio.url, verdaccio_token)
    name = unique_name(tool, scope="harness")
    cli.publish(cli.make_package(name, "1.0.0", files={"lib/extra.js": "exports.x = 1;\n"})).check()

    document = verdaccio.get_document(name)
    assert document is not None
    assert list(document["versions"]) == ["1.0.0"]
    assert document["dist-tags"] == {"latest": "1.0.0"}

    result, project = cli.install(name)
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.0.0"
    assert (project / "node_modules" / name / "lib" / "extra.js").is_file()


def test_yarn_shows_the_registry_error(
    client: ClientFactory, verdaccio: Verdaccio, verdaccio_token: str
) -> None:
    yarn = client("yarn", verdaccio.url, verdaccio_token)
    name = unique_name("yarn")
    package = yarn.make_package(name, "1.0.0")
    yarn.publish(package).check()

    again = yarn.publish(package)
    assert again.returncode == 1
    assert "YN0035: this package is already present" in again.stdout
    assert "Response Code: 409 (Conflict)" in again.stdout
