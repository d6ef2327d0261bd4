"""Running aiohttp applications in the current event loop until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from publish_guard.registry.journal import mask_path

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def start(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving ``app``; returns the runner and the port really bound (``port=0``: any)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, int(bound)


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


async def wait_for_stop() -> None:
    """Return on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def status_observer(observe: Callable[[web.Request, int], None]) -> Middleware:
    """A middleware that calls ``observe(request, status)`` once the request is answered
    (500 for an exception that is not an HTTP answer)."""

    @web.middleware
    async def observer(request: web.Request, handler: _Handler) -> web.StreamResponse:
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            observe(request, status)

    return observer


def request_printer(prefix: str) -> Middleware:
    """A middleware printing one line per request (path as the journal keeps it: no secrets)."""

    def print_line(request: web.Request, status: int) -> None:
        print(f"{prefix}{request.method} {mask_path(request.raw_path)} {status}", file=sys.stderr)

    return status_observer(print_line)
