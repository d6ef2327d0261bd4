"""The one JSON shape of the guard's own answers."""

from __future__ import annotations

from typing import Any

from publish_guard.explain.texts import TEXTS

DOCS_PATH = "/-/guard/errors"


class GuardError(Exception):
    """A failure the guard answers itself; turned into a response in exactly one place."""

    def __init__(
        self,
        code: str,
        *,
        headers: dict[str, str] | None = None,
        status: int | None = None,
        body: dict[str, Any] | None = None,
        **facts: Any,
    ) -> None:
        if code not in TEXTS:
            raise KeyError(f"unknown error code {code}")
        super().__init__(code)
        self.code = code
        self.facts = facts
        self.headers = headers or {}
        self.extra_body = body or {}
        self._status = status

    @property
    def status(self) -> int:
        return self._status or TEXTS[self.code].status

    @property
    def error(self) -> str:
        return _one_line(TEXTS[self.code].error.format_map(_Facts(self.facts)))

    @property
    def hint(self) -> str:
        return _one_line(TEXTS[self.code].hint.format_map(_Facts(self.facts)))


class _Facts(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def error_body(error: GuardError, *, request_id: str, base_url: str = "/") -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": error.error,
        "code": error.code,
        "hint": error.hint,
        "docs": f"{base_url.rstrip('/')}{DOCS_PATH}#{error.code}",
    }
    for key in ("package", "version"):
        if key in error.facts:
            body[key] = error.facts[key]
    body.update(error.extra_body)
    body["request_id"] = request_id
    return body
