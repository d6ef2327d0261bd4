"""Streaming byte replacement, for pointing tarball URLs at the guard without parsing JSON."""

from __future__ import annotations

import re
from collections.abc import Iterable


class StreamReplacer:
    """Replace every occurrence of any of ``olds`` by ``new`` across arbitrary chunk boundaries.

    Matches are found in the original bytes, left to right; at most ``max(len(old)) - 1`` bytes
    are held back between chunks, so memory stays flat whatever the document's size.
    """

    def __init__(self, olds: Iterable[bytes], new: bytes) -> None:
        self._olds = sorted({old for old in olds if old}, key=len, reverse=True)
        if not self._olds:
            raise ValueError("nothing to replace")
        self._new = new
        self._keep = max(len(old) for old in self._olds) - 1
        self._pending = b""
        # one pass over the bytes finds the leftmost match, the longest first on a tie (the
        # alternatives are tried in that order); one find per alternative and match rescanned
        # the rest of a document for a variant it did not hold
        self._pattern = re.compile(b"|".join(re.escape(old) for old in self._olds))
        self._template = new.replace(b"\\", b"\\\\")  # re.sub reads escapes in a template

    def feed(self, chunk: bytes) -> bytes:
        data = self._pending + chunk
        out: list[bytes] = []
        start = 0
        for match in self._pattern.finditer(data):
            out += (data[start : match.start()], self._new)
            start = match.end()
        rest = data[start:]
        held = self._partial_suffix(rest)
        self._pending = rest[len(rest) - held :] if held else b""
        out.append(rest[: len(rest) - held])
        return b"".join(out)

    def replace_whole(self, data: bytes) -> bytes:
        """``feed(data) + flush()`` on a fresh replacer, in one pass in C (a whole document)."""
        return self._pattern.sub(self._template, data)

    def flush(self) -> bytes:
        rest, self._pending = self._pending, b""
        return rest

    def _partial_suffix(self, data: bytes) -> int:
        """Length of the longest end of ``data`` that could begin a match."""
        for length in range(min(self._keep, len(data)), 0, -1):
            tail = data[-length:]
            if any(old.startswith(tail) for old in self._olds):
                return length
        return 0
