"""Dev mode's decision (pure): is this publish a dev publish, and why."""

from __future__ import annotations

from publish_guard.config import Settings
from publish_guard.npm.names import PackageName

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
