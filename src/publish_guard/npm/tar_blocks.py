"""The bytes of a package tarball (pure): tar headers and pax records, gzip in and out.

Building blocks for ``npm.tarball``: a 512-byte tar header parsed and rewritten in the style it
was written, pax records read and set, the gzip members of a ``.tgz`` inflated in bounded chunks
(counting what they inflate to), exact reads over that stream, and a gzip writer that keeps the
input's header fields.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO

BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
_CHUNK = 256 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_REGULAR_TYPES = frozenset({b"0", b"\0", b"7"})
_NO_DATA_TYPES = frozenset({b"1", b"2", b"3", b"4", b"5", b"6"})  # links, devices, dirs, fifos
META_TYPES = frozenset({b"x", b"g", b"L", b"K"})  # pax local/global, GNU long name/link

Sink = Callable[[bytes], object]


class TarballError(ValueError):
    """The bytes are not a usable package tarball (bad gzip, bad tar, no ``package.json``,
    or more than the limits allow). ``too_large``: it broke a limit (a 413, not a 400)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True, slots=True)
class Header:
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
class Meta:
    """A pax or GNU long-name entry, held until the entry it describes is known."""

    header: Header
    data: bytes  # unpadded
    padding: bytes

    def emit(self, sink: Sink) -> None:
        sink(self.header.block)
        sink(self.data + self.padding)


# --- tar headers ---------------------------------------------------------------------------


def parse_header(block: bytes, offset: int) -> Header:
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
    return Header(block, decode_name(name), block[156:157], _read_number(block[124:136], offset))


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


def with_size(header: Header, size: int) -> Header:
    """The header with a new size, written in the same style as the old one, and its checksum."""
    block = bytearray(header.block)
    block[124:136] = _format_like(header.block[124:136], size)
    block[148:156] = b" " * 8
    block[148:156] = _format_like(header.block[148:156], sum(block))
    return Header(bytes(block), header.name, header.typeflag, size)


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


def padding(size: int) -> int:
    return -size % BLOCK


# --- pax records ---------------------------------------------------------------------------

_PAX_RECORD = re.compile(rb"(\d+) ")


def pax_records(data: bytes) -> dict[bytes, bytes]:
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


def set_pax_record(data: bytes, key: bytes, value: bytes) -> bytes:
    out = []
    for name, _, record in _pax_entries(data):
        if name == key:
            body = b" " + key + b"=" + value + b"\n"
            length = len(body) + len(str(len(body)))
            length = len(body) + len(str(length))
            record = str(length).encode() + body
        out.append(record)
    return b"".join(out)


def decode_name(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


# --- gzip ----------------------------------------------------------------------------------


def gzip_header_fields(tgz: bytes) -> tuple[bytes, int]:
    """The input's gzip mtime (4 bytes) and OS byte, to write the same into the output."""
    if len(tgz) < 10 or tgz[:2] != _GZIP_MAGIC:
        raise TarballError("the tarball is not gzip-compressed")
    return bytes(tgz[4:8]), tgz[9]


def inflate(tgz: bytes, limit: int | None = None) -> Iterator[bytes]:
    """The decompressed bytes of every gzip member in ``tgz`` (see ``inflate_pieces``)."""
    return inflate_pieces((tgz,), limit)


def inflate_pieces(pieces: Iterable[bytes], limit: int | None = None) -> Iterator[bytes]:
    """The decompressed bytes of every gzip member in the pieces put end to end, in bounded
    chunks, as the pieces come (they may be handed over while a body still arrives); past
    ``limit`` bytes in all, ``TarballError(too_large=True)`` (a "zip bomb" costs at most
    ``limit`` bytes of work)."""
    source = _bounded(pieces)
    head = _at_least(b"", source, 10)
    gzip_header_fields(head)
    pending: bytes | memoryview = head
    inflated = 0
    while True:
        inflater = zlib.decompressobj(wbits=31)
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                else:
                    if not pending:
                        pending = next(source, b"")
                        if not pending:
                            raise TarballError("the gzip stream is truncated")
                    chunk, pending = inflater.decompress(pending, _CHUNK), b""
                if chunk:
                    inflated += len(chunk)
                    if limit is not None and inflated > limit:
                        raise TarballError(
                            f"the tarball unpacks to more than {limit} bytes", too_large=True
                        )
                    yield chunk
        except zlib.error as exc:
            raise TarballError(f"the tarball is not valid gzip: {exc}") from None
        rest = _at_least(inflater.unused_data + pending, source, 2)
        if rest[:2] == _GZIP_MAGIC:
            pending = rest
            continue
        if any(bytes(piece).strip(b"\0") for piece in (rest, *source)):
            raise TarballError("the tarball has trailing bytes after its gzip stream")
        return


def _bounded(pieces: Iterable[bytes]) -> Iterator[bytes | memoryview]:
    """The pieces cut to at most ``_CHUNK`` bytes: the inflater's unconsumed input is copied
    at each step, so a big piece given whole would be copied over and over."""
    for piece in pieces:
        if len(piece) <= _CHUNK:
            yield piece
            continue
        view = memoryview(piece)
        for start in range(0, len(view), _CHUNK):
            yield view[start : start + _CHUNK]


def _at_least(head: bytes, source: Iterator[bytes | memoryview], size: int) -> bytes:
    """``head`` and as many following pieces as make it ``size`` bytes long (or the end)."""
    while len(head) < size and (piece := next(source, None)) is not None:
        head += piece
    return head


class Stream:
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


class GzipWriter:
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
