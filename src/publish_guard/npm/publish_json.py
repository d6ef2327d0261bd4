"""A publish body as a JSON document: one parse, whose tarball is by construction the one sent.

The body is parsed by the standard library's JSON parser, as strictly as a publish needs:
duplicate keys are refused (registries would take the last one, a reader of the first would see
another package), ``NaN`` and ``Infinity`` are not JSON, and strings are what ``JSON.parse``
accepts — a lone surrogate (``"\\ud800"``) included, as npm may send one from a package.json.

A big body (a publish of 1 MiB or more) is nearly all one string, the tarball's base64 text.
It is not copied out of the body: the document is parsed with that string swapped for two
different short probes, and the string is the tarball's ``data`` exactly when the attachment's
``data`` follows the swap (the JSON around it is the same bytes both times). Its characters are
plain base64 between two quotes — no escape — so the text a standard parser finds in the
forwarded body is, byte for byte, the text the guard decoded and hashed.
"""

from __future__ import annotations

import binascii
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pybase64

from publish_guard.npm import integrity
from publish_guard.npm.body_scan import DATA_KEY, Received, ScannedText, TarballScan
from publish_guard.npm.tarball import Limits, Package, TarballError

BIG = 1024 * 1024  # characters: from here on an attachment's text is not copied out
SIGSTORE_SUFFIX = ".sigstore"
_SLICE = 256 * 1024  # characters decoded at a time (a multiple of 4)
_THREAD_FROM = 8 * 1024 * 1024  # characters: sha1 on a helper thread from 6 MiB of tarball on
_PROBES = (b"", b"AAAA")


class PublishBodyError(ValueError):
    """The body is not a valid publish. ``code`` is stable, the message names the problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class TarballText:
    """A tarball's base64 text where it sits in the body as sent: ``body[start:end]`` is the
    ``data`` of the attachment ``filename``; ``size`` and ``digests`` are of its decoded bytes."""

    filename: str
    body: bytes | Received
    start: int
    end: int
    size: int
    digests: integrity.Digests
    package: Package | TarballError | None = None  # read as it arrived (None: not yet read)

    def text(self) -> str:
        return str(self._part(self.start, self.end), "ascii")

    def decoded(self) -> bytes:
        """The tarball's bytes, decoded a slice at a time straight from the body (the text is
        never copied out whole)."""
        out = bytearray(self.size)
        at = 0
        for start in range(self.start, self.end, _SLICE):
            piece = pybase64.b64decode(self._part(start, min(start + _SLICE, self.end)))
            out[at : at + len(piece)] = piece
            at += len(piece)
        del out[at:]
        return cast(bytes, out)  # a bytearray: not copied again (read as bytes by all that use it)

    def _part(self, start: int, end: int) -> bytes:
        if isinstance(self.body, Received):
            return self.body.slice(start, end)
        return self.body[start:end]


def tarball_scan(limits: Limits) -> TarballScan:
    """A scan that finds, as a body arrives, the text ``load_document`` does not copy out (and
    reads the package in it within ``limits``)."""
    return TarballScan(BIG, limits)


def load_document(
    body: bytes | Received, scanned: ScannedText | None = None
) -> tuple[dict[str, Any], TarballText | None]:
    """The body as a JSON object, and, for a big publish, its tarball's text where it sits (the
    document then holds ``""`` in that ``data``, and ``TarballText`` says which attachment).
    ``scanned``: ``body_scan``'s result for this body, decoded and hashed as it arrived."""
    if len(body) >= BIG:
        aside = _load_aside(body, scanned)
        if aside is not None:
            return aside
    whole = body.joined() if isinstance(body, Received) else body
    return loads(whole), None


