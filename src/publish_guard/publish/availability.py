"""Can ``name@version`` be published at the registry now? One look-up of the package, judged by
the registry's rule: the piece the publish pipeline (the facts its policies decide on), the
pre-flight route ``/-/guard/check`` and the ``publish-guard check`` command share."""

from __future__ import annotations

from typing import Any

from multidict import CIMultiDict

from publish_guard.explain.publish import availability
from publish_guard.flavors import Flavor
from publish_guard.npm.names import PackageName
from publish_guard.publish.lookup import Lookup, look_up
from publish_guard.publish.verdict import verdict_on
from publish_guard.upstream import Upstream


async def look_up_version(
    upstream: Upstream,
    name: PackageName,
    headers: CIMultiDict[str],
    version: str,
    flavor: Flavor,
    *,
    first: Lookup | None = None,
) -> Lookup:
    """The package as the registry has it now, for judging ``version`` (with ``time`` for every
    version where the flavor never reuses one). A registry that answers neither 200 nor 404
    leaves it unknown (``Lookup.known``); a document the guard cannot read is raised (a 502)."""
    lookup = await look_up(
        upstream, name, headers, version, full=flavor.reserves_unpublished, first=first
    )
    if lookup.failure is not None and lookup.failure.code == "UPSTREAM_DOCUMENT":
        raise lookup.failure
    return lookup


async def availability_now(
    upstream: Upstream, name: PackageName, headers: CIMultiDict[str], version: str, flavor: Flavor
) -> dict[str, Any]:
    """The pre-flight answer: ``publishable`` true or false with the refusal a publish would
    get, or ``null`` when the registry's answer does not tell."""
    lookup = await look_up_version(upstream, name, headers, version, flavor)
    if not lookup.known:
        cause = (
            lookup.failure.error
            if lookup.failure
            else f"the registry answered HTTP {lookup.status}"
        )
        return {
            "package": name.full,
            "version": version,
            "publishable": None,
            "outcome": "unknown",
            "error": f"cannot tell whether {name.full}@{version} is free: {cause}",
        }
    return availability(verdict_on(flavor, lookup.document, version), name.full, flavor)
