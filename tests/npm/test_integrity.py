import base64
import hashlib

import pytest

from publish_guard.npm.integrity import (
    IntegrityError,
    digests,
    digests_of,
    matches_sri,
    parse_sri,
    sha1_hex,
    sri_sha512,
    verify,
)

HELLO_SHA512 = (
    "sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4Uu"  # sha512 of b"hello"
    "MXaDEZjR1wuXDre9G9zvN7AQw=="
)
HELLO_SHA1 = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
HELLO_SHA256 = "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="

HELLO_SHA1_SRI = (
    "sha1-" + base64.b64encode(hashlib.sha1(b"hello", usedforsecurity=False).digest()).decode()
)


def test_digests_of_bytes() -> None:
    assert sri_sha512(b"hello") == HELLO_SHA512
    assert sha1_hex(b"hello") == HELLO_SHA1
    assert digests(b"hello").integrity == HELLO_SHA512
    assert digests(b"hello").shasum == HELLO_SHA1


def test_verify_accepts_matching_digests() -> None:
    verify(b"hello", integrity=HELLO_SHA512, shasum=HELLO_SHA1)
    verify(b"hello", shasum=HELLO_SHA1.upper())
    verify(b"hello")  # nothing to check


def test_verify_names_what_differs() -> None:
    with pytest.raises(IntegrityError, match="integrity mismatch"):
        verify(b"hello!", integrity=HELLO_SHA512)
    with pytest.raises(IntegrityError, match="shasum mismatch"):
        verify(b"hello!", shasum=HELLO_SHA1)


def test_the_strongest_algorithm_decides() -> None:
    wrong_sha512 = "sha512-" + "A" * 86 + "=="
    assert matches_sri(b"hello", f"{HELLO_SHA256} {HELLO_SHA512}")
    assert not matches_sri(b"hello", f"{HELLO_SHA256} {wrong_sha512}")
    assert matches_sri(b"hello", HELLO_SHA256)


def test_options_and_unknown_algorithms_are_tolerated() -> None:
    assert matches_sri(b"hello", f"md5-xyz {HELLO_SHA512}?foo")
    assert parse_sri(f"md5-q {HELLO_SHA256}") == [("sha256", HELLO_SHA256.removeprefix("sha256-"))]


@pytest.mark.parametrize("text", ["", "sha512", "md5-abc", "SHA512-abc"])
def test_unusable_integrity_strings(text: str) -> None:
    with pytest.raises(IntegrityError):
        parse_sri(text)


def test_an_unusable_digest_of_the_strongest_algorithm_never_matches() -> None:
    """As npm's ssri reads it: a sha512 entry that is not the digest as base64 (base64url, a
    wrong length) is still the strongest, so a right sha1 beside it does not make it match —
    npm would fail every install of such a version."""
    hello_url = base64.urlsafe_b64encode(hashlib.sha512(b"hello").digest()).decode()
    for broken in ("sha512-not*base64", "sha512-YWJj", f"sha512-{hello_url.replace('+', '-')}x"):
        assert not matches_sri(b"hello", f"{broken} {HELLO_SHA1_SRI}")
    assert matches_sri(b"hello", HELLO_SHA1_SRI)


def test_digests_of_pieces_hashed_on_a_helper_thread_are_those_of_the_whole() -> None:
    data = bytes(range(256)) * 8192
    pieces = [data[i : i + 100_000] for i in range(0, len(data), 100_000)]
    assert digests_of(pieces) == digests_of([data]) == digests(data)
    assert digests(data).integrity == sri_sha512(data)
    assert digests(data).shasum == sha1_hex(data)


def test_verify_with_known_digests_uses_them() -> None:
    known = digests(b"hello")
    verify(b"hello", integrity=HELLO_SHA512, shasum=HELLO_SHA1, known=known)
    # the digests given are trusted: bytes that differ from them are not hashed again
    with pytest.raises(IntegrityError, match="integrity mismatch"):
        verify(b"hello", integrity=HELLO_SHA512, known=digests(b"other"))
    with pytest.raises(IntegrityError, match="shasum mismatch"):
        verify(b"hello", shasum=HELLO_SHA1, known=digests(b"other"))
