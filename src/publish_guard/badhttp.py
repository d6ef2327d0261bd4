"""A request that is not valid HTTP is answered by aiohttp itself, before any handler: its
answer and its log line would quote the bad line as sent, credentials and all. The answer is
made here instead — JSON, naming the kind of fault, quoting nothing — and the log line goes
through the guard's redaction (``logs``)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestHandler

_KINDS = {
    "LineTooLong": "a line is longer than the guard accepts (--max-header-size)",
    "InvalidHeader": "a header is malformed",
    "BadStatusLine": "the request line is malformed",
    "BadHttpMethod": "the method is not HTTP",
    "InvalidURLError": "the target is not a URL",
    "TransferEncodingError": "its framing (Transfer-Encoding) is malformed",
    "ContentLengthError": "its Content-Length is malformed",
}


def answer_body(fault: str) -> dict[str, str]:
    """The JSON answer to a request that is not valid HTTP, by the name of aiohttp's exception
    (the fast path's nginx gives the same for what it refuses itself)."""
    kind = _KINDS.get(fault, "it is not valid HTTP/1.1")
    return {
        "error": f"publish-guard could not read the request: {kind}; nothing was sent to the "
        "registry",
        "code": "BAD_HTTP",
    }


def install() -> None:
    """Make aiohttp's answer to an unreadable request the guard's (once per process)."""
    if getattr(RequestHandler.handle_error, "_publish_guard", False):
        return
    original = RequestHandler.handle_error

    def handle_error(
        self: RequestHandler,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        answer = original(self, request, status, exc, None if status >= 500 else "-")
        if status >= 500:
            return answer
        body = answer_body(type(exc).__name__)
        response = web.Response(
            status=status, body=orjson.dumps(body), content_type="application/json"
        )
        response.force_close()
        return response

    handle_error._publish_guard = True  # type: ignore[attr-defined]
    RequestHandler.handle_error = handle_error  # type: ignore[method-assign]
