"""A publish's verdict, as the guard's answer: the facts behind VERSION_EXISTS, VERSION_RESERVED
and PACKAGE_BLOCKED."""

from __future__ import annotations

from typing import Any

from publish_guard.explain.answer import GuardError
from publish_guard.explain.codes.publishes import (
    PACKAGE_BLOCKED,
    VERSION_EXISTS,
    VERSION_RESERVED,
    PackageBlocked,
    VersionExists,
    VersionReserved,
)
from publish_guard.flavors import Flavor
from publish_guard.npm.versions import Suggestions
from publish_guard.publish.verdict import Standing, Verdict


def when(iso_time: str | None) -> str:
    """``2026-11-20T10:00:00.000Z`` → ``2026-11-20 10:00 UTC``."""
    if not iso_time or len(iso_time) < 16:
        return iso_time or ""
    return f"{iso_time[:10]} {iso_time[11:16]} UTC"


def free_versions(suggestions: Suggestions | None) -> str:
    if suggestions is None:
        return "?"
    parts = [
        f"{suggestions.patch} (patch)",
        f"{suggestions.minor} (minor)",
        f"{suggestions.major} (major)",
    ]
    if suggestions.prerelease:
        parts.insert(0, f"{suggestions.prerelease} (next prerelease)")
    return ", ".join(parts)


def next_step(version: str, suggestions: Suggestions | None, dev_hint: str | None) -> str:
    if suggestions is None:
        step = "Choose a version that is not published yet and publish again."
    else:
        target = suggestions.first(version)
        bump = "patch" if target == suggestions.patch and suggestions.highest == version else target
        step = f"Run 'npm version {bump}' (it becomes {target}) and publish again."
    return f"{step} {dev_hint}" if dev_hint else step


def suggestion_facts(suggestions: Suggestions | None) -> dict[str, Any]:
    if suggestions is None:
        return {}
    return {
        "highest": suggestions.highest,
        "patch": suggestions.patch,
        "minor": suggestions.minor,
        "major": suggestions.major,
        "prerelease": suggestions.prerelease,
    }


def differs_clause(differs: list[str] | tuple[str, ...]) -> str:
    """What a republish of an existing version changes, as a clause of VERSION_EXISTS."""
    fields = [d for d in differs if d != "tarball" and not d.startswith("dist-tag ")]
    tags = [d.removeprefix("dist-tag ") for d in differs if d.startswith("dist-tag ")]
    if "tarball" in differs or not differs:
        return ""
    if fields:
        what = ", ".join(fields) + (f" and dist-tag {', '.join(tags)}" if tags else "")
        return f"; this publish has the same tarball but other {what}, so it is not a retry"
    return (
        f"; it is there with the same content, but dist-tag {', '.join(tags)} does not point at it"
    )


def verdict_error(
    verdict: Verdict,
    package: str,
    flavor: Flavor,
    *,
    dev_hint: str | None = None,
    differs: list[str] | tuple[str, ...] = (),
    step: str | None = None,
) -> GuardError:
    """The refusal for a taken version (EXISTS, RESERVED, BLOCKED); ``differs``: what a
    republish changes (``"tarball"``, manifest fields, ``"dist-tag <tag>"``); ``step``: the
    next step, when it is not a new version."""
    suggestions = verdict.suggestions
    step = step or next_step(verdict.version, suggestions, dev_hint)
    body: dict[str, Any] = {
        "existing": {
            "version": verdict.existing or verdict.version,
            "published_at": verdict.published_at,
            "unpublished_at": verdict.unpublished_at,
            "deprecated": verdict.deprecated,
        },
        "suggestions": suggestion_facts(suggestions),
    }
    common = {
        "package": package,
        "version": verdict.version,
        "registry": flavor.title,
        "free": free_versions(suggestions),
        "next_step": step,
    }
    if verdict.outcome is Standing.RESERVED:
        reserved = VersionReserved(
            published=f" on {when(verdict.published_at)}" if verdict.published_at else "",
            unpublished=f" on {when(verdict.unpublished_at)}" if verdict.unpublished_at else "",
            **common,
        )
        return GuardError(VERSION_RESERVED, reserved, body=body)
    if verdict.outcome is Standing.BLOCKED:
        blocked = PackageBlocked(
            package=package,
            version=verdict.version,
            unpublished=when(verdict.unpublished_at),
            until=when(verdict.blocked_until),
            free=common["free"],
        )
        return GuardError(PACKAGE_BLOCKED, blocked, body=body)
    published = f" (published {when(verdict.published_at)})" if verdict.published_at else ""
    if verdict.deprecated:
        published += " (deprecated)"
    highest = (
        f"the highest version is {suggestions.highest}; "
        if suggestions and suggestions.highest
        else ""
    )
    if flavor.reuse_hint:
        body["reuse"] = flavor.reuse_hint
    if differs:
        body["differs"] = list(differs)
    exists = VersionExists(
        published=published, highest=highest, differs=differs_clause(differs), **common
    )
    return GuardError(VERSION_EXISTS, exists, body=body)


def availability(verdict: Verdict, package: str, flavor: Flavor) -> dict[str, Any]:
    """The answer of a pre-flight check (``/-/guard/check`` and ``publish-guard check``): can
    ``package@version`` be published, and if not, the refusal a publish would get."""
    answer: dict[str, Any] = {
        "package": package,
        "version": verdict.version,
        "publishable": not verdict.taken,
        "outcome": verdict.outcome.value,
        "suggestions": suggestion_facts(verdict.suggestions),
    }
    if verdict.taken:
        error = verdict_error(verdict, package, flavor)
        answer.update(error=error.error, hint=error.hint, code=error.code, **error.extra_body)
    return answer
