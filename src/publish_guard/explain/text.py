"""One code of the guard's answers: its status, its texts, and the typed facts that fill them.

``error`` is the one line npm prints (``<status> <statusText> - <METHOD> <url> - <error>``), so it
carries the whole explanation; ``hint`` is the next step, also sent as the ``npm-notice`` header.
Both are ``str.format`` templates over the fields of the code's ``Facts`` record: a template that
names a field the record lacks fails at import, and a record built without one of its fields
fails ``mypy``. Why a code happens, its general fix and its example live beside it, as data, in
``catalogue.toml``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

BODY_FACTS = ("package", "version")
"""Facts that, where a code's record has them, are also fields of the JSON answer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the guard knows about one answer; each code has its own subclass."""

    def as_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class NoFacts(Facts):
    """For a code whose texts need no facts."""


F = TypeVar("F", bound=Facts)


@dataclass(frozen=True, slots=True)
class Text(Generic[F]):
    code: str
    facts: type[F]
    status: int
    error: str
    hint: str
    clause: str = ""  # what went wrong as a clause ("… was NOT published: <clause>"), if needed

    def __post_init__(self) -> None:
        known = {field.name for field in fields(self.facts)}
        used = placeholders(self.error) | placeholders(self.hint) | placeholders(self.clause)
        missing = used - known
        if missing:
            raise TypeError(f"{self.code}: {self.facts.__name__} has no {sorted(missing)}")

    def render(self, facts: F) -> tuple[str, str]:
        """The error line and the hint, filled with ``facts``, each on one line."""
        values = facts.as_dict()
        return one_line(self.error.format_map(values)), one_line(self.hint.format_map(values))

    def render_clause(self, facts: F) -> str:
        """``clause`` filled with ``facts`` (the error line where the code has none)."""
        if not self.clause:
            return self.render(facts)[0]
        return one_line(self.clause.format_map(facts.as_dict()))


def placeholders(template: str) -> set[str]:
    """The names a ``str.format`` template asks for (``{x}``, ``{x.y}`` and ``{x[0]}`` → x)."""
    return {
        re.split(r"[.\[]", name, maxsplit=1)[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name is not None
    }


def one_line(text: str) -> str:
    return " ".join(text.split())
