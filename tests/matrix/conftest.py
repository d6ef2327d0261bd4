"""The compatibility matrix: servers shared by the whole session, and the recording of results.

Every test marked ``matrix(<scenario>)`` (or ``matrix("tools")``) is one cell of the README's
tables (``tests/matrix/table.py``). Its outcome is recorded here: passed → ✓, failed → ✗,
``pytest.skip("n/a: <why>")`` → n/a; ``cell.note(...)`` adds a footnote. The last test of the
session (``test_readme_table.py``, moved there below) compares the README with the results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import cache, partial

import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app
from tests.harness.factories import User
from tests.harness.servers import ServerThread
from tests.harness.tools import NODE_MODULES
from tests.harness.verdaccio import Verdaccio
from tests.matrix.readme_check import WORKER_KEY
from tests.matrix.rig import Rig, start_guard
from tests.matrix.table import Cell, CellKey, Results, client_cell, registry_cell, tool_cell

LOGIN_USER = ("matrix-login", "matrix-login-password")
FINAL_TEST = "test_readme_table.py::test_the_readme_shows_what_the_matrix_found"

RESULTS = pytest.StashKey[Results]()
NOTE = pytest.StashKey["CellNote"]()


@dataclass
class CellNote:
    """What a cell's footnote says (``cell.note("...")``); empty for none."""

    text: str = ""
    _parts: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self._parts.append(text)
        self.text = " ".join(self._parts)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "matrix(scenario): a cell of the README's compatibility matrix (tests/matrix)"
    )
    config.stash[RESULTS] = Results(versions={}, cells={})


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The README check runs after every cell, wherever pytest found it."""
    finals = [item for item in items if item.nodeid.endswith(FINAL_TEST)]
    for item in finals:
        items.remove(item)
        items.append(item)


def _cell_key(item: pytest.Item) -> CellKey | None:
    marker = item.get_closest_marker("matrix")
    callspec = getattr(item, "callspec", None)
    if marker is None or callspec is None:
        return None
    params = callspec.params
    if marker.args[0] == "tools":
        return tool_cell(params["release"], params["upstream"])
    if "registry" in params:
        return registry_cell(params["tool"], params["registry"], marker.args[0])
    return client_cell(params["tool"], params["upstream"], marker.args[0])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    key = _cell_key(item)
    if key is None:
        return report
    results = item.config.stash[RESULTS]
    results.seconds += report.duration
    if report.failed:
        results.cells[key] = Cell("fail")
    elif report.skipped and hasattr(report, "wasxfail"):
        results.cells[key] = Cell("fail", str(report.wasxfail))
    elif report.skipped:
        reason = _skip_reason(report)
        if reason.startswith("n/a: "):
            results.cells[key] = Cell("n/a", reason.removeprefix("n/a: "))
    elif report.when == "call":
        note = item.stash.get(NOTE, None)
        results.cells[key] = Cell("pass", note.text if note else "")
    return report


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.fixture
def cell(request: pytest.FixtureRequest) -> CellNote:
    note = CellNote()
    request.node.stash[NOTE] = note
    return note


@cache
def tool_versions() -> dict[str, str]:
    """The versions the matrix ran: the pinned Node tools, and the system npm."""
    packages = {
        "npm9": "npm9",
        "npm10": "npm10",
        "pnpm": "pnpm",
        "yarn": "@yarnpkg/cli-dist",
        "verdaccio": "verdaccio",
        "lerna": "lerna",
        "changesets": "@changesets/cli",
    }
    versions = {}
    for key, package in packages.items():
        manifest = json.loads((NODE_MODULES / package / "package.json").read_text())
        versions[key] = str(manifest["version"])
    npm = shutil.which("npm") or "npm"
    versions["npm"] = subprocess.run(
        [npm, "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    return versions


@pytest.fixture(scope="session")
def matrix_results(request: pytest.FixtureRequest) -> Results:
    return request.config.stash[RESULTS]


# -- servers: one guard per upstream for the whole session, started on first use ---------------


@dataclass
class _Started:
    rigs: dict[str, Rig] = field(default_factory=dict)
    servers: list[ServerThread] = field(default_factory=list)


@pytest.fixture(scope="session")
def _matrix_servers() -> Iterator[_Started]:
    started = _Started()
    try:
        yield started
    finally:
        for server in reversed(started.servers):
            server.stop()


@pytest.fixture
def rig(upstream: str, request: pytest.FixtureRequest, _matrix_servers: _Started) -> Rig:
    """The guard in front of the test's ``upstream`` parameter (verdaccio or artifactory)."""
    if upstream not in _matrix_servers.rigs:
        _matrix_servers.rigs[upstream] = _start_rig(upstream, request, _matrix_servers)
    return _matrix_servers.rigs[upstream]


def _start_rig(kind: str, request: pytest.FixtureRequest, started: _Started) -> Rig:
    if kind == "verdaccio":
        verdaccio: Verdaccio = request.getfixturevalue("verdaccio")
        user: User = request.getfixturevalue("verdaccio_user")
        verdaccio.add_user(*LOGIN_USER)
        guard, recorder = start_guard(verdaccio.url)
        started.servers.append(guard)
        return Rig(
            kind, verdaccio.url, user.token, LOGIN_USER, verdaccio.get_document, guard, recorder
        )
    if kind != "artifactory":
        raise ValueError(f"unknown upstream {kind!r}")
    return _start_emulated("artifactory", started)  # its flavor found by the guard itself


@pytest.fixture
def registry_rig(registry: str, _matrix_servers: _Started) -> Rig:
    """The guard, started with ``--flavor <registry>``, in front of the emulator of that flavor."""
    if registry not in _matrix_servers.rigs:
        rig = _start_emulated(registry, _matrix_servers, "--flavor", registry)
        _matrix_servers.rigs[registry] = rig
    return _matrix_servers.rigs[registry]


def _start_emulated(flavor: str, started: _Started, *guard_args: str) -> Rig:
    registry = Registry(RegistryConfig(flavor=flavor))
    server = ServerThread(partial(create_registry_app, registry)).start()
    started.servers.append(server)
    token = registry.add_user("matrix").token
    registry.add_user(*LOGIN_USER)
    reader = registry.add_user("matrix-reader", permissions="read").token
    url = registry.npm_url(server.url)
    guard, recorder = start_guard(url, *guard_args)
    started.servers.append(guard)
    return Rig(
        flavor,
        url,
        token,
        LOGIN_USER,
        lambda name: registry.document(name),  # type: ignore[arg-type,return-value]
        guard,
        recorder,
        registry,
        reader,
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands the cells it ran to the controller."""
    output = getattr(session.config, "workeroutput", None)
    results = session.config.stash.get(RESULTS, None)
    if output is not None and results is not None and results.cells:
        results.versions.update(tool_versions())
        output[WORKER_KEY] = results.to_json()
