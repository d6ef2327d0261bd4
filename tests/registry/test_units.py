"""Pure parts of the emulator: patterns, permissions, secrets, --repo specs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publish_guard.config import parse_listen
from publish_guard.registry.cli import parse_repo_spec
from publish_guard.registry.model import (
    DeploymentPolicy,
    Permission,
    Repo,
    RepoKind,
    parse_permissions,
)
from publish_guard.registry.secrets import parse_authorization, totp, verify_totp


@pytest.mark.parametrize(
    ("includes", "excludes", "path", "allowed"),
    [
        (("**/*",), (), "widget/-/widget-1.0.0.tgz", True),
        (("@acme/**",), (), "@acme/widget/-/widget-1.0.0.tgz", True),
        (("@acme/**",), (), "widget/-/widget-1.0.0.tgz", False),
        (("**/*",), ("@internal/**",), "@internal/x/-/x-1.0.0.tgz", False),
        (("**/*",), ("*/-/*-0.*.tgz",), "widget/-/widget-0.1.0.tgz", False),
        (("wid?et/**",), (), "widget/-/widget-1.0.0.tgz", True),
    ],
)
def test_ant_patterns(
    includes: tuple[str, ...], excludes: tuple[str, ...], path: str, allowed: bool
) -> None:
    assert Repo("r", includes=includes, excludes=excludes).artifact_allowed(path) is allowed


def test_permissions() -> None:
    assert parse_permissions(None) == {"*": frozenset(Permission)}
    assert parse_permissions("read") == {"*": frozenset({Permission.READ})}
    assert parse_permissions({"a": "read,publish", "b": ["unpublish"], "c": "none"}) == {
        "a": frozenset({Permission.READ, Permission.DEPLOY}),
        "b": frozenset({Permission.DELETE}),
        "c": frozenset(),
    }


def test_repo_specs() -> None:
    assert parse_repo_spec("npm-local") == Repo("npm-local")
    assert parse_repo_spec("npm-proxy:proxy").kind is RepoKind.REMOTE
    virtual = parse_repo_spec("npm:virtual:members=a+b:deploy=a")
    assert (virtual.kind, virtual.members, virtual.default_deployment_repo) == (
        RepoKind.VIRTUAL,
        ("a", "b"),
        "a",
    )
    hosted = parse_repo_spec("h:hosted:policy=read-only:latest-locked:excludes=@x/**")
    assert (hosted.policy, hosted.latest_tag_locked, hosted.excludes) == (
        DeploymentPolicy.READ_ONLY,
        True,
        ("@x/**",),
    )
    with pytest.raises(ValueError, match="unknown --repo option"):
        parse_repo_spec("x:local:colour=red")


def test_totp_rfc6238_vector() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    at = datetime.fromtimestamp(59, UTC)
    assert totp(secret, at) == "287082"
    assert verify_totp(secret, "287082", at)
    assert not verify_totp(secret, None, at)
    assert not verify_totp(secret, "123456", at)


def test_authorization_header() -> None:
    assert parse_authorization(None) is None
    assert parse_authorization("Bearer abc").token == "abc"  # type: ignore[union-attr]
    basic = parse_authorization("Basic YWxpY2U6cHc6eA==")  # alice:pw:x
    assert basic is not None
    assert (basic.username, basic.password) == ("alice", "pw:x")
    assert parse_authorization("Basic !!!") is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        (":0", ("127.0.0.1", 0)),
        ("[::1]:9", ("::1", 9)),
        ("4873", ("127.0.0.1", 4873)),
    ],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text, "127.0.0.1", bare_port=True) == expected


@pytest.mark.parametrize("text", ["http://127.0.0.1:9999", "127.0.0.1:8080/", "host", "h:x"])
def test_parse_listen_refuses_what_is_not_an_address(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not HOST:PORT \(example: 127\.0\.0\.1:8080\)"):
        parse_listen(text, "127.0.0.1")
