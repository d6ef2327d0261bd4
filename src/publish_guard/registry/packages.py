"""Package operations: publish, read, change, unpublish. They raise ``RegistryError``.

How npm's writes arrive (NPM-PROTOCOL.md §2):

- publish: ``PUT /<esc>`` with one version and its tarball in ``_attachments``;
- deprecate, star, owner: ``PUT /<esc>`` or ``PUT /<esc>/-rev/<rev>`` with the whole document
  (or part of it) and no attachment data;
- unpublish one version: ``PUT /<esc>/-rev/<rev>`` without that version, then
  ``DELETE /<esc>/-/<file>.tgz/-rev/<rev>``;
- unpublish everything: ``DELETE /<esc>/-rev/<rev>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from publish_guard.npm import documents as docs
from publish_guard.npm.documents import PackageDocument, VersionState
from publish_guard.npm.integrity import digests
from publish_guard.npm.names import PackageName
from publish_guard.npm.publish_body import PublishBody, PublishBodyError, parse_publish_body
from publish_guard.registry.access import authorize, authorize_write
from publish_guard.registry.accounts import Identity
from publish_guard.registry.documents import add_version, next_rev, tarball_filename
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.model import DeploymentPolicy, Permission, Repo, RepoKind
from publish_guard.registry.state import RegistryState


def artifact_path(name: str, version: str) -> str:
    """The path include/exclude patterns are matched against: ``name/-/name-1.0.0.tgz``."""
    return f"{name}/-/{tarball_filename(name, version)}"


def _check_writable(registry: RegistryState, target: Repo) -> None:
    if registry.flavor.honours_deployment_policy and target.policy is DeploymentPolicy.READ_ONLY:
        raise RegistryError(ErrorKind.READ_ONLY, repo=target.key)


def parse_body(body: bytes | Mapping[str, Any], path_name: PackageName | None) -> PublishBody:
    try:
        return parse_publish_body(body, path_name=path_name)
    except PublishBodyError as exc:
        package = path_name.full if path_name else None
        raise RegistryError(ErrorKind.BAD_REQUEST, exc.message, package=package) from None


def check_publish(
    registry: RegistryState,
    repo: Repo,
    identity: Identity,
    body: bytes | Mapping[str, Any],
    *,
    path_name: PackageName | None,
    otp: str | None,
    require_otp: bool = True,
) -> tuple[PublishBody, Repo]:
    """Every check a publish goes through, in the real servers' order; stores nothing.

    Returns the parsed body and the repository it would land in.
    """
    package = path_name.full if path_name else None
    target = authorize_write(
        registry,
        identity,
        repo,
        Permission.DEPLOY,
        package=package,
        otp=otp,
        require_otp=require_otp,
    )
    _check_writable(registry, target)
    parsed = parse_body(body, path_name)
    name, version = parsed.name.full, parsed.version
    where = {"package": name, "version": version, "repo": target.key}
    path = artifact_path(name, version)
    if not target.artifact_allowed(path):
        raise RegistryError(ErrorKind.PATTERN_REJECTED, path=path, **where)
    existing = registry.storage.load_document(target.key, name)
    if f"{name}@{version}" in target.upstream_versions:
        raise RegistryError(ErrorKind.IN_UPSTREAM, **where)
    _check_version_free(registry, target, existing, version, where, parsed.tarball.data)
    if (
        target.latest_tag_locked
        and "latest" in parsed.dist_tags
        and existing is not None
        and existing.get("dist-tags", {}).get("latest") not in (None, version)
    ):
        raise RegistryError(ErrorKind.LATEST_TAG_LOCKED, **where)
    if target.uplink_down and existing is None:
        raise RegistryError(ErrorKind.UPLINK_DOWN, **where)
    return parsed, target


def publish(
    registry: RegistryState,
    repo: Repo,
    identity: Identity,
    body: bytes | Mapping[str, Any],
    *,
    path_name: PackageName | None,
    otp: str | None,
) -> PublishBody:
    """Check and store one published version; returns the parsed body."""
    parsed, target = check_publish(registry, repo, identity, body, path_name=path_name, otp=otp)
    existing = registry.storage.load_document(target.key, parsed.name.full)
    accepted_as_is = registry.flavor.accepts_identical_republish and _identical(
        existing, parsed.version, parsed.tarball.data
    )
    if not accepted_as_is:
        store_version(registry, target, parsed.manifest, parsed.tarball.data, parsed.dist_tags)
    return parsed


def _identical(existing: PackageDocument | None, version: str, tarball: bytes) -> bool:
    """Whether ``version`` is stored with exactly these bytes."""
    stored = ((existing or {}).get("versions") or {}).get(version) or {}
    return (
        bool(stored) and (stored.get("dist") or {}).get("integrity") == digests(tarball).integrity
    )


def _check_version_free(
    registry: RegistryState,
    target: Repo,
    existing: PackageDocument | None,
    version: str,
    where: dict[str, str],
    tarball: bytes,
) -> None:
    flavor = registry.flavor
    if existing is not None and docs.is_tombstone(existing) and flavor.republish_block:
        since = docs.unpublished_at(existing)
        if since is not None and registry.clock() < _parse_iso(since) + flavor.republish_block:
            raise RegistryError(ErrorKind.PACKAGE_BLOCKED, **where)
    state = docs.version_state(existing, version)
    if state in (VersionState.EXISTS, VersionState.DEPRECATED):
        if flavor.accepts_identical_republish and _identical(existing, version, tarball):
            return
        if flavor.honours_deployment_policy:
            if target.policy is DeploymentPolicy.ALLOW_REDEPLOY:
                return
            raise RegistryError(ErrorKind.REDEPLOY_DISABLED, **where)
        raise RegistryError(ErrorKind.VERSION_EXISTS, **where)
    if state is VersionState.UNPUBLISHED and flavor.reserves_unpublished:
        raise RegistryError(ErrorKind.VERSION_RESERVED, **where)


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def store_version(
    registry: RegistryState,
    target: Repo,
    manifest: Mapping[str, Any],
    tarball: bytes,
    dist_tags: Mapping[str, str],
) -> PackageDocument:
    """Write the tarball, then the document that lists it (integrity from the stored bytes)."""
    name, version = str(manifest["name"]), str(manifest["version"])
    stored = dict(manifest)
    sums = digests(tarball)
    dist = dict(stored.get("dist") or {})
    dist.update(integrity=sums.integrity, shasum=sums.shasum)
    dist.setdefault("tarball", f"{name}/-/{tarball_filename(name, version)}")
    stored["dist"] = dist
    stored["_id"] = f"{name}@{version}"
    registry.storage.save_tarball(target.key, name, tarball_filename(name, version), tarball)
    doc = registry.storage.load_document(target.key, name)
    new = add_version(doc, stored, dist_tags, registry.clock())
    return _save(registry, target, name, new)


def _save(
    registry: RegistryState, target: Repo, name: str, doc: PackageDocument
) -> PackageDocument:
    previous = registry.storage.load_document(target.key, name)
    doc["_rev"] = next_rev((previous or {}).get("_rev"), repr(sorted(doc)).encode())
    doc["_id"] = name
    doc["name"] = name
    registry.storage.save_document(target.key, name, doc)
    return doc


# -- reads ---------------------------------------------------------------------------------------


def read_document(
    registry: RegistryState, repo: Repo, identity: Identity, name: str
) -> tuple[PackageDocument, Repo]:
    """The document (merged across members for a virtual repository) and where it came from."""
    authorize(registry, identity, repo, Permission.READ, package=name)
    for source in _sources(registry, repo):
        doc = registry.storage.load_document(source.key, name)
        if doc is not None:
            return _merge(registry, repo, name, doc, source), source
    raise RegistryError(ErrorKind.NOT_FOUND, package=name, repo=repo.key, action="access")


def read_tarball(
    registry: RegistryState, repo: Repo, identity: Identity, name: str, filename: str
) -> bytes:
    authorize(registry, identity, repo, Permission.READ, package=name)
    for source in _sources(registry, repo):
        data = registry.storage.load_tarball(source.key, name, filename)
        if data is not None:
            return data
    detail = {
        "nexus": f"Tarball '{filename}' in package '{name}' not found",
        "verdaccio": "no such file available",
    }.get(registry.flavor.name, "")
    raise RegistryError(ErrorKind.NOT_FOUND, detail, package=name, repo=repo.key, action="access")


def _sources(registry: RegistryState, repo: Repo, seen: frozenset[str] = frozenset()) -> list[Repo]:
    if repo.kind is not RepoKind.VIRTUAL:
        return [repo]
    found: list[Repo] = []
    for key in repo.members:
        member = registry.repos.get(key)
        if member is not None and key not in seen:
            found.extend(_sources(registry, member, seen | {repo.key}))
    return found


def _merge(
    registry: RegistryState, repo: Repo, name: str, first: PackageDocument, source: Repo
) -> PackageDocument:
    """A virtual repository's view: versions from every member, the first member winning."""
    if repo.kind is not RepoKind.VIRTUAL:
        return first
    merged: PackageDocument = first
    for member in _sources(registry, repo):
        if member.key == source.key:
            continue
        other = registry.storage.load_document(member.key, name)
        if other is None:
            continue
        for version, manifest in (other.get("versions") or {}).items():
            merged.setdefault("versions", {}).setdefault(version, manifest)
        for tag, target in (other.get("dist-tags") or {}).items():
            merged.setdefault("dist-tags", {}).setdefault(tag, target)
        for key, stamp in (other.get("time") or {}).items():
            merged.setdefault("time", {}).setdefault(key, stamp)
    return merged
