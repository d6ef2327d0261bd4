"""``publish-guard serve`` as a real process, the way users and service managers run it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

from tests.harness.http import http_request
from tests.harness.verdaccio import free_port


def wait_healthy(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http_request("GET", url + "-/guard/healthz", timeout=2).status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


@contextmanager
def guard_process(
    upstream: str, *argv: str, log: Path | None = None, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``publish-guard serve`` on a free port; yields (its URL, the process). Output goes to
    ``log`` (or nowhere); the process is stopped with SIGTERM at the end. Unless ``argv`` sets
    ``--lock-dir`` (or a ``--config`` file), its lock files go to a temporary folder, not the
    machine's default one."""
    port = port or free_port()
    with ExitStack() as stack:
        if "--lock-dir" not in argv and "--config" not in argv:
            argv = ("--lock-dir", stack.enter_context(TemporaryDirectory()) + "/locks", *argv)
        out = stack.enter_context(log.open("wb")) if log else subprocess.DEVNULL
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "publish_guard",
                "serve",
                "--upstream",
                upstream,
                "--listen",
                f"127.0.0.1:{port}",
                *argv,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_healthy(url)
            yield url, process
        finally:
            process.terminate()
            process.wait(timeout=20)
