"""Upstream refusals → the guard's codes and texts (pure, literals)."""

from __future__ import annotations

import pytest

from publish_guard.explain.refusals import Refusal, WriteContext, explain_refusal, is_otp_challenge
from publish_guard.flavors import FLAVORS


def _ctx(flavor: str, command: str = "publish", **kw: object) -> WriteContext:
    return WriteContext(
        command=command,
        flavor=FLAVORS[flavor],
        guard_url="http://guard.example:8080/",
        package="widget",
        version="1.0.0",
        repo="npm-local",
        **kw,  # type: ignore[arg-type]
    )


def _refusal(status: int, body: bytes = b"", **headers: str) -> Refusal:
    return Refusal(status, "", {k.replace("_", "-"): v for k, v in headers.items()}, body)


def test_html_bodies_are_quoted_by_their_title() -> None:
    page = (
        b"<html><head><title>400 - Repository with ID='releases' does not allow updating "
        b"artifacts.</title></head><body>" + b"x" * 5000 + b"</body></html>"
    )
    assert (
        _refusal(400, page).said()
        == "400 - Repository with ID='releases' does not allow updating artifacts."
    )


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            b'{"error":"forbidden","reason":"cannot modify pre-existing version: 1.0.0."}',
            "forbidden; cannot modify pre-existing version: 1.0.0.",
        ),
        (
            b'{"errors":[{"status":403,"message":"Not enough permissions"}]}',
            "Not enough permissions",
        ),
        (
            b'{"success":false,"error":"Repository does not allow updating assets: npm-hosted"}',
            "Repository does not allow updating assets: npm-hosted",
        ),
        (b"plain text\nsecond line", "plain text"),
        (b"", ""),
        (b'{"error":"bad token npm_abcdefghijklmnopqrstuvwxyz0123"}', "bad token [redacted]"),
    ],
)
def test_what_the_upstream_said(body: bytes, said: str) -> None:
    assert _refusal(400, body).said() == said


def test_otp_challenges_pass_untouched() -> None:
    assert is_otp_challenge(_refusal(401, www_authenticate="OTP"))
    assert is_otp_challenge(_refusal(401, b'{"error":"You must provide a one-time pass."}'))
    assert explain_refusal(_refusal(401, www_authenticate="OTP"), _ctx("npmjs")) is None
    assert not is_otp_challenge(_refusal(401, www_authenticate='Basic realm="Artifactory Realm"'))


