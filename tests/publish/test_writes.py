"""Every write is understood whatever its spelling, or it is unknown (pure)."""

from __future__ import annotations

import pytest

from publish_guard.config import parse_allowed_write
from publish_guard.publish.writes import WriteKind, classify

DOC, PUB, UPD = WriteKind.DOCUMENT_PUT, WriteKind.PUBLISH, WriteKind.DOCUMENT_UPDATE
PKG, ACC, UNK, READ = (
    WriteKind.PACKAGE_WRITE,
    WriteKind.ACCOUNT_WRITE,
    WriteKind.UNKNOWN,
    WriteKind.READ,
)
QUERY = WriteKind.QUERY


@pytest.mark.parametrize(
    ("method", "path", "kind", "package"),
    [
        # a publish's path, as every client and proxy spells it, and as upstreams normalise it
        ("PUT", "widget", DOC, "widget"),
        ("PUT", "widget/", DOC, "widget"),
        ("PUT", "widget?write=true", DOC, "widget"),
        ("PUT", "widget/?x=1", DOC, "widget"),
        ("PUT", "%77idget", DOC, "widget"),
        ("PUT", "@acme%2fwidget", DOC, "@acme/widget"),
        ("PUT", "@acme%2Fwidget", DOC, "@acme/widget"),
        ("PUT", "%40acme%2Fwidget", DOC, "@acme/widget"),
        ("PUT", "%40acme%2fwidget/", DOC, "@acme/widget"),
        ("PUT", "@acme/widget", DOC, "@acme/widget"),
        ("PUT", "@acme/widget/", DOC, "@acme/widget"),
        ("POST", "-/stage/package/@acme%2fwidget", PUB, "@acme/widget"),
        ("POST", "-/stage/package/widget/", PUB, "widget"),
        # document updates and other package writes
        ("PUT", "widget/-rev/3-abc", UPD, "widget"),
        ("PUT", "widget/-rev/3-abc/", UPD, "widget"),
        ("PUT", "@acme%2fwidget/-rev/3-abc", UPD, "@acme/widget"),
        ("DELETE", "widget/-rev/3-abc", PKG, "widget"),
        ("DELETE", "widget/-/widget-1.0.0.tgz/-rev/4-x", PKG, "widget"),
        ("PUT", "-/package/widget/dist-tags/beta", PKG, "widget"),
        ("DELETE", "-/package/@acme%2fwidget/dist-tags/beta", PKG, "@acme/widget"),
        ("POST", "-/package/widget/access", PKG, "widget"),
        ("POST", "-/package/widget/trust", PKG, "widget"),
        # account writes
        ("PUT", "-/user/org.couchdb.user:alice", ACC, None),
        ("DELETE", "-/user/token/npm_abc%3D%3D", ACC, None),
        ("POST", "-/npm/v1/tokens", ACC, None),
        ("DELETE", "-/npm/v1/tokens/token/abc123", ACC, None),
        ("POST", "-/npm/v1/security/advisories/bulk", QUERY, None),
        ("POST", "-/npm/v1/security/audits/quick", QUERY, None),
        ("POST", "-/npm/v1/security/audits", QUERY, None),
        ("POST", "-/v1/login", ACC, None),
        ("PUT", "-/team/acme/devs/package", ACC, None),
        ("PUT", "-/org/acme/user", ACC, None),
        # reads pass, whatever they name
        ("GET", "widget/", READ, "widget"),
        ("HEAD", "-/anything/at/all", READ, None),
        # unknown: refused unless allowed by name
        ("PUT", "widget//", UNK, None),
        ("PUT", "widget/1.0.0", UNK, None),
        ("PUT", "widget/-/widget-1.0.0.tgz", UNK, None),
        ("PATCH", "widget", UNK, None),
        ("POST", "widget", UNK, None),
        ("DELETE", "widget", UNK, None),
        ("PUT", "@acme%252fwidget", UNK, None),
        ("PUT", "Bad Name!", UNK, None),
        ("PUT", "", UNK, None),
        ("PROPFIND", "widget", UNK, None),
        ("POST", "-/verdaccio/sec/login", UNK, None),
        ("PUT", "-/user/token/abc", UNK, None),
        ("POST", "-/package/widget/dist-tags/beta/extra", UNK, None),
    ],
)
def test_every_write_is_classified(
    method: str, path: str, kind: WriteKind, package: str | None
) -> None:
    write = classify(method, path)
    assert write.kind is kind
    if kind is not UNK:
        assert write.package == package


def test_allowed_writes_name_a_method_and_a_path_glob() -> None:
    allowed = parse_allowed_write("post /-/verdaccio/*")
    assert allowed.matches("POST", "-/verdaccio/sec/login")
    assert allowed.matches("POST", "-/verdaccio/sec/login?x=1")
    assert not allowed.matches("PUT", "-/verdaccio/sec/login")
    assert parse_allowed_write("* /-/custom/*").matches("DELETE", "-/custom/x")
    for bad in ("/-/x", "POST -/x", "GET /-/x", "PO ST /x", ""):
        with pytest.raises(ValueError, match=r"METHOD /path-glob|reads always pass"):
            parse_allowed_write(bad)
