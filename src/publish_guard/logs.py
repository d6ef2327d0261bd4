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
    # aiohttp's own loggers (server errors) go through the same stream, redacted, as JSON lines
    # when the guard's are (aiohttp quotes a malformed request's line, credentials and all)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_StdlibFormatter(as_json=fmt != "console"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


class _StdlibFormatter(logging.Formatter):
    """A standard-library log record as one redacted line (JSON, or ``name: message``); its
    traceback, if any, redacted too and folded into the line."""

    def __init__(self, *, as_json: bool) -> None:
        super().__init__()
        self._json = as_json

    def format(self, record: logging.LogRecord) -> str:
        message = scrub(record.getMessage())
        trace = scrub(self.formatException(record.exc_info)) if record.exc_info else None
        if not self._json:
            return f"{record.name}: {message}" + (f"\n{trace}" if trace else "")
        event: dict[str, Any] = {
            "event": message,
            "logger": record.name,
            "level": record.levelname.lower(),
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"),
        }
        if trace:
            event["exception"] = trace
        return _orjson_dumps(event)
