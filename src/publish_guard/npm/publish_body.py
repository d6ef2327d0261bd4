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

import base64
import binascii
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import pybase64

from publish_guard.npm import integrity
from publish_guard.npm.body_scan import DATA_KEY as _DATA_KEY
from publish_guard.npm.body_scan import Received, ScannedText, TarballScan
from publish_guard.npm.documents import is_valid_version, version_identity
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name

SIGSTORE_SUFFIX = ".sigstore"
_BASE64_SLICE = 256 * 1024  # characters, a multiple of 4 (192 KiB decoded)
_THREAD_FROM = 8 * 1024 * 1024  # characters of base64: sha1 on a helper thread from 6 MiB on
_BIG_DATA = 1024 * 1024  # an attachment's text from this size on is parsed aside
_PLACEHOLDER = "\x00publish-guard: attachment data"
_PLACEHOLDER_JSON = b"\\u0000publish-guard: attachment data"


class PublishBodyError(ValueError):
    """The body is not a valid publish. ``code`` is stable, the message names the problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
    # set when ``text`` is only a marker (``KnownText``): makes the text as sent
    source: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    @property
    def sent_text(self) -> str:
        return self.source() if self.source is not None else self.text

    @property
    def data(self) -> bytes:
        """The decoded bytes (a .sigstore attachment: its JSON text, UTF-8)."""
        if self.filename.endswith(SIGSTORE_SUFFIX):
            return self.text.encode("utf-8")
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
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # tarball text: document()

    @property
    def integrity(self) -> str:
        known = self.tarball.digests
        return known.integrity if known is not None else integrity.sri_sha512(self.tarball.data)

    @property
    def shasum(self) -> str:
        known = self.tarball.digests
        return known.shasum if known is not None else integrity.sha1_hex(self.tarball.data)

    def document(self) -> dict[str, Any]:
        """The body as sent, as a document (``raw`` may hold a marker for the tarball's text;
        this holds the text)."""
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


def tarball_scan() -> TarballScan:
    """A scan that finds, as a body arrives, the tarball text ``load_publish_json`` sets aside."""
    return TarballScan(_BIG_DATA)


def load_json_object(body: bytes) -> dict[str, Any]:
    return load_publish_json(body)[0]


@dataclass(frozen=True, slots=True)
class KnownText:
    """A tarball text found, decoded and hashed as the body arrived (``body_scan``). The
    document's ``data`` holds ``marker`` in its place (compared by identity; not base64, so it
    can never pass for a tarball); ``text`` makes the real text, when it is needed."""

    marker: str
    size: int
    digests: integrity.Digests
    text: Callable[[], str]


def load_publish_json(
    body: bytes | Received, scanned: ScannedText | None = None
) -> tuple[dict[str, Any], KnownText | None]:
    """The body as a JSON object; with ``scanned`` (``body_scan``'s result for this body), also
    the tarball text it found, when that is an attachment's ``data``: then only the body's head
    and tail are parsed, and the text itself is not copied out of the body."""
    if scanned is not None:
        loaded = _load_scanned(body, scanned)
        if loaded is not None:
            return loaded
    whole = body.joined() if isinstance(body, Received) else body
    if len(whole) >= _BIG_DATA:
        aside = _load_with_data_aside(whole)
        if aside is not None:
            return aside, None
    try:
        doc = orjson.loads(whole)
    except orjson.JSONDecodeError as exc:
        raise PublishBodyError("invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise PublishBodyError("not_an_object", "the body must be a JSON object")
    return doc, None


def _load_scanned(
    body: bytes | Received, scanned: ScannedText
) -> tuple[dict[str, Any], KnownText] | None:
    start, end = scanned.start, scanned.end
    part = body.slice if isinstance(body, Received) else (lambda a, b: body[a:b])
    if not (
        end - start >= _BIG_DATA
        and end < len(body)
        and part(start - len(_DATA_KEY), start) == _DATA_KEY
        and part(end, end + 1) == b'"'
    ):
        return None  # not where the scan says: parsed the usual way
    marker = f"{_PLACEHOLDER}: {scanned.size} bytes, hashed as they arrived"
    doc = _parse_around(part(0, start), part(end, len(body)), marker)
    if doc is None:
        return None
    return doc, KnownText(
        marker, scanned.size, scanned.digests, lambda: str(part(start, end), "ascii")
    )


def _load_with_data_aside(body: bytes) -> dict[str, Any] | None:
    """The body parsed with its tarball's base64 text (nearly all of a big body) set aside.

    orjson parses from a working copy of its input, so a whole 100 MB publish would be held three
    times at once (the body, the copy, the parsed text); set aside, the text is made once from
    the body's bytes. ``None`` (then the body is parsed whole) unless one ``"data":"`` string of
    at least ``_BIG_DATA`` ASCII characters is the ``data`` of a tarball attachment (not a
    ``.sigstore`` one).

    Past the search for an escape, the text is not scanned here: a tarball's ``data`` is always
    decoded, strictly, and that refuses any character that is not base64. So the document is
    exactly ``orjson.loads(body)``, or its tarball text holds a character that JSON forbids in a
    string (a control character) and that decoding refuses: a 400 either way, without a second
    pass over the whole body here.
    """
    span = big_string(body, _BIG_DATA)
    if span is None:
        return None
    start, end = span
    if body.find(b"\\", start, end) >= 0:
        return None  # an escape (an encoder writing "/" as "\\/"): text and bytes differ
    try:
        text = str(memoryview(body)[start:end], "ascii")
    except UnicodeDecodeError:
        return None
    return _parse_around(body[:start], body[end:], text)


def big_string(body: bytes, min_size: int) -> tuple[int, int] | None:
    """Where the first ``"data":"`` string of at least ``min_size`` characters starts and where
    its closing quote is (the first quote after it: an escaped one ends it too, which the
    callers check for); ``body_scan`` finds the same while a body arrives."""
    end = 0
    while (found := body.find(_DATA_KEY, end)) >= 0:
        start = found + len(_DATA_KEY)
        end = body.find(b'"', start)
        if end < 0:
            return None
        if end - start >= min_size:
            return start, end
    return None


def _parse_around(head: bytes, tail: bytes, text: str) -> dict[str, Any] | None:
    """The document ``head + <a string> + tail``, with ``text`` as that string, when the string
    is the ``data`` of the one tarball attachment; else ``None``."""
    if _PLACEHOLDER_JSON in head or _PLACEHOLDER_JSON in tail:
        return None
    try:
        doc: object = orjson.loads(b"".join((head, _PLACEHOLDER_JSON, tail)))
    except orjson.JSONDecodeError:
        return None  # parsed whole, for orjson's own message
    if not isinstance(doc, dict):
        return None
    attachments = doc.get("_attachments")
    if not isinstance(attachments, dict):
        return None
    holders = [
        (filename, entry)
        for filename, entry in attachments.items()
        if isinstance(entry, dict) and entry.get("data") == _PLACEHOLDER
    ]
    if len(holders) != 1 or str(holders[0][0]).endswith(SIGSTORE_SUFFIX):
        return None
    holders[0][1]["data"] = text
    return doc


def parse_publish_body(
    body: bytes | Mapping[str, Any],
    *,
    path_name: PackageName | None = None,
    known: KnownText | None = None,
) -> PublishBody:
    """Parse and check a publish body; raise ``PublishBodyError`` on the first problem.

    ``path_name`` is the package named by the request path; the body must name the same one.
    ``known``: the tarball text already decoded and hashed as the body arrived.
    """
    doc = load_json_object(body) if isinstance(body, bytes | bytearray) else dict(body)
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
    doc: Mapping[str, Any], name: PackageName, version: str, known: KnownText | None = None
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


def _decode(filename: str, entry: Mapping[str, Any], known: KnownText | None = None) -> Attachment:
    text = str(entry["data"])
    length = entry.get("length")
    declared = length if isinstance(length, int) and not isinstance(length, bool) else None
    content_type = str(entry.get("content_type") or "application/octet-stream")
    if filename.endswith(SIGSTORE_SUFFIX):
        return Attachment(filename, content_type, text, declared, len(text.encode("utf-8")))
    source = None
    if known is not None and entry["data"] is known.marker:
        size, digests, source = known.size, known.digests, known.text
    else:
        size, digests = _digests(filename, text)
    if declared is not None and declared != size:
        raise PublishBodyError(
            "length_mismatch",
            f"attachment {filename!r} declares {declared} bytes but holds {size}",
        )
    return Attachment(filename, content_type, text, declared, size, digests, source)


def _digests(filename: str, text: str) -> tuple[int, integrity.Digests]:
    sizes: list[int] = []
    try:
        # a helper thread pays off for big tarballs only (and costs memory of its own)
        parallel = len(text) >= _THREAD_FROM
        known = integrity.digests_of(_base64_pieces(text, sizes), helper_thread=parallel)
    except (binascii.Error, ValueError):
        raise PublishBodyError(
            "bad_attachment", f"attachment {filename!r} is not valid base64"
        ) from None
    return sum(sizes), known


def _base64_pieces(text: str, sizes: list[int]) -> Iterator[bytes]:
    """``text`` decoded a slice at a time, exactly as strictly as ``base64.b64decode(text,
    validate=True)``: every slice but the last holds whole 4-character groups, and padding is
    allowed only in the last. Appends each piece's size to ``sizes``."""
    for start in range(0, len(text) or 1, _BASE64_SLICE):
        piece = text[start : start + _BASE64_SLICE]
        if start + _BASE64_SLICE < len(text) and "=" in piece:
            raise binascii.Error("padding before the end")
        decoded = strict_b64decode(piece)
        sizes.append(len(decoded))
        yield decoded


def strict_b64decode(text: str) -> bytes:
    """``base64.b64decode(text, validate=True)``, by pybase64 (SIMD, some 20 times faster).
    pybase64 also refuses padding past a whole group (``QUJD==``), which Python's decoder
    accepts: such text, which npm never sends, is decoded again by the standard library."""
    try:
        return pybase64.b64decode(text, validate=True)
    except ValueError:
        return binascii.a2b_base64(text, strict_mode=True)


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


def build_publish_body(
    manifest: Mapping[str, Any],
    tarball: bytes,
    *,
    tag: str = "latest",
    registry_url: str = "http://localhost/",
    access: str | None = None,
    npm_version: str = "11.19.1",
    node_version: str = "20.20.2",
) -> dict[str, Any]:
    """The body npm 11's libnpmpublish would send for ``manifest`` and ``tarball``."""
    name = str(manifest["name"])
    version = str(manifest["version"])
    filename = f"{name}-{version}.tgz"
    digests = integrity.digests(tarball)
    base = registry_url if registry_url.endswith("/") else registry_url + "/"
    tarball_url = f"{base}{name}/-/{filename}".replace("https://", "http://", 1)
    version_doc = {
        **manifest,
        "_id": f"{name}@{version}",
        "_nodeVersion": node_version,
        "_npmVersion": npm_version,
        "dist": {"integrity": digests.integrity, "shasum": digests.shasum, "tarball": tarball_url},
    }
    body: dict[str, Any] = {"_id": name, "name": name}
    if "description" in manifest:
        body["description"] = manifest["description"]
    return {
        **body,
        "dist-tags": {tag: version},
        "versions": {version: version_doc},
        "access": access,
        "_attachments": {
            filename: {
                "content_type": "application/octet-stream",
                "data": base64.b64encode(tarball).decode("ascii"),
                "length": len(tarball),
            }
        },
    }
