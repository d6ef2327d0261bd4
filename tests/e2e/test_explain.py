"""Issue 5: every upstream failure on a write, as the user sees it in npm's own output.

One test per failure row of UPSTREAMS.md: the real npm CLI (no retries, so 5xx answers are
shown once) through the guard to the emulator's flavor, or to real Verdaccio.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app
from tests.harness.clients import Client, Result, unique_name
from tests.harness.factories import ClientFactory, GuardFactory, User
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import Verdaccio

pytestmark = pytest.mark.e2e

Emulate = Callable[..., tuple[Registry, str]]
_SERVERS: dict[int, str] = {}


@pytest.fixture
def emulate() -> Iterator[Emulate]:
    """``emulate(flavor, **config)`` → (registry, npm URL of its default repository)."""
    servers: list[ServerThread] = []

    def start(flavor: str, **config: Any) -> tuple[Registry, str]:
        registry = Registry(RegistryConfig(flavor=flavor, **config))
        server = ServerThread(partial(create_registry_app, registry)).start()
        servers.append(server)
        _SERVERS[id(registry)] = server.url
        return registry, registry.npm_url(server.url)

    yield start
    for server in servers:
        server.stop()


def _npm(client: ClientFactory, url: str, token: str | None) -> Client:
    npm = client("npm", url, token)
    npm.env["npm_config_fetch_retries"] = "0"  # show a 5xx once instead of retrying it
    return npm


def _publish(npm: Client, name: str, version: str = "1.0.0", *args: str) -> Result:
    return npm.publish(npm.make_package(name, version), *args)


def _line(result: Result) -> str:
    """npm's error line: ``npm error <status> <text> - <METHOD> <url> - <error>``."""
    assert result.returncode != 0, result.output
    lines = [line for line in result.output.splitlines() if " - " in line and "npm error" in line]
    assert lines, result.output
    return lines[0]


