"""The request's frame, one middleware for every request: an id, the target check, errors made
into answers, the status board and one access-log line.

A read that passes through pays for nothing else: the status token is checked by the status
routes themselves, and the access line is written by ``logs.log_request`` (buffered JSON).
"""

from __future__ import annotations

import os
import time

import orjson
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from publish_guard.explain import GuardError, error_body
from publish_guard.explain.codes.requests import BAD_TARGET, NOT_A_PROXY, BadTarget, NotAProxy
from publish_guard.headers import notice_value
from publish_guard.keys import (
    ACCESS_LOG,
    REQUEST_ID,
    TARGET,
    UPSTREAM,
    UPSTREAM_STATUS,
    VIA_DEV_PREFIX,
)
from publish_guard.logs import bind_request, log_request
from publish_guard.publish.devmode import DEV_PREFIX
from publish_guard.redact import (
    bind_request_secrets,
    redact_path,
    scrub,
    secrets_of,
    unbind_request_secrets,
)
from publish_guard.status import recorder as status_recorder
from publish_guard.target import Target, UnsafeTarget, check_target

log = structlog.get_logger("publish_guard.app")
STATUS_PAGE = "/-/guard/"


def _request_id(request: web.Request) -> str:
    given = request.headers.get("X-Request-Id", "")
    if 0 < len(given) <= 64 and given.isprintable():
        return str(scrub(given))  # the client's own: it goes into logs and answers
    return os.urandom(16).hex()


@web.middleware
async def request_frame(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id (to the request and its log lines), check the target, answer every
    ``GuardError``, log one line."""
    # the request's own secrets first: a client's id that quotes them is redacted like the rest
    bound = bind_request_secrets(secrets_of(request.headers, request.raw_path))
    request_id = _request_id(request)
    request[REQUEST_ID] = request_id
    request[status_recorder.PUBLISH_NOTE] = None
    bind_request(request_id)  # every log line of this request carries it
    started = time.perf_counter()
    status = 500
    failure: GuardError | None = None
    try:
        _check_target(request)
        response: web.StreamResponse = await handler(request)
        status = response.status
    except GuardError as error:
        failure = error
        response = guard_error_response(request, error)
        status = response.status
        # the traceback holds the frames of the refused request, and so its body: without
        # it they are freed now, not when the cycle collector gets round to them
        error.__traceback__ = error.__context__ = error.__cause__ = None
    except web.HTTPException as exc:
        status = exc.status
        raise
    except ConnectionResetError:
        if request.transport is not None and not request.transport.is_closing():
            raise  # not the client's own connection
        # the client went away (a cancelled CI job, a closed laptop) before its request was
        # whole: nothing was forwarded, and nobody is left to answer
        status = status_recorder.CLIENT_GONE
        log.info("client_gone", request_id=request_id)
        response = web.Response(status=status)
    except Exception:
        log.exception("unhandled_error", request_id=request_id)
        raise
    finally:
        elapsed = time.perf_counter() - started
        status_recorder.finish(request, status, failure, elapsed, request_id)
        if request.app[ACCESS_LOG]:
            log_request(
                request_id,
                request.method,
                redact_path(request.raw_path),
                status,
                elapsed,
                request.get(UPSTREAM_STATUS),
            )
        unbind_request_secrets(bound)
    if not response.prepared:
        response.headers.setdefault("X-Request-Id", request_id)
    return response


def _check_target(request: web.Request) -> None:
    """Refuse targets that could leave the upstream's base path before anything is forwarded;
    a browser at ``/`` goes to the status page."""
    try:
        target = check_target(request.method, request.raw_path)
    except UnsafeTarget as exc:
        method, shown = request.method[:16], redact_path(request.raw_path[:200])
        if exc.not_a_proxy:
            raise GuardError(NOT_A_PROXY, NotAProxy(method=method, target=shown)) from None
        facts = BadTarget(method=method, target=shown, reason=exc.reason)
        raise GuardError(BAD_TARGET, facts) from None
    if target.path == "/" and request.method == "GET" and _browser(request):
        raise web.HTTPFound(STATUS_PAGE)
    if target.path.startswith(DEV_PREFIX):
        # a client whose registry is http://guard/-/dev/: dev mode for its publishes,
        # everything else as through the plain URL
        request[VIA_DEV_PREFIX] = True
        target = Target(target.path[len(DEV_PREFIX) - 1 :], target.query)
    else:
        request[VIA_DEV_PREFIX] = False
    request[TARGET] = unprefixed(target, request.app[UPSTREAM].base.raw_path)


def _browser(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "") and "npm-command" not in request.headers


def unprefixed(target: Target, base_path: str) -> Target:
    """A path that repeats the upstream's base path is mapped back under it.

    Nexus builds tarball URLs from ``X-Forwarded-Host`` and its own path, so behind the guard
    they read ``http://guard/repository/npm-hosted/pkg/-/pkg-1.0.0.tgz``; forwarded as they are
    they would name ``…/repository/npm-hosted/repository/npm-hosted/…``. No npm path starts with
    a registry base path of two or more segments otherwise.
    """
    if base_path.count("/") > 2 and target.path.startswith(base_path):
        return Target("/" + target.path[len(base_path) :], target.query)
    return target


def guard_error_response(request: web.Request, error: GuardError) -> web.Response:
    body = scrub(error_body(error, request_id=request.get(REQUEST_ID, "-")))
    response = web.json_response(body, status=error.status, dumps=_dumps)
    if error.hint:  # an answer npm expects (a dev publish's read) has nothing to print
        response.headers["npm-notice"] = notice_value(scrub(error.hint))
    response.headers.update(error.headers)
    return response


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()
