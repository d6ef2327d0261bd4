import pytest
from hypothesis import given
from hypothesis import strategies as st

from publish_guard.rewrite import StreamReplacer

OLDS = [b"http://up:4873/npm/", b"https://up:4873/npm/"]
NEW = b"https://guard.example/"


def _run(chunks: list[bytes]) -> bytes:
    replacer = StreamReplacer(OLDS, NEW)
    return b"".join(replacer.feed(chunk) for chunk in chunks) + replacer.flush()


def test_replaces_across_chunk_boundaries() -> None:
    doc = b'{"tarball":"http://up:4873/npm/w/-/w-1.0.0.tgz"}'
    expected = b'{"tarball":"https://guard.example/w/-/w-1.0.0.tgz"}'
    for cut in range(len(doc)):
        assert _run([doc[:cut], doc[cut:]]) == expected


def test_leaves_other_urls_alone() -> None:
    doc = b'"http://up:4873/other/" "http://up:4873/npm" "https://up:4873/npm/x"'
    assert _run([doc]) == b'"http://up:4873/other/" "http://up:4873/npm" "https://guard.example/x"'


@given(
    parts=st.lists(
        st.sampled_from([b"x", b'"', b"http://up:4873/", b"npm/", b"https://"]), max_size=40
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=10),
)
def test_any_chunking_equals_whole_replacement(parts: list[bytes], cuts: list[int]) -> None:
    doc = b"".join(parts)
    whole = _run([doc])
    points = sorted({min(c, len(doc)) for c in cuts})
    chunks = [doc[a:b] for a, b in zip([0, *points], [*points, len(doc)], strict=True)]
    assert _run(chunks) == whole
    # no old base is left (removing NEW first, as before, could join "http://up:4873/" and the
    # "npm/" that followed a replaced base into one)
    assert all(old not in whole for old in OLDS)


def test_needs_something_to_replace() -> None:
    with pytest.raises(ValueError, match="nothing"):
        StreamReplacer([b""], NEW)


@given(
    parts=st.lists(
        st.sampled_from([b"x", b'"', b"http://up:4873/", b"npm/", b"https://", b"\\1"]),
        max_size=40,
    ),
    new=st.sampled_from([NEW, b"http://g\\1/", b"\\g<0>"]),
)
def test_a_whole_document_is_replaced_as_when_fed(parts: list[bytes], new: bytes) -> None:
    doc = b"".join(parts)
    fed = StreamReplacer(OLDS, new)
    assert StreamReplacer(OLDS, new).replace_whole(doc) == fed.feed(doc) + fed.flush()
