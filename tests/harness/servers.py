"""An aiohttp application served on loopback from a background thread.

The test body stays synchronous (it drives CLI subprocesses), while the server under test runs
on its own event loop in a daemon thread. Anything that touches the application's state must run
on that loop: :meth:`ServerThread.call` awaits a coroutine function there, ``call_sync`` calls
a plain one.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

from tests.harness.lifecycle import Lifecycle

T = TypeVar("T")
AppFactory = Callable[[], web.Application | Awaitable[web.Application]]

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 15.0
_SHUTDOWN_GRACE = 2.0  # seconds aiohttp waits for in-flight handlers when stopping


class ServerThread(Lifecycle):
    """Runs ``app_factory()`` on ``host:port`` (port 0 picks a free one) in a thread.

    The factory is called on the server's loop, so a ``ClientSession`` made in the app's
    ``cleanup_ctx`` belongs to the right loop.
    """

    def __init__(self, app_factory: AppFactory, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app_factory = app_factory
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The server's base URL with a trailing slash, e.g. ``http://127.0.0.1:40123/``."""
        if self._runner is None:
            raise RuntimeError("the server is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def app(self) -> web.Application:
        """The running application; read its state through :meth:`call`."""
        if self._runner is None:
            raise RuntimeError("the server is not running")
        return self._runner.app

    def start(self) -> ServerThread:
        if self._thread is not None:
            raise RuntimeError("the server was already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=self._run_loop, args=(loop,), name=f"ServerThread:{self.port}", daemon=True
        )
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._serve(), loop).result(_START_TIMEOUT)
        except BaseException:
            self._stop_loop()
            raise
        return self

    def stop(self) -> None:
        """Stops serving, runs the app's cleanup hooks, and ends the thread. Idempotent."""
        loop = self._loop
        if loop is None:
            return
        try:
            if self._runner is not None and not loop.is_closed():
                asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(_STOP_TIMEOUT)
        finally:
            self._runner = None
            self._stop_loop()

    def call(self, coro_fn: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
        """Awaits ``coro_fn()`` on the server's loop and returns its result."""

        async def on_loop() -> T:
            return await coro_fn()

        return self._run_on_loop(on_loop, timeout)

    def call_sync(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        """Calls the plain function ``fn()`` on the server's loop and returns its result."""

        async def on_loop() -> T:
            return fn()

        return self._run_on_loop(on_loop, timeout)

    def __repr__(self) -> str:
        state = self.url if self._runner is not None else "stopped"
        return f"<ServerThread {state}>"

    def _run_on_loop(self, coro_fn: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
        loop = self._loop
        if loop is None or self._runner is None:
            raise RuntimeError("the server is not running")
        return asyncio.run_coroutine_threadsafe(coro_fn(), loop).result(timeout)

    async def _serve(self) -> None:
        made: Any = self._app_factory()
        app: web.Application = await made if inspect.isawaitable(made) else made
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_GRACE)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = int(runner.addresses[0][1])
        self._runner = runner

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(_STOP_TIMEOUT)
            if thread.is_alive():
                raise RuntimeError("the server thread did not stop in time")