def loads(data: bytes) -> dict[str, Any]:
    """A JSON object, parsed strictly (see the module's docstring)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PublishBodyError("invalid_json", f"the body is not UTF-8: {exc}") from None
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise PublishBodyError("invalid_json", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise PublishBodyError("invalid_json", "the body is nested too deeply") from None
    if not isinstance(doc, dict):
        raise PublishBodyError("not_an_object", "the body must be a JSON object")
    return doc


class _DuplicateKey(PublishBodyError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        twice = next(key for key, count in Counter(k for k, _ in pairs).items() if count > 1)
        raise _DuplicateKey(
            "duplicate_key",
            f"the key {twice!r} appears twice in one object (a registry would keep the last "
            "one, a reader of the first would see another package)",
        )
    return result


def _no_constant(name: str) -> Any:
    raise PublishBodyError("invalid_json", f"the body is not valid JSON: {name} is not a number")


def _load_aside(
    body: bytes | Received, scanned: ScannedText | None
) -> tuple[dict[str, Any], TarballText] | None:
    """The document and its tarball's text, without copying the text out; ``None`` when the
    big string is not plainly a tarball's ``data`` (then the body is parsed whole)."""
    part = body.slice if isinstance(body, Received) else (lambda a, b: body[a:b])
    if scanned is not None:
        start, end = scanned.start, scanned.end
    else:
        whole = body.joined() if isinstance(body, Received) else body
        found = big_string(whole, BIG)
        if found is None:
            return None
        start, end = found
    if not (
        end - start >= BIG
        and end < len(body)
        and part(start - len(DATA_KEY), start) == DATA_KEY
        and part(end, end + 1) == b'"'
    ):
        return None
    head, tail = part(0, start), part(end, len(body))
    try:
        first, second = (loads(b"".join((head, probe, tail))) for probe in _PROBES)
    except _DuplicateKey:
        raise
    except PublishBodyError:
        return None  # parsed whole, for the parser's message about the whole body
    filename = _swapped_attachment(first, second)
    if filename is None:
        return None
    if scanned is not None:
        return first, TarballText(
            filename, body, start, end, scanned.size, scanned.digests, scanned.package
        )
    size, digests = attachment_digests(filename, _text_pieces(part, start, end), end - start)
    return first, TarballText(filename, body, start, end, size, digests)


def _swapped_attachment(first: dict[str, Any], second: dict[str, Any]) -> str | None:
    """The attachment whose ``data`` is the swapped string in both parses, if it is a
    tarball's (not a ``.sigstore`` bundle's)."""
    before, after = first.get("_attachments"), second.get("_attachments")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    swapped = [
        key
        for key, entry in before.items()
        if isinstance(entry, dict)
        and entry.get("data") == _PROBES[0].decode()
        and isinstance(after.get(key), dict)
        and after[key].get("data") == _PROBES[1].decode()
    ]
    if len(swapped) != 1 or str(swapped[0]).endswith(SIGSTORE_SUFFIX):
        return None
    return str(swapped[0])


def big_string(body: bytes, min_size: int) -> tuple[int, int] | None:
    """Where the first ``"data":"`` string of at least ``min_size`` characters starts and where
    its closing quote is (the first quote after it: an escaped one ends it too, which the
    callers check for); ``body_scan`` finds the same while a body arrives."""
    end = 0
    while (found := body.find(DATA_KEY, end)) >= 0:
        start = found + len(DATA_KEY)
        end = body.find(b'"', start)
        if end < 0:
            return None
        if end - start >= min_size:
            return start, end
    return None


def _text_pieces(part: Any, start: int, end: int) -> Iterator[str]:
    for at in range(start, end, _SLICE):
        yield str(part(at, min(at + _SLICE, end)), "latin-1")


def attachment_digests(
    filename: str, pieces: Iterator[str] | str, length: int
) -> tuple[int, integrity.Digests]:
    """The size and digests of a base64 text (``length`` characters) once decoded, a slice at a
    time and as strictly as ``base64.b64decode(text, validate=True)`` (padding only at the very
    end). From 6 MiB of tarball on, sha1 runs on a helper thread beside sha512."""
    sizes: list[int] = []
    text_pieces = _slices(pieces) if isinstance(pieces, str) else pieces
    try:
        known = integrity.digests_of(
            _decoded(text_pieces, sizes), helper_thread=length >= _THREAD_FROM
        )
    except (binascii.Error, ValueError):
        raise PublishBodyError(
            "bad_attachment", f"attachment {filename!r} is not valid base64"
        ) from None
    return sum(sizes), known


def _slices(text: str) -> Iterator[str]:
    for start in range(0, len(text) or 1, _SLICE):
        yield text[start : start + _SLICE]


def _decoded(pieces: Iterator[str], sizes: list[int]) -> Iterator[bytes]:
    previous: str | None = None
    for piece in pieces:
        if previous is not None:
            yield _decode_piece(previous, last=False, sizes=sizes)
        previous = piece
    yield _decode_piece(previous or "", last=True, sizes=sizes)


def _decode_piece(piece: str, *, last: bool, sizes: list[int]) -> bytes:
    if not last and "=" in piece:
        raise binascii.Error("padding before the end")
    decoded = strict_b64decode(piece)
    sizes.append(len(decoded))
    return decoded


def strict_b64decode(text: str) -> bytes:
    """``base64.b64decode(text, validate=True)``, by pybase64 (SIMD, some 20 times faster).
    pybase64 also refuses padding past a whole group (``QUJD==``), which Python's decoder
    accepts: such text, which npm never sends, is decoded again by the standard library."""
    try:
        return pybase64.b64decode(text, validate=True)
    except ValueError:
        return binascii.a2b_base64(text, strict_mode=True)
