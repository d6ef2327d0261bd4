"""The real npm 11 CLI against each flavor: the whole life of a package, and each flavor's
characteristic failures with the exact line npm prints (``<status> <text> - PUT <url> - <error>``).

npm 11 refuses a collision itself before uploading (NPM-PROTOCOL.md §4), so collisions use
``--force`` to reach the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest

from publish_guard.npm.names import escape_name
from publish_guard.registry import FakeClock
from tests.harness.clients import Client, installed_manifest, unique_name
from tests.harness.factories import ClientFactory
from tests.registry.conftest import FLAVORS, Emulator, start_emulator

pytestmark = pytest.mark.e2e


def npm(client: ClientFactory, emulator: Emulator, user: str | None = "alice", **kw: Any) -> Client:
    repo = kw.pop("repo", None)
    token = kw.pop("token", emulator.token(user) if user else None)
    return client("npm", emulator.url(repo), token)


def error_line(status: str, url: str, name: str, error: str | None = None) -> str:
    line = f"{status} - PUT {url}{escape_name(name)}"
    return f"{line} - {error}" if error else line


# -- the life of a package --------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_publish_install_deprecate_tag_unpublish(
    emulators: dict[str, Emulator], client: ClientFactory, flavor: str
) -> None:
    emulator = emulators[flavor]
    cli = npm(client, emulator)
    name = unique_name("life", scope="acme")
    emulator.registry.journal.clear()
    cli.publish(cli.make_package(name, "1.0.0")).check()
    cli.publish(cli.make_package(name, "1.1.0")).check()

    # npm 11.19 publishes with PUT /@scope%2fname (no POST /-/stage/...), npm-command: publish
    puts = emulator.registry.journal.find(method="PUT")
    assert [e.path.rsplit("/", 1)[-1] for e in puts] == [escape_name(name)] * 2
    assert all(e.header("npm-command") == "publish" for e in puts)
    assert not emulator.registry.journal.find(method="POST", path_contains="/-/stage/")

    result, project = cli.install(f"{name}@1.0.0")  # npm checks the integrity on the way
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.0.0"

    cli.run("deprecate", f"{name}@1.0.0", "use 1.1.0").check()
    stored = emulator.registry.document(name)
    assert stored is not None
    assert stored["versions"]["1.0.0"]["deprecated"] == "use 1.1.0"

    cli.run("dist-tag", "add", f"{name}@1.0.0", "old").check()
    assert "old: 1.0.0" in cli.run("dist-tag", "ls", name).check().stdout
    cli.run("dist-tag", "rm", name, "old").check()
    assert "old" not in cli.run("dist-tag", "ls", name).check().stdout

    cli.run("unpublish", f"{name}@1.0.0").check()  # PUT -rev without it, DELETE the tarball
    stored = emulator.registry.document(name)
    assert stored is not None
    assert list(stored["versions"]) == ["1.1.0"]
    assert emulator.registry.tarball(name, "1.0.0") is None

    again = cli.publish(cli.make_package(name, "1.0.0"), "--tag", "again")
    if flavor == "npmjs":  # a version, once used, is never free again
        assert again.returncode == 1
        assert (
            error_line(
                "400 Bad Request",
                emulator.url(),
                name,
                'Cannot publish over previously published version "1.0.0".',
            )
            in again.output
        )
    else:
        again.check()

    cli.run("unpublish", name, "--force").check()
    stored = emulator.registry.document(name)
    if flavor == "npmjs":
        assert stored is not None
        assert "unpublished" in stored["time"]
    else:
        assert stored is None


# -- failures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    flavor: str
    setup: str  # what to arrange before publishing
    status: int  # what the registry answered the PUT
    error: str | None  # body.error as npm prints it; None when npm prints no error text
    user: str = "alice"
    force: bool = False
    extra: str | None = None  # another line npm must print

    @property
    def line(self) -> str | None:
        """The start of npm's error line; npm replaces a 401's by its own E401 paragraph."""
        return None if self.status == 401 else f"{self.status} {HTTPStatus(self.status).phrase}"


E401 = "npm error code E401"


CASES = {
    "artifactory collision": Case("artifactory", "seed", 403, "forbidden", force=True),
    "artifactory no deploy right": Case("artifactory", "", 403, "forbidden", "reader"),
    "artifactory bad token": Case("artifactory", "", 401, None, "bogus", extra=E401),
    "artifactory include/exclude": Case(
        "artifactory", "excluding", 403,
        "The repository '{repo}' rejected the artifact '{path}' due to its include/exclude "
        "patterns settings.",
    ),
    "artifactory remote repo": Case("artifactory", "remote", 403, "forbidden"),
    "artifactory virtual, no default": Case("artifactory", "virtual", 403, "forbidden"),
    "nexus redeploy disabled": Case(
        "nexus", "seed", 400,
        "Repository does not allow updating assets: npm-hosted", force=True,
    ),
    "nexus read-only": Case(
        "nexus", "read-only", 400, "Repository is read only: {repo}"
    ),
    "nexus proxy": Case("nexus", "proxy", 404, None),
    "nexus group": Case(
        "nexus", "group", 403,
        "Deploying to groups is a PRO-licensed feature. "
        "See https://links.sonatype.com/product-nexus-repository",
    ),
    "nexus bad token": Case("nexus", "", 401, None, "bogus", extra=E401),
    "nexus latest locked": Case(
        "nexus", "locked", 400, "Unable to update latest tag"
    ),
    "verdaccio collision": Case(
        "verdaccio", "seed", 409, "this package is already present", force=True
    ),
    "verdaccio expired token": Case("verdaccio", "", 401, None, "dave", extra=E401),
    "verdaccio no publish right": Case(
        "verdaccio", "", 403,
        "user reader is not allowed to publish package {name}", "reader",
    ),
    "npmjs collision": Case(
        "npmjs", "seed", 403,
        "You cannot publish over the previously published versions: 1.0.0.", force=True,
    ),
    "npmjs expired token": Case(
        "npmjs", "", 404, "Not Found", "dave",
        extra="npm notice Access token expired or revoked. Please try logging in again.",
    ),
    "npmjs bad token": Case("npmjs", "", 401, None, "bogus", extra=E401),
    "npmjs no permission": Case(
        "npmjs", "", 403,
        'You do not have permission to publish "{name}". Are you logged in as the correct user?',
        "reader",
    ),
}  # fmt: skip


def _arrange(emulator: Emulator, setup: str, name: str) -> str | None:
    """Prepare the case; returns the repository to publish to (None: the default one)."""
    registry = emulator.registry
    repo = unique_name("repo")
    if setup == "seed":
        registry.seed(name, "1.0.0")
        return None
    if setup == "excluding":
        registry.add_repo(repo, "local", excludes=("@acme/**",))
    elif setup == "remote":
        registry.add_repo(repo, "remote")
    elif setup == "virtual":
        registry.add_repo(repo, "virtual", members=[registry.default_repo_key])
    elif setup == "read-only":
        registry.add_repo(repo, "hosted", policy="read-only")
    elif setup == "proxy":
        registry.add_repo(repo, "proxy")
    elif setup == "group":
        registry.add_repo(repo, "group", members=[registry.default_repo_key])
    elif setup == "locked":
        registry.add_repo(repo, "hosted", latest_tag_locked=True)
        registry.seed(name, "0.9.0", repo=repo)
    else:
        return None
    return repo


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_characteristic_failures(
    emulators: dict[str, Emulator], client: ClientFactory, case: Case
) -> None:
    emulator = emulators[case.flavor]
    name = unique_name("fail", scope="acme")
    repo = _arrange(emulator, case.setup, name)
    token = "npm_bogus" if case.user == "bogus" else emulator.token(case.user)
    cli = client("npm", emulator.url(repo), token)
    emulator.registry.journal.clear()
    result = cli.publish(cli.make_package(name, "1.0.0"), *(["--force"] if case.force else []))
    assert result.returncode == 1, result.output
    puts = emulator.registry.journal.find(method="PUT")
    assert [e.status for e in puts] == [case.status], "one PUT reaches the registry"
    if case.line:
        path = f"{name}/-/{name.rsplit('/', 1)[-1]}-1.0.0.tgz"
        error = case.error.format(repo=repo, path=path, name=name) if case.error else None
        expected = error_line(case.line, emulator.url(repo), name, error)
        assert expected in result.output
        if error is None:  # npm adds " - <error>" only for a JSON body with a string error
            assert f"{expected} - " not in result.output
    if case.extra:
        assert case.extra in result.output
    assert emulator.registry.document(name, repo) is None or case.setup in ("seed", "locked")


# -- flavor behaviours needing their own server or several steps ----------------------------


def test_artifactory_virtual_with_default_deploys_into_its_local_repo(
    emulators: dict[str, Emulator], client: ClientFactory
) -> None:
    emulator = emulators["artifactory"]
    virtual = unique_name("virtual")
    emulator.registry.add_repo(
        virtual, "virtual", members=["npm-local"], default_deployment_repo="npm-local"
    )
    cli = npm(client, emulator, repo=virtual)
    name = unique_name("via-virtual", scope="acme")
    cli.publish(cli.make_package(name, "1.0.0")).check()
    assert emulator.registry.document(name, "npm-local") is not None
    result, project = cli.install(name)
    result.check()
    assert installed_manifest(project, name) is not None


def test_nexus_allow_redeploy_overwrites(
    emulators: dict[str, Emulator], client: ClientFactory
) -> None:
    emulator = emulators["nexus"]
    repo = unique_name("allow")
    emulator.registry.add_repo(repo, "hosted", policy="allow")
    cli = npm(client, emulator, repo=repo)
    name = unique_name("redeploy")
    cli.publish(cli.make_package(name, "1.0.0", files={"a.js": "1"})).check()
    before = emulator.registry.tarball(name, "1.0.0", repo)
    cli.publish(cli.make_package(name, "1.0.0", files={"a.js": "2"}), "--force").check()
    assert emulator.registry.tarball(name, "1.0.0", repo) != before


@pytest.fixture
def small_verdaccio() -> Iterator[Emulator]:
    emulator = start_emulator("verdaccio", max_body_size=1024)
    yield emulator
    emulator.server.stop()


def test_verdaccio_body_too_large(small_verdaccio: Emulator, client: ClientFactory) -> None:
    cli = npm(client, small_verdaccio)
    name = unique_name("big")
    blob = "".join(f"{i:08x}" for i in range(4000))  # does not compress away
    result = cli.publish(cli.make_package(name, "1.0.0", files={"blob.txt": blob}))
    assert result.returncode == 1
    line = error_line("413 Payload Too Large", small_verdaccio.url(), name)
    assert f"{line} - request entity too large" in result.output


@pytest.fixture
def npmjs_with_clock() -> Iterator[tuple[Emulator, FakeClock]]:
    clock = FakeClock()
    emulator = start_emulator("npmjs", clock=clock)
    yield emulator, clock
    emulator.server.stop()


def test_npmjs_24_hour_block_after_unpublish(
    npmjs_with_clock: tuple[Emulator, FakeClock], client: ClientFactory
) -> None:
    emulator, clock = npmjs_with_clock
    cli = npm(client, emulator)
    name = unique_name("tombstone")
    cli.publish(cli.make_package(name, "1.0.0")).check()
    cli.run("unpublish", name, "--force").check()
    blocked = cli.publish(cli.make_package(name, "2.0.0"))
    assert blocked.returncode == 1
    assert (
        error_line(
            "403 Forbidden",
            emulator.url(),
            name,
            f"{name} cannot be republished until 24 hours have passed.",
        )
        in blocked.output
    )
    clock.advance(timedelta(hours=24, seconds=1))
    cli.publish(cli.make_package(name, "2.0.0")).check()


@pytest.mark.parametrize("flavor", ["npmjs", "artifactory"])
def test_otp_flow(emulators: dict[str, Emulator], client: ClientFactory, flavor: str) -> None:
    emulator = emulators[flavor]
    cli = npm(client, emulator, "carol")
    name = unique_name("otp")
    pkg = cli.make_package(name, "1.0.0")
    without = cli.publish(pkg)
    assert without.returncode == 1
    assert "EOTP" in without.output
    assert "one-time password" in without.output
    cli.publish(pkg, f"--otp={emulator.registry.otp('carol')}").check()
    assert emulator.registry.document(name) is not None


def test_npm_stage_publish_list_approve_on_npmjs(
    emulators: dict[str, Emulator], client: ClientFactory
) -> None:
    """npm 11's other publish route: ``npm stage publish`` sends POST /-/stage/package/<esc>."""
    emulator = emulators["npmjs"]
    cli = npm(client, emulator)
    name = unique_name("staged", scope="acme")
    emulator.registry.journal.clear()
    cli.run("stage", "publish", cwd=cli.make_package(name, "1.0.0")).check()
    [post] = emulator.registry.journal.find(method="POST")
    assert post.path == f"/-/stage/package/{escape_name(name)}"
    assert emulator.registry.document(name) is None
    listed = cli.run("stage", "list").check().stdout
    stage_id = next(line.split(": ", 1)[1] for line in listed.splitlines() if line.startswith("id"))
    cli.run("stage", "approve", stage_id).check()
    assert emulator.registry.document(name) is not None
