"""Structured logs: JSON lines when not on a terminal, readable lines on one; never a secret.

Every line a request leads to carries its ``request_id``, and ``package`` and ``version`` once a
write knows them: they are bound in the request's context (``bind_request``, ``bind_package``),
which the tasks it starts copy, and merged into each line (``_merge_bound``). One context
variable holds them all, set once per request: structlog's own ``clear_contextvars`` and
``bind_contextvars`` walk the whole context on every request, each read paying for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
import time
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import orjson
import structlog

from publish_guard.redact import scrub, scrub_text


def _scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    return {k: v if k in ("timestamp", "level") else scrub(v) for k, v in event.items()}


def _orjson_dumps(event: Any, **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


class AccessLines:
    """The access log as JSON lines, the same keys structlog writes, gathered and written
    together once per ``FLUSH_AFTER`` seconds: one ``write`` per batch, not per request. Its
    fields are redacted by the caller (the path) or safe by construction (numbers, method)."""

    FLUSH_AFTER = 0.05

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lines: list[str] = []

    def add(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) > 1:
            return
        try:
            asyncio.get_running_loop().call_later(self.FLUSH_AFTER, self.flush)
        except RuntimeError:
            self.flush()

    def flush(self) -> None:
        lines, self._lines = self._lines, []
        if lines:
            self._stream.write("\n".join(lines) + "\n")
            self._stream.flush()


# what this request bound (request id, package fields), and its package fields as JSON members
_BOUND: contextvars.ContextVar[tuple[dict[str, str], str]] = contextvars.ContextVar(
    "log_fields", default=({}, "")
)


def bind_request(request_id: str) -> None:
    """Starts a request's log context: whatever an earlier request on this task bound is gone,
    and from now on every line carries ``request_id`` (already scrubbed by the caller)."""
    _BOUND.set(({"request_id": request_id}, ""))


def bind_package(
    package: str, version: str | None = None, original_version: str | None = None
) -> None:
    """From now on in this request every line also names the package it writes to, and the
    version once known (as published; a dev rewrite's ``original_version`` beside it)."""
    given = {"package": package, "version": version, "original_version": original_version}
    bound = {key: scrub_text(value) for key, value in given.items() if value is not None}
    fields = {**_BOUND.get()[0], **bound}
    # the access line's own writer adds them as written here, once per binding
    members = "".join(
        f',"{key}":{_text(value)}' for key, value in fields.items() if key != "request_id"
    )
    _BOUND.set((fields, members))


def bound_fields() -> dict[str, str]:
    """What the current request bound (empty outside a request)."""
    return _BOUND.get()[0]


def _merge_bound(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The request's bound fields on the line; the line's own keys win."""
    fields = _BOUND.get()[0]
    return {**fields, **event} if fields else event


_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"})
_access: AccessLines | None = None  # JSON logs at info level or below: the fast writer
_access_log = structlog.get_logger("publish_guard.access")


def log_request(
    request_id: str,
    method: str,
    path: str,
    status: int,
    seconds: float,
    upstream_status: int | None,
) -> None:
    """One line per request (``path`` already redacted), with the package fields it bound."""
    if _access is None:
        _access_log.info(
            "request",
            request_id=request_id,
            method=method,
            path=path,
            status=status,
            duration_ms=round(seconds * 1000, 2),
            upstream_status=upstream_status,
        )
        return
    method_text = f'"{method}"' if method in _METHODS else _text(scrub(method[:16]))
    # the same number as round(ms, 2) in JSON (trailing zero aside), in a third of the time
    _access.add(
        f'{{"request_id":{_text(request_id)},"method":{method_text},"path":{_text(path)},'
        f'"status":{status},"duration_ms":{seconds * 1000:.2f},'
        f'"upstream_status":{"null" if upstream_status is None else upstream_status}'
        f'{_BOUND.get()[1]},"event":"request","level":"info","timestamp":"{_now()}"}}'
    )


def _text(value: str) -> str:
    """A JSON string; most ids and paths need no escaping, and are quoted without orjson."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return orjson.dumps(value).decode()


def _now() -> str:
    """The time as structlog's ``TimeStamper(fmt="iso", utc=True)`` writes it, the seconds part
    made once per second."""
    global _second, _second_text
    now = time.time()
    whole = int(now)
    if whole != _second:
        _second, _second_text = whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{_second_text}.{int((now - whole) * 1_000_000):06d}Z"


_second = -1
_second_text = ""


def flush_access_log() -> None:
    if _access is not None:
        _access.flush()


def configure_logging(fmt: str = "auto", level: str = "info", stream: TextIO | None = None) -> None:
    global _access
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "console" if stream.isatty() else "json"
    quiet = logging.getLevelNamesMapping()[level.upper()] > logging.INFO
    _access = AccessLines(stream) if fmt == "json" and not quiet else None
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=stream.isatty())
        if fmt == "console"
        else structlog.processors.JSONRenderer(serializer=_orjson_dumps)
    )
    structlog.configure(
        processors=[
            _merge_bound,
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
    """A standard-library log record as one redacted line (JSON with the request's bound fields,
    or ``name: message``); its traceback, if any, redacted too and folded into the line."""

    def __init__(self, *, as_json: bool) -> None:
        super().__init__()
        self._json = as_json

    def format(self, record: logging.LogRecord) -> str:
        message = scrub(record.getMessage())
        trace = scrub(self.formatException(record.exc_info)) if record.exc_info else None
        if not self._json:
            return f"{record.name}: {message}" + (f"\n{trace}" if trace else "")
        event: dict[str, Any] = {
            **scrub(bound_fields()),  # the request's, as on every line
            "event": message,
            "logger": record.name,
            "level": record.levelname.lower(),
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"),
        }
        if trace:
            event["exception"] = trace
        return _orjson_dumps(event)
