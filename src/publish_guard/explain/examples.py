"""Worked examples for the error catalogue: each code's answer and what npm prints for it.

The facts come from ``catalogue.toml`` (through ``entries.py``) and fill the texts exactly as the
guard fills its answers, so that the catalogue shows the lines npm 11 prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from publish_guard.explain.answer import GuardError, error_body
from publish_guard.explain.entries import ENTRIES
from publish_guard.explain.texts import TEXTS

GUARD_URL = "http://guard.example.com:8080"
"""The guard's address in every example (npm's registry URL, without the trailing slash)."""

NPM_403_PARAGRAPH = (
    "In most cases, you or one of your dependencies are requesting a package version that is "
    "forbidden by your security policy, or on a server you do not have access to."
)
"""npm's stock text after every 403 (npm 11 lib/utils/error-message.js, case 'E403')."""


@dataclass(frozen=True, slots=True)
class RenderedExample:
    method: str
    url: str  # as npm names it in its error line
    status: int
    reason: str
    error: str
    hint: str
    answer: dict[str, Any]  # the JSON body the guard sends
    npm_output: tuple[str, ...] = field(default=())  # empty: probes ask, or npm prints nothing

    @property
    def request(self) -> str:
        return f"{self.method} {self.url}"


def render_example(code: str) -> RenderedExample:
    """The example answer for ``code``, filled in exactly as the guard fills its answers."""
    example = ENTRIES[code].example
    error = GuardError(TEXTS[code], example.facts, status=example.status)
    method, _, target = example.request.partition(" ")
    url = target if target.startswith(("http://", "https://")) else f"{GUARD_URL}{target}"
    reason = HTTPStatus(error.status).phrase
    lines: tuple[str, ...] = ()
    # probes, not npm, ask the guard's own routes; an answer without a hint is one npm expects
    if not target.startswith("/-/guard/") and error.hint:
        lines = npm_error_lines(
            method,
            url,
            error.status,
            reason,
            error.error,
            notice=error.hint,
            pkgid=_pkgid(target, error.facts),
        )
    return RenderedExample(
        method=method,
        url=url,
        status=error.status,
        reason=reason,
        error=error.error,
        hint=error.hint,
        answer=error_body(error, request_id="4f0c2a7d9e1b4c35a6d8e2f1b0c3d5e7"),
        npm_output=lines,
    )


def npm_error_lines(
    method: str,
    url: str,
    status: int,
    reason: str,
    error: str,
    *,
    notice: str = "",
    pkgid: str | None = None,
) -> tuple[str, ...]:
    """What npm 11 prints for a JSON error answer without ``www-authenticate``.

    npm-registry-fetch makes the message ``<status> <statusText> - <METHOD> <url> - <error>``;
    npm's error-message.js then prefixes a 403 with ``403`` and adds its stock paragraph, and
    prefixes a 404 with ``404`` (dropping the status it repeats) and adds its detail lines.
    """
    message = f"{status} {reason} - {method} {url} - {error}"
    lines = [f"npm notice {notice}"] if notice else []
    lines.append(f"npm error code E{status}")
    if status == 403:
        lines += [f"npm error 403 {message}", f"npm error 403 {NPM_403_PARAGRAPH}"]
    elif status == 404:
        lines.append(f"npm error {message}")
        if pkgid and pkgid != "-":
            lines += [
                "npm error 404",
                f"npm error 404  The requested resource '{pkgid}' could not be found or you do "
                "not have permission to access it.",
                "npm error 404",
                "npm error 404 Note that you can also install from a",
                "npm error 404 tarball, folder, http url, or git url.",
            ]
    else:
        lines.append(f"npm error {message}")
    return tuple(lines)


def _pkgid(target: str, facts: Mapping[str, Any]) -> str | None:
    """npm's ``pkgid``: the spec it was given, else the last path segment of the URL."""
    if facts.get("package") and facts.get("version"):
        return f"{facts['package']}@{facts['version']}"
    path = target.partition("?")[0].lstrip("/")
    if not path or path.startswith("-"):
        return None
    return unquote(path.split("/")[-1])
