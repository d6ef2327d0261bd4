"""Each policy called directly with literals: a publish, the registry's document, the settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from publish_guard.config import load_settings
from publish_guard.flavors import ARTIFACTORY, NPMJS, VERDACCIO, Flavor
from publish_guard.npm.publish_body import parse_publish_body
from publish_guard.npm.tarball import read_package
from publish_guard.publish.policies import (
    Accept,
    Candidate,
    Continue,
    Findings,
    Forward,
    Refuse,
    Rewrite,
    decide,
)
from publish_guard.publish.policies.collision import not_taken
from publish_guard.publish.policies.dev import dev_mode
from publish_guard.publish.policies.manifest import agrees_with_tarball
from publish_guard.publish.policies.reservation import not_reserved
from publish_guard.registry.tarballs import make_publish_body

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _candidate(
    version: str = "1.0.0", *, tag: str = "latest", via_dev: bool = False, **manifest: Any
) -> Candidate:
    body = make_publish_body("w", version, tag=tag, manifest=manifest)
    parsed = parse_publish_body(body)
    return Candidate(parsed, read_package(parsed.tarball.data), via_dev)


def _facts(document: dict[str, Any] | None, *argv: str, flavor: Flavor = ARTIFACTORY) -> Findings:
    settings = load_settings(["--upstream", "http://r.example/", "--lock-dir", "off", *argv], {})
    return Findings(document, flavor, settings, "http://guard.example/", NOW)


def _published(candidate: Candidate, **changes: Any) -> dict[str, Any]:
    """The registry's document after ``candidate`` was published (and ``changes`` made)."""
    manifest = dict(candidate.parsed.manifest)
    manifest.update(changes)
    version = candidate.parsed.version
    return {
        "name": "w",
        "dist-tags": {"latest": version},
        "versions": {version: manifest},
        "time": {"created": "2026-11-01T00:00:00.000Z", version: "2026-11-01T00:00:00.000Z"},
    }


def test_a_free_version_goes_through_every_policy() -> None:
    decision = decide(_candidate(), _facts(None))
    assert isinstance(decision, Forward)
    assert decision.candidate.version == "1.0.0"


def test_an_identical_republish_is_accepted_and_anything_else_is_refused() -> None:
    sent = _candidate()
    assert isinstance(not_taken(sent, _facts(_published(sent))), Accept)
    refused = not_taken(sent, _facts(_published(sent), "--identical-republish", "reject"))
    assert isinstance(refused, Refuse)
    assert refused.error.code == "VERSION_EXISTS"

    other_tarball = _candidate(description="other bytes")
    outcome = not_taken(other_tarball, _facts(_published(sent)))
    assert isinstance(outcome, Refuse)
    assert outcome.error.extra_body["differs"] == ["tarball"]


def test_the_same_tarball_with_another_manifest_or_tag_is_not_a_retry() -> None:
    sent = _candidate()
    stored = _published(sent, dependencies={"left-pad": "1"}, scripts={"test": "x"})
    outcome = not_taken(sent, _facts(stored))
    assert isinstance(outcome, Refuse)
    assert outcome.error.extra_body["differs"] == ["dependencies", "scripts"]
    assert "same tarball but other dependencies, scripts" in outcome.error.error
    assert outcome.error.error.startswith(
        "You cannot publish over the previously published versions: 1.0.0."
    )

    beta = _candidate(tag="beta")
    outcome = not_taken(beta, _facts(_published(sent)))
    assert isinstance(outcome, Refuse)
    assert outcome.error.extra_body["differs"] == ["dist-tag beta"]
    assert outcome.error.hint.endswith("run 'npm dist-tag add w@1.0.0 beta'.")


def test_what_npm_and_the_registry_fill_in_is_not_compared() -> None:
    sent = _candidate()
    stored = _published(
        sent,
        _npmVersion="10.9.9",
        _nodeVersion="18.0.0",
        _npmUser={"name": "ci"},
        gitHead="abc",
        deprecated="old",
        contributors=[],
    )
    assert isinstance(not_taken(sent, _facts(stored)), Accept)
    deprecating = Candidate(
        parse_publish_body(_with_manifest(make_publish_body("w", "1.0.0"), deprecated="use 2")),
        sent.packed,
    )
    outcome = not_taken(deprecating, _facts(_published(sent)))
    assert isinstance(outcome, Refuse)
    assert outcome.error.extra_body["differs"] == ["deprecated"]


