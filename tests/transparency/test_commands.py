"""Every command as users run it — with its defaults, audit on — straight at the registry and
through the guard: the registry receives the same requests, the client sees the same answers
(but where the guard answers by design), and the command ends the same way.

Each upstream kind (a real Verdaccio; the emulator as Artifactory) gets two fresh worlds
(``world.py``); each step runs in both and is compared (``compare.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.clients import Client, Result
from tests.harness.tools import node_tool
from tests.matrix.terminal import run_on_terminal
from tests.transparency.compare import Run, differences
from tests.transparency.world import PASSWORD, USER, World, world

pytestmark = pytest.mark.e2e

Step = Callable[[World], list[Result]]


@dataclass
class Worlds:
    direct: World
    guard: World


@pytest.fixture(scope="module", params=["verdaccio", "emulator"])
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worlds]:
    kind = str(request.param)
    with (
        world("direct", kind, tmp_path_factory.mktemp(f"{kind}-direct")) as direct,
        world("guard", kind, tmp_path_factory.mktemp(f"{kind}-guard")) as guarded,
    ):
        yield Worlds(direct, guarded)


def _run(world: World, step: Step) -> Run:
    world.back.taken()
    if world.front is not None:
        world.front.taken()
    results = step(world)
    return Run(results, world.back.taken(), world.front.taken() if world.front else [])


def _check(worlds: Worlds, step: Step) -> list[Result]:
    direct = _run(worlds.direct, step)
    guarded = _run(worlds.guard, step)
    problems = differences((worlds.direct, direct), (worlds.guard, guarded))
    assert not problems, "\n\n".join([*problems, _sequence(direct), _sequence(guarded)])
    return guarded.results


def _sequence(run: Run) -> str:
    """What reached the registry, in order (for a failure's message)."""
    first = min((e.at for e in run.received), default=0.0)
    return "\n".join(
        f"  {e.at - first:7.3f}s {e.method} {e.path} {e.status} "
        f"{(e.header('user-agent') or '')[:24]!r} {e.header('if-none-match')}"
        for e in run.received
    )


def _project(
    world: World, tool: str, name: str, dependencies: dict[str, str]
) -> tuple[Client, Path]:
    cli = world.client(tool, f"{tool}-{name}")  # type: ignore[arg-type]
    project = cli.workdir / "project"
    project.mkdir(parents=True, exist_ok=True)
    manifest = {"name": f"tp-{name}", "version": "1.0.0", "private": True}
    (project / "package.json").write_text(json.dumps({**manifest, "dependencies": dependencies}))
    if tool == "yarn":
        (project / "yarn.lock").touch()
    return cli, project


# -- npm ------------------------------------------------------------------------------------


def npm_install(w: World) -> list[Result]:
    cli, project = _project(w, "npm", "install", {"@tp/app-lib": "^2.0.0"})
    return [cli.run("install", cwd=project)]


def npm_ci_update_outdated(w: World) -> list[Result]:
    cli, project = _project(w, "npm", "ci", {"tp-leaf": "1.0.0", "tp-mid": "^1.0.0"})
    installed = cli.run("install", cwd=project)
    return [
        installed,
        cli.run("ci", cwd=project),
        cli.run("update", cwd=project),
        cli.run("outdated", cwd=project),
        cli.run("audit", cwd=project),
    ]


def npm_reads(w: World) -> list[Result]:
    cli = w.client("npm", "npm-reads")
    return [
        cli.run("view", "@tp/app-lib"),
        cli.run("view", "tp-leaf@1.0.0", "dependencies", "--json"),
        cli.run("search", "tp-leaf"),
        cli.run("ping"),
        cli.run("whoami"),
        cli.run("owner", "ls", "tp-leaf"),
        cli.run("access", "list", "packages"),
        cli.run("access", "get", "status", "tp-leaf"),
        cli.run("dist-tag", "ls", "tp-leaf"),
    ]


def npm_package_writes(w: World) -> list[Result]:
    cli = w.client("npm", "npm-writes")
    return [
        cli.run("dist-tag", "add", "tp-leaf@1.0.0", "old"),
        cli.run("dist-tag", "rm", "tp-leaf", "old"),
        cli.run("deprecate", "tp-old@1.0.0", "use tp-leaf"),
        cli.run("deprecate", "tp-old@1.0.0", ""),
        cli.run("owner", "add", USER, "tp-leaf"),
        cli.run("star", "tp-leaf"),
        cli.run("unstar", "tp-leaf"),
        cli.run("access", "set", "status=public", "tp-leaf"),
        cli.run("unpublish", "tp-gone@1.0.1"),
        cli.run("unpublish", "tp-gone", "--force"),
    ]


def npm_accounts(w: World) -> list[Result]:
    cli = w.client("npm", "npm-login", token=False)
    login = run_on_terminal(
        [*node_tool("npm"), "login", "--auth-type=legacy"],
        env=cli.env,
        cwd=cli.workdir,
        answers=[("Username", USER), ("Password", PASSWORD)],
    )
    for line in cli.npmrc.read_text().splitlines():
        if ":_authToken=" in line:
            w.secrets.append(line.partition(":_authToken=")[2])
    return [
        login,
        cli.run("whoami"),
        cli.run("token", "list"),
        cli.run("token", "revoke", "0123456789abcdef"),
        cli.run("logout"),
        cli.run("whoami"),
    ]


# -- pnpm and yarn ----------------------------------------------------------------------------


def pnpm_install_add_audit(w: World) -> list[Result]:
    cli, project = _project(w, "pnpm", "install", {"tp-mid": "^1.0.0"})
    return [
        cli.run("install", cwd=project),
        cli.run("add", "tp-old", cwd=project),
        cli.run("audit", cwd=project),
    ]


def yarn_install_info_audit(w: World) -> list[Result]:
    cli, project = _project(w, "yarn", "install", {"tp-mid": "^1.0.0"})
    return [
        cli.run("install", cwd=project),
        cli.run("npm", "info", "tp-leaf", cwd=project),
        cli.run("npm", "audit", cwd=project),
    ]


STEPS = {
    "npm install": npm_install,
    "npm ci, update, outdated, audit": npm_ci_update_outdated,
    "npm view, search, ping, whoami, owner ls, access, dist-tag ls": npm_reads,
    "npm dist-tag, deprecate, owner add, star, access set, unpublish": npm_package_writes,
    "npm login, token, logout": npm_accounts,
    "pnpm install, add, audit": pnpm_install_add_audit,
    "yarn install, npm info, npm audit": yarn_install_info_audit,
}


@pytest.mark.parametrize("step", list(STEPS))
def test_the_command_is_the_same_through_the_guard(worlds: Worlds, step: str) -> None:
    _check(worlds, STEPS[step])
