"""Tarball digests the way npm writes and checks them.

npm puts two digests in ``dist``: ``integrity``, a Subresource Integrity string
(``sha512-<base64>``), and the legacy ``shasum`` (sha1 as lowercase hex). An SRI string may list
several hashes separated by whitespace, each optionally followed by ``?options``; like npm's
``ssri`` the strongest algorithm present decides, and any of its hashes may match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

# Weakest to strongest, as ssri ranks them.
_ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")


class IntegrityError(ValueError):
    """The bytes do not match the digest they were given with (or the digest is unreadable)."""


@dataclass(frozen=True, slots=True)
class Digests:
    integrity: str  # "sha512-<base64>"
    shasum: str  # sha1, lowercase hex


def digests(data: bytes) -> Digests:
    return Digests(integrity=sri_sha512(data), shasum=sha1_hex(data))


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def parse_sri(text: str) -> list[tuple[str, bytes]]:
    """The ``(algorithm, raw digest)`` pairs of an SRI string, skipping unknown algorithms.

    Raises ``IntegrityError`` when nothing usable is found.
    """
    found: list[tuple[str, bytes]] = []
    for token in text.split():
        algorithm, sep, rest = token.partition("-")
        if not sep or algorithm not in _ALGORITHMS:
            continue
        encoded = rest.split("?", 1)[0]
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) != hashlib.new(algorithm).digest_size:
            continue
        found.append((algorithm, raw))
    if not found:
        raise IntegrityError(f"not a usable integrity string: {text!r}")
    return found


def matches_sri(data: bytes, sri: str) -> bool:
    """True when the strongest algorithm in ``sri`` has a hash equal to the digest of ``data``."""
    entries = parse_sri(sri)
    strongest = max(_ALGORITHMS.index(algorithm) for algorithm, _ in entries)
    algorithm = _ALGORITHMS[strongest]
    actual = hashlib.new(algorithm, data).digest()
    return any(raw == actual for name, raw in entries if name == algorithm)


def verify(data: bytes, *, integrity: str | None = None, shasum: str | None = None) -> None:
    """Check ``data`` against whichever of ``integrity`` and ``shasum`` are given.

    Raises ``IntegrityError`` naming what differs.
    """
    if integrity is not None and not matches_sri(data, integrity):
        raise IntegrityError(
            f"integrity mismatch: expected {integrity}, the bytes give {sri_sha512(data)}"
        )
    if shasum is not None and shasum.lower() != sha1_hex(data):
        raise IntegrityError(f"shasum mismatch: expected {shasum}, the bytes give {sha1_hex(data)}")
