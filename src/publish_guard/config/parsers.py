"""The option values: each parser turns one text (flag, environment or file) into a value, or
raises ``ValueError`` with what is wrong (the loader adds where the text came from)."""

from __future__ import annotations

import fnmatch
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

from yarl import URL

from publish_guard.lockdir import default_lock_dir

T = TypeVar("T")


class Listen(NamedTuple):
    """An address to serve on (unpacks as ``host, port``)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"200mb"``, ``"10MiB"``, ``"1048576"`` → bytes (binary units, as npm and Verdaccio use)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size (examples: 1048576, 512kb, 200mb, 1gb)")
    number, unit = match.groups()
    return int(float(number) * _SIZE_UNITS[(unit or "").lower()[:1]])


def parse_duration(text: str) -> float:
    """``"30"``, ``"30s"``, ``"500ms"``, ``"2m"`` → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (examples: 30, 30s, 500ms, 2m)")
    value = float(match.group(1))
    unit = match.group(2) or "s"
    seconds = value / 1000 if unit == "ms" else value * 60 if unit == "m" else value
    if seconds <= 0:
        raise ValueError(f"{text!r} must be greater than zero")
    return seconds


def parse_listen(text: str, default_host: str = "0.0.0.0", *, bare_port: bool = False) -> Listen:
    """``HOST:PORT``, ``[::1]:PORT``, or ``:PORT`` on ``default_host``; ``bare_port``: also
    ``PORT`` alone (the emulator's and the demo's ``--listen``)."""
    if "/" in text:  # a URL ("http://host:port/"): where to listen is an address, not a URL
        raise ValueError(f"{text!r} is not HOST:PORT (example: 127.0.0.1:8080)")
    host, sep, port_text = text.rpartition(":")
    if not sep and bare_port:
        host, sep = "", ":"
        port_text = text
    if not sep or not port_text.isdigit():
        raise ValueError(f"{text!r} is not HOST:PORT (example: 127.0.0.1:8080)")
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range 0-65535")
    return Listen(host.strip("[]") or default_host, port)


def parse_base_url(text: str) -> URL:
    """An http(s) URL with a host, normalised to end in ``/`` (a registry base)."""
    url = URL(text.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{text!r} is not an http:// or https:// URL with a host")
    if url.query_string or url.fragment:
        raise ValueError(f"{text!r} must not have a query or fragment")
    if url.user or url.password:
        raise ValueError(
            f"{url.with_user(None)!s} must not carry credentials; clients send their own tokens"
        )
    if not url.raw_path.endswith("/"):
        url = url.with_path(url.raw_path + "/", encoded=True)
    if not str(url).endswith("/"):  # yarl prints a bare origin without its "/"
        url = URL(str(url) + "/", encoded=True)
    return url


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def list_of(item: Callable[[str], T]) -> Callable[[str], tuple[T, ...]]:
    def parse(text: str) -> tuple[T, ...]:
        return tuple(item(part.strip()) for part in text.split(",") if part.strip())

    return parse


def parse_scope(text: str) -> str:
    if not re.fullmatch(r"@[a-z0-9~-][a-z0-9._~-]*", text):
        raise ValueError(f"{text!r} is not an npm scope (example: @acme-dev)")
    return text


def parse_tag(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", text):
        raise ValueError(f"{text!r} is not a dist-tag name (example: dev)")
    return text


def ca_bundle(text: str) -> Path | None:
    if not text.strip():
        return None
    path = Path(text).expanduser()
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except FileNotFoundError:
        raise ValueError(f"{text!r} does not exist") from None
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(f"{text!r} is not a PEM file of CA certificates ({exc})") from None
    return path


def parse_shared_state(text: str) -> URL | None:
    """``redis://[user:password@]host:port/db`` or ``rediss://`` (TLS); empty: none."""
    if not text.strip():
        return None
    url = URL(text.strip())
    if url.scheme not in ("redis", "rediss") or not url.host:
        raise ValueError("is not a redis:// or rediss:// URL with a host")
    db = url.path.strip("/")
    if db and not db.isdigit():
        raise ValueError(f"names database {db!r}; a Redis database is a number")
    return url


def status_token(text: str) -> str | None:
    text = text.strip()
    if text and len(text) < 12:
        raise ValueError("a status token needs at least 12 characters")
    return text or None


def lock_dir(text: str) -> Path | None:
    lowered = text.strip().lower()
    if lowered in ("off", "none", ""):
        return None
    return default_lock_dir() if lowered == "auto" else Path(text).expanduser()


@dataclass(frozen=True, slots=True)
class AllowedWrite:
    """An ``--allow-write`` entry: ``METHOD /path-glob`` (``*`` for any write method), matched
    against the raw path relative to the registry base (still percent-encoded, no query)."""

    method: str
    pattern: str

    def matches(self, method: str, relative_path: str) -> bool:
        path = "/" + relative_path.partition("?")[0]
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.pattern)

    def __str__(self) -> str:
        return f"{self.method} {self.pattern}"


def parse_allowed_write(text: str) -> AllowedWrite:
    method, _, pattern = text.strip().partition(" ")
    method, pattern = method.upper(), pattern.strip()
    if not (method == "*" or method.isalpha()) or not pattern.startswith("/"):
        raise ValueError(f"{text!r} is not 'METHOD /path-glob' (example: 'POST /-/verdaccio/*')")
    if method in ("GET", "HEAD", "OPTIONS"):
        raise ValueError(f"{text!r}: reads always pass through; name a write method")
    return AllowedWrite(method, pattern)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"{text!r} must be at least 1")
    return value
