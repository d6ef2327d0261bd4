"""Package documents ("packuments"): their shape, what they say about versions, and how they change.

A registry serves a package in two forms. The full document (``GET /<name>``) has ``_id``,
``_rev``, ``name``, ``dist-tags``, ``versions``, ``time`` and more. The abbreviated one (``accept:
application/vnd.npm.install-v1+json``) keeps only what an installer needs and has no ``time``.

``time`` remembers every version ever published: when one version is unpublished its key leaves
``versions`` but stays in ``time``. A wholly unpublished package is a tombstone: no ``versions``,
and ``time.unpublished = {"time": ..., "versions": [...]}``.

Everything here is pure: documents in, new documents out (inputs are never mutated).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypedDict, cast

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

# The version fields an installer needs (what npmjs and Verdaccio keep in abbreviated documents).
ABBREVIATED_VERSION_FIELDS = (
    "name",
    "version",
    "deprecated",
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "bundleDependencies",
    "bundledDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "acceptDependencies",
    "bin",
    "directories",
    "dist",
    "engines",
    "cpu",
    "os",
    "libc",
    "funding",
    "license",
    "_hasShrinkwrap",
    "hasInstallScript",
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


def tarball_filename(name: str, version: str) -> str:
    """``widget-1.0.0.tgz`` (a scoped package's file name has no scope)."""
    return f"{name.rsplit('/', 1)[-1]}-{version}.tgz"


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


def next_rev(previous: str | None, content: bytes = b"") -> str:
    """CouchDB-style revision: ``<generation>-<32 hex>``, one generation after ``previous``."""
    generation = 0
    if previous:
        head = previous.split("-", 1)[0]
        generation = int(head) if head.isdigit() else 0
    digest = hashlib.md5(content + str(generation).encode(), usedforsecurity=False).hexdigest()
    return f"{generation + 1}-{digest}"


def new_document(name: str, now: datetime) -> PackageDocument:
    stamp = iso(now)
    return {
        "_id": name,
        "name": name,
        "dist-tags": {},
        "versions": {},
        "time": {"created": stamp, "modified": stamp},
    }


def add_version(
    doc: PackageDocument | None,
    manifest: Mapping[str, Any],
    dist_tags: Mapping[str, str],
    now: datetime,
) -> PackageDocument:
    """The document with ``manifest`` stored (replacing a version with the same identity)."""
    name = str(manifest["name"])
    version = str(manifest["version"])
    base = new_document(name, now) if doc is None or is_tombstone(doc) else copy.deepcopy(doc)
    if doc is not None and is_tombstone(doc):
        # A package published again after its unpublish keeps the memory of old versions.
        old_time = {k: v for k, v in (doc.get("time") or {}).items() if k != "unpublished"}
        base["time"] = {**old_time, "modified": iso(now)}
        base["time"].setdefault("created", iso(now))
    versions = base.setdefault("versions", {})
    for existing in list(versions):
        if version_identity(existing) == version_identity(version):
            del versions[existing]
    versions[version] = cast(VersionManifest, copy.deepcopy(dict(manifest)))
    base.setdefault("dist-tags", {}).update(dist_tags)
    stamp = iso(now)
    time = base.setdefault("time", {})
    time[version] = stamp
    time["modified"] = stamp
    if "description" in manifest:
        base["description"] = str(manifest["description"])
    return base


def highest_version(versions: Iterable[str], *, stable_first: bool = True) -> str | None:
    """The highest valid version; with ``stable_first`` a release beats any prerelease."""
    parsed = []
    for text in versions:
        try:
            parsed.append((semver.Version.parse(version_identity(text)), text))
        except ValueError:
            continue
    if not parsed:
        return None
    if stable_first and any(v.prerelease is None for v, _ in parsed):
        parsed = [(v, t) for v, t in parsed if v.prerelease is None]
    return max(parsed, key=lambda item: item[0])[1]


def remove_versions(doc: PackageDocument, gone: Iterable[str], now: datetime) -> PackageDocument:
    """The document without ``gone``: their ``time`` entries stay, tags pointing at them go, and
    ``latest`` moves to the highest remaining version (as npm's unpublish does)."""
    result = copy.deepcopy(doc)
    gone_ids = {version_identity(v) for v in gone}
    versions = result.setdefault("versions", {})
    for version in list(versions):
        if version_identity(version) in gone_ids:
            del versions[version]
    tags = result.setdefault("dist-tags", {})
    had_latest = "latest" in tags
    for tag, target in list(tags.items()):
        if version_identity(target) in gone_ids:
            del tags[tag]
    if had_latest and "latest" not in tags:
        best = highest_version(versions)
        if best is not None:
            tags["latest"] = best
    result.setdefault("time", {})["modified"] = iso(now)
    return result


def tombstone(doc: PackageDocument, now: datetime) -> PackageDocument:
    """What npmjs keeps of a wholly unpublished package."""
    time = {k: v for k, v in (doc.get("time") or {}).items() if k != "unpublished"}
    stamp = iso(now)
    time["modified"] = stamp
    time["unpublished"] = UnpublishedInfo(time=stamp, versions=existing_versions(doc))
    result: PackageDocument = {"_id": doc.get("_id", doc.get("name", "")), "time": time}
    if "name" in doc:
        result["name"] = doc["name"]
    if "_rev" in doc:
        result["_rev"] = doc["_rev"]
    return result


def unpublished_at(doc: Mapping[str, Any]) -> str | None:
    """When a tombstone was made (``time.unpublished.time``), else ``None``."""
    info = (doc.get("time") or {}).get("unpublished")
    if isinstance(info, Mapping) and isinstance(info.get("time"), str):
        return str(info["time"])
    return None


def set_deprecations(
    doc: PackageDocument, messages: Mapping[str, str | None], now: datetime
) -> PackageDocument:
    """Set (or with ``""``/``None`` clear) the deprecation message of existing versions."""
    result = copy.deepcopy(doc)
    versions = result.setdefault("versions", {})
    for version, message in messages.items():
        manifest = versions.get(version)
        if manifest is None:
            continue
        if message:
            manifest["deprecated"] = message
        else:
            manifest.pop("deprecated", None)
    result.setdefault("time", {})["modified"] = iso(now)
    return result


def with_tarball_urls(
    doc: PackageDocument, tarball_url: Callable[[str, str], str]
) -> PackageDocument:
    """A copy whose ``dist.tarball`` URLs are ``tarball_url(name, version)``."""
    result = copy.deepcopy(doc)
    for version, manifest in (result.get("versions") or {}).items():
        dist = manifest.setdefault("dist", {})
        dist["tarball"] = tarball_url(str(manifest.get("name", result.get("name", ""))), version)
    return result


def abbreviate(doc: PackageDocument) -> AbbreviatedDocument:
    versions: dict[str, dict[str, Any]] = {}
    for version, manifest in (doc.get("versions") or {}).items():
        source = cast(Mapping[str, Any], manifest)
        versions[version] = {
            key: copy.deepcopy(source[key]) for key in ABBREVIATED_VERSION_FIELDS if key in source
        }
    time = doc.get("time") or {}
    return {
        "name": doc.get("name", doc.get("_id", "")),
        "modified": str(time.get("modified", "")),
        "dist-tags": dict(doc.get("dist-tags") or {}),
        "versions": versions,
    }


def wants_abbreviated(accept: str | None) -> bool:
    """True when an ``accept`` header asks for the abbreviated form (npm's install requests)."""
    if not accept:
        return False
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        if media.strip().lower() != ABBREVIATED_MEDIA_TYPE:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False
