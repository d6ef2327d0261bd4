"""Looking a package up at the upstream with the caller's own credentials."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import orjson
from multidict import CIMultiDict, CIMultiDictProxy

from publish_guard.explain import GuardError
from publish_guard.explain.codes.network import (
    UPSTREAM_DOCUMENT,
    UPSTREAM_PROTOCOL,
    UpstreamDetail,
    UpstreamDocument,
)
from publish_guard.npm.documents import ABBREVIATED_MEDIA_TYPE, version_identity
from publish_guard.npm.names import PackageName
from publish_guard.npm.packument import shape_problem
from publish_guard.publish.locks import HeldLock, Stamp
from publish_guard.upstream import GUARD_AGENT, Upstream

MAX_DOCUMENT_SIZE = 512 * 1024**2
_PASSED_ON = ("authorization", "npm-otp", "npm-auth-type", "npm-session", "npm-scope")


@dataclass(frozen=True, slots=True)
class Lookup:
    status: int | None  # the upstream's status; None when it could not be asked
    document: dict[str, Any] | None  # the parsed document on 200
    full: bool
    failure: GuardError | None = None

    @property
    def known(self) -> bool:
        """The answer tells whether the package exists (200) or does not (404)."""
        return self.status in (200, 404)


def lookup_headers(incoming: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict()
    for name in _PASSED_ON:
        if name in incoming:
            headers[name] = incoming[name]
    client = incoming.get("user-agent", "")
    headers["user-agent"] = f"{GUARD_AGENT} ({client})" if client else GUARD_AGENT
    headers["accept-encoding"] = "identity"
    return headers


async def fetch_document(
    upstream: Upstream,
    name: PackageName,
    headers: CIMultiDict[str],
    *,
    full: bool,
    write: bool = False,
) -> Lookup:
    """GET the package document: abbreviated (no ``time``) unless ``full``; ``write``: as npm
    reads it before a document update (``?write=true``)."""
    ask = CIMultiDict(headers)
    ask["accept"] = (
        "application/json"
        if full
        else f"{ABBREVIATED_MEDIA_TYPE}; q=1.0, application/json; q=0.8, */*"
    )
    try:
        target = name.escaped + ("?write=true" if write else "")
        async with upstream.request("GET", target, headers=ask) as answer:
            if answer.status != 200:
                await upstream.read_body(answer, 64 * 1024)
                return Lookup(answer.status, None, full)
            body = await upstream.read_body(answer, MAX_DOCUMENT_SIZE)
            # a registry without the abbreviated form (Nexus) answers with the full one
            full = full or ABBREVIATED_MEDIA_TYPE not in answer.headers.get("Content-Type", "")
    except GuardError as failure:
        return Lookup(None, None, full, failure)
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return Lookup(
            None,
            None,
            full,
            GuardError(
                UPSTREAM_PROTOCOL,
                UpstreamDetail(
                    host=upstream.host,
                    upstream=str(upstream.base),
                    detail="the package document is not JSON",
                ),
            ),
        )
    problem = shape_problem(document) if isinstance(document, dict) else "it is not an object"
    if problem is not None:
        return Lookup(
            None,
            None,
            full,
            GuardError(
                UPSTREAM_DOCUMENT,
                UpstreamDocument(
                    host=upstream.host,
                    package=name.full,
                    detail=problem,
                    upstream=str(upstream.base),
                ),
            ),
        )
    return Lookup(200, document, full)


async def look_up(
    upstream: Upstream,
    name: PackageName,
    headers: CIMultiDict[str],
    version: str,
    *,
    full: bool,
    first: Lookup | None = None,
) -> Lookup:
    """The package as the registry has it now, for judging ``version``: the abbreviated
    document, and the full one when the version is in it (its whole manifest and publish time
    are compared and shown) or ``full`` is asked (a registry that never reuses a version needs
    ``time`` for every publish). ``first``: an abbreviated look-up already made (the early
    one)."""
    lookup = first or await fetch_document(upstream, name, headers, full=False)
    if lookup.document is None:
        return lookup
    wanted = version_identity(version)
    present = any(version_identity(key) == wanted for key in lookup.document.get("versions") or {})
    if (present or full) and not lookup.full:
        complete = await fetch_document(upstream, name, headers, full=True)
        if complete.document is not None or complete.failure is not None:
            return complete
    return lookup


class EarlyLookup:
    """A publish's look-up, started as soon as its headers arrive, so that it runs while the
    body is still being read. Under the package's lock it is used only if no publish of the
    package ended after it began (``HeldLock.unchanged_since``); otherwise it is dropped and the
    caller looks again."""

    def __init__(self, lookup: Coroutine[Any, Any, Lookup], stamp: Stamp) -> None:
        self._stamp = stamp
        self._task = asyncio.ensure_future(lookup)
        self._task.add_done_callback(_consume)

    async def take(self, held: HeldLock) -> Lookup | None:
        if not held.unchanged_since(self._stamp):
            self.close()
            return None
        return await self._task

    def close(self) -> None:
        self._task.cancel()


def _consume(task: asyncio.Future[Lookup]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so that an unused failure is not reported as lost
