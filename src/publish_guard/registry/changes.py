"""Writes other than publish: document updates (deprecate, unpublish one version, owners, stars),
whole-package unpublish, tarball deletion and dist-tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from publish_guard.npm import documents as docs
from publish_guard.npm.documents import PackageDocument
from publish_guard.registry.access import authorize_write, deploy_target
from publish_guard.registry.accounts import Identity
from publish_guard.registry.documents import (
    remove_versions,
    set_deprecations,
    tarball_filename,
    tombstone,
)
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.model import Permission, Repo
from publish_guard.registry.packages import _check_writable, _save
from publish_guard.registry.state import RegistryState


def _load(registry: RegistryState, target: Repo, name: str) -> PackageDocument:
    doc = registry.storage.load_document(target.key, name)
    if doc is None or docs.is_tombstone(doc):
        raise RegistryError(ErrorKind.NOT_FOUND, package=name, repo=target.key)
    return doc


def _writable(
    registry: RegistryState,
    repo: Repo,
    identity: Identity,
    name: str,
    otp: str | None,
    permission: Permission = Permission.DEPLOY,
) -> Repo:
    target = authorize_write(registry, identity, repo, permission, package=name, otp=otp)
    _check_writable(registry, target)
    return target


def update_document(
    registry: RegistryState,
    repo: Repo,
    identity: Identity,
    name: str,
    body: Mapping[str, Any],
    *,
    otp: str | None,
) -> PackageDocument:
    """Apply a whole-document PUT: removed versions, deprecations, dist-tags, owners, stars.

    Removing versions needs the delete permission (instead of deploy)."""
    permission = (
        Permission.DELETE if _removes_versions(registry, repo, name, body) else (Permission.DEPLOY)
    )
    target = _writable(registry, repo, identity, name, otp, permission)
    doc = _load(registry, target, name)
    now = registry.clock()
    stored_versions = doc.get("versions") or {}
    incoming = body.get("versions")
    if isinstance(incoming, Mapping):
        added = [v for v in incoming if v not in stored_versions]
        if added:
            raise RegistryError(
                ErrorKind.BAD_REQUEST,
                f"cannot add version {added[0]} without its tarball: publish it instead",
                package=name,
            )
        removed = [v for v in stored_versions if v not in incoming]
        if removed:
            doc = remove_versions(doc, removed, now)
        messages = {
            version: str(manifest.get("deprecated") or "")
            for version, manifest in incoming.items()
            if isinstance(manifest, Mapping)
            and str(manifest.get("deprecated") or "")
            != str(stored_versions[version].get("deprecated") or "")
        }
        if messages:
            doc = set_deprecations(doc, messages, now)
    tags = body.get("dist-tags")
    if isinstance(tags, Mapping) and dict(tags) != doc.get("dist-tags"):
        wanted = {str(t): str(v) for t, v in tags.items()}
        unknown = [v for v in wanted.values() if v not in (doc.get("versions") or {})]
        if unknown:
            raise RegistryError(
                ErrorKind.BAD_REQUEST, f"unknown version {unknown[0]}", package=name
            )
        _check_latest(target, doc, wanted.get("latest"), name)
        doc["dist-tags"] = wanted
    for key in ("maintainers", "users"):
        if key in body:
            doc[key] = body[key]
    doc.setdefault("time", {})["modified"] = docs.iso(now)
    return _save(registry, target, name, doc)


def _removes_versions(
    registry: RegistryState, repo: Repo, name: str, body: Mapping[str, Any]
) -> bool:
    incoming = body.get("versions")
    if not isinstance(incoming, Mapping):
        return False
    try:
        target = deploy_target(registry, repo, package=name)
    except RegistryError:
        return False  # authorize_write reports it, in its own order
    stored = registry.storage.load_document(target.key, name) or {}
    return any(v not in incoming for v in stored.get("versions") or {})


def unpublish_package(
    registry: RegistryState, repo: Repo, identity: Identity, name: str, *, otp: str | None
) -> None:
    target = _writable(registry, repo, identity, name, otp, Permission.DELETE)
    doc = _load(registry, target, name)
    if registry.flavor.reserves_unpublished:
        for version in docs.existing_versions(doc):
            filename = tarball_filename(name, version)
            registry.storage.delete_tarball(target.key, name, filename)
        _save(registry, target, name, tombstone(doc, registry.clock()))
    else:
        registry.storage.delete_package(target.key, name)


def delete_tarball(
    registry: RegistryState,
    repo: Repo,
    identity: Identity,
    name: str,
    filename: str,
    *,
    otp: str | None,
) -> None:
    target = _writable(registry, repo, identity, name, otp, Permission.DELETE)
    _load(registry, target, name)
    basename = filename.rsplit("/", 1)[-1]
    if registry.storage.load_tarball(target.key, name, basename) is None:
        raise RegistryError(ErrorKind.NOT_FOUND, package=name, repo=target.key)
    registry.storage.delete_tarball(target.key, name, basename)


def set_dist_tag(
    registry: RegistryState,
    repo: Repo,
    identity: Identity,
    name: str,
    tag: str,
    version: object,
    *,
    otp: str | None,
) -> PackageDocument:
    if not isinstance(version, str) or not tag or docs.is_valid_version(tag):
        raise RegistryError(
            ErrorKind.BAD_REQUEST, "the body must be a version string", package=name
        )
    target = _writable(registry, repo, identity, name, otp)
    doc = _load(registry, target, name)
    if version not in (doc.get("versions") or {}):
        raise RegistryError(
            ErrorKind.NOT_FOUND, f"version not found: {version}", package=name, version=version
        )
    if tag == "latest":
        _check_latest(target, doc, version, name)
    doc.setdefault("dist-tags", {})[tag] = version
    doc.setdefault("time", {})["modified"] = docs.iso(registry.clock())
    return _save(registry, target, name, doc)


def remove_dist_tag(
    registry: RegistryState, repo: Repo, identity: Identity, name: str, tag: str, *, otp: str | None
) -> PackageDocument:
    target = _writable(registry, repo, identity, name, otp)
    doc = _load(registry, target, name)
    tags = doc.setdefault("dist-tags", {})
    if tag not in tags:
        raise RegistryError(ErrorKind.NOT_FOUND, f"tag not found: {tag}", package=name)
    if tag == "latest":
        _check_latest(target, doc, None, name)
    del tags[tag]
    doc.setdefault("time", {})["modified"] = docs.iso(registry.clock())
    return _save(registry, target, name, doc)


def _check_latest(target: Repo, doc: PackageDocument, new: str | None, name: str) -> None:
    current = (doc.get("dist-tags") or {}).get("latest")
    if target.latest_tag_locked and current is not None and new != current:
        raise RegistryError(ErrorKind.LATEST_TAG_LOCKED, package=name, repo=target.key)
