"""Policy: dev mode — a triggered publish becomes ``<version>-dev.N``, N the next free one.

Triggered by the ``/-/dev/`` registry URL, a dev scope or a dev dist-tag (``devmode``). With
``--dev-mode on-conflict`` only when the version is taken. ``latest`` becomes the dev dist-tag,
so that it never points at a dev build (a registry may still set it on a package that has no
other version; the pipeline says so). A ``--provenance`` publish cannot be rewritten: its
signature covers the tarball.
"""

from __future__ import annotations

from publish_guard.explain import GuardError
from publish_guard.explain.codes.publishes import (
    DEV_MODE_OFF,
    DEV_PROVENANCE,
    DevModeOff,
    DevProvenance,
)
from publish_guard.npm.dev import DEFAULT_TAG, dev_version, next_dev_number
from publish_guard.npm.documents import existing_versions, unpublished_versions
from publish_guard.publish.devmode import DEV_PREFIX, dev_trigger
from publish_guard.publish.policies.outcomes import (
    Candidate,
    Continue,
    Findings,
    Outcome,
    Refuse,
    Rewrite,
)


def dev_mode(candidate: Candidate, facts: Findings) -> Outcome:
    settings = facts.settings
    parsed = candidate.parsed
    reason = dev_trigger(settings, parsed.name, parsed.tag, candidate.via_dev_prefix)
    if reason is None:
        if candidate.via_dev_prefix:
            off = DevModeOff(package=candidate.package, dev_url=DEV_PREFIX)
            return Refuse(GuardError(DEV_MODE_OFF, off))
        return Continue()
    document = facts.document or {}
    if settings.dev_mode == "on-conflict" and not facts.verdict(parsed.version).taken:
        return Continue()  # publish it as it is
    if parsed.extra_attachments:
        return Refuse(
            GuardError(
                DEV_PROVENANCE, DevProvenance(package=candidate.package, version=parsed.version)
            )
        )
    # a number whose version was unpublished is not handed out again, even where the registry
    # would take it: the document's ``time`` remembers it when the shared state may not
    taken = existing_versions(document) + unpublished_versions(document)
    version = dev_version(parsed.version, next_dev_number(parsed.version, taken))
    tags = {
        (settings.dev_dist_tag if tag == DEFAULT_TAG else tag): version for tag in parsed.dist_tags
    }
    return Rewrite(version, tags, reason)
