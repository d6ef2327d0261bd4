"""``publish-guard serve``: one process, or ``--workers N`` processes sharing the port.

Each worker binds the address with ``SO_REUSEPORT``, so the kernel spreads connections evenly
across them; the parent binds first to fail fast on a taken port, then supervises: a worker that
dies is started again, and SIGTERM/SIGINT stop them all.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

import structlog
from aiohttp import web

from publish_guard.app import create_app
from publish_guard.config import Settings
from publish_guard.worker import WORKER_ENV

log = structlog.get_logger("publish_guard")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (it is on Linux and macOS), asyncio's loop elsewhere."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(settings: Settings) -> int:
    if settings.workers == 1:
        _serve(settings, reuse_port=False)
        return 0
    _check_bindable(settings)
    return _supervise(settings)


SHUTDOWN_MARGIN = 5.0  # seconds


def _serve(settings: Settings, *, reuse_port: bool) -> None:
    web.run_app(
        create_app(settings),
        host=settings.listen.host,
        port=settings.listen.port,
        reuse_port=reuse_port or None,
        access_log=None,
        print=lambda text: None,
        loop=new_event_loop(),
        # a publish in flight when the guard is told to stop is let finish (its body may be
        # at the registry already): the longest it can take, and a margin to answer
        shutdown_timeout=settings.publish_timeout + SHUTDOWN_MARGIN,
        keepalive_timeout=settings.idle_timeout,
        handle_signals=True,
    )


def _worker(settings: Settings, index: int) -> None:
    os.environ[WORKER_ENV] = str(index)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _serve(settings, reuse_port=True)


def _check_bindable(settings: Settings) -> None:
    family = socket.AF_INET6 if ":" in settings.listen.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            probe.bind((settings.listen.host, settings.listen.port))
        except OSError as exc:
            message = f"publish-guard: cannot listen on {settings.listen}: {exc.strerror}"
            raise SystemExit(message) from None


def _supervise(settings: Settings) -> int:
    context = multiprocessing.get_context("fork")
    workers: dict[int, BaseProcess] = {}
    stopping = False

    def start(index: int) -> None:
        process = context.Process(target=_worker, args=(settings, index), name=f"worker-{index}")
        process.start()
        workers[index] = process

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(settings.workers):
        start(index)
    log.info("workers_started", workers=settings.workers, pids=[p.pid for p in workers.values()])
    restarts: list[float] = []
    while not stopping:
        time.sleep(0.2)
        for index, process in list(workers.items()):
            if process.is_alive() or stopping:
                continue
            restarts = [t for t in restarts if t > time.monotonic() - 60] + [time.monotonic()]
            if len(restarts) > 10 * settings.workers:
                log.error("workers_keep_dying", exitcode=process.exitcode)
                stopping = True
                break
            log.warning("worker_restarted", worker=index, exitcode=process.exitcode)
            start(index)
    for process in workers.values():
        if process.pid and process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + settings.publish_timeout + 2 * SHUTDOWN_MARGIN
    for process in workers.values():  # each lets its publishes in flight finish
        process.join(timeout=max(0.1, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
    return 0 if len(restarts) <= 10 * settings.workers else 1
