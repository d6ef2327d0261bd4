"""Sending what the policies chose, and learning what the registry did with it.

- The bytes forwarded are the body as it arrived, or, for a dev publish, the body rewritten to
  the chosen version (in a worker thread, within the tarball limits).
- A 2xx is the registry's answer, relayed; a dev publish gets its own answer saying which
  version it became, and whether the registry pointed ``latest`` at it.
- A 4xx is looked into again under the lock: another publish took the version (a dev publish
  then chooses again), or the registry's refusal is explained.
- A 5xx, a reset or a timeout after the body was sent: the version is looked up — there with
  this content (it landed), taken by something else, or absent (not published, safe to retry).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from aiohttp import web
from multidict import CIMultiDict

from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.explain.codes.network import (
    PUBLISH_NOT_LANDED,
    PUBLISH_OUTCOME_UNKNOWN,
    PublishNotLanded,
    PublishOutcomeUnknown,
)
from publish_guard.explain.codes.publishes import (
    DEV_PROVENANCE,
    TARBALL_INVALID,
    TARBALL_TOO_LARGE,
    BadTarball,
    DevProvenance,
)
from publish_guard.explain.codes.registry import UPSTREAM_REJECTED, UpstreamRejected
from publish_guard.explain.refusals import Refusal
from publish_guard.explain.writes import explain_write
from publish_guard.flavors import Flavor
from publish_guard.headers import notice_value, request_headers, response_headers
from publish_guard.npm.body_scan import Received
from publish_guard.npm.dev import ProvenanceError, rewrite_parsed
from publish_guard.npm.tarball import Limits, TarballError
from publish_guard.publish.answers import (
    UpstreamAnswer,
    relay,
    short_cause,
    success,
    upstream_facts,
)
from publish_guard.publish.lookup import Lookup, fetch_document, lookup_headers
from publish_guard.publish.policies import Candidate, Findings, Forward, Refuse, decide
from publish_guard.publish.policies.collision import differences
from publish_guard.publish.verdict import Standing, judge
from publish_guard.upstream import Upstream

log = structlog.get_logger("publish_guard.publish")
MAX_ANSWER_SIZE = 4 * 1024**2


@dataclass(frozen=True, slots=True)
class Landed:
    response: web.StreamResponse


@dataclass(frozen=True, slots=True)
class Retry:
    """The chosen dev version was taken meanwhile (another replica's publish)."""

    version: str


class Publisher(Protocol):
    """What forwarding needs of the pipeline (``pipeline.PublishService``)."""

    upstream: Upstream
    settings: Settings
    flavor: Flavor
    limits: Limits

    async def facts(
        self, request: web.Request, candidate: Candidate, first: Lookup | None
    ) -> Findings: ...


class Forwarding:
    def __init__(
        self,
        service: Publisher,
        request: web.Request,
        relative_target: str,
        body: bytes | Received,
    ) -> None:
        self.service = service
        self.request = request
        self.target = relative_target
        self.body = body
        self.asking = lookup_headers(request.headers)

    async def send(self, decision: Forward, facts: Findings) -> Landed | Retry:
        candidate = decision.candidate
        headers = request_headers(
            self.request.headers,
            client_ip=self.request.remote,
            scheme=self.request.scheme,
            host=self.request.host,
        )
        body: bytes | Received = self.body
        if candidate.dev_version is not None:
            body = await self._rewritten(candidate)
            headers["Content-Length"] = str(len(body))
            headers.popall("Content-Encoding", None)  # the rewritten body is sent as made
        try:
            answer = await self.forward(headers, body)
        except GuardError as failure:
            return await self._lost(candidate, failure, None)
        if answer.status >= 500:
            return await self._lost(candidate, _server_error(self.service, answer), answer)
        if answer.status >= 400:
            return await self._refused(candidate, answer)
        log.info("published", package=candidate.package, version=candidate.version)
        return Landed(await self._landed(candidate, answer, facts, decision.warnings))

    async def forward(self, headers: CIMultiDict[str], body: bytes | Received) -> UpstreamAnswer:
        upstream = self.service.upstream
        async with upstream.request(
            self.request.method,
            self.target,
            headers=headers,
            data=body,
            total_timeout=self.service.settings.publish_timeout,
        ) as response:
            content = await upstream.read_body(response, MAX_ANSWER_SIZE)
            return UpstreamAnswer(
                response.status, response.reason or "", response_headers(response.headers), content
            )

    async def _rewritten(self, candidate: Candidate) -> bytes:
        """The body rewritten to the dev version, off the event loop and within the limits."""
        parsed, settings = candidate.parsed, self.service.settings
        assert candidate.dev_version is not None
        try:
            doc, _ = await asyncio.to_thread(
                rewrite_parsed,
                parsed,
                candidate.dev_version,
                dev_tag=settings.dev_dist_tag,
                limits=self.service.limits,
            )
        except ProvenanceError:
            raise GuardError(
                DEV_PROVENANCE, DevProvenance(package=parsed.name.full, version=parsed.version)
            ) from None
        except TarballError as exc:
            raise GuardError(
                TARBALL_TOO_LARGE if exc.too_large else TARBALL_INVALID,
                BadTarball(
                    package=parsed.name.full,
                    version=parsed.version,
                    detail=str(exc).removeprefix("the tarball "),
                ),
            ) from None
        # ASCII JSON: a lone surrogate that npm sent (JSON.parse takes it) goes back escaped
        return await asyncio.to_thread(_dumps, doc)

    async def _landed(
        self,
        candidate: Candidate,
        answer: UpstreamAnswer,
        facts: Findings,
        warnings: tuple[str, ...],
    ) -> web.StreamResponse:
        if candidate.dev_version is None:
            response = relay(answer)
            if warnings:
                response.headers["npm-notice"] = notice_value("; ".join(warnings))
            return response
        notice = (
            f"published {candidate.package}@{candidate.dev_version} (dev mode, from "
            f"{candidate.parsed.version}); install with npm i {candidate.package}@{candidate.tag}"
        )
        tags = (facts.document or {}).get("dist-tags") or {}
        if "latest" not in candidate.tags and "latest" not in tags:
            now = await fetch_document(
                self.service.upstream, candidate.parsed.name, self.asking, full=False
            )
            latest = ((now.document or {}).get("dist-tags") or {}).get("latest")
            if latest == candidate.dev_version:
                notice += (
                    f"; {self.service.flavor.title} pointed 'latest' at it, as it does for a "
                    "package with no latest: the next release publish moves latest there"
                )
        log.info(
            "dev_publish",
            package=candidate.package,
            version=candidate.dev_version,
            original=candidate.parsed.version,
            reason=candidate.dev_reason,
        )
        return success(
            candidate.package,
            candidate.dev_version,
            notice,
            original=candidate.parsed.version,
            dev=True,
            tag=candidate.tag,
        )

    async def _refused(self, candidate: Candidate, answer: UpstreamAnswer) -> Landed | Retry:
        """The registry refused although the policies let the publish through: look again
        (another publish won a race, or the registry hid the version from the look-up)."""
        facts = await self.service.facts(self.request, candidate, None)
        if candidate.dev_version is not None and _exists(facts, candidate.dev_version):
            return Retry(candidate.dev_version)
        if candidate.dev_version is None:
            again = decide(candidate, facts)
            if isinstance(again, Refuse):
                raise again.error
        error = await self.explain(candidate, answer, facts.known)
        if error is not None:
            raise error
        return Landed(relay(answer))

    async def _lost(
        self, candidate: Candidate, failure: GuardError, answer: UpstreamAnswer | None
    ) -> Landed | Retry:
        """The body was sent and the answer was lost or a 5xx: ask the registry what landed."""
        package, version = candidate.package, candidate.version
        cause = short_cause(failure, answer)
        upstream = self.service.upstream
        lookup = await fetch_document(upstream, candidate.parsed.name, self.asking, full=True)
        if lookup.failure is not None or not lookup.known:
            raise GuardError(
                PUBLISH_OUTCOME_UNKNOWN,
                PublishOutcomeUnknown(
                    package=package,
                    version=version,
                    cause=cause,
                    lookup=lookup.failure.error if lookup.failure else f"HTTP {lookup.status}",
                ),
            )
        document = lookup.document or {}
        verdict = judge(document, version, reserves_unpublished=False)
        if verdict.outcome is Standing.EXISTS:
            tags = document.get("dist-tags") if isinstance(document.get("dist-tags"), dict) else {}
            differ = differences(candidate, verdict.existing_manifest or {}, tags or {})
            if not [d for d in differ if not d.startswith("dist-tag ")]:
                log.warning("landed_despite_failure", package=package, version=version, cause=cause)
                return Landed(
                    success(
                        package,
                        version,
                        f"{package}@{version} was published; the registry's answer was lost or "
                        f"an error ({cause}), but the version is there with this content",
                    )
                )
            if candidate.dev_version is not None:
                return Retry(candidate.dev_version)  # another publish took it
            facts = await self.service.facts(self.request, candidate, None)
            again = decide(candidate, facts)
            if isinstance(again, Refuse):
                raise again.error
        log.warning("did_not_land", package=package, version=version, cause=cause)
        if answer is not None:
            # a 5xx that says why (Verdaccio's "uplinks is down") is explained as such
            explained = await self.explain(candidate, answer, True)
            if explained is not None and explained.code != "UPSTREAM_REJECTED":
                raise explained
        raise GuardError(
            PUBLISH_NOT_LANDED,
            PublishNotLanded(
                package=package, version=version, cause=cause, upstream=str(upstream.base)
            ),
            status=504 if failure.status == 504 else 502,
            body={"upstream": upstream_facts(answer, self.service.flavor)} if answer else None,
        )

    async def explain(
        self, candidate: Candidate, answer: UpstreamAnswer, visible: bool
    ) -> GuardError | None:
        return await explain_write(
            self.request,
            Refusal(answer.status, answer.reason, answer.headers, answer.body),
            settings=self.service.settings,
            upstream=self.service.upstream,
            flavor=self.service.flavor,
            relative_path=self.target.partition("?")[0],
            asking=self.asking,
            package=candidate.package,
            version=candidate.version,
            version_visible=visible,
        )


def _exists(facts: Findings, version: str) -> bool:
    return judge(facts.document, version, reserves_unpublished=False).outcome is Standing.EXISTS


def _server_error(service: Publisher, answer: UpstreamAnswer) -> GuardError:
    # a carrier of the answer for the look-up that follows, never shown as it is
    return GuardError(
        UPSTREAM_REJECTED,
        UpstreamRejected(
            registry=service.flavor.title,
            operation="the publish",
            package="",
            version="",
            upstream_status=answer.status,
            reason=answer.reason,
            said_part="",
            fix="",
        ),
    )


def _dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode("ascii")
