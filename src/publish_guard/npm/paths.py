"""What a registry path addresses (pure): package documents, tarballs, the API under ``/-/``."""

from __future__ import annotations

from urllib.parse import unquote


def package_document_name(relative_path: str) -> str | None:
    """The decoded package name if the path (relative to the registry base, no query) is a
    package document: ``name``, ``@scope%2fname``, ``%40scope%2Fname`` or ``@scope/name``."""
    if not relative_path or relative_path.startswith("-"):
        return None
    decoded = unquote(relative_path)
    if decoded.startswith("@"):
        scope, sep, name = decoded.partition("/")
        if sep and len(scope) > 1 and name and "/" not in name:
            return decoded
        return None
    if "/" in decoded:
        return None
    return decoded
