"""Request bodies sent with a ``Content-Encoding`` (pure): decoded for inspection, bounded.

The guard never decompresses what it passes on: a body is forwarded as the bytes that arrived,
with the client's own ``Content-Encoding`` and length. A publish body that arrives encoded must
still be checked, so it is decoded here, into a separate copy, refusing more than ``limit``
decoded bytes (a "zip bomb" ends as ``too_large`` after at most ``limit`` bytes of work).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

SUPPORTED = ("gzip", "x-gzip", "deflate")
_STEP = 256 * 1024  # decoded bytes produced per call: bounds the work past the limit


class CodingError(ValueError):
    """``kind`` is ``unsupported``, ``corrupt`` or ``too_large``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def content_codings(header: str | None) -> list[str]:
    """The codings a ``Content-Encoding`` value names, in the order they were applied;
    ``identity`` is dropped. Raises ``CodingError("unsupported")`` for one it cannot decode."""
    named = [part.strip().lower() for part in (header or "").split(",") if part.strip()]
    codings = [c for c in named if c != "identity"]
    for coding in codings:
        if coding not in SUPPORTED:
            raise CodingError(
                "unsupported",
                f"Content-Encoding {coding!r} cannot be checked (supported: gzip, deflate)",
            )
    return codings


def decode(
    pieces: Iterable[bytes],
    codings: list[str],
    limit: int,
    take: Callable[[int], None] | None = None,
) -> bytes:
    """The body with ``codings`` undone (the last applied is undone first). ``take(n)`` is told
    of every ``n`` decoded bytes before they are kept (a memory budget; it may raise)."""
    data: Iterable[bytes] = pieces
    for coding in reversed(codings):
        data = [_undo(data, coding, limit, take)]
    return b"".join(data)


def _undo(
    pieces: Iterable[bytes], coding: str, limit: int, take: Callable[[int], None] | None
) -> bytes:
    wbits = zlib.MAX_WBITS | 16 if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
    out: list[bytes] = []
    size = 0
    decoder = zlib.decompressobj(wbits)
    first = True
    try:
        for piece in pieces:
            pending = piece
            while pending:
                if first and coding == "deflate" and not _zlib_header(pending):
                    decoder = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some send
                first = False
                chunk = decoder.decompress(pending, _STEP)
                pending = decoder.unconsumed_tail
                if decoder.eof and decoder.unused_data:
                    if coding == "deflate":
                        raise CodingError("corrupt", "bytes follow the end of the deflate data")
                    pending = decoder.unused_data + pending  # another gzip member
                    decoder = zlib.decompressobj(wbits)
                size += len(chunk)
                if size > limit:
                    raise CodingError("too_large", f"decodes to more than {limit} bytes")
                if chunk:
                    if take is not None:
                        take(len(chunk))
                    out.append(chunk)
        rest = decoder.flush()
    except zlib.error as exc:
        raise CodingError("corrupt", f"the {coding} data is corrupt ({exc})") from None
    if not decoder.eof or first:
        raise CodingError("corrupt", f"the {coding} data ends early")
    if rest:
        out.append(rest)
    return b"".join(out)


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
