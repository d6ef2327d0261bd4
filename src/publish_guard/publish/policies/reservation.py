"""Policy: on a registry that never reuses a version (npmjs), an unpublished one stays taken,
and a package unpublished less than 24 hours ago cannot be published at all."""

from __future__ import annotations

from publish_guard.explain.publish import verdict_error
from publish_guard.publish.devmode import dev_hint
from publish_guard.publish.policies.outcomes import Candidate, Continue, Findings, Outcome, Refuse
from publish_guard.publish.verdict import Standing


def not_reserved(candidate: Candidate, facts: Findings) -> Outcome:
    if not facts.flavor.reserves_unpublished or facts.document is None:
        return Continue()
    verdict = facts.verdict(candidate.version)
    if verdict.outcome not in (Standing.RESERVED, Standing.BLOCKED):
        return Continue()
    hint = dev_hint(facts.settings, facts.guard_url)
    return Refuse(verdict_error(verdict, candidate.package, facts.flavor, dev_hint=hint))
