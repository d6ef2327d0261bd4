"""Version arithmetic as npm sees it (pure): identity, and the next free versions to suggest."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import semver

from publish_guard.npm.documents import version_identity

_PLAIN_RELEASE = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


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
    releases, prereleases = _taken(taken)
    wanted = parse(version)
    highest: semver.Version | None = None
    if releases:
        highest = semver.Version(*max(releases))
    elif prereleases:
        highest = max(prereleases)
    reference = highest or wanted or semver.Version(0, 0, 0)
    base = _release(reference)
    # after a prerelease (2.0.0-rc.1) the next patch is its release (2.0.0)
    first_patch = base if reference.prerelease is not None else base.bump_patch()
    patch = _free(first_patch, releases, semver.Version.bump_patch)
    minor = _free(base.bump_minor(), releases, semver.Version.bump_minor)
    major = _free(base.bump_major(), releases, semver.Version.bump_major)
    prerelease = None
    if wanted is not None and wanted.prerelease is not None:
        prerelease = str(_next_prerelease(wanted, prereleases))
    return Suggestions(
        str(highest) if highest is not None else None,
        str(patch),
        str(minor),
        str(major),
        prerelease,
    )


def _taken(taken: Iterable[str]) -> tuple[set[tuple[int, int, int]], set[semver.Version]]:
    """The taken releases as ``(major, minor, patch)``, and the taken prereleases.

    Plain ``X.Y.Z`` versions, nearly all of a long-lived package's, skip semver's parser: a
    package with thousands of versions is judged in milliseconds.
    """
    releases: set[tuple[int, int, int]] = set()
    prereleases: set[semver.Version] = set()
    for text in taken:
        identity = version_identity(text)
        plain = _PLAIN_RELEASE.fullmatch(identity)
        if plain is not None:
            releases.add((int(plain[1]), int(plain[2]), int(plain[3])))
            continue
        try:
            parsed = semver.Version.parse(identity)
        except ValueError:
            continue
        if parsed.prerelease is None:
            releases.add((parsed.major, parsed.minor, parsed.patch))
        else:
            prereleases.add(parsed)
    return releases, prereleases


def _release(version: semver.Version) -> semver.Version:
    return semver.Version(version.major, version.minor, version.patch)


def _free(
    candidate: semver.Version,
    releases: set[tuple[int, int, int]],
    bump: Callable[[semver.Version], semver.Version],
) -> semver.Version:
    """The first release from ``candidate`` on (bumping) that is not taken."""
    while (candidate.major, candidate.minor, candidate.patch) in releases:
        candidate = bump(candidate)
    return candidate


def _next_prerelease(wanted: semver.Version, prereleases: set[semver.Version]) -> semver.Version:
    prefix, _ = _split_prerelease(wanted.prerelease or "")
    same_line = [
        number
        for v in prereleases
        if _release(v) == _release(wanted) and v.prerelease is not None
        for line, number in [_split_prerelease(v.prerelease)]
        if line == prefix and number is not None
    ]
    start = max(same_line) + 1 if same_line else 0
    identifiers = f"{prefix}.{start}" if prefix else str(start)
    candidate = _release(wanted).replace(prerelease=identifiers)
    while candidate in prereleases:
        candidate = candidate.bump_prerelease()
    return candidate


def _split_prerelease(prerelease: str) -> tuple[str, int | None]:
    """``rc.2`` → (``rc``, 2); ``beta`` → (``beta``, None); ``4`` → ("", 4)."""
    head, _, last = prerelease.rpartition(".")
    if last.isdigit():
        return head, int(last)
    return prerelease, None
