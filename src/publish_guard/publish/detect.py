"""Which requests are publishes (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from publish_guard.npm.paths import package_document_name

STAGE_PREFIX = "-/stage/package/"


class Kind(Enum):
    OTHER = "other"  # streamed through untouched
    DOCUMENT_WRITE = "document_write"  # PUT to a package document: a publish or another write
    STAGE = "stage"  # npm 11's POST /-/stage/package/<name>: always a publish


def classify(method: str, relative_path: str) -> tuple[Kind, str | None]:
    """The kind of request, and the package name its path names (decoded)."""
    if method == "PUT":
        name = package_document_name(relative_path)
        if name is not None:
            return Kind.DOCUMENT_WRITE, name
    if method == "POST" and relative_path.startswith(STAGE_PREFIX):
        name = package_document_name(relative_path[len(STAGE_PREFIX) :])
        if name is not None:
            return Kind.STAGE, name
    return Kind.OTHER, None


def is_publish_attempt(doc: Mapping[str, Any]) -> bool:
    """A body that means to publish, even a broken one: it carries attachment data, or it names
    versions without the ``_rev`` that every other document write (deprecate, star, owner) has.

    Deprecate sends the whole document with ``_attachments`` as the registry returned it (no
    ``data``), star and owner send ``{_id, _rev, ...}``: none of them passes.
    """
    attachments = doc.get("_attachments")
    if isinstance(attachments, Mapping) and any(
        isinstance(entry, Mapping) and isinstance(entry.get("data"), str)
        for entry in attachments.values()
    ):
        return True
    return "_rev" not in doc and ("versions" in doc or "_attachments" in doc)
