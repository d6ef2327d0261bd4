"""The fast path as users run it: ``publish-guard nginx-config`` writes the configuration, the
real nginx (Debian's package) runs it unprivileged in the foreground, in a folder of its own."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.harness.http import http_request
from tests.harness.lifecycle import Lifecycle
from tests.harness.verdaccio import free_port

HEALTH = "-/fast/healthz"
_START_TIMEOUT = 15.0


def nginx_config(*argv: str) -> subprocess.CompletedProcess[str]:
    """``publish-guard nginx-config ARGV`` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "publish_guard", "nginx-config", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class FastPath(Lifecycle):
    """nginx on a free port, configured by ``nginx-config`` for ``upstream`` and ``guard`` with
    the guard's ``serve`` options ``guard_args``; ``url`` is where npm points."""

    def __init__(
        self, workdir: Path, upstream: str, guard: str, *guard_args: str, port: int = 0
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.upstream = upstream
        self.guard = guard
        self.guard_args = guard_args
        self.access_log = workdir / "access.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> FastPath:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "nginx.conf"
        made = nginx_config(
            "--upstream",
            self.upstream,
            "--guard",
            self.guard,
            "--listen",
            f"127.0.0.1:{self.port}",
            "--output",
            str(config),
            *self.guard_args,
        )
        if made.returncode != 0:
            raise RuntimeError(f"nginx-config failed: {made.stderr}")
        self._process = subprocess.Popen(
            [binary, "-p", str(self.workdir), "-c", str(config), "-e", "stderr"],
            stdout=self.access_log.open("ab"),
            stderr=(self.workdir / "error.log").open("ab"),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.errors()}")
            try:
                if http_request("GET", self.url + HEALTH, timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not answer in {_START_TIMEOUT} s: {self.errors()}")

    def errors(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
