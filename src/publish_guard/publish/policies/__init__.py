"""A publish's policies, in the order they decide. Each is a pure function of the publish (the
candidate) and the registry's document as a fresh look-up under the package's lock found it
(the findings), and answers one outcome: continue, rewrite (dev mode), refuse, or accept (an
identical republish). ``decide`` runs them; only the pipeline does I/O.

To add a policy: a module here with one function ``(Candidate, Findings) -> Outcome``, tested by
calling it with literals, and its place in ``POLICIES``.
"""

from __future__ import annotations

from collections.abc import Callable

from publish_guard.publish.policies.collision import not_taken
from publish_guard.publish.policies.dev import dev_mode
from publish_guard.publish.policies.manifest import agrees_with_tarball
from publish_guard.publish.policies.outcomes import (
    Accept,
    Candidate,
    Continue,
    Decision,
    Findings,
    Forward,
    Outcome,
    Refuse,
    Rewrite,
)
from publish_guard.publish.policies.reservation import not_reserved

Policy = Callable[[Candidate, Findings], Outcome]

POLICIES: tuple[Policy, ...] = (
    agrees_with_tarball,  # the manifest sent is the tarball's
    dev_mode,  # a dev publish becomes <version>-dev.N
    not_reserved,  # npmjs: an unpublished version, a package unpublished < 24 h ago
    not_taken,  # an existing version: a collision, or an identical republish
)


def decide(candidate: Candidate, facts: Findings) -> Decision:
    warnings: list[str] = []
    for policy in POLICIES:
        outcome = policy(candidate, facts)
        if isinstance(outcome, Refuse | Accept):
            return outcome
        if isinstance(outcome, Rewrite):
            candidate = candidate.rewritten(outcome)
        elif outcome.warning is not None:
            warnings.append(outcome.warning)
    return Forward(candidate, tuple(warnings))


__all__ = [
    "POLICIES",
    "Accept",
    "Candidate",
    "Continue",
    "Decision",
    "Findings",
    "Forward",
    "Refuse",
    "Rewrite",
    "decide",
]
