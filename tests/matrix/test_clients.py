"""Issue 9: every client through the guard to real Verdaccio and to the emulated Artifactory.

One test per scenario and row (client and upstream); each makes what it needs — the versions it
starts from are seeded straight at the upstream — and checks both what the user reads and what
the upstream holds afterwards. A client without the command is recorded as n/a with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.harness.clients import Client, Result, installed_manifest, unique_name
from tests.harness.factories import ClientFactory
from tests.harness.tools import node_tool
from tests.matrix.conftest import CellNote
from tests.matrix.rig import Rig
from tests.matrix.table import CLIENTS, UPSTREAMS
from tests.matrix.terminal import run_on_terminal

pytestmark = pytest.mark.e2e

ROWS = pytest.mark.parametrize(
    ("tool", "upstream"), [(tool, upstream) for tool in CLIENTS for upstream in UPSTREAMS]
)
SENTENCE = "You cannot publish over the previously published versions: {}."
NEXT_FREE = "next free: 1.0.1 (patch), 1.1.0 (minor), 2.0.0 (major)"
# npm 11 reads the package document first and refuses an existing version itself (unless
# --force); pnpm 10 publishes, deprecates, tags, unpublishes and logs in through that npm.
CHECKS_FIRST = ("npm", "pnpm")
YARN_NO_NOTICE = "yarn berry does not print npm-notice headers, so it does not show {}."
NO_COMMAND = (
    "n/a: yarn berry has no {} command (`yarn npm` has audit, info, login, logout, publish, stage,"
    " tag, whoami)."
)


def _client(client: ClientFactory, tool: str, registry: str, token: str | None) -> Client:
    return client(tool, registry, token)  # type: ignore[arg-type]


def _name(tool: str, scenario: str) -> str:
    return unique_name(f"mx-{tool}-{scenario}")


def _yarn_project(cli: Client) -> Path:
    """A folder yarn berry takes as a project, for its ``yarn npm …`` commands."""
    project = cli.workdir / "yarn-project"
    project.mkdir(exist_ok=True)
    (project / "package.json").write_text('{"name": "matrix-project", "private": true}\n')
    (project / "yarn.lock").touch()
    return project


def _no_error(result: Result) -> None:
    assert result.ok, result.output
    assert not re.search(r"npm (error|ERR!)|YN0035", result.output), result.output


def _class(status: int) -> str:
    return f"{status // 100}xx"


def _the_one_line(output: str, version: str) -> str:
    """The output line with the guard's collision explanation (one line, whole)."""
    lines = [line for line in output.splitlines() if SENTENCE.format(version) in line]
    assert lines, output
    return lines[-1]


