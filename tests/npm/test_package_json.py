import json

import pytest

from publish_guard.npm.package_json import (
    PackageJsonError,
    load_package_json,
    set_package_json_version,
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            b'{\n  "name": "w",\n  "version": "1.0.0"\n}\n',
            b'{\n  "name": "w",\n  "version": "1.0.0-dev.0"\n}\n',
        ),
        (  # tabs, CRLF, no trailing newline, key after nested objects
            b'{\r\n\t"config": {"version": "9.9.9"},\r\n\t"version" : "1.0.0"}',
            b'{\r\n\t"config": {"version": "9.9.9"},\r\n\t"version" : "1.0.0-dev.0"}',
        ),
        (  # a BOM, non-ASCII text and escapes elsewhere stay byte for byte
            '\ufeff{"about": "caf\\u00e9 — \\"version\\": 2", "version":"1.0.0"}'.encode(),
            '\ufeff{"about": "caf\\u00e9 — \\"version\\": 2", "version":"1.0.0-dev.0"}'.encode(),
        ),
        (  # an escaped key is still the version key, as JSON.parse reads it
            b'{"versio\\u006e": "1.0.0", "x": [1, 2.5e3, true, null, {"version": "0"}]}',
            b'{"versio\\u006e": "1.0.0-dev.0", "x": [1, 2.5e3, true, null, {"version": "0"}]}',
        ),
        (  # duplicate keys: JSON.parse keeps the last, so all are changed
            b'{"version": "0.9.0", "version": "1.0.0"}',
            b'{"version": "1.0.0-dev.0", "version": "1.0.0-dev.0"}',
        ),
    ],
)
def test_only_the_top_level_version_token_changes(before: bytes, after: bytes) -> None:
    assert set_package_json_version(before, "1.0.0-dev.0") == after


@pytest.mark.parametrize(
    "before",
    [
        b'{"name": "w"}',  # no version key: added
        b'{"name": "w", "version": 1}',  # not a string
    ],
)
def test_falls_back_to_a_redump(before: bytes) -> None:
    after = set_package_json_version(before, "1.0.0-dev.0")

    assert after.endswith(b"}\n")
    assert b'\n  "name": "w"' in after
    assert json.loads(after) == {"name": "w", "version": "1.0.0-dev.0"}


@pytest.mark.parametrize("text", [b"", b"{", b"[1]", b'"1.0.0"', b"\xff{}", b'{"a": 1} x'])
def test_not_a_json_object(text: bytes) -> None:
    with pytest.raises(PackageJsonError):
        set_package_json_version(text, "1.0.0")


def test_load_accepts_a_bom() -> None:
    assert load_package_json(b'\xef\xbb\xbf{"version": "1.0.0"}') == {"version": "1.0.0"}
