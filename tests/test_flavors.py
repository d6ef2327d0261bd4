"""What the guard knows about each flavor, asked of the flavor object (pure)."""

from __future__ import annotations

import pytest
from yarl import URL

from publish_guard.flavors import ARTIFACTORY, FLAVORS, GENERIC, NEXUS, NPMJS, VERDACCIO, Refused


@pytest.mark.parametrize(
    ("flavor", "url", "repo"),
    [
        (ARTIFACTORY, "https://a.example/artifactory/api/npm/npm-local/", "npm-local"),
        (ARTIFACTORY, "https://a.example/artifactory/api/npm/", None),
        (NEXUS, "https://n.example/repository/npm-hosted/", "npm-hosted"),
        (NEXUS, "https://n.example/", None),
        (VERDACCIO, "http://v.example/repository/x/", None),
        (GENERIC, "http://r.example/npm/x/", None),
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
