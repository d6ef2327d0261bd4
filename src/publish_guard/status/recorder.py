"""Turns each answered request into counters, metrics and, for publishes and refused writes,
an event on the board. Called once per request by the request middleware."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from publish_guard.explain import GuardError
from publish_guard.status.board import (
    FAILED,
    IDENTICAL,
    PUBLISHED,
    REFUSED,
    REWRITTEN,
    Event,
    Recording,
    client_of,
    summary,
)
from publish_guard.status.metrics import Metrics


@dataclass
class PublishNote:
    """What the publish pipeline learnt about the request it handled."""

    package: str
    version: str | None = None
    outcome: str | None = None  # IDENTICAL or REWRITTEN when it was one of those
    original_version: str | None = None
    write: bool = False  # a refused write other than a publish (deprecate, dist-tag, …)


_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})
# set to None by the request's frame: ``request.get`` of a missing key raises and catches a
# KeyError, which every read would pay for
PUBLISH_NOTE: web.RequestKey[PublishNote | None] = web.RequestKey("publish_note")
BOARD = web.AppKey("board", Recording)
METRICS = web.AppKey("metrics", Metrics)


CLIENT_GONE = 499
"""The status a request is counted with when its client went away before it was whole (as
nginx logs it); nothing is sent back."""


def note(request: web.Request, package: str, version: str | None = None) -> PublishNote:
    found = request.get(PUBLISH_NOTE)
    if found is None:
        found = PublishNote(package, version)
        request[PUBLISH_NOTE] = found
    return found


def finish(
    request: web.Request, status: int, error: GuardError | None, seconds: float, request_id: str
) -> None:
    app = request.app
    board, metrics = app[BOARD], app[METRICS]
    board.request(status)
    method = request.method if request.method in _METHODS else "OTHER"  # a label set, bounded
    stats = metrics.request_stats
    stats.count(method, status)
    if error is not None and error.code.startswith("UPSTREAM_") and error.status >= 500:
        metrics.upstream_errors.labels(error.code.removeprefix("UPSTREAM_").lower()).inc()
    publish = request[PUBLISH_NOTE]
    if status == CLIENT_GONE:
        return  # not an outcome of the guard's or the registry's
    if publish is None:
        if not request.path.startswith("/-/guard/"):
            stats.observe(seconds)
        return
    if publish.write and status < 400:
        return
    outcome = (publish.outcome or PUBLISHED) if status < 400 else REFUSED
    if status >= 500:
        outcome = FAILED
    code = error.code if error is not None else None  # None: the upstream's answer, relayed
    metrics.publish_outcomes.labels(outcome, code or ("upstream" if status >= 400 else "")).inc()
    if outcome == REWRITTEN:
        metrics.dev_rewrites.inc()
    board.record(
        Event.scrubbed(
            time=board.clock(),
            outcome=outcome,
            method=request.method,
            status=status,
            package=publish.package,
            version=publish.version,
            original_version=publish.original_version,
            code=code,
            summary=summary(error.error) if error is not None else "",
            client=client_of(request.headers.get("User-Agent", "")),
            request_id=request_id,
        )
    )


__all__ = ["CLIENT_GONE", "IDENTICAL", "REWRITTEN", "PublishNote", "finish", "note"]
