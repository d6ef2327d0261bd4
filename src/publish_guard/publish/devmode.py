"""Dev mode's decision (pure): is this publish a dev publish, and why."""

from __future__ import annotations

from publish_guard.config import Settings
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name
from publish_guard.npm.paths import package_document_name

DEV_PREFIX = "/-/dev/"


def dev_trigger(settings: Settings, name: PackageName, tag: str, via_prefix: bool) -> str | None:
    """Why this publish is a dev publish (for the log and the status page), or ``None``."""
    if settings.dev_mode == "off":
        return None
    if via_prefix:
        return f"registry URL {DEV_PREFIX}"
    if name.scope is not None and f"@{name.scope}" in settings.dev_scopes:
        return f"scope @{name.scope}"
    if tag in settings.dev_tags:
        return f"dist-tag {tag}"
    return None


def dev_hint(settings: Settings, guard_url: str) -> str | None:
    """The collision answer's extra next step where dev mode can help."""
    if settings.dev_mode == "off":
        return None
    return f"Or publish a dev build: npm publish --registry {guard_url.rstrip('/')}{DEV_PREFIX}"


def hidden_from_publish_check(
    settings: Settings, method: str, relative_path: str, npm_command: str | None, via_prefix: bool
) -> str | None:
    """The package whose document npm's pre-publish read must not see, or ``None``.

    npm >= 11 (and pnpm, which publishes through it) reads the package document before it
    publishes and refuses on its own a version that exists (NPM-PROTOCOL §4), so a dev publish of
    an existing version — the one the collision answer suggests — would never reach the guard.
    That read is a GET of the document with ``npm-command: publish``; for a publish that dev mode
    takes by the ``/-/dev/`` URL or by its scope it is answered as for a new package. A dist-tag
    trigger cannot be told from that read: npm 11 needs ``--force`` there.
    """
    if settings.dev_mode == "off" or method != "GET" or npm_command != "publish":
        return None
    text = package_document_name(relative_path)
    if text is None:
        return None
    try:
        name = parse_name(text, strict=False)
    except InvalidPackageName:
        return None
    if via_prefix or (name.scope is not None and f"@{name.scope}" in settings.dev_scopes):
        return name.full
    return None
