"""Everything that is not a publish: streamed to the upstream and back, untouched.

Bodies stream both ways with back-pressure and are never decompressed. The one optional change
is ``--public-url``: in package documents the upstream's base URL becomes the guard's, so clients
that reach only the guard can download tarballs.
"""

from __future__ import annotations

import aiohttp
import structlog
from aiohttp import StreamReader, web
from multidict import CIMultiDict
from yarl import URL

from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.explain.refusals import Refusal
from publish_guard.explain.writes import explain_write
from publish_guard.headers import request_headers, response_headers
from publish_guard.keys import (
    PUBLISHER,
    REQUEST_ID,
    SETTINGS,
    TARGET,
    UPSTREAM,
    UPSTREAM_STATUS,
)
from publish_guard.npm.paths import package_document_name, package_of_path
from publish_guard.publish.lookup import lookup_headers
from publish_guard.redact import redact_path
from publish_guard.rewrite import StreamReplacer
from publish_guard.status.recorder import note
from publish_guard.target import Target

log = structlog.get_logger("publish_guard.passthrough")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_REFUSAL_SIZE = 1024 * 1024
SMALL_ANSWER = 256 * 1024  # package documents mostly: read whole, sent in one write


async def passthrough(
    request: web.Request, body: bytes | None = None, *, explain: bool = True
) -> web.StreamResponse:
    """Forward the request; ``body`` is the request body when it was already read. A refused
    write is explained (``explain``); reads and queries are relayed as answered."""
    target = request[TARGET]
    upstream = request.app[UPSTREAM]
    headers = request_headers(
        request.headers, client_ip=request.remote, scheme=request.scheme, host=request.host
    )
    headers.popall("expect", None)
    rewriting = _rewrites(request, target, request.app[SETTINGS])
    if rewriting:
        headers["Accept-Encoding"] = "identity"  # replace in plain bytes; no recompression
    data: bytes | StreamReader | None = body
    if data is None and request.body_exists:
        data = request.content

    answer = await upstream.send(request.method, target.relative, headers=headers, data=data)
    async with answer:
        request[UPSTREAM_STATUS] = answer.status
        if answer.status >= 400 and explain and request.method not in _READS:
            return await _refused_write(request, answer)
        answer_headers = response_headers(answer.headers)
        replacer = _replacer(request.app[SETTINGS], answer) if rewriting else None
        answer_headers.setdefault("X-Request-Id", request[REQUEST_ID])  # the registry's own wins
        if _small(request, answer, answer_headers):
            return await _whole(request, answer, answer_headers, replacer)
        response = web.StreamResponse(status=answer.status, reason=answer.reason)
        response.headers.extend(answer_headers)
        if replacer is not None:
            response.headers.popall("Content-Length", None)
        await response.prepare(request)
        try:
            async for chunk in upstream.iter_body(answer):
                out = replacer.feed(chunk) if replacer else chunk
                if out:
                    await response.write(out)
            if replacer is not None:
                await response.write(replacer.flush())
        except GuardError as exc:
            # The status line is already sent: drop the connection so the client sees a
            # truncated answer as a failure instead of taking half a body for a whole one.
            log.warning("upstream_failed_mid_answer", code=exc.code, error=exc.error)
            if request.transport is not None:
                request.transport.close()
            return response
        await response.write_eof()
    return response


def _small(request: web.Request, answer: aiohttp.ClientResponse, headers: CIMultiDict[str]) -> bool:
    """A GET of a package document (JSON) whose answer says it is small: read whole and sent in
    one write, with its length (rewritten, it keeps one too, instead of going out chunked); an
    upstream failing midway is then a 502, not a truncated answer. Tarballs always stream."""
    length = answer.content_length
    return (
        request.method == "GET"
        and length is not None
        and length <= SMALL_ANSWER
        and "json" in headers.get("Content-Type", "")
    )


async def _whole(
    request: web.Request,
    answer: aiohttp.ClientResponse,
    headers: CIMultiDict[str],
    replacer: StreamReplacer | None,
) -> web.StreamResponse:
    body = await request.app[UPSTREAM].read_body(answer, SMALL_ANSWER)
    if replacer is not None:
        body = replacer.replace_whole(body)
    # sent as the floor of an aiohttp proxy sends: prepared, then one write with the headers;
    # a ``web.Response`` costs about 4% more of a read's time (its body's own header work)
    response = web.StreamResponse(status=answer.status, reason=answer.reason, headers=headers)
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body)
    await response.write_eof()
    return response


async def _refused_write(request: web.Request, answer: aiohttp.ClientResponse) -> web.Response:
    """A refused write is explained; reads (a 404 on a document is normal traffic) never are."""
    upstream = request.app[UPSTREAM]
    body = await upstream.read_body(answer, MAX_REFUSAL_SIZE)
    headers = response_headers(answer.headers)
    refusal = Refusal(answer.status, answer.reason or "", headers, body)
    relative = request[TARGET].path[1:]
    package = package_of_path(relative)
    note(request, package or redact_path(relative)).write = True
    error = await explain_write(
        request,
        refusal,
        settings=request.app[SETTINGS],
        upstream=upstream,
        flavor=request.app[PUBLISHER].flavor,
        relative_path=relative,
        asking=lookup_headers(request.headers),
        package=package,
    )
    if error is not None:
        raise error
    relayed = web.Response(status=answer.status, reason=answer.reason, body=body)
    relayed.headers.extend((k, v) for k, v in headers.items() if k.lower() != "content-length")
    return relayed


def _rewrites(request: web.Request, target: Target, settings: Settings) -> bool:
    if settings.public_url is None or request.method not in ("GET", "HEAD"):
        return False
    return package_document_name(target.path[1:]) is not None


def _replacer(settings: Settings, answer: aiohttp.ClientResponse) -> StreamReplacer | None:
    if settings.public_url is None or answer.status != 200:
        return None
    if "json" not in answer.headers.get("Content-Type", ""):
        return None
    if answer.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None
    return StreamReplacer(_base_variants(settings.upstream), str(settings.public_url).encode())


def _base_variants(base: URL) -> list[bytes]:
    """The upstream's base as it may appear in tarball URLs: behind TLS-terminating proxies the
    upstream may say https for an http base (and the reverse)."""
    text = str(base)
    rest = text.split("://", 1)[1]
    return [f"http://{rest}".encode(), f"https://{rest}".encode()]
