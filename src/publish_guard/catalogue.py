"""The error catalogue at ``<prefix>/errors``: every code the guard answers with, how npm shows
it, and the client-side errors around publishing that the guard never sees.

HTML for people (``templates/errors.html``), JSON for scripts (``Accept: application/json`` or
``?format=json``). Built from ``TEXTS`` and each code's entry (``explain/catalogue.toml``), so a
new code is listed at once.
"""

from __future__ import annotations

from typing import Any, Final

import aiohttp_jinja2
import orjson
from aiohttp import web

from publish_guard.explain.client_errors import CLIENT_ERRORS, ClientError
from publish_guard.explain.entries import ENTRIES, Group
from publish_guard.explain.examples import GUARD_URL, render_example
from publish_guard.explain.texts import TEXTS

CLIENT_GROUP: Final = "client"
GROUPS: Final[tuple[tuple[str, str, str], ...]] = (
    (
        Group.REFUSAL,
        "Publish refusals",
        "The guard refused on its own; nothing was sent to the registry.",
    ),
    (
        Group.UPSTREAM,
        "Upstream failures",
        "The registry refused or failed; the guard says what its answer means and keeps its "
        "status class and words (under upstream in the JSON answer).",
    ),
    (
        Group.NETWORK,
        "Network: guard → registry",
        "The guard could not reach the registry, or lost it mid-request. Your connection to the "
        "guard works.",
    ),
    (
        CLIENT_GROUP,
        "Client-side",
        "What npm, yarn and pnpm print on their own: before a request, without reaching the "
        "guard, or in place of the guard's words.",
    ),
)


async def errors_page(request: web.Request) -> web.StreamResponse:
    data = catalogue(request.path)
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    if wants_json(request):
        return web.json_response(data, headers=headers, dumps=_dumps)
    context = {"catalogue": data, "sections": _sections(data), "guard_url": GUARD_URL}
    # the app's one environment, under aiohttp_jinja2's default key (pages.TEMPLATES)
    response = aiohttp_jinja2.render_template("errors.html", request, context)
    response.headers.update(headers)
    return response


def catalogue(path: str) -> dict[str, Any]:
    """The catalogue as JSON-ready data; the HTML page shows exactly this."""
    codes = [_code_entry(code, path) for code in TEXTS]
    for entry in codes:  # the client-side entries that point at a code are its "see also"
        entry["see"] = [c.code for c in CLIENT_ERRORS if entry["code"] in c.see]
    return {
        "docs": path,
        "example_guard_url": GUARD_URL,
        "groups": [
            {"key": str(key), "title": title, "about": about} for key, title, about in GROUPS
        ],
        "codes": codes,
        "client_errors": [_client_entry(entry, path) for entry in CLIENT_ERRORS],
    }


def _code_entry(code: str, path: str) -> dict[str, Any]:
    text, entry, rendered = TEXTS[code], ENTRIES[code], render_example(code)
    return {
        "code": code,
        "docs": f"{path}#{code}",
        "group": str(entry.group),
        "status": rendered.status,
        "reason": rendered.reason,
        "cause": entry.cause,
        "fix": entry.fix or rendered.hint,
        "templates": {"error": text.error, "hint": text.hint},
        "example": {
            "request": rendered.request,
            "error": rendered.error,
            "hint": rendered.hint,
            "npm_output": list(rendered.npm_output),
            "answer": rendered.answer,
        },
    }


def _client_entry(entry: ClientError, path: str) -> dict[str, Any]:
    return {
        "code": entry.code,
        "docs": f"{path}#{entry.code}",
        "group": CLIENT_GROUP,
        "title": entry.title,
        "client": entry.client,
        "cause": entry.cause,
        "fix": entry.fix,
        "example": {"command": entry.command, "output": list(entry.output)},
        "sources": [{"where": where, "text": text} for where, text in entry.sources],
        "see": list(entry.see),
    }


def _sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries = [*data["codes"], *data["client_errors"]]
    sections = [
        {**group, "entries": [e for e in entries if e["group"] == group["key"]]}
        for group in data["groups"]
    ]
    return [section for section in sections if section["entries"]]


def wants_json(request: web.Request) -> bool:
    """``?format=json|html`` decides; else ``Accept`` must prefer JSON over HTML."""
    chosen = request.query.get("format", "").lower()
    if chosen in ("json", "html"):
        return chosen == "json"
    accept = request.headers.get("Accept", "")
    json_q, json_exact = _quality(accept, "application/json")
    html_q, html_exact = _quality(accept, "text/html")
    return json_q > html_q or (json_q == html_q > 0 and json_exact > html_exact)


def _quality(accept: str, media: str) -> tuple[float, int]:
    """The q of the most specific range in ``accept`` matching ``media``, and its specificity
    (2 exact, 1 ``type/*``, 0 ``*/*``); ``(0, -1)`` when none matches."""
    kind = media.partition("/")[0]
    best: tuple[float, int] = (0.0, -1)
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        specificity = {media: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range.lower())
        if specificity is None or specificity <= best[1]:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        best = (quality, specificity)
    return best


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()
