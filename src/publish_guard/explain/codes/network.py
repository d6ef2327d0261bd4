"""The hop from the guard to the registry failed, or the guard itself was out of reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from publish_guard.explain.text import Facts, Text


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamHost(Facts):
    host: str  # the registry's host name
    upstream: str  # the registry's URL


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamDns(UpstreamHost):
    errno: str  # EAI_AGAIN, ENOTFOUND


UPSTREAM_DNS: Final = Text(
    "UPSTREAM_DNS",
    UpstreamDns,
    502,
    "publish-guard could not resolve the upstream registry host {host} ({errno}): the "
    "guard-to-registry hop failed, not your connection to the guard",
    "Ask the guard's operator to check the upstream URL ({upstream}) and the guard's DNS; "
    "retrying later is safe.",
    clause="{host} could not be resolved ({errno})",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamRefused(UpstreamHost):
    pass


UPSTREAM_REFUSED: Final = Text(
    "UPSTREAM_REFUSED",
    UpstreamRefused,
    502,
    "publish-guard could not connect to the upstream registry {host}: connection refused "
    "(is the registry running?)",
    "Ask the guard's operator to check that the registry at {upstream} is up; retrying later "
    "is safe.",
    clause="{host} refused the connection",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamDetail(UpstreamHost):
    detail: str


UPSTREAM_UNREACHABLE: Final = Text(
    "UPSTREAM_UNREACHABLE",
    UpstreamDetail,
    502,
    "publish-guard could not connect to the upstream registry {host}: {detail}",
    "Ask the guard's operator to check the network path to {upstream}; retrying later is safe.",
)
UPSTREAM_TLS: Final = Text(
    "UPSTREAM_TLS",
    UpstreamDetail,
    502,
    "publish-guard could not verify the TLS certificate of the upstream registry {host}: {detail}",
    "Ask the guard's operator to give the guard the registry's CA bundle; never turn "
    "verification off.",
    clause="the TLS certificate of {host} could not be verified",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamTimeout(UpstreamHost):
    phase: str  # "connecting", "waiting for the answer"
    seconds: str
    setting: str  # the setting that sets this timeout


UPSTREAM_TIMEOUT: Final = Text(
    "UPSTREAM_TIMEOUT",
    UpstreamTimeout,
    504,
    "publish-guard gave up on the upstream registry {host}: {phase} took longer than {seconds}s",
    "The registry at {upstream} is slow or stuck; retry later, or ask the operator to raise "
    "the guard's {setting}.",
    clause="{host} did not answer within {seconds}s",
)
UPSTREAM_DROPPED: Final = Text(
    "UPSTREAM_DROPPED",
    UpstreamDetail,
    502,
    "publish-guard lost the connection to the upstream registry {host} before it answered "
    "({detail})",
    "The registry at {upstream} closed the connection; retry later.",
    clause="the connection to {host} was lost ({detail})",
)
UPSTREAM_PROTOCOL: Final = Text(
    "UPSTREAM_PROTOCOL",
    UpstreamDetail,
    502,
    "publish-guard got an answer from the upstream registry {host} that it cannot use ({detail})",
    "Check that {upstream} is the npm API URL of the registry, not another service.",
    clause="{host} sent an answer the guard cannot use",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamDocument(UpstreamDetail):
    package: str


UPSTREAM_DOCUMENT: Final = Text(
    "UPSTREAM_DOCUMENT",
    UpstreamDocument,
    502,
    "publish-guard could not judge {package}: the registry {host} sent a package document "
    "it cannot read ({detail}); nothing was sent to the registry",
    "Ask the registry's operator to look at {package} at {upstream}; publishing again is safe "
    "once its document is whole.",
)
UPSTREAM_NOT_READY: Final = Text(
    "UPSTREAM_NOT_READY",
    UpstreamDetail,
    503,
    "publish-guard is not ready: the upstream registry {host} does not answer its ping ({detail})",
    "Wait for the registry at {upstream} to come up.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishNotLanded(Facts):
    package: str
    version: str
    cause: str  # what went wrong, as a clause
    upstream: str


PUBLISH_NOT_LANDED: Final = Text(
    "PUBLISH_NOT_LANDED",
    PublishNotLanded,
    502,
    "{package}@{version} was NOT published: {cause}; the registry does not have it, so "
    "publishing again is safe",
    "Publish again; the registry at {upstream} does not have {package}@{version}.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishOutcomeUnknown(Facts):
    package: str
    version: str
    cause: str  # what went wrong, as a clause
    lookup: str  # why the registry could not be asked afterwards


PUBLISH_OUTCOME_UNKNOWN: Final = Text(
    "PUBLISH_OUTCOME_UNKNOWN",
    PublishOutcomeUnknown,
    502,
    "publish-guard cannot tell whether {package}@{version} was published: {cause}, and the "
    "registry could not be asked afterwards ({lookup})",
    "Run 'npm view {package}@{version}' before publishing again.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedStateUnreachable(Facts):
    what: str  # publish, update
    detail: str


SHARED_STATE_DOWN: Final = Text(
    "SHARED_STATE_DOWN",
    SharedStateUnreachable,
    503,
    "publish-guard cannot take this {what} now: the shared state of its replicas (Redis) "
    "is not reachable ({detail}), and without it publishes of one package are not kept "
    "apart; nothing was sent to the registry",
    "Retry in a moment (npm retries this on its own); the guard recovers by itself when "
    "Redis answers again. Installs are not affected.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardUnreachable(Facts):
    what: str  # what became of the request


GUARD_UNREACHABLE: Final = Text(
    "GUARD_UNREACHABLE",
    GuardUnreachable,
    503,
    "publish-guard, which checks every write to this registry, is not reachable: {what}; "
    "installs still work",
    "Retry in a minute (npm retries this on its own); if it lasts, ask the platform team to "
    "look at the publish-guard pods.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardLost(Facts):
    method: str


GUARD_LOST: Final = Text(
    "GUARD_LOST",
    GuardLost,
    502,
    "publish-guard stopped answering after {method} reached it: the registry may or may "
    "not have received it",
    "Check before you send it again (npm view <package> versions); a publish sent again "
    "gets the guard's answer for what is there now.",
)
