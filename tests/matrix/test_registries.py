"""Issue 21: npm, pnpm and yarn through the guard to each further registry, emulated.

Per registry and client: a publish, a collision (the guard's sentence and the next free
version), an install, a publish with a token that may only read, and one with a token the
registry does not know — each explained in the registry's own terms.
"""

from __future__ import annotations

import re

import pytest

from tests.harness.clients import Client, Result, installed_manifest, unique_name
from tests.harness.factories import ClientFactory
from tests.matrix.conftest import CellNote
from tests.matrix.rig import Rig
from tests.matrix.table import REGISTRIES, REGISTRY_CLIENTS

pytestmark = pytest.mark.e2e

ROWS = pytest.mark.parametrize(
    ("tool", "registry"), [(tool, registry) for tool in REGISTRY_CLIENTS for registry in REGISTRIES]
)
SENTENCE = "You cannot publish over the previously published versions: 1.0.0."
NEXT_FREE = "next free: 1.0.1 (patch), 1.1.0 (minor), 2.0.0 (major)"
CHECKS_FIRST = ("npm", "pnpm")  # npm 11 (and pnpm 10 through it) refuses an existing version
# What the guard says of each refusal, per registry: (no publish permission, bad token).
WORDS = {
    "github": (
        "GitHub Packages refused the publish of {name}@1.0.0 (Permission permission_denied: "
        "write_package): the token may not write this package",
        "GitHub Packages refused the credentials for the publish of {name}@1.0.0 "
        "(unauthenticated: User cannot be authenticated with the token provided.)",
    ),
    "gitlab": (
        "GitLab refused the publish of {name}@1.0.0 (403 Forbidden): the token may not publish"
        " to project 1",
        "GitLab refused the credentials for the publish of {name}@1.0.0 (401 Unauthorized)",
    ),
    "azure": (
        "Azure Artifacts refused the publish of {name}@1.0.0 (User '",
        "Azure Artifacts refused the credentials for the publish of {name}@1.0.0 (TF400813: "
        "Resource not available for anonymous access.",
    ),
    "codeartifact": (
        "AWS CodeArtifact refused the publish of {name}@1.0.0 (User is not authorized to perform:"
        " codeartifact:PublishPackageVersion",
        "AWS CodeArtifact refused the credentials for the publish of {name}@1.0.0 (Unauthorized)",
    ),
    "gitea": (
        "Gitea refused the credentials for the publish of {name}@1.0.0 (reqPackageAccess)",
        "Gitea refused the credentials for the publish of {name}@1.0.0 (reqPackageAccess)",
    ),
}
# Registries that answer a publish its user may not make with the 401 of an unknown token.
SAME_401 = {
    "gitea": "Gitea answers a publish its user may not make with the same 401 as an unknown"
    " token (`reqPackageAccess`); the guard's hint names the token's scope and the owner's"
    " package rights beside the token itself.",
}
YARN_401 = (
    "yarn berry answers every 401 with its own line (`YN0041: Invalid authentication`) and"
    " drops the registry's explanation, the guard's too; npm and pnpm show it."
)
CAUSES = {  # the cause that follows what the registry said, where that varies per request
    "azure": "the identity lacks the permission to add packages to feed npm-feed",
    "codeartifact": "the IAM identity may not publish to repository my-repo",
    "gitea": "lacks that scope or its user may not write the owner's packages",
}
SCOPE = {
    "github": "octo",
    "gitlab": "acme",
    "gitea": "acme",
}  # both take scoped packages (GitLab: documented)


def _client(client: ClientFactory, tool: str, rig: Rig, token: str | None) -> Client:
    return client(tool, rig.url, token)  # type: ignore[arg-type]


def _name(tool: str, registry: str, scenario: str) -> str:
    return unique_name(f"mx-{tool}-{scenario}", scope=SCOPE.get(registry))


def _no_error(result: Result) -> None:
    assert result.ok, result.output
    assert not re.search(r"npm (error|ERR!)|YN0035", result.output), result.output


def _one_line(output: str, words: str) -> str:
    """The output line that holds the guard's explanation, whole."""
    lines = [line for line in output.splitlines() if words in line]
    assert lines, output
    return lines[-1]


@ROWS
@pytest.mark.matrix("publish")
def test_publish(tool: str, registry: str, registry_rig: Rig, client: ClientFactory) -> None:
    rig = registry_rig
    cli = _client(client, tool, rig, rig.token)
    name = _name(tool, registry, "publish")

    result = cli.publish(cli.make_package(name, "1.0.0"))

    _no_error(result)
    if tool == "yarn":
        assert "YN0000: Package archive published" in result.output
    else:
        assert f"+ {name}@1.0.0" in result.output
    assert rig.versions(name) == ["1.0.0"]
    assert rig.dist_tags(name) == {"latest": "1.0.0"}


