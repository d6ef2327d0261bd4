"""A registry's package document, checked for the shape the guard reads (pure).

The guard decides from ``versions``, ``dist-tags`` and ``time``. A document whose parts are not
what npm documents (an object of manifests, an object of tag → version strings, an object of
times) cannot be judged, and the guard says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def shape_problem(doc: Mapping[str, Any]) -> str | None:
    """What is wrong with the document's shape, in words, or ``None``."""
    versions = doc.get("versions")
    if versions is not None:
        if not isinstance(versions, Mapping):
            return f"its 'versions' is {_kind(versions)}, not an object"
        for key, manifest in versions.items():
            if not isinstance(manifest, Mapping):
                return f"its versions[{key!r}] is {_kind(manifest)}, not an object"
            dist = manifest.get("dist")
            if dist is not None and not isinstance(dist, Mapping):
                return f"its versions[{key!r}].dist is {_kind(dist)}, not an object"
    tags = doc.get("dist-tags")
    if tags is not None:
        if not isinstance(tags, Mapping):
            return f"its 'dist-tags' is {_kind(tags)}, not an object"
        for tag, target in tags.items():
            if not isinstance(target, str):
                return f"its dist-tags[{tag!r}] is {_kind(target)}, not a version"
    time = doc.get("time")
    if time is not None and not isinstance(time, Mapping):
        return f"its 'time' is {_kind(time)}, not an object"
    return None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
