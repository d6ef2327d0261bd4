"""The scan that finds and hashes a publish's tarball text while the body arrives: for any way
the body is cut into pieces it finds what the parse after reading finds, or nothing."""

from __future__ import annotations

import base64
import gzip
import os
import threading
import time

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publish_guard.npm import body_scan, integrity, publish_json
from publish_guard.npm.body_scan import Received, ScannedText, TarballScan
from publish_guard.npm.tarball import Limits, Package, TarballError, read_package
from publish_guard.registry.tarballs import build_publish_body, make_tarball

MIN = 64  # characters: a "big" text, for these tests


def _scan(body: bytes, cuts: list[int]) -> ScannedText | None:
    scan = TarballScan(MIN, Limits())
    last = 0
    for cut in sorted({c % (len(body) + 1) for c in cuts}):
        scan.feed(body[last:cut])
        last = cut
    scan.feed(body[last:])
    try:
        return scan.finish()
    finally:
        scan.close()


def _found_after_reading(body: bytes) -> tuple[int, int] | None:
    """What ``publish_json`` searches for when it parses the whole body."""
    return publish_json.big_string(body, MIN)


def _publish(tarball: bytes, decoy: str = "") -> bytes:
    """A publish whose manifest has a ``data`` key too: its string comes first."""
    manifest = {"name": "a", "version": "1.0.0", "data": decoy}
    return orjson.dumps(build_publish_body(manifest, tarball))


@settings(max_examples=400, deadline=None)
@given(
    tarball=st.binary(min_size=0, max_size=600),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12),
    decoy=st.sampled_from(
        [
            "",
            "x" * 10,
            '"data":"',
            "QUJDQUJDQUJDQUJDQUJD",
            "not base64, and long!!!",
            "Q\\/",
            "y" * 70,
        ]
    ),
    batch=st.sampled_from([4, 8, 64, body_scan._BATCH]),
    start=st.sampled_from([4, 16, body_scan._START]),
    direct=st.sampled_from([1, 5, 40, body_scan._DIRECT]),
)
def test_any_cut_finds_what_the_parse_finds_with_the_digests_of_the_tarball(
    tarball: bytes, cuts: list[int], decoy: str, batch: int, start: int, direct: int
) -> None:
    body = _publish(tarball, decoy)
    expected = _found_after_reading(body)
    defaults = body_scan._BATCH, body_scan._START, body_scan._DIRECT
    body_scan._BATCH, body_scan._START, body_scan._DIRECT = batch, start, direct
    try:
        scanned = _scan(body, cuts)
    finally:
        body_scan._BATCH, body_scan._START, body_scan._DIRECT = defaults
    if expected is None:
        assert scanned is None
        return
    text = body[expected[0] : expected[1]]
    if text != base64.b64encode(tarball):  # the first big string is the decoy: no base64
        assert scanned is None
        return
    assert scanned is not None
    assert (scanned.start, scanned.end) == expected
    assert scanned.size == len(tarball)
    assert scanned.digests == integrity.digests(tarball)
    assert _outcome(scanned.package) == _outcome(_read(tarball))


def _read(tgz: bytes, limits: Limits | None = None) -> Package | TarballError:
    try:
        return read_package(tgz, limits)
    except TarballError as exc:
        return exc


def _outcome(read: Package | TarballError | None) -> object:
    if isinstance(read, TarballError):
        return ("refused", str(read), read.too_large)
    return read


_SMALL = Limits(unpacked=40_000, entries=5)


