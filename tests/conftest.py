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
def guard(tmp_path: Path) -> Iterator[GuardFactory]:
    """``guard(upstream_url, *extra_argv)`` runs publish-guard in-process on a free port; the
    guards of one test share a lock folder in its temp folder (not the machine's default one)."""
    with ExitStack() as stack:

        def start(upstream_url: str, *extra_argv: str) -> ServerThread:
            from publish_guard.app import create_app
            from publish_guard.config import load_settings

            locks = str(tmp_path / "guard-locks")
            argv = ["--upstream", upstream_url, "--listen", "127.0.0.1:0", "--lock-dir", locks]
            argv += extra_argv
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


# Test files that take 30 s or more, longest first (figures from one `make test` on 2 cores).
# pytest-xdist hands out whole files in collection order (--no-loadscope-reorder keeps it):
# starting these first keeps one of them from being the last file left while the other workers
# have nothing to do.
LONGEST_FIRST = (
    "tests/matrix/test_registries.py",  # 155 s
    "tests/matrix/test_clients.py",  # 139 s
    "tests/e2e/test_publish_promises.py",  # 129 s, 78 of them npm's backoff on a 503
    "tests/fastpath/test_nginx.py",  # 103 s
    "tests/transparency/test_commands.py",  # 88 s
    "tests/registry/test_npm_cli.py",  # 75 s
    "tests/transparency/test_secrets.py",  # 73 s
    "tests/e2e/test_collisions.py",  # 65 s
    "tests/reliability/test_soak.py",  # 62 s
    "tests/test_serve.py",  # 58 s
    "tests/shared/test_replicas.py",  # 44 s
    "tests/shared/test_locks.py",  # 33 s
    "tests/reliability/test_memory_cap.py",  # 32 s
    "tests/deploy/test_image_recipe.py",  # 30 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))