@ROWS
@pytest.mark.matrix("publish")
def test_publish(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    cli = _client(client, tool, rig.url, rig.token)
    name = _name(tool, "publish")

    result = cli.publish(cli.make_package(name, "1.0.0"))

    _no_error(result)
    if tool == "yarn":
        assert "YN0000: Package archive published" in result.output
    else:
        assert f"+ {name}@1.0.0" in result.output
    if tool == "pnpm":
        assert f"npm notice Publishing to {rig.url} with tag latest" in result.output
        cell.note(
            "pnpm 10 runs the npm on `PATH` (npm 11) to publish, deprecate, tag, unpublish and"
            " log in: what it prints there is npm's."
        )
    assert rig.versions(name) == ["1.0.0"]
    assert rig.dist_tags(name) == {"latest": "1.0.0"}
    assert [_class(seen.status) for seen in rig.recorder.puts(name)] == ["2xx"]


@ROWS
@pytest.mark.matrix("collision")
def test_collision(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    cli = _client(client, tool, rig.url, rig.token)
    name = _name(tool, "collision")
    integrity = rig.seed(name, "1.0.0")
    package = cli.make_package(name, "1.0.0", files={"index.js": "// other bytes\n"})

    if tool in CHECKS_FIRST:
        own = cli.publish(package)
        assert not own.ok
        assert f"npm error {SENTENCE.format('1.0.0')}" in own.output
        assert rig.recorder.puts(name) == [], "npm 11 sent the PUT without --force"
        cell.note(
            "npm 11 refuses an existing version by itself, before any PUT: "
            f"`npm error {SENTENCE.format('1.0.0')}`; with `--force` the PUT reaches the"
            " guard and its explanation shows."
        )
        result = cli.publish(package, "--force")
    else:
        result = cli.publish(package)

    assert not result.ok
    line = _the_one_line(result.output, "1.0.0")
    assert f"{name}@1.0.0 is already in {rig.where} (published " in line
    assert NEXT_FREE in line
    if tool == "yarn":
        assert line.startswith(f"➤ YN0035: {SENTENCE.format('1.0.0')}"), line
        assert "YN0035:   Response Code: 403 (Forbidden)" in result.output
    else:
        prefix = "npm ERR!" if tool == "npm9" else "npm error"
        forbidden = f"{prefix} 403 403 Forbidden - PUT {rig.url}{name} - {SENTENCE.format('1.0.0')}"
        assert line.startswith(forbidden), line
        assert "npm notice Run 'npm version patch' (it becomes 1.0.1) and publish again." in (
            result.output
        )
    assert [seen.status for seen in rig.recorder.puts(name)] == [403]
    assert rig.upstream_puts(name) in (None, 1), "the refused PUT reached the upstream"
    doc = rig.document(name)
    assert doc is not None
    assert doc["versions"]["1.0.0"]["dist"]["integrity"] == integrity


@ROWS
@pytest.mark.matrix("identical")
def test_identical_republish(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    cli = _client(client, tool, rig.url, rig.token)
    name = _name(tool, "identical")
    package = cli.make_package(name, "1.0.0")
    _no_error(cli.publish(package))
    before = rig.document(name)
    upstream_puts = rig.upstream_puts(name)

    args = ("--force",) if tool in CHECKS_FIRST else ()
    if args:
        cell.note("npm 11 refuses an existing version by itself unless `--force`.")
    result = cli.publish(package, *args)

    _no_error(result)
    notice = f"{name}@1.0.0 is already published with identical content; nothing was changed"
    if tool == "yarn":
        assert "YN0000: Package archive published" in result.output
        assert notice not in result.output
        cell.note(YARN_NO_NOTICE.format("the guard's 'nothing was changed'"))
    else:
        assert f"npm notice {notice}" in result.output
    assert [_class(seen.status) for seen in rig.recorder.puts(name)] == ["2xx", "2xx"]
    assert rig.upstream_puts(name) == upstream_puts
    after = rig.document(name)
    assert before is not None
    assert after is not None
    assert after["versions"] == before["versions"]


@ROWS
@pytest.mark.matrix("dev")
def test_dev_publish(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    name = _name(tool, "dev")
    rig.seed(name, "1.0.0")
    cli = _client(client, tool, rig.url + "-/dev/", rig.token)

    result = cli.publish(cli.make_package(name, "1.0.0", files={"index.js": "// dev\n"}))

    _no_error(result)
    notice = f"published {name}@1.0.0-dev.0 (dev mode, from 1.0.0); install with npm i {name}@dev"
    if tool == "yarn":
        assert "YN0000: Package archive published" in result.output
        cell.note(YARN_NO_NOTICE.format("which -dev.N version it got"))
    else:
        assert f"npm notice {notice}" in result.output
    assert rig.versions(name) == ["1.0.0", "1.0.0-dev.0"]
    assert rig.dist_tags(name) == {"latest": "1.0.0", "dev": "1.0.0-dev.0"}


@ROWS
@pytest.mark.matrix("install")
def test_install(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    name = _name(tool, "install")
    rig.seed(name, "1.0.0", files={"index.js": "module.exports = 'seeded';\n"})
    cli = _client(client, tool, rig.url, rig.token)

    result, project = cli.install(f"{name}@1.0.0")

    _no_error(result)
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.0.0"
    assert (project / "node_modules" / name / "index.js").read_text() == (
        "module.exports = 'seeded';\n"
    )
    tarballs = rig.recorder.find("GET", f"/{name}/-/{name}-1.0.0.tgz")
    assert [seen.status for seen in tarballs] == [200], "the tarball did not come through"


@ROWS
@pytest.mark.matrix("deprecate")
def test_deprecate(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    if tool == "yarn":
        pytest.skip(NO_COMMAND.format("deprecate"))
    name = _name(tool, "deprecate")
    rig.seed(name, "1.0.0")
    cli = _client(client, tool, rig.url, rig.token)

    result = cli.run("deprecate", f"{name}@1.0.0", "use 2.0.0")

    _no_error(result)
    if tool in CHECKS_FIRST:
        assert f'npm notice deprecating {name}@1.0.0 with message "use 2.0.0"' in result.output
    else:
        assert result.output.strip() == ""  # npm 9 and 10 print nothing
    doc = rig.document(name)
    assert doc is not None
    assert doc["versions"]["1.0.0"]["deprecated"] == "use 2.0.0"
    assert [_class(seen.status) for seen in rig.recorder.puts(name)] == ["2xx"]


@ROWS
@pytest.mark.matrix("dist-tag")
def test_dist_tag(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    name = _name(tool, "tag")
    rig.seed(name, "1.0.0")
    cli = _client(client, tool, rig.url, rig.token)

    if tool == "yarn":
        project = _yarn_project(cli)
        added = cli.run("npm", "tag", "add", f"{name}@1.0.0", "beta", cwd=project)
        _no_error(added)
        assert f"YN0000: Tag beta added to version 1.0.0 of package {name}" in added.output
        assert rig.dist_tags(name) == {"latest": "1.0.0", "beta": "1.0.0"}
        removed = cli.run("npm", "tag", "remove", name, "beta", cwd=project)
        _no_error(removed)
        assert f"YN0000: Tag beta removed from package {name}" in removed.output
    else:
        added = cli.run("dist-tag", "add", f"{name}@1.0.0", "beta")
        _no_error(added)
        assert f"+beta: {name}@1.0.0" in added.output
        assert rig.dist_tags(name) == {"latest": "1.0.0", "beta": "1.0.0"}
        removed = cli.run("dist-tag", "rm", name, "beta")
        _no_error(removed)
        assert f"-beta: {name}@1.0.0" in removed.output
    assert rig.dist_tags(name) == {"latest": "1.0.0"}


@ROWS
@pytest.mark.matrix("unpublish")
def test_unpublish(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    if tool == "yarn":
        pytest.skip(NO_COMMAND.format("unpublish"))
    name = _name(tool, "unpublish")
    rig.seed(name, "1.0.0")
    rig.seed(name, "1.1.0")
    cli = _client(client, tool, rig.url, rig.token)

    result = cli.run("unpublish", f"{name}@1.1.0")

    _no_error(result)
    assert f"- {name}@1.1.0" in result.output
    assert rig.versions(name) == ["1.0.0"]


@ROWS
@pytest.mark.matrix("login")
def test_login_and_whoami(tool: str, rig: Rig, client: ClientFactory, cell: CellNote) -> None:
    cli = _client(client, tool, rig.url, None)
    user, password = rig.login
    answers = [("Username", user), ("Password", password)]

    if tool == "yarn":
        project = _yarn_project(cli)
        login = run_on_terminal(
            [*node_tool(tool), "npm", "login"], env=cli.env, cwd=project, answers=answers
        )
        assert "YN0000: Successfully logged in" in login.output, login.output
        token = _yarnrc_token(cli)
        whoami = cli.run("npm", "whoami", cwd=project)
        _no_error(whoami)
        assert f"YN0000: {user}" in whoami.output
    else:
        login = run_on_terminal(
            [*node_tool(tool), "login", "--auth-type=legacy"],
            env=cli.env,
            cwd=cli.workdir,
            answers=answers,
        )
        assert f"Logged in on {rig.url}." in login.output, login.output
        token = _npmrc_token(cli)
        whoami = cli.run("whoami")
        _no_error(whoami)
        assert whoami.stdout.strip() == user
    assert login.ok, login.output
    assert rig.whoami_at_upstream(token) == user  # the token login stored is the upstream's
    assert rig.recorder.find("PUT", f"/-/user/org.couchdb.user:{user}")


def _npmrc_token(cli: Client) -> str:
    key = f"//{rig_host(cli.registry)}/:_authToken="
    for line in cli.npmrc.read_text().splitlines():
        if line.startswith(key):
            return line.removeprefix(key)
    raise AssertionError(f"no token for {cli.registry} in .npmrc:\n{cli.npmrc.read_text()}")


def _yarnrc_token(cli: Client) -> str:
    text = (cli.home / ".yarnrc.yml").read_text()
    found = re.search(r"npmAuthToken:\s*(\S+)", text)
    assert found, text
    return json.loads(found.group(1)) if found.group(1).startswith('"') else found.group(1)


def rig_host(registry: str) -> str:
    return registry.removeprefix("http://").rstrip("/")
