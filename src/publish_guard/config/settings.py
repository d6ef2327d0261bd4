"""``Settings``: the one frozen object every part of the guard reads its configuration from."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from yarl import URL

from publish_guard.config.parsers import AllowedWrite, Listen

_SECRETS = frozenset({"status_token"})
_WITH_CREDENTIALS = frozenset({"shared_state"})


class ConfigError(ValueError):
    """A setting is missing or invalid; the message is one line meant for the operator."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Built only by ``load_settings``; every field comes from ``OPTIONS``."""

    upstream: URL
    listen: Listen
    public_url: URL | None
    flavor: str
    identical_republish: str
    dev_mode: str
    dev_scopes: tuple[str, ...]
    dev_tags: tuple[str, ...]
    dev_dist_tag: str
    lock_dir: Path | None
    shared_state: URL | None
    status_token: str | None
    ca_bundle: Path | None
    connect_timeout: float
    read_timeout: float
    idle_timeout: float
    publish_timeout: float
    max_publish_size: int
    max_unpacked_size: int
    max_tarball_entries: int
    manifest_check: str
    max_publish_memory: int
    allow_writes: tuple[AllowedWrite, ...]
    workers: int
    max_header_size: int
    upstream_connections: int
    log_format: str
    log_level: str
    access_log: bool
    config_file: Path | None = None

    def redacted(self) -> dict[str, str]:
        """The effective configuration as text, safe to show (no credentials are ever stored)."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRETS:
                shown[f.name] = "[set]" if value else ""
            elif f.name in _WITH_CREDENTIALS and value is not None:
                shown[f.name] = str(value.with_user(None).with_password(None).with_query(None))
            elif isinstance(value, tuple) and not isinstance(value, Listen):  # Listen: HOST:PORT
                shown[f.name] = ", ".join(str(item) for item in value)
            else:
                shown[f.name] = "" if value is None else str(value)
        return shown
