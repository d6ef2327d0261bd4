"""``create_registry_app(registry)``: the aiohttp application serving one emulated registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from publish_guard.npm.routes import parse_npm_path
from publish_guard.registry.accounts import Identity
from publish_guard.registry.core import Registry
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import RegistryAnswer, to_response
from publish_guard.registry.routes import npm
from publish_guard.registry.routes.call import Call
from publish_guard.registry.secrets import parse_authorization
from publish_guard.registry.state import RegistryConfig

REGISTRY = web.AppKey("registry", Registry)
_IDENTITY = web.RequestKey("identity", Identity)
# The emulator enforces its own (flavor) limits; aiohttp's 1 MiB default would refuse publishes.
CLIENT_MAX_SIZE = 1024**3

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_registry_app(registry: Registry | RegistryConfig | None = None) -> web.Application:
    if not isinstance(registry, Registry):
        registry = Registry(registry or RegistryConfig())
    app = web.Application(client_max_size=CLIENT_MAX_SIZE, middlewares=[_journal])
    app[REGISTRY] = registry
    registry.flavor.add_routes(app, registry)
    app.router.add_route("*", "/{tail:.*}", _dispatch)
    app.on_response_prepare.append(_identity_headers)
    return app


@web.middleware
async def _journal(request: web.Request, handler: _Handler) -> web.StreamResponse:
    registry = request.app[REGISTRY]
    entry = registry.journal.record(
        request.method,
        request.raw_path,
        request.headers.items(),
        request.content_length or 0,
        registry.clock(),
    )
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        entry.status = exc.status
        raise
    entry.status = response.status
    identity = request.get(_IDENTITY)
    entry.user = identity.name if identity is not None else None
    if request.body_exists and not request.content_length:
        entry.body_size = len(await request.read())
    return response


async def _identity_headers(request: web.Request, response: web.StreamResponse) -> None:
    registry = request.app[REGISTRY]
    for name, value in registry.flavor.identity_headers:
        response.headers[name] = value  # replaces aiohttp's own Server header
    identity = request.get(_IDENTITY)
    notice = registry.flavor.expired_token_notice
    if notice and identity is not None and identity.problem is ErrorKind.AUTH_EXPIRED:
        response.headers["npm-notice"] = notice


async def _dispatch(request: web.Request) -> web.StreamResponse:
    registry = request.app[REGISTRY]
    raw_path = request.raw_path.split("?", 1)[0]
    located = registry.flavor.split_path(raw_path)
    key = None if located is None else located[0] or registry.default_repo_key
    if located is None or key not in registry.repos:
        missing = None if located is None else registry.flavor.unknown_repo(key or "")
        return (
            web.Response(status=404, text="Not Found") if missing is None else to_response(missing)
        )
    repo = registry.repos[key]
    credentials = parse_authorization(request.headers.get("Authorization"))
    if (
        credentials is not None
        and credentials.scheme == "bearer"
        and not registry.config.bearer_tokens
    ):
        identity = Identity(problem=ErrorKind.AUTH_BAD, via="bearer")
    else:
        identity = registry.accounts.identify(credentials)
    request[_IDENTITY] = identity
    call = Call(request, registry, repo, parse_npm_path(located[1]), identity)
    try:
        result = await npm.handle(call)
    except RegistryError as err:
        if err.package is None:
            err.package = call.package
        result = registry.flavor.error(err)
    return to_response(result) if isinstance(result, RegistryAnswer) else result
