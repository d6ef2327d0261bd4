"""Finding a publish's tarball text while its body arrives, and hashing it on the way.

A big publish body is nearly all one string: the tarball as base64, in ``_attachments[...].data``.
``TarballScan`` is fed the body's pieces as they are read. It finds the text that
``publish_body`` sets aside — the first ``"data":"`` string of at least ``min_size`` characters
— decodes it as strictly as ``publish_body`` does, and hands the bytes to hashing threads and to a
``PackageReader``. When the body is whole its digests and package are ready or nearly: hashing
and unpacking overlapped the reading instead of following it.

Anything unexpected (an escape, a character that is not base64, padding before the end) ends
the scan without a result: the body is then parsed and hashed after reading, as before. So a
scan never changes what is accepted, only when the work is done.
"""

from __future__ import annotations

from dataclasses import dataclass

import pybase64

from publish_guard.npm.integrity import Digests, DigestThreads
from publish_guard.npm.package_reader import PackageReader
from publish_guard.npm.tarball import Limits, Package, TarballError

DATA_KEY = b'"data":"'
_BATCH = 256 * 1024  # characters decoded at a time (a multiple of 4)
_START = 64 * 1024  # a string this long is hashed as it comes (dropped if it ends short)
_DIRECT = 16 * 1024  # characters in one piece: from here on decoded straight from the piece


class Received:
    """A body as it was read: its pieces, in order, not joined. A big publish is forwarded
    piece by piece and parsed from its small head and tail, so its 100 MB are never copied
    into one string (60 ms, and a second copy in memory); ``joined`` makes that copy when a
    whole body is needed after all."""

    __slots__ = ("_joined", "pieces", "size")

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.size = sum(len(piece) for piece in pieces)
        self._joined: bytes | None = pieces[0] if len(pieces) == 1 else None

    def __len__(self) -> int:
        return self.size

    def joined(self) -> bytes:
        if self._joined is None:
            self._joined = b"".join(self.pieces)
            self.pieces = [self._joined]
        return self._joined

    def slice(self, start: int, end: int) -> bytes:
        """The bytes from ``start`` to ``end`` (offsets in the whole body, clipped to it)."""
        if self._joined is not None:
            return self._joined[start:end]
        parts: list[bytes] = []
        offset = 0
        for piece in self.pieces:
            following = offset + len(piece)
            if following > start and offset < end:
                parts.append(piece[max(start - offset, 0) : end - offset])
            if following >= end:
                break
            offset = following
        return b"".join(parts)


@dataclass(frozen=True, slots=True)
class ScannedText:
    """Where the tarball text sits in the body, and what it decodes to."""

    start: int  # offset of its first character
    end: int  # offset of its closing quote
    size: int  # decoded bytes
    digests: Digests
    package: Package | TarballError | None  # read as it was decoded (None: read it again)


