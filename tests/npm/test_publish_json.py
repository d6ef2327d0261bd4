"""One parse, no placeholder: the tarball the guard validates is, for any body, the one a standard
JSON parser finds in the bytes it forwards — or the body is refused."""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publish_guard.npm import integrity, publish_json
from publish_guard.npm.body_scan import Received, TarballScan
from publish_guard.npm.publish_body import parse_publish_body
from publish_guard.npm.publish_json import PublishBodyError, load_document, loads
from publish_guard.npm.tarball import Limits
from publish_guard.registry.tarballs import build_publish_body

BIG = 64  # characters: a "big" text, for these tests


@pytest.fixture(autouse=True)
def _small_big(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish_json, "BIG", BIG)


def test_duplicate_keys_are_refused_at_any_depth() -> None:
    for body in (
        b'{"name":"a","name":"b"}',
        b'{"versions":{"1.0.0":{"scripts":{},"scripts":{"install":"x"}}}}',
        b'{"_attachments":{"a.tgz":{"data":"QQ=="}},"_attach\\u006dents":{}}',
    ):
        with pytest.raises(PublishBodyError) as caught:
            loads(body)
        assert caught.value.code == "duplicate_key", body


def test_what_json_parse_accepts_is_accepted_and_nothing_more() -> None:
    assert loads(b'{"description":"\\ud800 lone"}') == {"description": "\ud800 lone"}
    for bad, code in [
        (b'{"a":NaN}', "invalid_json"),
        (b'{"a":Infinity}', "invalid_json"),
        (b'{"a":1,}', "invalid_json"),
        (b"\xff\xfe{}", "invalid_json"),
        (b"[1]", "not_an_object"),
    ]:
        with pytest.raises(PublishBodyError) as caught:
            loads(bad)
        assert caught.value.code == code, bad


def _body(tarball: bytes, **manifest: Any) -> bytes:
    doc = build_publish_body({"name": "a", "version": "1.0.0", **manifest}, tarball)
    return json.dumps(doc, separators=(",", ":")).encode()  # as JSON.stringify writes it


def test_a_big_body_is_parsed_without_copying_its_tarball_text() -> None:
    tarball = os.urandom(3000)
    body = _body(tarball, readme='say "hi"\n')
    pieces = [body[i : i + 500] for i in range(0, len(body), 500)]
    scan = TarballScan(BIG, Limits())
    for piece in pieces:
        scan.feed(piece)
    received = Received(pieces)
    document, known = load_document(received, scan.finish())
    assert known is not None
    assert known.filename == "a-1.0.0.tgz"
    assert document["_attachments"]["a-1.0.0.tgz"]["data"] == ""
    assert received.pieces == pieces  # never joined
    parsed = parse_publish_body(document, known=known)
    assert parsed.tarball.data == tarball
    assert parsed.integrity == integrity.sri_sha512(tarball)
    assert parsed.document() == json.loads(body)
    unscanned, again = load_document(body)  # found after reading, the same way
    assert again is not None
    assert (unscanned, again.digests) == (document, known.digests)


