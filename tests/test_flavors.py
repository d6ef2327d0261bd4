"""What the guard knows about each flavor, asked of the flavor object (pure)."""

from __future__ import annotations

import pytest
from yarl import URL

from publish_guard.flavors import (
    ARTIFACTORY,
    AZURE,
    CODEARTIFACT,
    FLAVORS,
    GENERIC,
    GITEA,
    GITHUB,
    GITLAB,
    NEXUS,
    NPMJS,
    VERDACCIO,
    Refused,
    flavor_from_headers,
    flavor_from_url,
)
from publish_guard.redact import scrub_text


@pytest.mark.parametrize(
    ("flavor", "url", "repo"),
    [
        (ARTIFACTORY, "https://a.example/artifactory/api/npm/npm-local/", "npm-local"),
        (ARTIFACTORY, "https://a.example/artifactory/api/npm/", None),
        (NEXUS, "https://n.example/repository/npm-hosted/", "npm-hosted"),
        (NEXUS, "https://n.example/", None),
        (VERDACCIO, "http://v.example/repository/x/", None),
        (GENERIC, "http://r.example/npm/x/", None),
        (GITLAB, "https://gitlab.example/api/v4/projects/42/packages/npm/", "42"),
        (GITLAB, "https://gitlab.example/api/v4/packages/npm/", None),
        (AZURE, "https://pkgs.dev.azure.com/acme/web/_packaging/feed/npm/registry/", "feed"),
        (AZURE, "https://pkgs.dev.azure.com/acme/_packaging/feed/npm/registry/", "feed"),
        (CODEARTIFACT, "https://d-1.d.codeartifact.us-west-2.amazonaws.com/npm/repo/", "repo"),
        (GITEA, "https://codeberg.org/api/packages/acme/npm/", "acme"),
    ],
)
def test_the_repository_named_in_the_upstream_url(flavor: object, url: str, repo: str) -> None:
    assert FLAVORS[flavor.key].repo_key(URL(url)) == repo  # type: ignore[attr-defined]


def test_only_artifactory_reads_the_repository_description_of_a_forbidden_publish() -> None:
    assert ARTIFACTORY.wants_repo_info(403, "publish")
    assert not ARTIFACTORY.wants_repo_info(403, "dist-tag")
    assert not ARTIFACTORY.wants_repo_info(401, "publish")
    assert not any(f.wants_repo_info(403, "publish") for f in (NEXUS, VERDACCIO, NPMJS, GENERIC))


def test_each_flavor_says_why_a_user_may_not_publish_in_its_own_terms() -> None:
    assert "config.yaml" in VERDACCIO.may_not_publish().fix
    assert "npm owner add" in NPMJS.may_not_publish().fix
    assert NPMJS.reserves_unpublished
    assert not GENERIC.reserves_unpublished


def test_flavors_without_rules_of_their_own_leave_a_refusal_to_the_shared_ones() -> None:
    refused = Refused(status=403, said="forbidden", command="publish", repo="x")
    assert VERDACCIO.advise(refused) is None
    assert NPMJS.advise(refused) is None
    advice = NEXUS.advise(refused)
    assert advice is not None
    assert advice.kind == "permission"
    assert "nx-repository-view-npm-x-add" in advice.fix


@pytest.mark.parametrize(
    "url",
    [
        "https://npm.pkg.github.com/",
        "https://npm.octocorp.ghe.com/",
        "https://github.example.com/_registry/npm/",
    ],
)
def test_github_packages_is_known_by_its_url(url: str) -> None:
    assert flavor_from_url(URL(url)) is GITHUB


def test_github_packages_is_known_by_its_realm() -> None:
    challenge = {"WWW-Authenticate": 'Basic realm="GitHub Package Registry"'}
    assert flavor_from_headers(challenge) is GITHUB
    assert flavor_from_headers({"WWW-Authenticate": "Basic, Bearer"}) is None


