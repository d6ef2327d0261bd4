"""Package tarballs: read what npm reads from them, and change the version, keeping the rest.

A package tarball is gzip over a tar whose entries sit under one top folder (``package/`` since
npm 1; old tarballs used other names). ``npm pack`` writes it with node-tar: ustar headers, a pax
``x`` header before any entry whose path is over 100 bytes, a fixed mtime, empty uid/gid fields.

The tar is walked in 512-byte blocks as they stream out of the gzip decompressor, never held
whole, within ``Limits``: the bytes it unpacks to and its number of entries (a "zip bomb", or a
million empty files, ends as ``TarballError(too_large=True)`` after bounded work).

``rewrite_package_version`` copies every block verbatim except the header and data of the root
``package.json`` (and, if one precedes it, the ``size`` record of its pax header). So names,
modes, mtimes, owners, order, padding, the tar format and every other byte survive.
``read_package`` gives the root ``package.json`` and the paths of the files, which is what npm
derives the manifest from when it publishes.

The root ``package.json`` is any regular file ``<top>/package.json`` at depth one, as npm reads
it when it extracts with ``strip: 1``; if an archive holds several, the last counts (npm extracts
in order) and a rewrite changes all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from publish_guard.npm.package_json import (
    PackageJsonError,
    load_package_json,
    set_package_json_version,
)
from publish_guard.npm.tar_blocks import (
    BLOCK,
    META_TYPES,
    ZERO_BLOCK,
    GzipWriter,
    Header,
    Meta,
    Sink,
    Stream,
    TarballError,
    decode_name,
    gzip_header_fields,
    inflate,
    inflate_pieces,
    padding,
    parse_header,
    pax_records,
    set_pax_record,
    with_size,
)

__all__ = [
    "Limits",
    "Package",
    "TarballError",
    "read_package",
    "read_package_pieces",
    "rewrite_package_version",
]


@dataclass(frozen=True, slots=True)
class Limits:
    """How far a tarball is unpacked: its unpacked size and its number of entries."""

    unpacked: int = 512 * 1024 * 1024
    entries: int = 100_000


@dataclass(frozen=True, slots=True)
class Package:
    """What npm derives a manifest from: the root ``package.json`` and the files' paths
    (relative to the top folder, ``/``-separated)."""

    manifest: dict[str, Any]
    files: frozenset[str]


def rewrite_package_version(
    tgz: bytes, new_version: str, *, limits: Limits | None = None, compresslevel: int = 9
) -> bytes:
    """``tgz`` with the root ``package.json``'s ``"version"`` set to ``new_version``.

    Only the version string token changes; the file's indentation, key order and every other
    byte are kept. If the file has no top-level string ``"version"`` (or cannot be scanned as
    JSON that way) it is parsed and re-dumped with two-space indentation instead. The gzip is
    recompressed at ``compresslevel`` (npm uses 9), keeping the input's header mtime and OS byte.
    """
    writer = GzipWriter(compresslevel, gzip_header_fields(tgz))
    limits = limits or Limits()
    _walk(inflate(tgz, limits.unpacked), limits, writer.write, new_version)
    return writer.finish()


def read_package(tgz: bytes, limits: Limits | None = None) -> Package:
    return read_package_pieces((tgz,), limits)


def read_package_pieces(pieces: Iterable[bytes], limits: Limits | None = None) -> Package:
    """``read_package`` of the pieces put end to end, read as they come."""
    limits = limits or Limits()
    found, files = _walk(inflate_pieces(pieces, limits.unpacked), limits, None, None)
    try:
        manifest = load_package_json(found[-1])
    except PackageJsonError as exc:
        raise TarballError(str(exc)) from None
    return Package(manifest, frozenset(files))


def read_package_json(tgz: bytes, limits: Limits | None = None) -> dict[str, Any]:
    """The root ``package.json`` of ``tgz`` (the last one, if several: npm extracts in order)."""
    return read_package(tgz, limits).manifest


def _walk(
    tar: Iterator[bytes], limits: Limits, sink: Sink | None, new_version: str | None
) -> tuple[list[bytes], list[str]]:
    """Stream the ``tar`` (its bytes, as they inflate) into ``sink`` (rewriting
    ``package.json`` when ``new_version`` is given); return the original ``package.json``
    payloads and the files' paths."""
    stream = Stream(tar)
    found: list[bytes] = []
    files: list[str] = []
    pending: list[Meta] = []
    global_pax: dict[bytes, bytes] = {}
    entries = 0
    while True:
        offset = stream.position
        block = stream.read(BLOCK)
        if not block:
            break  # no end-of-archive marker; node-tar and tarfile accept that too
        if len(block) < BLOCK:
            raise TarballError(f"the tar ends inside a header at byte {offset}")
        if block == ZERO_BLOCK:
            _flush(pending, sink)
            if sink is not None:
                sink(block)
            stream.copy_rest(sink)
            break
        entries += 1
        if entries > limits.entries:
            raise TarballError(
                f"the tarball has more than {limits.entries} entries", too_large=True
            )
        header = parse_header(block, offset)
        if header.typeflag in META_TYPES:
            data = stream.read_exact(header.size, "a pax or long-name entry")
            pad = stream.read_exact(padding(header.size), "a pax or long-name entry")
            if header.typeflag == b"g":
                global_pax.update(pax_records(data))
            pending.append(Meta(header, data, pad))
            continue
        path, size = _effective(header, pending, global_pax)
        if header.is_regular:
            files.append(_relative(path))
        if header.is_regular and _is_root_package_json(path):
            payload = stream.read_exact(size, path)
            stream.read_exact(padding(size), path)
            found.append(payload)
            if sink is None or new_version is None:
                pending.clear()
            else:
                try:
                    new_payload = set_package_json_version(payload, new_version)
                except PackageJsonError as exc:
                    raise TarballError(f"{path}: {exc}") from None
                _emit_package_json(header, pending, new_payload, sink)
            continue
        _flush(pending, sink)
        if sink is not None:
            sink(header.block)
        data_size = size if header.has_data else 0
        stream.skip(data_size + padding(data_size), sink)
    if not found:
        raise TarballError("the tarball has no package.json in its top folder (package/)")
    return found, files