_DECOY = base64.b64encode(b"\x1f\x8b decoy tarball bytes " * 8).decode()


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A publish body, as npm sends it or tampered with: decoys, escapes, duplicate keys,
    another ``data`` in the same attachment, spacing. The flag: it was left as npm sends it."""
    tarball = draw(st.binary(min_size=BIG, max_size=400))
    text = base64.b64encode(tarball).decode()
    pieces: list[str] = []
    decoy_in_manifest = draw(st.booleans())
    manifest = '{"name":"a","version":"1.0.0"' + (
        f',"data":"{_DECOY}"' if decoy_in_manifest else ""
    )
    manifest += f',"dist":{{"integrity":"{integrity.sri_sha512(tarball)}"}}}}'
    pieces.append('{"_id":"a","name":"a","dist-tags":{"latest":"1.0.0"},')
    pieces.append(f'"versions":{{"1.0.0":{manifest}}},')
    entry = f'"data":"{text}"'
    trick = draw(
        st.sampled_from(
            [
                "none",
                "second_data_after",
                "empty_data_after",
                "second_data_before",
                "escaped_key",
                "decoy_attachment",
                "duplicate_attachments",
                "empty_duplicate_attachments",
                "escaped_text",
                "spaces",
            ]
        )
    )
    key = '"a-1.0.0.tgz"'
    if trick == "second_data_after":
        entry += f',"data":"{_DECOY}"'
    elif trick == "empty_data_after":
        entry += ',"data":""'
    elif trick == "second_data_before":
        entry = f'"data":"{_DECOY}",' + entry
    elif trick == "escaped_key":
        key = '"a-1.0.0.\\u0074gz"'
    elif trick == "escaped_text":
        entry = f'"data":"{text[:4]}\\/{text[4:]}"'
    elif trick == "spaces":
        entry = f'"data" : "{text}"'
    attachments = f'{{{key}:{{{entry},"length":{len(tarball)}}}}}'
    if trick == "decoy_attachment":
        attachments = f'{{"a-1.0.0.sigstore":{{"data":"{_DECOY}"}},{key}:{{{entry}}}}}'
    pieces.append(f'"_attachments":{attachments}')
    if trick == "duplicate_attachments":
        pieces.append(f',"_attachments":{{"a-1.0.0.tgz":{{"data":"{_DECOY}"}}}}')
    elif trick == "empty_duplicate_attachments":
        pieces.append(',"_attachments":{"a-1.0.0.tgz":{"data":""}}')
    pieces.append("}")
    tampered = trick not in ("none", "spaces", "escaped_key", "decoy_attachment")
    return "".join(pieces).encode(), not tampered and not decoy_in_manifest


@settings(max_examples=300, deadline=None)
@given(made=bodies(), cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=8))
def test_the_tarball_validated_is_the_one_a_standard_parser_finds(
    made: tuple[bytes, bool], cuts: list[int]
) -> None:
    body, as_npm_sends = made
    pieces, last = [], 0
    for cut in sorted({c % (len(body) + 1) for c in cuts}):
        pieces.append(body[last:cut])
        last = cut
    pieces.append(body[last:])
    pieces = [p for p in pieces if p]
    scan = TarballScan(BIG, Limits())
    for piece in pieces:
        scan.feed(piece)
    try:
        document, known = load_document(Received(pieces), scan.finish())
        parsed = parse_publish_body(document, known=known)
    except PublishBodyError:
        assert not as_npm_sends, body
        return
    finally:
        scan.close()
    standard = json.loads(body)  # what a registry's JSON.parse makes of the forwarded bytes
    sent_text = standard["_attachments"][parsed.tarball.filename]["data"]
    sent = base64.b64decode(sent_text, validate=True)
    assert (parsed.integrity, parsed.shasum) == (
        integrity.sri_sha512(sent),
        integrity.sha1_hex(sent),
    )
    assert parsed.tarball.data == sent
    assert parsed.document() == standard


@pytest.mark.parametrize(
    "text",
    [
        "",
        "QQ==",
        "QUJD" * 5,
        "QUJD" * 4 + "QQ==",
        "QQ==" + "QUJD" * 4,
        "QUJD" * 3 + "Q!==",
        "QUJDQQ",
        "QUJD\nQUJD",
    ],
)
def test_base64_is_decoded_in_slices_as_strictly_as_whole(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices of 8 characters: padding or a bad character anywhere is found as ``b64decode``
    with ``validate=True`` finds it, and the digests are those of the whole."""
    monkeypatch.setattr(publish_json, "_SLICE", 8)
    try:
        expected: bytes | None = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        expected = None
    try:
        size, found = publish_json.attachment_digests("a.tgz", text, len(text))
    except PublishBodyError:
        assert expected is None
        return
    assert expected is not None
    assert (found, size) == (integrity.digests(expected), len(expected))
