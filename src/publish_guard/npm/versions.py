"""Version arithmetic as npm sees it (pure): identity, and the next free versions to suggest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import semver

from publish_guard.npm.documents import version_identity


def parse(version: str) -> semver.Version | None:
    try:
        return semver.Version.parse(version_identity(version))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Suggestions:
    highest: str | None  # the highest taken version (a release beats any prerelease)
    patch: str
    minor: str
    major: str
    prerelease: str | None  # for a prerelease: the next free one of the same line

    def first(self, version: str) -> str:
        """The one version to suggest first for a publish of ``version``."""
        return self.prerelease if self.prerelease else self.patch


def suggest(version: str, taken: Iterable[str]) -> Suggestions:
    """Next free patch, minor and major after the highest taken version, and for a prerelease
    the next free prerelease of its line (``1.2.0-rc.3`` when ``rc.2`` is taken)."""
    used = {v for v in (parse(t) for t in taken) if v is not None}
    wanted = parse(version)
    releases = [v for v in used if v.prerelease is None]
    highest = max(releases or used) if used else None
    reference = highest or wanted or semver.Version(0, 0, 0)
    base = _release(reference)
    # after a prerelease (2.0.0-rc.1) the next patch is its release (2.0.0)
    first_patch = base if reference.prerelease is not None else base.bump_patch()
    patch = _free(first_patch, used, semver.Version.bump_patch)
    minor = _free(base.bump_minor(), used, semver.Version.bump_minor)
    major = _free(base.bump_major(), used, semver.Version.bump_major)
    prerelease = None
    if wanted is not None and wanted.prerelease is not None:
        prerelease = str(_next_prerelease(wanted, used))
    return Suggestions(
        str(highest) if highest is not None else None,
        str(patch),
        str(minor),
        str(major),
        prerelease,
    )


def _release(version: semver.Version) -> semver.Version:
    return semver.Version(version.major, version.minor, version.patch)


def _free(
    candidate: semver.Version,
    used: set[semver.Version],
    bump: Callable[[semver.Version], semver.Version],
) -> semver.Version:
    while candidate in used:
        candidate = bump(candidate)
    return candidate


def _next_prerelease(wanted: semver.Version, used: set[semver.Version]) -> semver.Version:
    prefix, _ = _split_prerelease(wanted.prerelease or "")
    same_line = [
        number
        for v in used
        if _release(v) == _release(wanted) and v.prerelease is not None
        for line, number in [_split_prerelease(v.prerelease)]
        if line == prefix and number is not None
    ]
    start = max(same_line) + 1 if same_line else 0
    identifiers = f"{prefix}.{start}" if prefix else str(start)
    candidate = _release(wanted).replace(prerelease=identifiers)
    while candidate in used:
        candidate = candidate.bump_prerelease()
    return candidate


def _split_prerelease(prerelease: str) -> tuple[str, int | None]:
    """``rc.2`` → (``rc``, 2); ``beta`` → (``beta``, None); ``4`` → ("", 4)."""
    head, _, last = prerelease.rpartition(".")
    if last.isdigit():
        return head, int(last)
    return prerelease, None
