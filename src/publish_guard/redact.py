"""Secrets never leave the guard: scrubbing for logs, the status page and error bodies (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

REDACTED = "[redacted]"
SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "npm-otp",
        "otp",
        "token",
        "authtoken",
        "auth",
        "password",
        "secret",
        "cookie",
        "set-cookie",
    }
)
_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bnpm_[A-Za-z0-9]{20,}"),
    re.compile(r"(?i)(_authToken|_auth|_password|password|token|otp)(\s*[=:]\s*\"?)[^\s\"&,;]+"),
)


def is_secret_key(key: str) -> bool:
    normal = key.lower().replace("_", "-").lstrip("-")
    return normal in SECRET_KEYS or normal.endswith(("-token", "password", "-secret", "-otp"))


# In ASCII text every pattern above needs one of these (the access log scrubs each request's
# line: most lines have none, and skip the patterns; other text always goes through them)
_HINTS = ("bearer", "basic", "auth", "password", "token", "otp")


def scrub_text(text: str) -> str:
    """Replace anything that looks like a credential inside free text."""
    if text.isascii() and "npm_" not in text:
        lowered = text.lower()
        if not any(hint in lowered for hint in _HINTS):
            return text
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[1].sub(REDACTED, text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def scrub(value: Any) -> Any:
    """Recursively redact secret-named keys and credential-looking text."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if is_secret_key(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def scrub_query(raw_query: str) -> str:
    """A raw query string with the values of secret-named parameters replaced, the rest as sent."""
    parts = []
    for part in raw_query.split("&"):
        key, sep, _ = part.partition("=")
        parts.append(f"{key}={REDACTED}" if sep and is_secret_key(unquote(key)) else part)
    return "&".join(parts)
