"""Each code's catalogue entry: why it happens, its general fix and a worked example.

The prose is data, ``catalogue.toml`` beside this module, one table per code of ``TEXTS``. It is
read and checked once, at import: an entry for every code and none other, and example facts
that make the code's ``Facts`` record, each of its type, so that a code cannot ship without its
documentation and an example cannot name a fact its texts do not have.
"""

from __future__ import annotations

import tomllib
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from typing import Any

from publish_guard.explain.text import Facts, Text
from publish_guard.explain.texts import TEXTS

DEFAULT_REQUEST = "PUT /widget"


class Group(StrEnum):
    REFUSAL = "refusal"  # the guard refused by itself; nothing was sent to the registry
    UPSTREAM = "upstream"  # the registry answered, and the guard says what its answer means
    NETWORK = "network"  # the guard-to-registry hop failed before any answer


@dataclass(frozen=True, slots=True)
class Example:
    facts: Facts
    request: str = DEFAULT_REQUEST  # method and target as the client sent them to the guard
    status: int | None = None  # where the guard keeps the upstream's status instead of TEXTS'


@dataclass(frozen=True, slots=True)
class Entry:
    group: Group
    cause: str
    example: Example
    fix: str = ""  # the general fix, for codes whose hint is made up case by case


class CatalogueError(ValueError):
    """``catalogue.toml`` does not match ``TEXTS``."""


def load_entries(data: dict[str, Any], texts: dict[str, Text[Any]]) -> dict[str, Entry]:
    """The entries of ``data`` (``catalogue.toml`` as parsed), checked against ``texts``."""
    if list(data) != list(texts):
        missing, extra = set(texts) - set(data), set(data) - set(texts)
        raise CatalogueError(
            "catalogue.toml must hold the codes of TEXTS in their order: "
            f"missing {sorted(missing)}, stale {sorted(extra)}"
        )
    return {code: _entry(code, data[code], texts[code]) for code in texts}


def _entry(code: str, raw: dict[str, Any], text: Text[Any]) -> Entry:
    _only(code, raw, {"group", "cause", "fix", "example"})
    example = dict(raw.get("example", {}))
    _only(f"{code}.example", example, {"request", "status", "facts"})
    facts = example.pop("facts", {})
    try:
        record = text.facts(**facts)
    except TypeError as exc:
        raise CatalogueError(f"{code}.example.facts: {exc}") from None
    _check_types(code, record)
    return Entry(
        group=Group(raw["group"]),
        cause=str(raw["cause"]),
        fix=str(raw.get("fix", "")),
        example=Example(record, **example),
    )


def _only(where: str, raw: dict[str, Any], known: set[str]) -> None:
    if set(raw) - known:
        raise CatalogueError(f"{where}: unknown keys {sorted(set(raw) - known)}")


def _check_types(code: str, record: Facts) -> None:
    for name, hint in typing.get_type_hints(type(record)).items():
        allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        if not isinstance(getattr(record, name), allowed):
            raise CatalogueError(f"{code}.example.facts.{name}: not {hint}")


def _read() -> dict[str, Any]:
    source = files("publish_guard.explain").joinpath("catalogue.toml").read_text("utf-8")
    return tomllib.loads(source)


ENTRIES: dict[str, Entry] = load_entries(_read(), TEXTS)
