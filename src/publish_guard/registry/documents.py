"""How the emulated registry writes package documents: a version added, versions removed, a
tombstone, deprecations, tarball URLs, the abbreviated form, and revisions.

Everything here is pure: documents in, new documents out (inputs are never mutated).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, cast

import semver

from publish_guard.npm.documents import (
    ABBREVIATED_MEDIA_TYPE,
    AbbreviatedDocument,
    PackageDocument,
    UnpublishedInfo,
    VersionManifest,
    existing_versions,
    is_tombstone,
    iso,
    version_identity,
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


def tarball_filename(name: str, version: str) -> str:
    """``widget-1.0.0.tgz`` (a scoped package's file name has no scope)."""
    return f"{name.rsplit('/', 1)[-1]}-{version}.tgz"


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
