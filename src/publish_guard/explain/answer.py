"""The one JSON shape of the guard's own answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from publish_guard.explain.text import BODY_FACTS, F, Facts, Text

DOCS_PATH = "/-/guard/errors"


class GuardError(Exception):
    """A failure the guard answers itself; turned into a response in exactly one place.

    ``GuardError(BAD_TARGET, BadTarget(method=..., target=..., reason=...))``: the facts must be
    the record of the code's text, so a wrong or missing fact is a type error.
    """

    def __init__(
        self,
        text: Text[F],
        facts: F,
        *,
        headers: dict[str, str] | None = None,
        status: int | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(text.code)
        self.text: Text[Any] = text
        self.record: Facts = facts
        self.headers = headers or {}
        self.extra_body = body or {}
        self._status = status
        self._rendered: tuple[str, str] | None = None

    @property
    def code(self) -> str:
        return self.text.code

    @property
    def facts(self) -> Mapping[str, Any]:
        return self.record.as_dict()

    @property
    def status(self) -> int:
        return self._status or self.text.status

    @property
    def error(self) -> str:
        return self._render()[0]

    @property
    def hint(self) -> str:
        return self._render()[1]

    def _render(self) -> tuple[str, str]:
        if self._rendered is None:
            self._rendered = self.text.render(self.record)
        return self._rendered


def error_body(error: GuardError, *, request_id: str, base_url: str = "/") -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": error.error,
        "code": error.code,
        "hint": error.hint,
        "docs": f"{base_url.rstrip('/')}{DOCS_PATH}#{error.code}",
    }
    for key in BODY_FACTS:
        value = getattr(error.record, key, None)
        if value is not None:
            body[key] = value
    body.update(error.extra_body)
    body["request_id"] = request_id
    return body