def _flush(pending: list[Meta], sink: Sink | None) -> None:
    if sink is not None:
        for meta in pending:
            meta.emit(sink)
    pending.clear()


def _emit_package_json(header: Header, pending: list[Meta], payload: bytes, sink: Sink) -> None:
    for meta in pending:
        if meta.header.typeflag == b"x" and b"size" in pax_records(meta.data):
            data = set_pax_record(meta.data, b"size", str(len(payload)).encode())
            meta = Meta(with_size(meta.header, len(data)), data, bytes(padding(len(data))))
        meta.emit(sink)
    pending.clear()
    sink(with_size(header, len(payload)).block)
    sink(payload + bytes(padding(len(payload))))


def _effective(
    header: Header, pending: list[Meta], global_pax: dict[bytes, bytes]
) -> tuple[str, int]:
    """The entry's path and data size after pax and GNU long-name entries (later ones win)."""
    path, size = header.name, header.size
    pax = dict(global_pax)
    for meta in pending:
        if meta.header.typeflag == b"L":
            path = decode_name(meta.data.split(b"\0", 1)[0])
        elif meta.header.typeflag == b"x":
            pax.update(pax_records(meta.data))
    if b"path" in pax:
        path = decode_name(pax[b"path"])
    if b"size" in pax:
        try:
            size = int(pax[b"size"])
        except ValueError:
            raise TarballError(f"bad pax size {pax[b'size']!r} for {path!r}") from None
    return path, size


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part not in ("", ".")]


def _is_root_package_json(path: str) -> bool:
    parts = _parts(path)
    return len(parts) == 2 and parts[1] == "package.json"


def _relative(path: str) -> str:
    """The path below the top folder, as npm extracts it (``strip: 1``)."""
    return "/".join(_parts(path)[1:])
