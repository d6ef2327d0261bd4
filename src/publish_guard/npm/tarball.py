"""Package tarballs: read ``package.json`` and change its version, keeping everything else.

A package tarball is gzip over a tar whose entries sit under one top folder (``package/`` since
npm 1; old tarballs used other names). ``npm pack`` writes it with node-tar: ustar headers, a pax
``x`` header before any entry whose path is over 100 bytes, a fixed mtime, empty uid/gid fields.

``rewrite_package_version`` works on 512-byte tar blocks as they stream out of the gzip
decompressor: every block is copied verbatim except the header and data of the root
``package.json`` (and, if one precedes it, the ``size`` record of its pax header). So names,
modes, mtimes, owners, order, padding, the tar format and every other byte survive. Memory stays
at the input plus the recompressed output; the uncompressed tar is never held whole.

The root ``package.json`` is any regular file ``<top>/package.json`` at depth one, as npm reads
it when it extracts with ``strip: 1``; if an archive holds several, all are rewritten.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from publish_guard.npm.package_json import (
    PackageJsonError,
    load_package_json,
    set_package_json_version,
)

BLOCK = 512
_ZERO_BLOCK = bytes(BLOCK)
_CHUNK = 256 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_REGULAR_TYPES = frozenset({b"0", b"\0", b"7"})
_NO_DATA_TYPES = frozenset({b"1", b"2", b"3", b"4", b"5", b"6"})  # links, devices, dirs, fifos
_META_TYPES = frozenset({b"x", b"g", b"L", b"K"})  # pax local/global, GNU long name/link

Sink = Callable[[bytes], object]


class TarballError(ValueError):
    """The bytes are not a usable package tarball (bad gzip, bad tar, no ``package.json``)."""


def rewrite_package_version(tgz: bytes, new_version: str, *, compresslevel: int = 9) -> bytes:
    """``tgz`` with the root ``package.json``'s ``"version"`` set to ``new_version``.

    Only the version string token changes; the file's indentation, key order and every other
    byte are kept. If the file has no top-level string ``"version"`` (or cannot be scanned as
    JSON that way) it is parsed and re-dumped with two-space indentation instead. The gzip is
    recompressed at ``compresslevel`` (npm uses 9), keeping the input's header mtime and OS byte.
    """
    writer = _GzipWriter(compresslevel, _gzip_header_fields(tgz))
    _walk(tgz, writer.write, new_version)
    return writer.finish()


def read_package_json(tgz: bytes) -> dict[str, Any]:
    """The root ``package.json`` of ``tgz`` (the last one, if several: npm extracts in order)."""
    found = _walk(tgz, None, None)
    try:
        return load_package_json(found[-1])
    except PackageJsonError as exc:
        raise TarballError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class _Header:
    block: bytes
    name: str
    typeflag: bytes
    size: int

    @property
    def is_regular(self) -> bool:
        return self.typeflag in _REGULAR_TYPES

    @property
    def has_data(self) -> bool:
        return self.typeflag not in _NO_DATA_TYPES


@dataclass(slots=True)
class _Meta:
    """A pax or GNU long-name entry, held until the entry it describes is known."""

    header: _Header
    data: bytes  # unpadded
    padding: bytes

    def emit(self, sink: Sink) -> None:
        sink(self.header.block)
        sink(self.data + self.padding)


def _walk(tgz: bytes, sink: Sink | None, new_version: str | None) -> list[bytes]:
    """Stream the tar in ``tgz`` into ``sink`` (rewriting ``package.json`` when ``new_version``
    is given); return the original ``package.json`` payloads found."""
    stream = _Stream(_inflate(tgz))
    found: list[bytes] = []
    pending: list[_Meta] = []
    global_pax: dict[bytes, bytes] = {}
    while True:
        offset = stream.position
        block = stream.read(BLOCK)
        if not block:
            break  # no end-of-archive marker; node-tar and tarfile accept that too
        if len(block) < BLOCK:
            raise TarballError(f"the tar ends inside a header at byte {offset}")
        if block == _ZERO_BLOCK:
            _flush(pending, sink)
            if sink is not None:
                sink(block)
            stream.copy_rest(sink)
            break
        header = _parse_header(block, offset)
        if header.typeflag in _META_TYPES:
            data = stream.read_exact(header.size, "a pax or long-name entry")
            padding = stream.read_exact(_padding(header.size), "a pax or long-name entry")
            if header.typeflag == b"g":
                global_pax.update(_pax_records(data))
            pending.append(_Meta(header, data, padding))
            continue
        path, size = _effective(header, pending, global_pax)
        if header.is_regular and _is_root_package_json(path):
            payload = stream.read_exact(size, path)
            padding = stream.read_exact(_padding(size), path)
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
        stream.skip(data_size + _padding(data_size), sink)
    if not found:
        raise TarballError("the tarball has no package.json in its top folder (package/)")
    return found


def _flush(pending: list[_Meta], sink: Sink | None) -> None:
    if sink is not None:
        for meta in pending:
            meta.emit(sink)
    pending.clear()


def _emit_package_json(header: _Header, pending: list[_Meta], payload: bytes, sink: Sink) -> None:
    for meta in pending:
        if meta.header.typeflag == b"x" and b"size" in _pax_records(meta.data):
            data = _set_pax_record(meta.data, b"size", str(len(payload)).encode())
            meta = _Meta(_with_size(meta.header, len(data)), data, bytes(_padding(len(data))))
        meta.emit(sink)
    pending.clear()
    sink(_with_size(header, len(payload)).block)
    sink(payload + bytes(_padding(len(payload))))


def _effective(
    header: _Header, pending: list[_Meta], global_pax: dict[bytes, bytes]
) -> tuple[str, int]:
    """The entry's path and data size after pax and GNU long-name entries (later ones win)."""
    path, size = header.name, header.size
    pax = dict(global_pax)
    for meta in pending:
        if meta.header.typeflag == b"L":
            path = _decode(meta.data.split(b"\0", 1)[0])
        elif meta.header.typeflag == b"x":
            pax.update(_pax_records(meta.data))
    if b"path" in pax:
        path = _decode(pax[b"path"])
    if b"size" in pax:
        try:
            size = int(pax[b"size"])
        except ValueError:
            raise TarballError(f"bad pax size {pax[b'size']!r} for {path!r}") from None
    return path, size


