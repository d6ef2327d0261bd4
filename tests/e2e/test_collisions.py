"""Issue 4 with real clients through the guard: a collision is refused before the upstream
sees it, and the client's own output shows npm's sentence and the next free version."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Upstream
from tests.harness.clients import Client, unique_name
from tests.harness.factories import ClientFactory, GuardFactory

pytestmark = pytest.mark.e2e

SENTENCE = "You cannot publish over the previously published versions: {}."


def _assert_refused_before_upstream(
    upstream: Upstream, name: str, puts_before: int, version: str
) -> None:
    if upstream.registry is not None:
        assert upstream.puts(name) == puts_before, "the upstream received the second PUT"
    doc = upstream.document(name)
    assert doc is not None
    assert version in doc["versions"]


@pytest.mark.parametrize("tool", ["npm", "pnpm", "yarn"])
def test_second_publish_of_a_version_is_refused_with_the_next_free_one(
    tool: str, upstream: Upstream, guard: GuardFactory, client: ClientFactory
) -> None:
    server = guard(upstream.url)
    cli: Client = client(tool, server.url, upstream.token)  # type: ignore[arg-type]
    name = unique_name(f"{tool}-collide")
    cli.publish(cli.make_package(name, "1.0.0")).check()
    first = upstream.document(name)
    assert first is not None
    integrity = first["versions"]["1.0.0"]["dist"]["integrity"]
    puts = upstream.puts(name) if upstream.registry else 0

    changed = cli.make_package(name, "1.0.0", files={"index.js": "module.exports = 2\n"})
    # npm 11 refuses on its own first (pnpm 10 publishes through npm); --force reaches the PUT
    args = ("--force",) if tool in ("npm", "pnpm") else ()
    result = cli.publish(changed, *args)

    assert result.returncode != 0
    assert "403" in result.output
    assert SENTENCE.format("1.0.0") in result.output
    assert "next free: 1.0.1 (patch), 1.1.0 (minor), 2.0.0 (major)" in result.output
    _assert_refused_before_upstream(upstream, name, puts, "1.0.0")
    after = upstream.document(name)
    assert after is not None
    assert after["versions"]["1.0.0"]["dist"]["integrity"] == integrity


def test_prerelease_collision_suggests_the_next_prerelease(
    upstream: Upstream, guard: GuardFactory, client: ClientFactory
) -> None:
    server = guard(upstream.url)
    npm = client("npm", server.url, upstream.token)
    name = unique_name("rc")
    for version in ("1.1.0", "1.2.0-rc.1", "1.2.0-rc.2"):
        npm.publish(npm.make_package(name, version), "--tag", "next").check()
    puts = upstream.puts(name) if upstream.registry else 0

    again = npm.make_package(name, "1.2.0-rc.2", files={"index.js": "// changed\n"})
    result = npm.publish(again, "--tag", "next")  # npm 11 lets a prerelease through

    assert result.returncode != 0
    assert SENTENCE.format("1.2.0-rc.2") in result.output
    assert "1.2.0-rc.3 (next prerelease)" in result.output
    assert "npm version 1.2.0-rc.3" in result.output  # the npm-notice header's next step
    _assert_refused_before_upstream(upstream, name, puts, "1.2.0-rc.2")


def test_identical_republish_succeeds_without_reaching_the_upstream(
    upstream: Upstream, guard: GuardFactory, client: ClientFactory
) -> None:
    server = guard(upstream.url)
    npm = client("npm", server.url, upstream.token)
    name = unique_name("same")
    package = npm.make_package(name, "3.0.0")
    npm.publish(package).check()
    puts = upstream.puts(name) if upstream.registry else 0
    before = upstream.document(name)

    result = npm.publish(package, "--force").check()

    assert "identical content; nothing was changed" in result.output
    if upstream.registry is not None:
        assert upstream.puts(name) == puts
    after = upstream.document(name)
    assert before is not None
    assert after is not None
    assert after["versions"] == before["versions"]
