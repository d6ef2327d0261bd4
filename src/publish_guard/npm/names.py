"""Package names as they appear in registry paths.

Clients escape a scoped name's slash differently: npm and yarn send ``@acme%2fwidget``, others
``%40acme%2Fwidget`` or ``@acme/widget``. All of them name the same package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

_NAME_PART = re.compile(r"^[a-z0-9~-][a-z0-9._~-]*$")
MAX_NAME_LENGTH = 214


class InvalidPackageName(ValueError):
    """The text is not a valid npm package name."""


@dataclass(frozen=True, slots=True)
class PackageName:
    scope: str | None  # without the "@"
    name: str

    @property
    def full(self) -> str:
        return f"@{self.scope}/{self.name}" if self.scope else self.name

    @property
    def escaped(self) -> str:
        """The form npm puts in a path: ``@scope%2fname``."""
        return f"@{self.scope}%2f{self.name}" if self.scope else self.name

    @property
    def tarball_basename(self) -> str:
        """The unscoped part, as used in tarball file names (``name-1.0.0.tgz``)."""
        return self.name

    def __str__(self) -> str:
        return self.full


def parse_name(text: str, *, strict: bool = True) -> PackageName:
    """Parse a decoded package name (``@scope/name`` or ``name``).

    With ``strict`` the npm rules for new packages apply (lowercase, URL-safe, ≤ 214 chars).
    """
    if not text or len(text) > MAX_NAME_LENGTH:
        raise InvalidPackageName(f"invalid package name {text!r}: length must be 1-214")
    scope: str | None = None
    name = text
    if text.startswith("@"):
        scope_part, sep, name = text[1:].partition("/")
        if not sep or not scope_part or not name or "/" in name:
            raise InvalidPackageName(f"invalid package name {text!r}: expected @scope/name")
        scope = scope_part
    elif "/" in text:
        raise InvalidPackageName(f"invalid package name {text!r}: only scoped names contain '/'")
    for part in (scope, name):
        if part is None:
            continue
        if part.startswith(".") or part.startswith("_"):
            raise InvalidPackageName(
                f"invalid package name {text!r}: a name cannot start with '.' or '_'"
            )
        pattern_ok = _NAME_PART.match(part) if strict else _NAME_PART.match(part.lower())
        if not pattern_ok:
            raise InvalidPackageName(
                f"invalid package name {text!r}: use lowercase letters, digits, '-', '.', '_', '~'"
            )
    return PackageName(scope, name)


def name_from_path_segment(raw: str) -> PackageName:
    """Parse a package name from the raw (still percent-encoded) path after the registry base.

    Accepts ``@scope%2fname``, ``@scope%2Fname``, ``%40scope%2fname`` and ``@scope/name``.
    """
    return parse_name(unquote(raw), strict=False)


def escape_name(name: str) -> str:
    """Escape a package name for a URL path the way npm does (``@scope%2fname``)."""
    if name.startswith("@"):
        scope, _, rest = name.partition("/")
        return f"{quote(scope, safe='@')}%2f{quote(rest, safe='')}"
    return quote(name, safe="")
