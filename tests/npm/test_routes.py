"""Which npm endpoint a path names, for the guard and the emulator alike (pure)."""

from __future__ import annotations

import pytest

from publish_guard.npm.routes import NpmPath, parse_npm_path


@pytest.mark.parametrize(
    ("sub", "kind", "name", "extra"),
    [
        ("", "root", None, {}),
        ("widget", "document", "widget", {}),
        ("@acme%2fwidget", "document", "@acme/widget", {}),
        ("@acme%2Fwidget", "document", "@acme/widget", {}),
        ("%40acme%2fwidget", "document", "@acme/widget", {}),
        ("@acme/widget", "document", "@acme/widget", {}),
        ("@acme/widget?write=true", "document", "@acme/widget", {}),
        ("@acme%2fwidget/1.0.0", "version", "@acme/widget", {"tag": "1.0.0"}),
        ("@acme/widget/-rev/3-abc", "document_rev", "@acme/widget", {"rev": "3-abc"}),
        (
            "@acme/widget/-/widget-1.0.0.tgz",
            "tarball",
            "@acme/widget",
            {"filename": "widget-1.0.0.tgz"},
        ),
        (
            "@acme/widget/-/widget-1.0.0.tgz/-rev/4-x",
            "tarball_rev",
            "@acme/widget",
            {"filename": "widget-1.0.0.tgz", "rev": "4-x"},
        ),
        (
            "@acme%2fwidget/-/@acme/widget-1.0.0.tgz",
            "tarball",
            "@acme/widget",
            {"filename": "@acme/widget-1.0.0.tgz"},
        ),
        ("-/ping", "ping", None, {}),
        ("-/whoami", "whoami", None, {}),
        ("-/user/org.couchdb.user:alice", "user", None, {"ident": "alice"}),
        ("-/user/org.couchdb.user:alice/-rev/1-x", "user", None, {"ident": "alice", "rev": "1-x"}),
        ("-/user/token/npm_abc", "logout", None, {"ident": "npm_abc"}),
        ("-/package/@acme%2fwidget/dist-tags", "dist_tags", "@acme/widget", {}),
        ("-/package/@acme/widget/dist-tags/beta", "dist_tag", "@acme/widget", {"tag": "beta"}),
        ("-/stage/package/@acme%2fwidget", "stage_package", "@acme/widget", {}),
        ("-/stage", "stage_list", None, {}),
        ("-/stage/abc/approve", "stage_approve", None, {"ident": "abc"}),
        ("-/v1/search", "search", None, {}),
        ("-/npm/v1/security/advisories/bulk", "audit_bulk", None, {}),
        ("-/npm/v1/security/audits/quick", "audit_quick", None, {}),
        ("-/npm/v1/tokens", "tokens", None, {}),
        ("-/npm/v1/tokens/token/abc", "token", None, {"ident": "abc"}),
        ("-/user/token/npm_abc%3D%3D", "logout", None, {"ident": "npm_abc=="}),
        ("-/package/widget/access", "package_access", "widget", {}),
        ("-/package/widget/trust/7", "package_trust", "widget", {"ident": "7"}),
        ("-/team/acme/devs/package", "team_package", None, {"ident": "acme:devs"}),
        ("-/org/acme/user", "org_user", None, {"ident": "acme"}),
        (
            "-/npm/v1/oidc/token/exchange/package/@acme%2fwidget",
            "oidc_exchange",
            "@acme/widget",
            {},
        ),
        ("widget/", "document", "widget", {}),
        ("widget/-rev/3-abc/", "document_rev", "widget", {"rev": "3-abc"}),
        ("widget//", "unknown", None, {}),
        ("-/user/token/a/b", "unknown", None, {}),
        ("-//ping", "unknown", None, {}),
        ("Bad Name!", "unknown", None, {}),
    ],
)
def test_parse_npm_path(sub: str, kind: str, name: str | None, extra: dict[str, str]) -> None:
    parsed = parse_npm_path(sub)
    assert parsed.kind == kind
    assert (parsed.name.full if parsed.name else None) == name
    for key, value in extra.items():
        assert getattr(parsed, key) == value
    assert isinstance(parsed, NpmPath)