@settings(max_examples=150, deadline=None)
@given(
    files=st.dictionaries(
        st.sampled_from(["index.js", "lib/a.js", "b.bin", "c/d/e.txt", "f", "g", "h"]),
        st.binary(max_size=30_000),
        max_size=6,
    ),
    members=st.integers(min_value=1, max_value=3),
    trailing=st.sampled_from([b"", b"\0" * 7, b"x", b"\x1f"]),
    cuts=st.lists(st.integers(min_value=0, max_value=300_000), max_size=10),
    small=st.booleans(),
)
def test_the_package_read_as_the_body_arrives_is_the_one_read_after(
    files: dict[str, bytes],
    members: int,
    trailing: bytes,
    cuts: list[int],
    small: bool,
) -> None:
    """The tarball in gzip members of any number, with trailing bytes or not, within the
    limits or past them: for every cut the scan's package (or refusal) is ``read_package``'s."""
    tgz = make_tarball({"name": "a", "version": "1.0.0", "bin": "index.js"}, files)
    raw = gzip.decompress(tgz)
    step = -(-len(raw) // members)
    tgz = b"".join(gzip.compress(raw[i : i + step]) for i in range(0, len(raw), step))
    tgz += trailing
    limits = _SMALL if small else Limits()
    body = _publish(tgz)
    scan = TarballScan(MIN, limits)
    last = 0
    for cut in sorted({c % (len(body) + 1) for c in cuts}):
        scan.feed(body[last:cut])
        last = cut
    scan.feed(body[last:])
    try:
        scanned = scan.finish()
    finally:
        scan.close()
    assert scanned is not None
    assert _outcome(scanned.package) == _outcome(_read(tgz, limits))


def test_a_key_split_across_pieces_and_a_string_ending_where_the_key_begins() -> None:
    text = base64.b64encode(os.urandom(300)).decode()
    body = b'{"x":{"data":"short"data":"' + text.encode() + b'"}}'
    expected = _found_after_reading(body)
    assert expected is not None
    for cut in range(len(body)):
        scanned = _scan(body, [cut])
        assert scanned is not None
        assert (scanned.start, scanned.end) == expected
        assert scanned.digests == integrity.digests(base64.b64decode(text))


@pytest.mark.parametrize(
    "broken",
    [
        b"QUJD\\/",  # an escape: the text is not its bytes
        b"QUJD\n",
        b"QU==QUJD",  # padding before the end
        b"QUJD!",
        "QUJDé".encode(),
    ],
)
def test_anything_but_plain_base64_ends_the_scan_without_a_result(broken: bytes) -> None:
    text = base64.b64encode(os.urandom(600_000))
    text = text[:300_000] + broken + text[300_000:]
    body = b'{"_attachments":{"a.tgz":{"data":"' + text + b'"}}}'
    for cuts in ([], [10, 300_020], list(range(0, len(body), 4096))):
        assert _scan(body, cuts) is None


def test_a_body_that_ends_inside_the_text_has_no_result() -> None:
    text = base64.b64encode(os.urandom(900))
    assert _scan(b'{"_attachments":{"a.tgz":{"data":"' + text, [50, 500]) is None


def test_closing_a_scan_at_any_point_stops_its_threads() -> None:
    before = threading.active_count()
    text = base64.b64encode(os.urandom(2_000_000))
    body = b'{"_attachments":{"a.tgz":{"data":"' + text + b'"}}}'
    for stop_at in (100, 1_000_000, len(body)):
        scan = TarballScan(MIN, Limits())
        scan.feed(body[:stop_at])
        scan.close()
        scan.close()
        deadline = time.monotonic() + 5  # close does not wait: the thread ends on its next step
        while threading.active_count() != before:
            assert time.monotonic() < deadline, "a scan's thread outlived its close"
            time.sleep(0.01)


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.binary(max_size=20), max_size=8),
    start=st.integers(min_value=0, max_value=200),
    length=st.integers(min_value=0, max_value=200),
)
def test_a_received_body_slices_as_its_joined_bytes(
    pieces: list[bytes], start: int, length: int
) -> None:
    received = Received(list(pieces))
    whole = b"".join(pieces)
    assert len(received) == len(whole)
    assert received.slice(start, start + length) == whole[start : start + length]
    assert received.joined() == whole
    assert received.slice(start, start + length) == whole[start : start + length]


@pytest.mark.parametrize("size", [3000, 3001, 3002])  # no padding, "==", "="
@pytest.mark.parametrize("direct", [1, 64, body_scan._DIRECT])
def test_a_piece_ending_next_to_the_closing_quote_keeps_the_last_group_back(
    size: int, direct: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(body_scan, "_DIRECT", direct)
    monkeypatch.setattr(body_scan, "_BATCH", 4)
    tarball = os.urandom(size)
    body = _publish(tarball)
    expected = _found_after_reading(body)
    assert expected is not None
    for back in range(9):
        for cuts in ([expected[1] - back], [expected[0] + 100, expected[1] - back]):
            scanned = _scan(body, cuts)
            assert scanned is not None, (back, cuts)
            assert scanned.digests == integrity.digests(tarball)


@pytest.mark.parametrize("direct", [1, 64])
def test_padding_inside_the_text_is_found_whatever_piece_it_falls_in(
    direct: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(body_scan, "_DIRECT", direct)
    monkeypatch.setattr(body_scan, "_BATCH", 4)
    text = base64.b64encode(os.urandom(3000))
    padded = text[:2000] + b"QQ==" + text[2004:]
    body = b'{"_attachments":{"a.tgz":{"data":"' + padded + b'"}}}'
    at = body.index(b"QQ==")
    for cut in range(at - 6, at + 7):
        assert _scan(body, [at - 1000, cut]) is None, cut
        assert _scan(body, [cut]) is None, cut
