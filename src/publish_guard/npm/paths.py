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


def package_of_path(relative_path: str) -> str | None:
    """The package a registry path is about, decoded, if any: documents, ``-rev`` and tarball
    paths, and ``-/package/<name>/…`` (dist-tags, access)."""
    path = relative_path.partition("?")[0]
    if path.startswith("-/package/"):
        path = path[len("-/package/") :]
    elif path.startswith("-"):
        return None
    first, _, rest = path.partition("/")
    if unquote(first).startswith("@") and "/" not in unquote(first):
        second = rest.partition("/")[0]
        return package_document_name(f"{first}/{second}") if second else None
    return package_document_name(first)
