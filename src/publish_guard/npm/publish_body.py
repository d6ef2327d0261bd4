"""The body of ``npm publish``: recognising it, parsing it and checking it.

npm sends ``PUT /<escaped-name>`` (or, for ``npm stage publish``, ``POST /-/stage/package/<esc>``)
with a JSON body::

    {"_id": name, "name": name, "description": ..., "access": null | "public" | "restricted",
     "dist-tags": {<tag>: <version>},                      # exactly one entry
     "versions": {<version>: <package.json + _id, _nodeVersion, _npmVersion, dist>},
     "_attachments": {"<name>-<version>.tgz": {"content_type": "application/octet-stream",
                                               "data": <base64>, "length": <bytes>}}}

With ``--provenance`` a second attachment ``<name>-<version>.sigstore`` holds a sigstore bundle as
a raw JSON string (not base64). Deprecate, star and owner changes are PUTs to the same path whose
body lacks attachment data: ``is_publish_body`` tells them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from publish_guard.npm import integrity
from publish_guard.npm.documents import is_valid_version, version_identity
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name
from publish_guard.npm.publish_json import (
    SIGSTORE_SUFFIX,
    PublishBodyError,
    TarballText,
    attachment_digests,
    loads,
    strict_b64decode,
)

__all__ = ["SIGSTORE_SUFFIX", "Attachment", "PublishBody", "PublishBodyError", "parse_publish_body"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """One entry of ``_attachments``. It keeps the text it came in and decodes ``data`` on each
    access: a parsed publish holds its tarball once (as text), not also decoded."""

    filename: str
    content_type: str
    text: str = field(repr=False)  # as sent: base64 (a .sigstore attachment: its JSON text)
    declared_length: int | None
    size: int  # of the decoded bytes
    digests: integrity.Digests | None = None  # of a tarball, computed while parsing
    # a big tarball's text where it sits in the body (``text`` is then empty)
    source: TarballText | None = field(default=None, repr=False, compare=False)

    @property
    def sent_text(self) -> str:
        return self.source.text() if self.source is not None else self.text

    @property
    def data(self) -> bytes:
        """The decoded bytes (a .sigstore attachment: its JSON text, UTF-8)."""
        if self.filename.endswith(SIGSTORE_SUFFIX):
            return self.text.encode("utf-8")
        if self.source is not None:
            return self.source.decoded()  # checked strictly as it was hashed
        return strict_b64decode(self.sent_text)


@dataclass(frozen=True, slots=True)
class PublishBody:
    name: PackageName
    version: str
    tag: str  # the first (normally the only) dist-tag
    dist_tags: dict[str, str]
    manifest: dict[str, Any]  # versions[version], as sent
    tarball: Attachment
    extra_attachments: tuple[Attachment, ...] = ()
    access: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # see document()

    @property
    def integrity(self) -> str:
        known = self.tarball.digests
        return known.integrity if known is not None else integrity.sri_sha512(self.tarball.data)

    @property
    def shasum(self) -> str:
        known = self.tarball.digests
        return known.shasum if known is not None else integrity.sha1_hex(self.tarball.data)

    def document(self) -> dict[str, Any]:
        """The body as sent, as a document (``raw`` holds ``""`` for a big tarball's text, which
        stays in the body; this holds the text)."""
        if self.tarball.source is None:
            return self.raw
        attachments = dict(self.raw["_attachments"])
        attachments[self.tarball.filename] = {
            **attachments[self.tarball.filename],
            "data": self.tarball.sent_text,
        }
        return {**self.raw, "_attachments": attachments}


def is_publish_body(doc: object, *, path_has_rev: bool = False) -> bool:
    """The test of NPM-PROTOCOL.md §1: a PUT to the document path (no ``/-rev/``) whose body has
    an attachment with string ``data`` and exactly one key in ``versions``."""
    if path_has_rev or not isinstance(doc, Mapping):
        return False
    attachments = doc.get("_attachments")
    versions = doc.get("versions")
    if not isinstance(attachments, Mapping) or not isinstance(versions, Mapping):
        return False
    has_data = any(
        isinstance(entry, Mapping) and isinstance(entry.get("data"), str)
        for entry in attachments.values()
    )
    return has_data and len(versions) == 1


def parse_publish_body(
    body: bytes | Mapping[str, Any],
    *,
    path_name: PackageName | None = None,
    known: TarballText | None = None,
) -> PublishBody:
    """Parse and check a publish body; raise ``PublishBodyError`` on the first problem.

    ``path_name`` is the package named by the request path; the body must name the same one.
    ``known``: a big tarball's text where it sits in the body, decoded and hashed already
    (``publish_json.load_document``).
    """
    doc = loads(bytes(body)) if isinstance(body, bytes | bytearray) else dict(body)
    name = _name(doc, path_name)
    version, manifest = _the_version(doc, name)
    dist_tags = _dist_tags(doc, version)
    tarball, extras = _attachments(doc, name, version, known)
    dist = manifest.get("dist")
    if isinstance(dist, Mapping):
        _check_dist(dist, tarball)
    access = doc.get("access")
    if access is not None and access not in ("public", "restricted"):
        raise PublishBodyError("invalid_access", f"access must be public or restricted: {access!r}")
    return PublishBody(
        name=name,
        version=version,
        tag=next(iter(dist_tags)),
        dist_tags=dist_tags,
        manifest=manifest,
        tarball=tarball,
        extra_attachments=extras,
        access=access,
        raw=doc,
    )


def _name(doc: Mapping[str, Any], path_name: PackageName | None) -> PackageName:
    raw = doc.get("name", doc.get("_id"))
    if not isinstance(raw, str) or not raw:
        raise PublishBodyError("missing_name", "the body has no package name")
    try:
        name = parse_name(raw)
    except InvalidPackageName as exc:
        raise PublishBodyError("invalid_name", str(exc)) from None
    if "_id" in doc and doc["_id"] != raw:
        raise PublishBodyError("name_mismatch", f"_id {doc['_id']!r} differs from name {raw!r}")
    if path_name is not None and path_name.full != name.full:
        raise PublishBodyError(
            "name_mismatch", f"the path names {path_name.full} but the body publishes {name.full}"
        )
    return name


def _the_version(doc: Mapping[str, Any], name: PackageName) -> tuple[str, dict[str, Any]]:
    versions = doc.get("versions")
    if not isinstance(versions, Mapping) or not versions:
        raise PublishBodyError("no_versions", "the body has no version to publish")
    if len(versions) != 1:
        listed = ", ".join(sorted(versions))
        raise PublishBodyError("multiple_versions", f"a publish carries one version, got {listed}")
    version, manifest = next(iter(versions.items()))
    if not isinstance(version, str) or not is_valid_version(version):
        raise PublishBodyError("invalid_version", f"invalid version: {version!r}")
    if not isinstance(manifest, Mapping):
        raise PublishBodyError("invalid_manifest", f"versions[{version!r}] is not an object")
    if manifest.get("name") != name.full:
        raise PublishBodyError(
            "manifest_mismatch",
            f"versions[{version!r}].name is {manifest.get('name')!r}, expected {name.full!r}",
        )
    manifest_version = manifest.get("version")
    if not isinstance(manifest_version, str) or version_identity(
        manifest_version
    ) != version_identity(version):
        raise PublishBodyError(
            "manifest_mismatch",
            f"versions[{version!r}].version is {manifest_version!r}, expected {version!r}",
        )
    return version, dict(manifest)


def _dist_tags(doc: Mapping[str, Any], version: str) -> dict[str, str]:
    tags = doc.get("dist-tags")
    if not isinstance(tags, Mapping) or not tags:
        raise PublishBodyError("missing_dist_tags", "the body has no dist-tags")
    result: dict[str, str] = {}
    for tag, target in tags.items():
        if not isinstance(tag, str) or not tag or is_valid_version(tag):
            raise PublishBodyError("invalid_dist_tag", f"invalid dist-tag name: {tag!r}")
        if not isinstance(target, str) or version_identity(target) != version_identity(version):
            raise PublishBodyError(
                "invalid_dist_tag", f"dist-tag {tag!r} points at {target!r}, not at {version}"
            )
        result[tag] = target
    return result


def _attachments(
    doc: Mapping[str, Any], name: PackageName, version: str, known: TarballText | None = None
) -> tuple[Attachment, tuple[Attachment, ...]]:
    attachments = doc.get("_attachments")
    if not isinstance(attachments, Mapping) or not attachments:
        raise PublishBodyError("no_attachments", "the body has no _attachments (no tarball)")
    tarball: Attachment | None = None
    extras: list[Attachment] = []
    for filename, entry in attachments.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("data"), str):
            raise PublishBodyError("bad_attachment", f"attachment {filename!r} has no string data")
        attachment = _decode(str(filename), entry, known)
        if str(filename).endswith(SIGSTORE_SUFFIX):
            extras.append(attachment)
        elif tarball is None:
            tarball = attachment
        else:
            raise PublishBodyError("bad_attachment", "the body carries more than one tarball")
    if tarball is None:
        raise PublishBodyError("no_attachments", "the body has no tarball attachment")
    expected = {f"{name.full}-{version}.tgz", f"{name.name}-{version}.tgz"}
    if tarball.filename not in expected:
        raise PublishBodyError(
            "bad_attachment",
            f"attachment {tarball.filename!r} should be named {name.full}-{version}.tgz",
        )
    return tarball, tuple(extras)


def _decode(
    filename: str, entry: Mapping[str, Any], known: TarballText | None = None
) -> Attachment:
    text = str(entry["data"])
    length = entry.get("length")
    declared = length if isinstance(length, int) and not isinstance(length, bool) else None
    content_type = str(entry.get("content_type") or "application/octet-stream")
    if filename.endswith(SIGSTORE_SUFFIX):
        return Attachment(filename, content_type, text, declared, len(text.encode("utf-8")))
    source = None
    if known is not None and known.filename == filename:
        size, digests, source = known.size, known.digests, known
    else:
        size, digests = attachment_digests(filename, text, len(text))
    if declared is not None and declared != size:
        raise PublishBodyError(
            "length_mismatch",
            f"attachment {filename!r} declares {declared} bytes but holds {size}",
        )
    return Attachment(filename, content_type, text, declared, size, digests, source)


def _check_dist(dist: Mapping[str, Any], tarball: Attachment) -> None:
    sri = dist.get("integrity")
    shasum = dist.get("shasum")
    try:
        integrity.verify(
            lambda: tarball.data,
            integrity=sri if isinstance(sri, str) else None,
            shasum=shasum if isinstance(shasum, str) else None,
            known=tarball.digests,
        )
    except integrity.IntegrityError as exc:
        raise PublishBodyError("integrity_mismatch", f"{tarball.filename}: {exc}") from None