# -- credentials ----------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["artifactory", "nexus", "npmjs"])
def test_bad_token_names_the_guard_url_to_configure(
    flavor: str, emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    _, url = emulate(flavor)
    server = guard(url, "--flavor", flavor)
    result = _publish(_npm(client, server.url, "npm_not-a-real-token"), unique_name("auth"))
    line = _line(result)
    assert line.startswith("npm error 401 Unauthorized - PUT ")
    assert "refused the credentials" in line
    assert f"the token npm sends for {server.url} is missing, expired or wrong" in line
    if flavor == "npmjs":  # the hint, as npm prints it from npm-notice: ASCII, never mojibake
        assert "npmjs.com -> Access Tokens" in result.output
    assert "\u00e2" not in result.output  # UTF-8 bytes of a header read as Latin-1


def test_bad_token_at_verdaccio(
    verdaccio: Verdaccio, guard: GuardFactory, client: ClientFactory
) -> None:
    server = guard(verdaccio.url)
    result = _publish(_npm(client, server.url, "bm90LWEtdG9rZW4="), unique_name("vauth"))
    line = _line(result)
    assert "401 Unauthorized" in line
    assert "authorization required to publish package" in line
    assert f"npm login --registry {server.url}" in result.output  # the hint, as npm-notice


def test_npmjs_expired_token_is_named_for_what_it_is(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("npmjs")
    dave = registry.add_user("dave", token_expires_in=timedelta(0))
    server = guard(url, "--flavor", "npmjs")
    result = _publish(_npm(client, server.url, dave.token), unique_name("expired"))
    line = _line(result)
    assert "404 Not Found" in line
    assert "the access token is expired or revoked" in line
    assert "npm login --registry" in result.output


def test_otp_flow_still_works_through_the_guard(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("npmjs")
    carol = registry.add_user("carol", otp=True)
    server = guard(url, "--flavor", "npmjs")
    npm = _npm(client, server.url, carol.token)
    name = unique_name("otp")
    without = _publish(npm, name)
    assert without.returncode != 0
    assert "one-time password" in without.output  # npm's own OTP handling, not the guard's
    with_code = npm.publish(npm.make_package(name, "1.0.0"), "--otp", registry.otp("carol"))
    with_code.check()
    assert registry.document(name) is not None


# -- permissions and repository types -------------------------------------------------------------


def test_artifactory_forbidden_without_deploy_is_not_called_a_collision(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("artifactory")
    reader = registry.add_user("reader", permissions="read")
    server = guard(url)
    line = _line(_publish(_npm(client, server.url, reader.token), unique_name("nodeploy")))
    assert "403 Forbidden" in line
    assert "Artifactory refused the publish of" in line
    assert "does not exist there, so this is not a version collision" in line
    assert "lacks the Deploy/Cache permission on npm-local" in line


def test_artifactory_virtual_without_default_deployment_repo(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, _ = emulate("artifactory")
    registry.add_repo("npm", "virtual", members=["npm-local"])
    user = registry.add_user("vuser")
    server_url = _server_url(registry)
    server = guard(registry.npm_url(server_url, "npm"))
    line = _line(_publish(_npm(client, server.url, user.token), unique_name("virtual")))
    assert "403 Forbidden" in line
    assert "npm is a virtual repository without a Default Deployment Repository" in line


def test_artifactory_remote_repository(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, _ = emulate("artifactory")
    registry.add_repo("npm-remote", "remote")
    user = registry.add_user("ruser")
    server = guard(registry.npm_url(_server_url(registry), "npm-remote"))
    line = _line(_publish(_npm(client, server.url, user.token), unique_name("remote")))
    assert "npm-remote is a remote repository" in line


def test_artifactory_include_exclude_patterns(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("artifactory")
    registry.update_repo("npm-local", excludes=("@blocked/**",))
    user = registry.add_user("puser")
    server = guard(url)
    line = _line(_publish(_npm(client, server.url, user.token), unique_name("x", scope="blocked")))
    assert "excludes this package name by its include/exclude patterns" in line


def test_nexus_no_privilege(emulate: Emulate, guard: GuardFactory, client: ClientFactory) -> None:
    registry, url = emulate("nexus")
    reader = registry.add_user("reader", permissions="read")
    server = guard(url)
    line = _line(_publish(_npm(client, server.url, reader.token), unique_name("nexus403")))
    assert "403 Forbidden" in line
    assert "nx-repository-view-npm-npm-hosted-add" in line


@pytest.mark.parametrize(
    ("kind", "status", "words"),
    [
        ("group", "403 Forbidden", "is a Nexus group repository"),
        ("proxy", "404 Not Found", "takes no publishes (Nexus answers 404 Not Found)"),
    ],
)
def test_nexus_group_and_proxy_repositories(
    kind: str, status: str, words: str, emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, _ = emulate("nexus")
    registry.add_repo(f"npm-{kind}", kind, members=["npm-hosted"] if kind == "group" else ())
    user = registry.add_user(f"{kind}user")
    server = guard(registry.npm_url(_server_url(registry), f"npm-{kind}"))
    line = _line(_publish(_npm(client, server.url, user.token), unique_name(kind)))
    assert status in line
    assert words in line


def test_nexus_read_only(emulate: Emulate, guard: GuardFactory, client: ClientFactory) -> None:
    registry, url = emulate("nexus")
    registry.update_repo("npm-hosted", policy="read-only")
    user = registry.add_user("rouser")
    server = guard(url)
    line = _line(_publish(_npm(client, server.url, user.token), unique_name("ro")))
    assert "400 Bad Request" in line
    assert "repository npm-hosted is read-only" in line


def test_nexus_redeploy_disabled_when_the_guard_cannot_see_the_version(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("nexus")
    name = unique_name("hidden")
    registry.seed(name, "1.0.0")
    registry.update_repo("npm-hosted", anonymous_read=False)
    deployer = registry.add_user("deployer", permissions="deploy")
    server = guard(url)
    line = _line(_publish(_npm(client, server.url, deployer.token), name, "1.0.0", "--force"))
    assert "400 Bad Request" in line
    assert "does not allow updating assets (redeploy is disabled)" in line
    assert "may lack the browse/read privilege" in line


def test_nexus_latest_tag_locked(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("nexus")
    registry.update_repo("npm-hosted", latest_tag_locked=True)
    user = registry.add_user("tagger")
    name = unique_name("locked")
    registry.seed(name, "1.0.0")
    server = guard(url)
    result = _publish(_npm(client, server.url, user.token), name, "1.1.0")
    assert "may not move the 'latest' dist-tag" in _line(result)
    assert "npm publish --tag next" in result.output


def test_verdaccio_user_not_allowed(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("verdaccio")
    reader = registry.add_user("reader", permissions="read")
    server = guard(url, "--flavor", "verdaccio")
    line = _line(_publish(_npm(client, server.url, reader.token), unique_name("vperm")))
    assert "403 Forbidden" in line
    assert "Verdaccio's package rules" in line


def test_npmjs_no_permission(emulate: Emulate, guard: GuardFactory, client: ClientFactory) -> None:
    registry, url = emulate("npmjs")
    reader = registry.add_user("reader", permissions="read")
    server = guard(url, "--flavor", "npmjs")
    line = _line(_publish(_npm(client, server.url, reader.token), unique_name("nperm")))
    assert 'You do not have permission to publish "' in line
    assert "not a maintainer of the package" in line


# -- size and availability ------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["verdaccio", "npmjs", "artifactory", "nexus"])
def test_body_too_large_for_the_upstream(
    flavor: str, emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate(flavor, max_body_size=2048)
    user = registry.add_user("big")
    server = guard(url, "--flavor", flavor)
    npm = _npm(client, server.url, user.token)
    noise = base64.b64encode(os.urandom(6000)).decode()  # does not compress
    package = npm.make_package(unique_name("big"), "1.0.0", files={"data.txt": noise})
    line = _line(npm.publish(package))
    assert "413 Payload Too Large" in line or "413 Request Entity Too Large" in line
    assert "is larger than it accepts" in line


def test_verdaccio_uplink_down(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("verdaccio")
    registry.update_repo(registry.repo().key, uplink_down=True)
    user = registry.add_user("up")
    server = guard(url, "--flavor", "verdaccio")
    line = _line(_publish(_npm(client, server.url, user.token), unique_name("uplink")))
    assert "503 Service Unavailable" in line
    assert "one of its uplinks (the registries it mirrors) is down" in line


# -- other writes and the network -----------------------------------------------------------------


def test_deprecate_and_dist_tag_refusals_are_explained(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("artifactory")
    name = unique_name("writes")
    registry.seed(name, "0.9.0")
    registry.seed(name, "1.0.0")
    reader = registry.add_user("reader", permissions="read")
    server = guard(url)
    npm = _npm(client, server.url, reader.token)
    line = _line(npm.run("dist-tag", "add", f"{name}@1.0.0", "beta"))
    assert "403 Forbidden - PUT " in line  # npm prints E403 as "403 403 Forbidden - PUT …"
    assert f"Artifactory refused the dist-tag change of {name}" in line
    assert "lacks the permission this change needs on npm-local" in line
    line = _line(npm.run("deprecate", f"{name}@1.0.0", "old"))
    assert f"Artifactory refused npm deprecate of {name}" in line
    line = _line(npm.run("unpublish", f"{name}@1.0.0"))
    assert f"Artifactory refused the unpublish of {name}" in line


def test_unresolvable_upstream_host_is_the_guards_hop(
    guard: GuardFactory, client: ClientFactory, verdaccio_user: User
) -> None:
    server = guard("http://npm.does-not-exist.invalid/")
    line = _line(_publish(_npm(client, server.url, verdaccio_user.token), unique_name("dns")))
    assert "502 Bad Gateway" in line
    assert "could not resolve the upstream registry host npm.does-not-exist.invalid" in line
    assert "the guard-to-registry hop failed" in line


def _server_url(registry: Registry) -> str:
    return _SERVERS[id(registry)]


def test_npmjs_unpublished_versions_stay_reserved(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("npmjs")
    user = registry.add_user("owner")
    server = guard(url, "--flavor", "npmjs")
    npm = _npm(client, server.url, user.token)
    name = unique_name("reserved")
    _publish(npm, name, "1.0.0").check()
    _publish(npm, name, "1.1.0").check()
    npm.run("unpublish", f"{name}@1.0.0").check()
    again = npm.publish(
        npm.make_package(name, "1.0.0", files={"index.js": "// again\n"}), "--force"
    )
    line = _line(again)
    assert "400 Bad Request" in line
    assert 'Cannot publish over previously published version "1.0.0".' in line
    assert "never lets a version number be used twice, even after unpublish" in line
    assert "next free: 1.1.1 (patch)" in line


def test_npmjs_whole_package_unpublish_blocks_for_24_hours(
    emulate: Emulate, guard: GuardFactory, client: ClientFactory
) -> None:
    registry, url = emulate("npmjs")
    user = registry.add_user("owner")
    server = guard(url, "--flavor", "npmjs")
    npm = _npm(client, server.url, user.token)
    name = unique_name("tomb")
    _publish(npm, name, "1.0.0").check()
    npm.run("unpublish", name, "--force").check()
    line = _line(_publish(npm, name, "2.0.0"))
    assert f"{name} cannot be republished until 24 hours have passed" in line
    assert "publishing is possible again after" in line