@pytest.mark.parametrize(
    ("said", "kind", "fix"),
    [
        ("permission permission_denied: write_package", "permission", "write:packages"),
        (
            "permission installation not allowed to write organization package",
            "permission",
            "Manage Actions access",
        ),
        ("permission not_found: owner not found", "repository", "@<owner>/<name>"),
    ],
)
def test_github_reads_its_403s(said: str, kind: str, fix: str) -> None:
    advice = GITHUB.advise(Refused(403, said, "publish", "?", "@octo/widget", "1.0.0"))
    assert advice is not None
    assert (advice.kind, fix in advice.fix) == (kind, True)
    exists = Refused(409, "cannot publish over existing version", "publish", "?")
    assert GITHUB.advise(exists) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.example/api/v4/projects/42/packages/npm/",
        "https://gitlab.example/api/v4/groups/7/-/packages/npm/",
        "https://gitlab.example/api/v4/packages/npm/",
    ],
)
def test_gitlab_is_known_by_its_url(url: str) -> None:
    assert flavor_from_url(URL(url)) is GITLAB


def test_gitlab_reads_its_bare_403_as_a_missing_role_in_the_project() -> None:
    advice = GITLAB.advise(Refused(403, "403 forbidden", "publish", "42"))
    assert advice is not None
    assert advice.kind == "permission"
    assert "project 42" in advice.cause
    assert "Developer role" in advice.fix
    assert GITLAB.advise(Refused(403, "package already exists.", "publish", "42")) is None


def test_azure_artifacts_is_known_by_its_url_and_never_reuses_a_version() -> None:
    url = "https://acme.pkgs.visualstudio.com/_packaging/feed/npm/registry/"
    assert flavor_from_url(URL(url)) is AZURE
    assert AZURE.reserves_unpublished


@pytest.mark.parametrize(
    ("status", "said", "kind", "words"),
    [
        (
            403,
            "user 'x' lacks permission to complete this action. you need to have 'addpackage'.",
            "permission",
            "Feed Publisher (Contributor)",
        ),
        (
            409,
            "'widget 1.0.0' cannot be published to the feed because it exists in at least one of "
            "the feed's upstream sources.",
            "repository",
            "Upstream sources",
        ),
    ],
)
def test_azure_reads_its_refusals(status: int, said: str, kind: str, words: str) -> None:
    advice = AZURE.advise(Refused(status, said, "publish", "feed", "widget", "1.0.0"))
    assert advice is not None
    assert advice.kind == kind
    assert words in advice.fix


def test_codeartifact_is_known_by_its_host_and_names_the_iam_action() -> None:
    url = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/npm/my-repo/"
    assert flavor_from_url(URL(url)) is CODEARTIFACT
    advice = CODEARTIFACT.advise(Refused(403, "", "publish", "my-repo"))
    assert advice is not None
    assert "codeartifact:PublishPackageVersion" in advice.cause
    assert "delete-package-versions" in CODEARTIFACT.reuse_hint


def test_gitea_is_known_by_its_url_and_realm_and_says_its_401_is_ambiguous() -> None:
    assert flavor_from_url(URL("https://git.example/api/packages/acme/npm/")) is GITEA
    assert flavor_from_url(URL("https://git.example/api/packages/acme/pypi/")) is None
    assert flavor_from_headers({"WWW-Authenticate": 'Basic realm="Gitea Package API"'}) is GITEA
    assert "write:package" in GITEA.login_help
    advice = GITEA.advise(Refused(403, "no permission to upload this package", "publish", "acme"))
    assert advice is not None
    assert "repository field" in advice.cause


@pytest.mark.parametrize("key", sorted(FLAVORS))
def test_a_flavors_token_help_survives_the_answer_scrubber(key: str) -> None:
    """The hint that carries it is scrubbed on its way out: nothing of it may look like a
    secret (Nexus's "npm Bearer Token Realm" did)."""
    help_text = FLAVORS[key].login_help
    assert scrub_text(help_text) == help_text
