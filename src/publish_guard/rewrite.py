"""Streaming byte replacement, for pointing tarball URLs at the guard without parsing JSON."""

from __future__ import annotations

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

    def feed(self, chunk: bytes) -> bytes:
        data = self._pending + chunk
        out: list[bytes] = []
        start = 0
        while (found := self._next_match(data, start)) is not None:
            position, old = found
            out += (data[start:position], self._new)
            start = position + len(old)
        rest = data[start:]
        held = self._partial_suffix(rest)
        self._pending = rest[len(rest) - held :] if held else b""
        out.append(rest[: len(rest) - held])
        return b"".join(out)

    def flush(self) -> bytes:
        rest, self._pending = self._pending, b""
        return rest

    def _next_match(self, data: bytes, start: int) -> tuple[int, bytes] | None:
        best: tuple[int, bytes] | None = None
        for old in self._olds:  # longest first, so a tie keeps the longest
            position = data.find(old, start)
            if position != -1 and (best is None or position < best[0]):
                best = (position, old)
        return best

    def _partial_suffix(self, data: bytes) -> int:
        """Length of the longest end of ``data`` that could begin a match."""
        for length in range(min(self._keep, len(data)), 0, -1):
            tail = data[-length:]
            if any(old.startswith(tail) for old in self._olds):
                return length
        return 0