@pytest.mark.parametrize(
    ("flavor", "refusal", "code", "words"),
    [
        (
            "nexus",
            _refusal(401, www_authenticate='BASIC realm="Sonatype Nexus Repository Manager"'),
            "AUTH_REJECTED",
            "npm Bearer Token Realm",
        ),
        (
            "npmjs",
            _refusal(
                404,
                b'{"error":"Not Found"}',
                npm_notice="Access token expired or revoked. Please try logging in again.",
            ),
            "TOKEN_EXPIRED",
            "expired or revoked",
        ),
        ("artifactory", _refusal(403, b'{"error":"forbidden"}'), "NO_PERMISSION", "likely causes"),
        (
            "nexus",
            _refusal(400, b'{"success":false,"error":"Repository is read only: npm-local"}'),
            "REPO_READ_ONLY",
            "read-only",
        ),
        ("nexus", _refusal(400), "REPO_NOT_DEPLOYABLE", "group repository"),
        (
            "artifactory",
            _refusal(
                403,
                b'{"errors":[{"status":403,"message":"Not enough permissions to delete/overwrite '
                b"artifact 'npm-local:w/-/w-1.0.0.tgz' (user: 'ci' needs DELETE permission).\"}]}",
            ),
            "NO_PERMISSION",
            "Delete/Overwrite permission",
        ),
        (
            "verdaccio",
            _refusal(413, b'{"error":"request entity too large"}'),
            "TOO_LARGE_UPSTREAM",
            "larger than it accepts",
        ),
        (
            "verdaccio",
            _refusal(409, b'{"error":"this package is already present"}'),
            "UPSTREAM_REJECTED",
            "this package is already present",
        ),
        (
            "github",
            _refusal(
                401,
                b'{"error":"unauthenticated: User cannot be authenticated with the token '
                b'provided."}',
            ),
            "AUTH_REJECTED",
            "write:packages",
        ),
        (
            "github",
            _refusal(403, b'{"error":"Permission permission_denied: write_package"}'),
            "NO_PERMISSION",
            "lacks the write:packages scope",
        ),
        (
            "gitlab",
            _refusal(401, b'{"message":"401 Unauthorized"}'),
            "AUTH_REJECTED",
            "write_package_registry",
        ),
        (
            "gitlab",
            _refusal(403, b'{"message":"403 Forbidden"}'),
            "NO_PERMISSION",
            "Developer role",
        ),
        (
            "azure",
            Refusal(
                403,
                "Forbidden - User 'x' lacks permission to complete this action. You need to "
                "have 'AddPackage'.",
                {},
                b"",
            ),
            "NO_PERMISSION",
            "Feed Publisher (Contributor)",
        ),
        (
            "codeartifact",
            _refusal(401, www_authenticate='Bearer realm="acme/my-repo"'),
            "AUTH_REJECTED",
            "get-authorization-token",
        ),
        (
            "codeartifact",
            _refusal(403, b'{"error":"User is not authorized to perform: codeartifact:X"}'),
            "NO_PERMISSION",
            "codeartifact:PublishPackageVersion",
        ),
        (
            "gitea",
            _refusal(
                401, b"reqPackageAccess\n", www_authenticate='Basic realm="Gitea Package API"'
            ),
            "AUTH_REJECTED",
            "lacks that scope or its user may not write the owner's packages",
        ),
        (
            "azure",
            Refusal(
                409,
                "Conflict - 'left-pad 1.3.0' cannot be published to the feed because it exists "
                "in at least one of the feed's upstream sources.",
                {},
                b"",
            ),
            "REPO_NOT_DEPLOYABLE",
            "Upstream sources",
        ),
        (
            "gitea",
            _refusal(403, b'{"error":"maximum allowed package storage quota exceeded"}'),
            "REPO_NOT_DEPLOYABLE",
            "LIMIT_TOTAL_OWNER_SIZE",
        ),
        (
            "gitea",
            _refusal(400, b'{"error":"package version already exists"}'),  # before Gitea 1.21
            "UPSTREAM_REJECTED",
            "Gitea already holds widget@1.0.0",
        ),
        (
            "npmjs",
            _refusal(500, b"<html><title>Oops</title></html>"),
            "UPSTREAM_REJECTED",
            "(Oops)",
        ),
    ],
)
def test_codes_by_flavor(flavor: str, refusal: Refusal, code: str, words: str) -> None:
    error = explain_refusal(refusal, _ctx(flavor))
    assert error is not None
    assert error.code == code
    assert error.status == refusal.status
    assert words in error.error + error.hint
    assert "\n" not in error.error


def test_artifactory_names_the_repository_type_when_it_can_read_it() -> None:
    remote = explain_refusal(
        _refusal(403, b'{"error":"forbidden"}'), _ctx("artifactory", repo_info={"rclass": "remote"})
    )
    assert remote is not None
    assert "npm-local is a remote repository" in remote.error
    local = explain_refusal(
        _refusal(403, b'{"error":"forbidden"}'),
        _ctx("artifactory", repo_info={"rclass": "local"}, version_visible=True),
    )
    assert local is not None
    assert "widget@1.0.0 does not exist there, so this is not a version collision" in local.error


def test_the_401_answer_names_the_guard_url_in_npmrc_form() -> None:
    error = explain_refusal(_refusal(401), _ctx("artifactory"))
    assert error is not None
    assert "//guard.example:8080/:_authToken=<token>" in error.hint
    assert "npm login --registry http://guard.example:8080/" in error.hint


def test_a_sentence_in_the_status_line_is_what_the_upstream_said() -> None:
    azure = Refusal(403, "Forbidden - The feed 'f' already contains file 'w-1.0.0.tgz'.", {}, b"")
    assert azure.said() == "The feed 'f' already contains file 'w-1.0.0.tgz'."
    both = Refusal(
        403, "Forbidden - The feed 'f' is busy.", {}, b'{"message":"The feed \'f\' is busy."}'
    )
    assert both.said() == "The feed 'f' is busy."
    assert Refusal(403, "Forbidden", {}, b'{"error":"forbidden"}').said() == "forbidden"
