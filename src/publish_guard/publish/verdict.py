"""What the upstream's document says about the version being published (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from publish_guard.flavors import Flavor
from publish_guard.npm.documents import (
    existing_versions,
    is_tombstone,
    unpublished_at,
    unpublished_versions,
    version_identity,
)
from publish_guard.npm.versions import Suggestions, suggest

TOMBSTONE_BLOCK = timedelta(hours=24)


class Standing(Enum):
    """Where a version stands at the registry."""

    FREE = "free"
    EXISTS = "exists"  # published (whether this publish is the same is the collision policy's)
    RESERVED = "reserved"  # unpublished, and the registry never reuses a version
    BLOCKED = "blocked"  # the whole package was unpublished less than 24 hours ago


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Standing
    version: str
    existing: str | None = None  # the key the upstream lists (may differ by "v" or build)
    published_at: str | None = None
    unpublished_at: str | None = None
    deprecated: str | None = None
    suggestions: Suggestions | None = None
    blocked_until: str | None = None
    existing_manifest: dict[str, Any] | None = None

    @property
    def taken(self) -> bool:
        return self.outcome is not Standing.FREE


def judge(
    doc: Mapping[str, Any] | None,
    version: str,
    *,
    reserves_unpublished: bool,
    republish_block: timedelta | None = TOMBSTONE_BLOCK,
    now: datetime | None = None,
) -> Verdict:
    """Judge ``version`` against the upstream's document (``None``: the package does not exist).

    ``reserves_unpublished``: the registry never reuses an unpublished version (npmjs); on
    Artifactory, Nexus and Verdaccio a deleted version is simply free again.
    ``republish_block``: how long a package unpublished as a whole takes no version at all
    (npmjs' 24 hours; ``None`` where the registry has no such rule, as Azure Artifacts).
    """
    if not doc:
        return Verdict(Standing.FREE, version)
    wanted = version_identity(version)
    times: Mapping[str, Any] = doc.get("time") or {}
    gone = unpublished_versions(doc) if reserves_unpublished else []
    taken = [*existing_versions(doc), *gone]
    suggestions = suggest(version, taken)
    versions: Mapping[str, Any] = doc.get("versions") or {}
    for key, manifest in versions.items():
        if version_identity(key) != wanted:
            continue
        manifest = manifest if isinstance(manifest, Mapping) else {}
        deprecated = manifest.get("deprecated")
        return Verdict(
            Standing.EXISTS,
            version,
            existing=key,
            published_at=_text(times.get(key)),
            deprecated=str(deprecated) if deprecated else None,
            suggestions=suggestions,
            existing_manifest=dict(manifest),
        )
    if not reserves_unpublished:
        return Verdict(Standing.FREE, version, suggestions=suggestions)
    when_gone = unpublished_at(doc)
    if is_tombstone(doc) and when_gone and republish_block is not None:
        gone_at = _parse_time(when_gone)
        until = gone_at + republish_block if gone_at else None
        if until is not None and (now or datetime.now(UTC)) < until:
            return Verdict(
                Standing.BLOCKED,
                version,
                unpublished_at=when_gone,
                blocked_until=until.strftime("%Y-%m-%dT%H:%M:%SZ"),
                suggestions=suggestions,
            )
    for key in gone:
        if version_identity(key) == wanted:
            return Verdict(
                Standing.RESERVED,
                version,
                existing=key,
                published_at=_text(times.get(key)),
                unpublished_at=when_gone or _text(times.get("modified")),
                suggestions=suggestions,
            )
    return Verdict(Standing.FREE, version, suggestions=suggestions)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def verdict_on(
    flavor: Flavor, doc: Mapping[str, Any] | None, version: str, now: datetime | None = None
) -> Verdict:
    """``judge`` by the rule of ``flavor``'s registry (whether it ever reuses a version)."""
    return judge(
        doc,
        version,
        reserves_unpublished=flavor.reserves_unpublished,
        republish_block=flavor.republish_block,
        now=now,
    )
