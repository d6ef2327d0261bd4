"""Tarball digests the way npm writes and checks them.

npm puts two digests in ``dist``: ``integrity``, a Subresource Integrity string
(``sha512-<base64>``), and the legacy ``shasum`` (sha1 as lowercase hex). An SRI string may list
several hashes separated by whitespace, each optionally followed by ``?options``; like npm's
``ssri`` the strongest algorithm present decides, and any of its hashes may match.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from queue import Queue
from typing import Any

# Weakest to strongest, as ssri ranks them.
_ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")


class IntegrityError(ValueError):
    """The bytes do not match the digest they were given with (or the digest is unreadable)."""


@dataclass(frozen=True, slots=True)
class Digests:
    integrity: str  # "sha512-<base64>"
    shasum: str  # sha1, lowercase hex


def digests(data: bytes) -> Digests:
    return digests_of((data,))


def digests_of(pieces: Iterable[bytes], *, helper_thread: bool = True) -> Digests:
    """The digests of the pieces put end to end, made one at a time (``pieces`` may be a
    generator that decodes them). From the second piece on, sha1 runs on a helper thread while
    this one computes sha512 and makes the next piece: hashlib lets go of the GIL while it
    hashes, so the two digests cost about the time of sha512 alone. One piece, or
    ``helper_thread=False``, starts no thread."""
    sha512 = hashlib.sha512()
    sha1 = hashlib.sha1(usedforsecurity=False)
    queue: Queue[bytes | None] = Queue(maxsize=4)
    helper: threading.Thread | None = None

    def sha1_of_queued() -> None:
        while (piece := queue.get()) is not None:
            sha1.update(piece)

    try:
        for index, piece in enumerate(pieces):
            if index == 0 or not helper_thread:
                sha1.update(piece)
            else:
                if helper is None:
                    helper = threading.Thread(target=sha1_of_queued, daemon=True)
                    helper.start()
                queue.put(piece)
            sha512.update(piece)
    finally:
        if helper is not None:
            queue.put(None)
            helper.join()
    integrity = "sha512-" + base64.b64encode(sha512.digest()).decode("ascii")
    return Digests(integrity=integrity, shasum=sha1.hexdigest())


class DigestThreads:
    """sha512 and sha1 of pieces handed over one at a time, each computed on a thread of its
    own, so that whoever hands them over (the event loop, reading a body) is never held up:
    hashlib lets go of the GIL while it hashes. The queues are not bounded: pieces wait there
    when they come faster than they are hashed. ``result`` waits for both; ``cancel`` drops
    what is queued."""

    def __init__(self) -> None:
        self._sha512 = hashlib.sha512()
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self._queues: list[Queue[bytes | None]] = [Queue(), Queue()]
        self._cancelled = False
        self._threads = [
            threading.Thread(target=self._run, args=(queue, hasher), daemon=True)
            for queue, hasher in zip(self._queues, (self._sha512, self._sha1), strict=True)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, queue: Queue[bytes | None], hasher: Any) -> None:
        while (piece := queue.get()) is not None:
            if not self._cancelled:
                hasher.update(piece)

    def update(self, piece: bytes) -> None:
        for queue in self._queues:
            queue.put(piece)

    def _stop(self) -> None:
        for queue in self._queues:
            queue.put(None)
        for thread in self._threads:
            thread.join()

    def result(self) -> Digests:
        """The digests of every piece handed over (blocks until they are hashed)."""
        self._stop()
        integrity = "sha512-" + base64.b64encode(self._sha512.digest()).decode("ascii")
        return Digests(integrity=integrity, shasum=self._sha1.hexdigest())

    def cancel(self) -> None:
        self._cancelled = True
        self._stop()


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


_SRI_TOKEN = re.compile(r"^([a-z0-9]+)-([^?]+)(\?\S*)?$")


def parse_sri(text: str) -> list[tuple[str, str]]:
    """The ``(algorithm, digest as written)`` pairs of an SRI string, as npm's ``ssri`` reads
    them: a digest that is not valid base64 still counts (it names its algorithm, and never
    matches); unknown algorithms are skipped. Raises ``IntegrityError`` when nothing is left."""
    found: list[tuple[str, str]] = []
    for token in text.split():
        match = _SRI_TOKEN.match(token)
        if match and match.group(1) in _ALGORITHMS:
            found.append((match.group(1), match.group(2)))
    if not found:
        raise IntegrityError(f"not a usable integrity string: {text!r}")
    return found


def matches_sri(data: bytes | Callable[[], bytes], sri: str, known: Digests | None = None) -> bool:
    """True when the strongest algorithm in ``sri`` has a digest equal, as written, to that of
    ``data`` — what npm checks when it installs (``known``: the digests of ``data``, already
    computed; ``data`` may be a function giving the bytes, called only when ``known`` lacks the
    algorithm)."""
    entries = parse_sri(sri)
    strongest = max(_ALGORITHMS.index(algorithm) for algorithm, _ in entries)
    algorithm = _ALGORITHMS[strongest]
    if known is not None and algorithm == "sha512":
        actual = known.integrity.removeprefix("sha512-")
    elif known is not None and algorithm == "sha1":
        actual = base64.b64encode(bytes.fromhex(known.shasum)).decode("ascii")
    else:
        actual = base64.b64encode(hashlib.new(algorithm, _bytes(data)).digest()).decode("ascii")
    return any(digest == actual for name, digest in entries if name == algorithm)


def verify(
    data: bytes | Callable[[], bytes],
    *,
    integrity: str | None = None,
    shasum: str | None = None,
    known: Digests | None = None,
) -> None:
    """Check ``data`` against whichever of ``integrity`` and ``shasum`` are given (``known``
    and a function for ``data``: as for ``matches_sri``).

    Raises ``IntegrityError`` naming what differs.
    """
    if integrity is not None and not matches_sri(data, integrity, known):
        actual = known.integrity if known is not None else sri_sha512(_bytes(data))
        raise IntegrityError(f"integrity mismatch: expected {integrity}, the bytes give {actual}")
    if shasum is not None:
        actual = known.shasum if known is not None else sha1_hex(_bytes(data))
        if shasum.lower() != actual:
            raise IntegrityError(f"shasum mismatch: expected {shasum}, the bytes give {actual}")


def _bytes(data: bytes | Callable[[], bytes]) -> bytes:
    return data if isinstance(data, bytes) else data()
