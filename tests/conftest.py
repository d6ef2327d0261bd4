"""Fixtures every test can use: a session-wide Verdaccio, in-process guards, isolated clients.

The ``e2e`` marker (registered in pyproject.toml) marks tests that drive real clients.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.harness.clients import Client
from tests.harness.factories import ClientFactory, GuardFactory, User
from tests.harness.servers import ServerThread
from tests.harness.tools import ClientTool
from tests.harness.verdaccio import Verdaccio
from tests.matrix.readme_check import WORKER_KEY, merged, readme_problem
from tests.matrix.table import Results


@pytest.fixture(scope="session")
def verdaccio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Verdaccio]:
    """One Verdaccio for the whole session; tests keep apart by using ``unique_name()``."""
    server = Verdaccio(tmp_path_factory.mktemp("verdaccio"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def verdaccio_user(verdaccio: Verdaccio) -> User:
    name, password = "alice", "alice-password"
    return User(name, password, verdaccio.add_user(name, password))


@pytest.fixture(scope="session")
def verdaccio_token(verdaccio_user: User) -> str:
    return verdaccio_user.token


@pytest.fixture
def guard() -> Iterator[GuardFactory]:
    """``guard(upstream_url, *extra_argv)`` runs publish-guard in-process on a free port."""
    with ExitStack() as stack:

        def start(upstream_url: str, *extra_argv: str) -> ServerThread:
            from publish_guard.app import create_app
            from publish_guard.config import load_settings

            argv = ["--upstream", upstream_url, "--listen", "127.0.0.1:0", *extra_argv]
            settings = load_settings(argv, environ={})
            # a later --listen in extra_argv wins, e.g. to match a --public-url
            listen = settings.listen
            server = ServerThread(lambda: create_app(settings), listen.host, listen.port)
            stack.callback(server.stop)  # every guard stops, even if another one fails to
            return server.start()

        yield start


@pytest.fixture
def client(tmp_path: Path) -> ClientFactory:
    """``client(tool, registry, token=None, *, auth=None)`` makes an isolated CLI client."""
    numbers = itertools.count(1)

    def make(
        tool: ClientTool, registry: str, token: str | None = None, *, auth: str | None = None
    ) -> Client:
        return Client(tool, registry, token, tmp_path / f"client-{next(numbers)}-{tool}", auth=auth)

    return make


MATRIX_PARTS = pytest.StashKey[list[Results]]()


def pytest_testnodedown(node: Any, error: object) -> None:
    """The pytest-xdist controller collects the matrix cells each worker ran."""
    text = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    if text:
        node.config.stash.setdefault(MATRIX_PARTS, []).append(Results.from_json(text))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller checks the README's matrix against the cells of every worker."""
    parts = session.config.stash.get(MATRIX_PARTS, None)
    if not parts:
        return
    problem = readme_problem(merged(parts), {})
    if problem is not None:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "the README's compatibility matrix", red=True)
            reporter.write_line(problem)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
