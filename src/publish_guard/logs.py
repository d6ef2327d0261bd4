"""Structured logs: JSON lines when not on a terminal, readable lines on one; never a secret."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import orjson
import structlog

from publish_guard.redact import scrub


def _scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    return {k: v if k in ("timestamp", "level") else scrub(v) for k, v in event.items()}


def _orjson_dumps(event: Any, **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def configure_logging(fmt: str = "auto", level: str = "info", stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "console" if stream.isatty() else "json"
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=stream.isatty())
        if fmt == "console"
        else structlog.processors.JSONRenderer(serializer=_orjson_dumps)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _scrub_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.WriteLoggerFactory(stream),
        # the chain is assembled once per logger, not on every line (the access log writes one
        # per request); this runs once, at start-up, before any logger is used
        cache_logger_on_first_use=True,
    )
    # aiohttp's own loggers (server errors) go through the same stream
    logging.basicConfig(stream=stream, level=logging.WARNING, format="%(name)s: %(message)s")
