"""Change the version in a ``package.json`` without touching anything else in the file.

The file is scanned (not parsed and re-dumped) to find the string value of the top-level
``"version"`` key, and only that token is replaced: indentation, key order, escapes, a BOM and
the trailing newline stay byte-for-byte. Nested ``"version"`` keys (under ``config``, say) are
not touched. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_UTF8_BOM = b"\xef\xbb\xbf"


class PackageJsonError(ValueError):
    """The file is not a JSON object."""


def set_package_json_version(package_json: bytes, new_version: str) -> bytes:
    """``package_json`` with its top-level ``"version"`` string replaced, all else byte-for-byte.

    Falls back to parsing and re-dumping (two-space indentation, trailing newline) when the
    file has no top-level string ``"version"`` or the scanner cannot read it; raises
    ``PackageJsonError`` when it is not a JSON object at all.
    """
    original = load_package_json(package_json)
    token = json.dumps(new_version, ensure_ascii=False).encode()
    spans = _top_level_string_values(package_json, "version")
    if spans:
        out, last = bytearray(), 0
        for start, end in spans:
            out += package_json[last:start] + token
            last = end
        out += package_json[last:]
        if _same_but_version(original, load_package_json(bytes(out)), new_version):
            return bytes(out)
    redumped = json.dumps({**original, "version": new_version}, indent=2, ensure_ascii=False)
    return redumped.encode() + b"\n"


def _same_but_version(old: dict[str, Any], new: dict[str, Any], version: str) -> bool:
    return new.get("version") == version and {**old, "version": version} == new


def load_package_json(raw: bytes) -> dict[str, Any]:
    """The parsed object (a UTF-8 BOM is allowed, as npm allows it)."""
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageJsonError(f"package.json is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise PackageJsonError("package.json is not a JSON object")
    return doc


_WS = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")


class _ScanError(Exception):
    pass


def _top_level_string_values(text: bytes, key: str) -> list[tuple[int, int]]:
    """Byte spans of the string values of ``key`` in the top-level object (empty if unscannable)."""
    pos = len(_UTF8_BOM) if text.startswith(_UTF8_BOM) else 0
    spans: list[tuple[int, int]] = []

    def on_member(name: str, start: int, end: int) -> None:
        if name == key:
            spans.append((start, end))

    try:
        pos = _skip_ws(text, pos)
        end = _scan_value(text, pos, on_member)
        if _skip_ws(text, end) != len(text):
            return []
    except (_ScanError, RecursionError):
        return []
    return spans


def _skip_ws(text: bytes, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _scan_value(
    text: bytes, pos: int, on_member: Callable[[str, int, int], object] | None = None
) -> int:
    """The end of the JSON value at ``pos``; for an object, ``on_member(key, start, end)`` is
    called for each member whose value is a string."""
    head = text[pos : pos + 1]
    if head == b'"':
        return _scan_string(text, pos)
    if head == b"[":
        return _scan_container(text, pos, b"]", None)
    if head == b"{":
        return _scan_container(text, pos, b"}", on_member)
    match = _SCALAR.match(text, pos)
    if not match:
        raise _ScanError(pos)
    return match.end()


def _scan_string(text: bytes, pos: int) -> int:
    match = _STRING.match(text, pos)
    if not match:
        raise _ScanError(pos)
    return match.end()


def _scan_container(
    text: bytes, pos: int, close: bytes, on_member: Callable[[str, int, int], object] | None
) -> int:
    is_object = close == b"}"
    pos = _skip_ws(text, pos + 1)
    if text[pos : pos + 1] == close:
        return pos + 1
    while True:
        key = ""
        if is_object:
            key_end = _scan_string(text, pos)
            key = json.loads(text[pos:key_end])
            pos = _skip_ws(text, key_end)
            if text[pos : pos + 1] != b":":
                raise _ScanError(pos)
            pos = _skip_ws(text, pos + 1)
        end = _scan_value(text, pos)
        if on_member is not None and text[pos : pos + 1] == b'"':
            on_member(key, pos, end)
        pos = _skip_ws(text, end)
        head = text[pos : pos + 1]
        if head == close:
            return pos + 1
        if head != b",":
            raise _ScanError(pos)
        pos = _skip_ws(text, pos + 1)
