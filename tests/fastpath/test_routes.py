"""The fast path sends a request straight to the registry only when the guard would have passed
it on untouched: for any target, spelled any way, with any method and npm-command."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from publish_guard.config import load_settings
from publish_guard.fastpath.routes import UnroutableBase, direct_routes, matches
from publish_guard.middlewares import unprefixed
from publish_guard.npm.paths import package_document_name
from publish_guard.publish.devmode import DEV_PREFIX, hidden_from_publish_check
from publish_guard.publish.writes import WriteKind, classify
from publish_guard.target import UnsafeTarget, check_target

NEXUS = "http://127.0.0.1:1/repository/npm-hosted/"
PIECES = [
    "/", "@", "%40", "%2f", "%2F", "%252f", "..", ".", "%2e", "%2E", "-", "a", "B", "tgz",
    ".tgz", "?", "=", "&", "%", "\\", "%5c", ";", "%00", "~", "_", "guard", "dev", "v1",
    "search", "npm", "security", "advisories", "bulk", "audits", "repository", "npm-hosted",
    "-rev", "1.0.0", "!", "'", "(", "#", " ", "%20", "é", "*", "+",
]  # fmt: skip


def _guard_passes_untouched(argv: list[str], method: str, target: str, npm_command: str) -> bool:
    """What the guard does with the request, read from its own code: True only when it would
    forward it as it is, without a look, a rewrite or an answer of its own."""
    guard = load_settings(argv, {})
    try:
        checked = check_target(method, target)
    except UnsafeTarget:
        return False
    if checked.path.startswith(("/-/guard/", DEV_PREFIX)) or checked.path == "/-/guard":
        return False
    checked = unprefixed(checked, guard.upstream.raw_path)
    relative = checked.path[1:]
    kind = classify(method, relative).kind
    if kind is WriteKind.QUERY:
        return True
    if kind is not WriteKind.READ or method == "OPTIONS":
        return False
    if hidden_from_publish_check(guard, method, relative, npm_command or None, False):
        return False
    rewrites = guard.public_url is not None and package_document_name(relative) is not None
    return not rewrites


SETUPS = [
    ["--upstream", NEXUS],
    ["--upstream", "http://127.0.0.1:1/", "--public-url", "http://guard.example.com/"],
    ["--upstream", "http://127.0.0.1:1/", "--dev-mode", "always", "--dev-scope", "@ci"],
]


def _routes(argv: list[str]) -> object:
    guard = load_settings(argv, {})
    routes, _ = direct_routes(
        guard.upstream.raw_path,
        documents=guard.public_url is None,
        dev_mode=guard.dev_mode != "off",
    )
    return routes


@settings(max_examples=3000, deadline=None)
@given(
    setup=st.sampled_from(range(len(SETUPS))),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
    pieces=st.lists(st.sampled_from(PIECES), max_size=12),
    npm_command=st.sampled_from(["", "install", "publish", "ci"]),
)
@example(0, "GET", ["a"], "")
@example(0, "GET", ["repository", "/", "npm-hosted", "/", "a", "/", "-", "/", "a", ".tgz"], "")
def test_a_direct_request_is_one_the_guard_passes_untouched(
    setup: int, method: str, pieces: list[str], npm_command: str
) -> None:
    argv = SETUPS[setup]
    target = "/" + "".join(pieces)
    direct = matches(_routes(argv), method, target, npm_command)  # type: ignore[arg-type]
    if direct:
        assert _guard_passes_untouched(argv, method, target, npm_command), (method, target)


@pytest.mark.parametrize(
    ("method", "target", "command", "direct"),
    [
        ("GET", "/widget", "install", True),
        ("HEAD", "/widget", "", True),
        ("GET", "/@acme%2fwidget", "install", True),
        ("GET", "/%40acme%2Fwidget?write=true", "", True),
        ("GET", "/@acme/widget/-/widget-1.0.0.tgz", "install", True),
        ("GET", "/@acme/widget/-/@acme/widget-1.0.0.tgz", "", True),  # Artifactory's
        ("GET", "/repository/npm-hosted/widget/-/widget-1.0.0.tgz", "", True),  # Nexus's
        ("GET", "/-/v1/search?text=widget&size=20", "search", True),
        ("POST", "/-/npm/v1/security/advisories/bulk", "install", True),
        ("POST", "/-/npm/v1/security/audits/quick", "audit", True),
        ("PUT", "/widget", "publish", False),
        ("GET", "/-/guard/status.json", "", False),
        ("GET", "/-/dev/widget", "", False),
        ("GET", "/-/whoami", "whoami", False),
        ("GET", "/widget/", "", False),
        ("GET", "/%2e%2e/admin", "", False),
        ("GET", "/widget/-/..%2fsecret.tgz", "", False),
        ("DELETE", "/widget/-/widget-1.0.0.tgz/-rev/1-a", "unpublish", False),
        ("OPTIONS", "/widget", "", False),
    ],
)
def test_what_goes_straight_to_the_registry(
    method: str, target: str, command: str, direct: bool
) -> None:
    routes = _routes(SETUPS[0])
    assert matches(routes, method, target, command) is direct  # type: ignore[arg-type]


def test_dev_mode_sends_npms_pre_publish_read_to_the_guard() -> None:
    routes = _routes(SETUPS[2])
    assert matches(routes, "GET", "/@ci%2fwidget", "install")  # type: ignore[arg-type]
    assert not matches(routes, "GET", "/@ci%2fwidget", "publish")  # type: ignore[arg-type]
    # the guard reads header values its own way (it trims tabs): any spelling that holds
    # "publish", and any byte npm never sends there, goes to the guard
    for command in ("publish\t", "\tpublish", " publish ", "xpublish", "in\x0bstall", "a:b"):
        assert not matches(routes, "GET", "/@ci%2fwidget", command), command  # type: ignore[arg-type]


def test_public_url_sends_documents_to_the_guard_and_tarballs_straight() -> None:
    routes = _routes(SETUPS[1])
    assert not matches(routes, "GET", "/widget", "install")  # type: ignore[arg-type]
    assert matches(routes, "GET", "/widget/-/widget-1.0.0.tgz", "")  # type: ignore[arg-type]


def test_a_base_path_that_cannot_be_a_pattern_is_refused() -> None:
    with pytest.raises(UnroutableBase, match="base path"):
        direct_routes("/a b/(x)/", documents=True, dev_mode=False)