def _is_root_package_json(path: str) -> bool:
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return len(parts) == 2 and parts[1] == "package.json"


# --- tar headers ---------------------------------------------------------------------------


def _parse_header(block: bytes, offset: int) -> _Header:
    stored = block[148:156].split(b"\0", 1)[0].strip()
    unsigned = 256 + sum(block[:148]) + sum(block[156:])
    signed = 256 + sum(struct.unpack("148b8x356b", block))
    try:
        valid = int(stored, 8) in (unsigned, signed)
    except ValueError:
        valid = False
    if not valid:
        raise TarballError(f"bad tar header checksum at byte {offset}")
    name = block[0:100].split(b"\0", 1)[0]
    prefix = block[345:500].split(b"\0", 1)[0]
    if block[257:263] == b"ustar\0" and prefix:
        name = prefix + b"/" + name
    return _Header(block, _decode(name), block[156:157], _read_number(block[124:136], offset))


def _read_number(field: bytes, offset: int) -> int:
    if field[0] & 0x80:  # GNU base-256
        value = int.from_bytes(field[1:], "big")
        if field[0] == 0xFF:
            value -= 256 ** (len(field) - 1)
        return value
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text or b"0", 8)
    except ValueError:
        raise TarballError(f"bad number {field!r} in the tar header at byte {offset}") from None


def _with_size(header: _Header, size: int) -> _Header:
    """The header with a new size, written in the same style as the old one, and its checksum."""
    block = bytearray(header.block)
    block[124:136] = _format_like(header.block[124:136], size)
    block[148:156] = b" " * 8
    block[148:156] = _format_like(header.block[148:156], sum(block))
    return _Header(bytes(block), header.name, header.typeflag, size)


def _format_like(field: bytes, value: int) -> bytes:
    """``value`` in a numeric field of the same width and terminators as ``field``."""
    if field[0] & 0x80:
        return b"\x80" + value.to_bytes(len(field) - 1, "big")
    digits = re.match(rb"[ ]*[0-7]*", field)
    width = digits.end() if digits else 0
    text = format(value, "o").encode()
    if width == 0 or len(text) > width:
        return text.rjust(len(field) - 1, b"0") + b"\0"
    pad = b" " if field[:1] == b" " else b"0"
    return text.rjust(width, pad) + field[width:]


def _padding(size: int) -> int:
    return -size % BLOCK


# --- pax records ---------------------------------------------------------------------------

_PAX_RECORD = re.compile(rb"(\d+) ")


def _pax_records(data: bytes) -> dict[bytes, bytes]:
    return {key: value for key, value, _ in _pax_entries(data)}