class TarballScan:
    """Feed it the body in order (``feed``), then ask for the result (``finish``, which may wait
    for the hashing threads: call it off the event loop). ``close`` stops the threads of a scan
    whose result is not wanted; it is safe to call at any time, and more than once."""

    def __init__(self, min_size: int, limits: Limits) -> None:
        self._min = min_size
        self._limits = limits
        self._offset = 0  # bytes fed so far
        self._carry = b""  # while searching: the last bytes fed, for a key split across pieces
        self._start = -1  # offset of the current string's first character, or -1 (searching)
        self._pending = bytearray()  # characters of the string not decoded yet
        self._chars = 0  # characters of the current string so far
        self._bad = False  # the current string is not plain base64
        self._size = 0
        self._hashing: DigestThreads | None = None
        self._reading: PackageReader | None = None  # with _hashing: the tarball read as it comes
        self._end = -1  # the big string's closing quote, once found
        self._over = False  # found, or given up

    def feed(self, chunk: bytes) -> None:
        base, self._offset = self._offset, self._offset + len(chunk)
        position = 0
        while not self._over and position < len(chunk):
            if self._start < 0:
                position = self._search(chunk, position, base)
            else:
                position = self._text(chunk, position, base)

    def _search(self, chunk: bytes, position: int, base: int) -> int:
        window = self._carry + chunk[position:]
        found = window.find(DATA_KEY)
        if found < 0:
            self._carry = window[-(len(DATA_KEY) - 1) :]
            return len(chunk)
        text_at = position - len(self._carry) + found + len(DATA_KEY)
        self._carry = b""
        self._start = base + text_at
        self._pending.clear()
        return text_at

    def _text(self, chunk: bytes, position: int, base: int) -> int:
        quote = chunk.find(b'"', position)
        stop = len(chunk) if quote < 0 else quote
        self._chars += stop - position
        if not self._bad:
            self._take(chunk, position, stop, final=quote >= 0)
        if quote < 0:
            if self._bad and self._chars >= self._min:
                self._give_up()
            return len(chunk)
        if self._chars < self._min:  # a short string: search on, from its closing quote
            self._drop_string()
            return quote
        if self._bad:
            self._give_up()
        else:
            self._end, self._over = base + quote, True
        return len(chunk)

    def _drop_string(self) -> None:
        self._start = -1
        self._chars = self._size = 0
        self._bad = False
        self.close()

    def _take(self, chunk: bytes, start: int, stop: int, *, final: bool) -> None:
        """The string's characters ``chunk[start:stop]``, the last of them when ``final``. A big
        piece is decoded straight from the chunk; small ones gather in ``_pending`` first."""
        pending = self._pending
        if self._hashing is None:
            pending += memoryview(chunk)[start:stop]
            if len(pending) < min(_START, self._min):
                return
            self._hashing = DigestThreads()  # likely the tarball: hash and read it as it comes
            self._reading = PackageReader(self._limits)
            self._decode_pending(final=final)
            return
        if stop - start < _DIRECT or len(pending) > 4:
            pending += memoryview(chunk)[start:stop]
            self._decode_pending(final=final)
            return
        with memoryview(chunk) as view:
            if pending:  # complete its group from the chunk
                fill = (-len(pending)) % 4
                pending += view[start : start + fill]
                start += fill
                if start == stop:  # nothing follows in this piece: it may be the last group
                    if final:
                        self._flush()
                    return
                if pending.find(b"=") >= 0:
                    self._spoilt()  # padding before the end
                    return
                if not self._flush():
                    return
            usable = stop - start if final else (stop - start - 1) // 4 * 4
            if not final and chunk.find(b"=", start, start + usable) >= 0:
                self._spoilt()  # padding before the end
                return
            decoded = self._decode(view[start : start + usable])
            if decoded:
                pending += view[start + usable : stop]
        if not decoded:
            self._spoilt()

    def _decode_pending(self, *, final: bool) -> None:
        """Decode the pending characters: all of them when ``final``, else whole groups of 4
        once there are ``_BATCH`` of them, keeping the last group back (it may be the padded
        one)."""
        if final:
            self._flush()
            return
        pending = self._pending
        usable = (len(pending) - 1) // 4 * 4
        if usable < _BATCH:
            return
        if pending.find(b"=", 0, usable) >= 0:
            self._spoilt()  # padding before the end
            return
        with memoryview(pending) as view, view[:usable] as batch:
            decoded = self._decode(batch)
        if decoded:
            del pending[:usable]
        else:
            self._spoilt()

    def _flush(self) -> bool:
        """Decode every pending character (the string's end, or whole groups that more of the
        string follows); False when they are not plain base64."""
        with memoryview(self._pending) as view:
            decoded = self._decode(view)
        if not decoded:
            self._spoilt()
            return False
        self._pending.clear()
        return True

    def _decode(self, text: memoryview) -> bool:
        """Decode and hash; False if ``text`` is not base64 (or has padding pybase64 refuses:
        left to the slow path)."""
        try:
            decoded = pybase64.b64decode(text, validate=True)
        except ValueError:
            return False
        self._size += len(decoded)
        assert self._hashing is not None
        assert self._reading is not None
        self._hashing.update(decoded)
        self._reading.update(decoded)
        return True

    def _spoilt(self) -> None:
        """This string is not plain base64: if it is the tarball's, the scan has no result; a
        short one is passed over like any other."""
        self._bad = True
        self.close()

    def _give_up(self) -> None:
        self._over = True
        self._end = -1
        self.close()

    @property
    def found(self) -> bool:
        """The whole tarball text went by, as plain base64 (``finish`` has a result)."""
        return self._end >= 0 and self._hashing is not None

    def finish(self) -> ScannedText | None:
        """The tarball text found, decoded and hashed; ``None`` if there was none, or if it was
        anything but plain base64."""
        if self._end < 0 or self._hashing is None or self._reading is None:
            self.close()
            return None
        digests = self._hashing.result()
        package = self._reading.result()
        self._hashing = self._reading = None
        return ScannedText(self._start, self._end, self._size, digests, package)

    def close(self) -> None:
        hashing, self._hashing = self._hashing, None
        if hashing is not None:
            hashing.cancel()
        reading, self._reading = self._reading, None
        if reading is not None:
            reading.cancel()
        self._pending.clear()
