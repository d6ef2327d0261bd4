"""JSON in and out of the emulator, as registries take it: whatever ``JSON.parse`` accepts (a
lone surrogate escape included, which npm sends when a package.json has one) is stored and
served back, escaped."""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """Raises ``ValueError`` (``json.JSONDecodeError``) for what is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)  # what orjson refuses but JSON.parse takes (lone surrogates)


def dumps(value: Any, *, indent: bool = False) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0)
    except orjson.JSONEncodeError:  # a lone surrogate: written escaped, as JSON.stringify does
        return json.dumps(
            value, indent=2 if indent else None, separators=None if indent else (",", ":")
        ).encode()
