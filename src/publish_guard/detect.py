"""``--flavor auto``: which registry is upstream, from its URL, its headers and its endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from publish_guard.explain import GuardError
from publish_guard.flavors import (
    ARTIFACTORY,
    FLAVORS,
    GENERIC,
    NEXUS,
    Flavor,
    flavor_from_headers,
    flavor_from_url,
)
from publish_guard.upstream import GUARD_AGENT, Upstream

log = structlog.get_logger("publish_guard.detect")
RETRY_SECONDS = 15.0
MAX_TRIES = 40


@dataclass(frozen=True, slots=True)
class Detection:
    flavor: Flavor
    how: str  # in words, for the log and the status page
    confirmed: bool  # the upstream itself answered (not a guess from the URL)


async def detect(upstream: Upstream, setting: str) -> Detection:
    """The configured flavor, or what the upstream shows of itself."""
    if setting != "auto":
        return Detection(FLAVORS[setting], f"configured (--flavor {setting})", True)
    by_url = flavor_from_url(upstream.base)
    probes = [("-/ping", False)]
    if by_url is ARTIFACTORY:
        probes.insert(0, ("artifactory/api/system/ping", True))
    elif by_url is NEXUS:
        probes.insert(0, ("service/rest/v1/status", True))
    for path, from_origin in probes:
        try:
            async with upstream.request(
                "GET",
                path,
                headers={"accept": "*/*", "user-agent": GUARD_AGENT},
                total_timeout=5,
                from_origin=from_origin,
            ) as answer:
                await answer.read()
                by_headers = flavor_from_headers(answer.headers)
                if by_headers is not None:
                    return Detection(by_headers, f"from its response headers ({path})", True)
                if from_origin and answer.status == 200 and by_url is not None:
                    return Detection(by_url, f"from its URL and its health endpoint /{path}", True)
        except GuardError as failure:
            return Detection(by_url or GENERIC, f"guessed from its URL ({failure.error})", False)
    if by_url is not None:
        return Detection(by_url, "from its URL layout", True)
    return Detection(GENERIC, "unknown: no URL layout or header matched", True)


async def keep_detecting(
    upstream: Upstream, setting: str, found: Detection, apply: Callable[[Detection], None]
) -> None:
    """An upstream that was down at start-up is asked again until it answers."""
    tries = 0
    while not found.confirmed and tries < MAX_TRIES:
        await asyncio.sleep(RETRY_SECONDS)
        tries += 1
        found = await detect(upstream, setting)
        if found.confirmed:
            apply(found)
            log.info("upstream_flavor", flavor=found.flavor.key, how=found.how)