@ROWS
@pytest.mark.matrix("collision")
def test_collision(
    tool: str, registry: str, registry_rig: Rig, client: ClientFactory, cell: CellNote
) -> None:
    rig = registry_rig
    cli = _client(client, tool, rig, rig.token)
    name = _name(tool, registry, "collision")
    integrity = rig.seed(name, "1.0.0")
    package = cli.make_package(name, "1.0.0", files={"index.js": "// other bytes\n"})

    args: tuple[str, ...] = ()
    if tool in CHECKS_FIRST:
        own = cli.publish(package)
        assert f"npm error {SENTENCE}" in own.output
        cell.note("npm 11 refuses an existing version by itself unless `--force`.")
        args = ("--force",)
    result = cli.publish(package, *args)

    assert not result.ok
    line = _one_line(result.output, SENTENCE)
    assert f"{name}@1.0.0 is already in {rig.where} (published " in line
    assert NEXT_FREE in line
    if tool == "yarn":
        assert line.startswith(f"➤ YN0035: {SENTENCE}"), line
    else:
        assert "npm error 403 403 Forbidden - PUT " in line
        assert "npm notice Run 'npm version patch' (it becomes 1.0.1) and publish again." in (
            result.output
        )
    assert [seen.status for seen in rig.recorder.puts(name)] == [403]
    assert rig.upstream_puts(name) == 1, "the refused PUT reached the upstream"
    doc = rig.document(name)
    assert doc is not None
    assert doc["versions"]["1.0.0"]["dist"]["integrity"] == integrity


@ROWS
@pytest.mark.matrix("install")
def test_install(tool: str, registry: str, registry_rig: Rig, client: ClientFactory) -> None:
    rig = registry_rig
    name = _name(tool, registry, "install")
    rig.seed(name, "1.0.0", files={"index.js": "module.exports = 'seeded';\n"})
    cli = _client(client, tool, rig, rig.token)

    result, project = cli.install(f"{name}@1.0.0")

    _no_error(result)
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.0.0"
    assert (project / "node_modules" / name / "index.js").read_text() == (
        "module.exports = 'seeded';\n"
    )
    leaf = name.rpartition("/")[2]
    tarballs = rig.recorder.find("GET", f"/-/{leaf}-1.0.0.tgz")
    assert [seen.status for seen in tarballs] == [200], "the tarball did not come through"


@ROWS
@pytest.mark.matrix("permission")
def test_no_publish_permission(
    tool: str, registry: str, registry_rig: Rig, client: ClientFactory, cell: CellNote
) -> None:
    rig = registry_rig
    cli = _client(client, tool, rig, rig.reader)
    name = _name(tool, registry, "permission")

    result = cli.publish(cli.make_package(name, "1.0.0"))

    assert not result.ok
    status = 401 if registry in SAME_401 else 403
    assert [seen.status for seen in rig.recorder.puts(name)] == [status]
    assert rig.versions(name) == []
    if registry in SAME_401:
        cell.note(SAME_401[registry])
    if status == 401 and tool == "yarn":  # yarn asks whoami: the token itself is known
        assert "YN0041: Invalid authentication (as matrix-reader)" in result.output
        cell.note(YARN_401)
        return
    words = WORDS[registry][0].format(name=name)
    line = _one_line(result.output, words)
    assert CAUSES.get(registry, "") in result.output
    if tool == "yarn":
        assert line.startswith(f"➤ YN0035: {words}"), line
    elif status == 401:
        assert line.startswith(f"npm error 401 Unauthorized - PUT {rig.url}"), line
    else:
        assert line.startswith(f"npm error 403 403 Forbidden - PUT {rig.url}"), line


@ROWS
@pytest.mark.matrix("token")
def test_bad_token(
    tool: str, registry: str, registry_rig: Rig, client: ClientFactory, cell: CellNote
) -> None:
    rig = registry_rig
    cli = _client(client, tool, rig, "not-a-token-the-registry-knows")
    name = _name(tool, registry, "token")

    result = cli.publish(cli.make_package(name, "1.0.0"))

    assert not result.ok
    assert [seen.status for seen in rig.recorder.puts(name)] == [401]
    if tool == "yarn":
        assert "YN0041: Invalid authentication (as an unknown user)" in result.output
        cell.note(YARN_401)
    else:
        words = WORDS[registry][1].format(name=name)
        line = _one_line(result.output, words)
        assert line.startswith(f"npm error 401 Unauthorized - PUT {rig.url}"), line
        assert f"npm login --registry {rig.url}" in result.output
    assert rig.versions(name) == []
