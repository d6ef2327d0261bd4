"""Settings: one frozen object, loaded once from flags, environment and a TOML file.

``parsers``: each option's value; ``options``: the settings table (``OPTIONS``); ``settings``: the
frozen ``Settings``; ``loader``: ``load_settings``; ``markdown``: the README's table.
"""

from __future__ import annotations

from publish_guard.config.loader import build_parser, load_settings
from publish_guard.config.markdown import options_markdown
from publish_guard.config.options import ENV_PREFIX, OPTIONS, Option
from publish_guard.config.parsers import (
    AllowedWrite,
    Listen,
    parse_allowed_write,
    parse_base_url,
    parse_listen,
    parse_size,
)
from publish_guard.config.settings import ConfigError, Settings

__all__ = [
    "ENV_PREFIX",
    "OPTIONS",
    "AllowedWrite",
    "ConfigError",
    "Listen",
    "Option",
    "Settings",
    "build_parser",
    "load_settings",
    "options_markdown",
    "parse_allowed_write",
    "parse_base_url",
    "parse_listen",
    "parse_size",
]
