"""Issue 9, point 2: lerna and changesets on a monorepo of three packages, one of them already
published at its version (with other bytes), through the guard: the two new ones are published,
the existing one is skipped, and the tool exits 0.

Both ``from-package`` lerna and changesets 2.x read the registry first and never send the PUT
for the published package; ``from-git`` lerna publishes every tagged package without looking,
so it is the one that meets the guard's 403 (NPM-PROTOCOL §5) — and must still skip.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.harness.clients import Client, Result, unique_name
from tests.harness.factories import ClientFactory
from tests.harness.tools import NODE_MODULES, node_executable
from tests.matrix.conftest import CellNote
from tests.matrix.rig import Rig
from tests.matrix.table import RELEASE_TOOLS, UPSTREAMS

pytestmark = pytest.mark.e2e

LERNA = NODE_MODULES / "lerna" / "dist" / "cli.js"
CHANGESET = NODE_MODULES / "@changesets" / "cli" / "bin.js"


def _monorepo(root: Path, names: list[str], env: dict[str, str], *, tag: bool) -> None:
    root.mkdir(parents=True)
    manifest = {"name": "matrix-monorepo", "private": True, "workspaces": ["packages/*"]}
    (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (root / "lerna.json").write_text(json.dumps({"version": "independent"}) + "\n")
    (root / ".changeset").mkdir()
    changeset_config = {
        "changelog": False,
        "commit": False,
        "access": "public",
        "baseBranch": "main",
        "updateInternalDependencies": "patch",
        "ignore": [],
    }
    (root / ".changeset" / "config.json").write_text(json.dumps(changeset_config) + "\n")
    (root / "LICENSE").write_text("MIT\n")
    for letter, name in zip("abc", names, strict=True):
        folder = root / "packages" / letter
        folder.mkdir(parents=True)
        package = {"name": name, "version": "1.0.0", "main": "index.js", "license": "MIT"}
        (folder / "package.json").write_text(json.dumps(package, indent=2) + "\n")
        (folder / "index.js").write_text(f"module.exports = {json.dumps(name)};\n")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "three packages")
    if tag:
        for name in names:
            git("tag", f"{name}@1.0.0")


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> Result:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=180, check=False)
    return Result(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        argv,
    )


def _environment(cli: Client, rig: Rig) -> dict[str, str]:
    return {
        **cli.env,
        "CI": "true",
        "GIT_AUTHOR_NAME": "matrix",
        "GIT_AUTHOR_EMAIL": "matrix@example.com",
        "GIT_COMMITTER_NAME": "matrix",
        "GIT_COMMITTER_EMAIL": "matrix@example.com",
        "NX_DAEMON": "false",
        "NX_NO_CLOUD": "true",
        # changesets takes the registry only from here (or publishConfig), never from .npmrc;
        # `npm run release` would set it
        "npm_config_registry": rig.url,
    }


@pytest.mark.parametrize("upstream", UPSTREAMS)
@pytest.mark.parametrize("release", list(RELEASE_TOOLS))
@pytest.mark.matrix("tools")
def test_release_tool_skips_the_published_package(
    release: str, rig: Rig, client: ClientFactory, cell: CellNote, tmp_path: Path
) -> None:
    cli = client("npm", rig.url, rig.token)
    names = [unique_name(f"mx-{release}-{letter}") for letter in "abc"]
    published, new = names[0], names[1:]
    integrity = rig.seed(published, "1.0.0", files={"index.js": "// published before\n"})
    env = _environment(cli, rig)
    root = tmp_path / "monorepo"
    _monorepo(root, names, env, tag=release == "lerna-from-git")

    if release == "changesets":
        result = _run([node_executable(), str(CHANGESET), "publish"], root, env)
    else:
        how = "from-package" if release == "lerna-from-package" else "from-git"
        result = _run([node_executable(), str(LERNA), "publish", how, "--yes"], root, env)

    assert result.ok, result.output
    for name in new:
        assert rig.versions(name) == ["1.0.0"], result.output
    doc = rig.document(published)
    assert doc is not None
    assert doc["versions"]["1.0.0"]["dist"]["integrity"] == integrity
    assert rig.upstream_puts(published) in (None, 1), "a PUT of the published package got through"
    puts = [seen.status for seen in rig.recorder.puts(published)]

    if release == "lerna-from-package":
        assert "Found 2 packages to publish:" in result.output, result.output
        assert f" - {published} => 1.0.0" not in result.output
        assert puts == []
        cell.note(
            "Reads the registry first (pacote) and leaves the published package out; no PUT for"
            " it reaches the guard."
        )
    elif release == "lerna-from-git":
        assert "Found 3 packages to publish:" in result.output, result.output
        assert f"lerna WARN publish Package is already published: {published}@1.0.0" in (
            result.output
        )
        assert puts == [403]
        cell.note(
            "Publishes every package tagged at HEAD without looking; the guard's 403 (`You cannot"
            " publish over the previously published versions: 1.0.0. …`) makes it print"
            " `lerna WARN publish Package is already published: <name>@1.0.0` and go on."
        )
    else:
        assert (
            f"{published} is not being published because version 1.0.0 is already published"
            " on npm" in result.output
        ), result.output
        assert "packages published successfully:" in result.output
        assert puts == []
        cell.note(
            "Reads the registry first (`npm info`) and leaves the published package out; no PUT"
            " for it reaches the guard. changesets 2.x would not skip on a refused PUT (3.x"
            " would, but needs Node ≥ 22)."
        )
    for name in new:
        assert [seen.status // 100 for seen in rig.recorder.puts(name)] == [2]
