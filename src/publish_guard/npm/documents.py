"""Package documents ("packuments"): their shape, and what they say about versions.

A registry serves a package in two forms. The full document (``GET /<name>``) has ``_id``,
``_rev``, ``name``, ``dist-tags``, ``versions``, ``time`` and more. The abbreviated one (``accept:
application/vnd.npm.install-v1+json``) keeps only what an installer needs and has no ``time``.

``time`` remembers every version ever published: when one version is unpublished its key leaves
``versions`` but stays in ``time``. A wholly unpublished package is a tombstone: no ``versions``,
and ``time.unpublished = {"time": ..., "versions": [...]}``.

Everything here is pure reading (the emulator writes documents: ``registry/documents.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypedDict

import semver

ABBREVIATED_MEDIA_TYPE = "application/vnd.npm.install-v1+json"


class Dist(TypedDict, total=False):
    integrity: str
    shasum: str
    tarball: str
    fileCount: int
    unpackedSize: int
    signatures: list[dict[str, str]]


class VersionManifest(TypedDict, total=False):
    """One entry of ``versions``: the package.json plus registry fields (other keys may occur)."""

    _id: str
    name: str
    version: str
    description: str
    dependencies: dict[str, str]
    devDependencies: dict[str, str]
    optionalDependencies: dict[str, str]
    peerDependencies: dict[str, str]
    deprecated: str
    dist: Dist
    _npmVersion: str
    _nodeVersion: str


class UnpublishedInfo(TypedDict):
    time: str
    versions: list[str]


PackageDocument = TypedDict(
    "PackageDocument",
    {
        "_id": str,
        "_rev": str,
        "name": str,
        "description": str,
        "dist-tags": dict[str, str],
        "versions": dict[str, VersionManifest],
        "time": dict[str, Any],  # iso strings, and "unpublished": UnpublishedInfo
        "maintainers": list[dict[str, str]],
        "users": dict[str, bool],
        "readme": str,
        "_attachments": dict[str, Any],
    },
    total=False,
)

AbbreviatedDocument = TypedDict(
    "AbbreviatedDocument",
    {
        "name": str,
        "modified": str,
        "dist-tags": dict[str, str],
        "versions": dict[str, dict[str, Any]],
    },
)

_TIME_META_KEYS = frozenset({"created", "modified", "unpublished"})


class VersionState(Enum):
    FREE = "free"  # never published: a publish may use it
    EXISTS = "exists"
    DEPRECATED = "deprecated"  # exists, and carries a deprecation message
    UNPUBLISHED = "unpublished"  # was published, then removed (still listed in ``time``)


def iso(moment: datetime) -> str:
    """npm's timestamp form: ``2024-05-01T12:00:00.000Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def version_identity(version: str) -> str:
    """The part of a version that identifies it: no leading ``v``/``=``, no build metadata."""
    text = version.strip().lstrip("=v").strip()
    return text.split("+", 1)[0]


def is_valid_version(version: str) -> bool:
    return bool(semver.Version.is_valid(version))


def is_prerelease(version: str) -> bool:
    try:
        return semver.Version.parse(version_identity(version)).prerelease is not None
    except ValueError:
        return False


def existing_versions(doc: Mapping[str, Any]) -> list[str]:
    return list(doc.get("versions") or {})


def deprecated_versions(doc: Mapping[str, Any]) -> dict[str, str]:
    versions: Mapping[str, Any] = doc.get("versions") or {}
    return {
        version: str(manifest["deprecated"])
        for version, manifest in versions.items()
        if isinstance(manifest, Mapping) and manifest.get("deprecated")
    }


def is_tombstone(doc: Mapping[str, Any]) -> bool:
    time = doc.get("time") or {}
    return not doc.get("versions") and isinstance(time.get("unpublished"), Mapping)


def unpublished_versions(doc: Mapping[str, Any]) -> list[str]:
    """Versions that were published once and are gone now (they stay in ``time``)."""
    time: Mapping[str, Any] = doc.get("time") or {}
    present = {version_identity(v) for v in existing_versions(doc)}
    gone = [
        key for key in time if key not in _TIME_META_KEYS and version_identity(key) not in present
    ]
    unpublished = time.get("unpublished")
    if isinstance(unpublished, Mapping):
        gone.extend(v for v in unpublished.get("versions") or [] if v not in gone)
    return gone


def version_state(doc: Mapping[str, Any] | None, version: str) -> VersionState:
    if not doc:
        return VersionState.FREE
    wanted = version_identity(version)
    versions: Mapping[str, Any] = doc.get("versions") or {}
    for existing, manifest in versions.items():
        if version_identity(existing) == wanted:
            if isinstance(manifest, Mapping) and manifest.get("deprecated"):
                return VersionState.DEPRECATED
            return VersionState.EXISTS
    if wanted in {version_identity(v) for v in unpublished_versions(doc)}:
        return VersionState.UNPUBLISHED
    return VersionState.FREE


def unpublished_at(doc: Mapping[str, Any]) -> str | None:
    """When a tombstone was made (``time.unpublished.time``), else ``None``."""
    info = (doc.get("time") or {}).get("unpublished")
    if isinstance(info, Mapping) and isinstance(info.get("time"), str):
        return str(info["time"])
    return None
