"""Policy: the manifest sent is the tarball's ("manifest confusion" refused)."""

from __future__ import annotations

from publish_guard.explain import GuardError
from publish_guard.explain.codes.publishes import MANIFEST_MISMATCH, ManifestMismatch
from publish_guard.npm.manifest_check import mismatches
from publish_guard.publish.policies.outcomes import Candidate, Continue, Findings, Outcome, Refuse


def agrees_with_tarball(candidate: Candidate, facts: Findings) -> Outcome:
    """What decides an install must be the same in ``versions`` and in the tarball's
    package.json; with ``--manifest-check warn`` a difference is only reported."""
    differ = mismatches(candidate.parsed.manifest, candidate.packed)
    if not differ:
        return Continue()
    fields = ", ".join(differ)
    if facts.settings.manifest_check == "warn":
        return Continue(
            warning=f"the manifest of {candidate.package}@{candidate.version} differs from the "
            f"tarball's package.json in {fields}"
        )
    return Refuse(
        GuardError(
            MANIFEST_MISMATCH,
            ManifestMismatch(
                package=candidate.package, version=candidate.parsed.version, fields=fields
            ),
            body={"fields": differ},
        )
    )
