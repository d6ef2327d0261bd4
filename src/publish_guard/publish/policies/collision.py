"""Policy: a published version never changes; republishing exactly it is a retry, not a change.

Identical means identical: the same tarball, the same manifest (the fields the client sent,
but those npm or the registry fill in by themselves: publisher, npm and node versions, readme,
git head, dist) and the dist-tag it asks for pointing at it. A retry is answered with success
without forwarding (``--identical-republish accept``); anything else is a collision, and the
answer says what differs — the tarball, or, for the same tarball, which fields; for a tag only,
the ``npm dist-tag add`` command that does what the publish was after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from publish_guard.explain.publish import verdict_error
from publish_guard.npm.documents import version_identity
from publish_guard.npm.manifest_check import FIELDS
from publish_guard.publish.devmode import dev_hint
from publish_guard.publish.policies.outcomes import (
    Accept,
    Candidate,
    Continue,
    Findings,
    Outcome,
    Refuse,
)
from publish_guard.publish.verdict import Standing

# filled in by npm or the registry, not by the package's author ("deprecated" is compared only
# when the publish sends one: a version deprecated since is still the same version)
NOT_COMPARED = frozenset(
    {
        "_id",
        "_rev",
        "_nodeVersion",
        "_npmVersion",
        "_npmUser",
        "_npmOperationalInternal",
        "_hasShrinkwrap",
        "_resolved",
        "_integrity",
        "_from",
        "_shasum",
        "dist",
        "readme",
        "readmeFilename",
        "gitHead",
        "maintainers",
        "contributors",
        "directories",
    }
)


def not_taken(candidate: Candidate, facts: Findings) -> Outcome:
    if facts.document is None:
        return Continue()
    verdict = facts.verdict(candidate.version)
    if verdict.outcome is not Standing.EXISTS:
        return Continue()  # free (what reservation means is the reservation policy's)
    existing = verdict.existing_manifest or {}
    tags = facts.document.get("dist-tags")
    differ = differences(candidate, existing, tags if isinstance(tags, Mapping) else {})
    package, version = candidate.package, candidate.version
    if not differ and facts.settings.identical_republish == "accept":
        return Accept(
            f"{package}@{version} is already published with identical content; nothing was changed",
            {"identical": True},
        )
    step = None
    if differ and all(d.startswith("dist-tag ") for d in differ):
        step = (
            f"{package}@{version} is published with this content; to point '{candidate.tag}' "
            f"at it, run 'npm dist-tag add {package}@{version} {candidate.tag}'."
        )
    hint = dev_hint(facts.settings, facts.guard_url)
    return Refuse(
        verdict_error(verdict, package, facts.flavor, dev_hint=hint, differs=differ, step=step)
    )


def differences(
    candidate: Candidate, existing: Mapping[str, Any], registry_tags: Mapping[str, Any]
) -> list[str]:
    """What this publish has that the published version has not: ``"tarball"``, the names of
    manifest fields, ``"dist-tag <tag>"``; empty for a retry."""
    dist = existing.get("dist")
    if not _same_tarball(dist, candidate.parsed.integrity, candidate.parsed.shasum):
        return ["tarball"]
    sent = candidate.parsed.manifest
    # a publish that drops a field the published version has (a dependency, a script) differs
    dropped = {field for field in (*FIELDS, "scripts") if field in existing}
    fields = sorted(
        key
        for key in set(sent) | dropped
        if key not in NOT_COMPARED and key != "version" and sent.get(key) != existing.get(key)
    )
    wanted = version_identity(candidate.version)
    tags = [f"dist-tag {tag}" for tag in candidate.tags if _points_at(registry_tags, tag) != wanted]
    return [*fields, *tags]


def _points_at(tags: Mapping[str, Any], tag: str) -> str | None:
    target = tags.get(tag)
    return version_identity(target) if isinstance(target, str) else None


def _same_tarball(dist: object, integrity: str, shasum: str) -> bool:
    if not isinstance(dist, Mapping):
        return False
    theirs = dist.get("integrity")
    if isinstance(theirs, str) and theirs.startswith("sha512-"):
        return integrity in theirs.split()
    return isinstance(dist.get("shasum"), str) and dist["shasum"].lower() == shasum.lower()