def _pax_entries(data: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    """``(key, value, raw record)`` for each ``"<len> <key>=<value>\\n"`` record."""
    pos = 0
    while pos < len(data) and data[pos] != 0:
        match = _PAX_RECORD.match(data, pos)
        length = int(match.group(1)) if match else 0
        record = data[pos : pos + length]
        if not match or length <= match.end() - pos or not record.endswith(b"\n"):
            raise TarballError(f"bad pax extended header record at {data[pos : pos + 40]!r}")
        key, sep, value = record[match.end() - pos : -1].partition(b"=")
        if not sep:
            raise TarballError(f"bad pax extended header record {record!r}")
        yield key, value, record
        pos += length


def _set_pax_record(data: bytes, key: bytes, value: bytes) -> bytes:
    out = []
    for name, _, record in _pax_entries(data):
        if name == key:
            body = b" " + key + b"=" + value + b"\n"
            length = len(body) + len(str(len(body)))
            length = len(body) + len(str(length))
            record = str(length).encode() + body
        out.append(record)
    return b"".join(out)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


# --- gzip ----------------------------------------------------------------------------------


def _gzip_header_fields(tgz: bytes) -> tuple[bytes, int]:
    """The input's gzip mtime (4 bytes) and OS byte, to write the same into the output."""
    if len(tgz) < 10 or tgz[:2] != _GZIP_MAGIC:
        raise TarballError("the tarball is not gzip-compressed")
    return bytes(tgz[4:8]), tgz[9]


def _inflate(tgz: bytes) -> Iterator[bytes]:
    """The decompressed bytes of every gzip member in ``tgz``, in bounded chunks."""
    _gzip_header_fields(tgz)
    view = memoryview(tgz)
    fed = 0
    while True:
        inflater = zlib.decompressobj(wbits=31)
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                elif fed < len(view):
                    chunk = inflater.decompress(view[fed : fed + _CHUNK], _CHUNK)
                    fed += _CHUNK
                else:
                    raise TarballError("the gzip stream is truncated")
                if chunk:
                    yield chunk
        except zlib.error as exc:
            raise TarballError(f"the tarball is not valid gzip: {exc}") from None
        member_end = min(fed, len(view)) - len(inflater.unused_data)
        rest = view[member_end:]
        if rest[:2] == _GZIP_MAGIC:
            fed = member_end
            continue
        if bytes(rest).strip(b"\0"):
            raise TarballError("the tarball has trailing bytes after its gzip stream")
        return


class _Stream:
    """Exact reads, and pass-through copies that never buffer more than one chunk."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._offset = 0
        self.position = 0

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes (fewer only at the end)."""
        parts = list(self._pieces(size))
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def read_exact(self, size: int, what: str) -> bytes:
        data = self.read(size)
        if len(data) < size:
            raise TarballError(f"the tar is truncated inside {what!r}")
        return data

    def skip(self, size: int, sink: Sink | None) -> None:
        """Pass ``size`` bytes to ``sink`` (or drop them)."""
        copied = 0
        for piece in self._pieces(size):
            copied += len(piece)
            if sink is not None:
                sink(piece)
        if copied < size:
            raise TarballError("the tar is truncated inside an entry")

    def copy_rest(self, sink: Sink | None) -> None:
        for piece in self._pieces(None):
            if sink is not None:
                sink(piece)

    def _pieces(self, size: int | None) -> Iterator[bytes]:
        remaining = size
        while remaining is None or remaining > 0:
            while self._offset >= len(self._buffer):
                chunk = next(self._chunks, None)
                if chunk is None:
                    return
                self._buffer, self._offset = chunk, 0
            end = len(self._buffer) if remaining is None else self._offset + remaining
            piece = self._buffer[self._offset : end]
            self._offset += len(piece)
            self.position += len(piece)
            if remaining is not None:
                remaining -= len(piece)
            yield piece


class _GzipWriter:
    def __init__(self, level: int, header: tuple[bytes, int]) -> None:
        mtime, os_byte = header
        xfl = 2 if level == 9 else 4 if level == 1 else 0
        self._out = BytesIO()
        self._out.write(b"\x1f\x8b\x08\x00" + mtime + bytes((xfl, os_byte)))
        self._deflater = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._crc = 0
        self._size = 0

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._out.write(self._deflater.compress(data))

    def finish(self) -> bytes:
        self._out.write(self._deflater.flush())
        self._out.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))
        return self._out.getvalue()