def test_npmjs_keeps_unpublished_versions_and_blocks_a_fresh_tombstone() -> None:
    sent = _candidate()
    unpublished = {
        "name": "w",
        "versions": {},
        "time": {"1.0.0": "2026-01-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z"},
    }
    assert isinstance(not_reserved(sent, _facts(unpublished)), Continue)  # Artifactory reuses
    outcome = not_reserved(sent, _facts(unpublished, flavor=NPMJS))
    assert isinstance(outcome, Refuse)
    assert outcome.error.code == "VERSION_RESERVED"
    tomb = {
        "name": "w",
        "time": {"unpublished": {"time": "2026-11-30T01:00:00.000Z", "versions": ["0.1.0"]}},
    }
    blocked = not_reserved(sent, _facts(tomb, flavor=NPMJS))
    assert isinstance(blocked, Refuse)
    assert blocked.error.code == "PACKAGE_BLOCKED"


def test_dev_mode_chooses_the_next_free_number_and_keeps_latest_off_it() -> None:
    sent = _candidate("1.2.0")
    document = {"name": "w", "versions": {"1.2.0-dev.0": {}, "1.2.0-dev.4": {}}}
    outcome = dev_mode(sent, _facts(document, "--dev-mode", "always", "--dev-tag", "latest"))
    assert outcome == Rewrite("1.2.0-dev.5", {"dev": "1.2.0-dev.5"}, "dist-tag latest")
    off = dev_mode(_candidate(via_dev=True), _facts(None))
    assert isinstance(off, Refuse)
    assert off.error.code == "DEV_MODE_OFF"
    assert isinstance(dev_mode(sent, _facts(None)), Continue)  # no trigger


def test_dev_mode_never_hands_out_a_number_whose_version_was_unpublished() -> None:
    """Verdaccio and Artifactory would take ``-dev.1`` again; installs that pinned its first
    bytes would then get others. The document's ``time`` remembers it."""
    sent = _candidate("1.2.0")
    document = {
        "name": "w",
        "versions": {"1.2.0-dev.0": {}},
        "time": {"1.2.0-dev.0": "2026-11-30T01:00:00.000Z", "1.2.0-dev.1": "2026-11-30T02:00Z"},
    }
    for flavor in (ARTIFACTORY, VERDACCIO):
        argv = ("--dev-mode", "always", "--dev-tag", "latest")
        outcome = dev_mode(sent, _facts(document, *argv, flavor=flavor))
        assert isinstance(outcome, Rewrite)
        assert outcome.version == "1.2.0-dev.2"


def test_on_conflict_dev_mode_rewrites_only_a_taken_version() -> None:
    argv = ("--dev-mode", "on-conflict", "--dev-tag", "latest")
    sent = _candidate("1.2.0")
    assert isinstance(dev_mode(sent, _facts(None, *argv)), Continue)
    taken = {"name": "w", "versions": {"1.2.0": {}}}
    assert dev_mode(sent, _facts(taken, *argv)) == Rewrite(
        "1.2.0-dev.0", {"dev": "1.2.0-dev.0"}, "dist-tag latest"
    )
    decision = decide(sent, _facts(taken, *argv, flavor=VERDACCIO))
    assert isinstance(decision, Forward)
    assert decision.candidate.version == "1.2.0-dev.0"


def test_a_manifest_that_hides_an_install_script_is_refused_or_warned() -> None:
    sent = _candidate()
    confused = parse_publish_body(_confused())
    candidate = Candidate(confused, read_package(confused.tarball.data))
    outcome = agrees_with_tarball(candidate, _facts(None))
    assert isinstance(outcome, Refuse)
    assert outcome.error.code == "MANIFEST_MISMATCH"
    assert outcome.error.status == 400
    assert "scripts.postinstall" in outcome.error.error
    warned = agrees_with_tarball(candidate, _facts(None, "--manifest-check", "warn"))
    assert isinstance(warned, Continue)
    assert warned.warning is not None
    assert isinstance(agrees_with_tarball(sent, _facts(None)), Continue)


def _with_manifest(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    version = next(iter(body["versions"]))
    return {**body, "versions": {version: {**body["versions"][version], **changes}}}


def _confused() -> dict[str, Any]:
    """A publish whose tarball runs a postinstall script its manifest does not show."""
    clean = make_publish_body("w", "1.0.0")
    hidden = make_publish_body("w", "1.0.0", manifest={"scripts": {"postinstall": "node x"}})
    manifest = dict(clean["versions"]["1.0.0"])
    manifest["dist"] = hidden["versions"]["1.0.0"]["dist"]  # the integrity of what is sent
    return {**hidden, "versions": {"1.0.0": manifest}}
