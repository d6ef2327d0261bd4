"""A real forward proxy on loopback (Debian's tinyproxy), for the guard's ``HTTPS_PROXY`` /
``HTTP_PROXY`` support: it logs every request line it forwards; ``stop`` ends it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.harness.lifecycle import Lifecycle
from tests.harness.verdaccio import free_port


class ForwardProxy(Lifecycle):
    def __init__(self, workdir: Path, *, auth: tuple[str, str] | None = None) -> None:
        self.workdir = workdir
        self.auth = auth  # Basic credentials the proxy asks for (407 without them)
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        path = self.workdir / "tinyproxy.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> ForwardProxy:
        binary = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "tinyproxy.conf"
        config.write_text(
            f"Port {self.port}\nListen 127.0.0.1\nTimeout 60\nLogLevel Info\nMaxClients 50\n"
            "Allow 127.0.0.1\nDisableViaHeader Yes\n"
            f'LogFile "{self.workdir / "tinyproxy.log"}"\n'
            + (f"BasicAuth {self.auth[0]} {self.auth[1]}\n" if self.auth else "")
        )
        self._process = subprocess.Popen(
            [binary, "-d", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "stderr.log").open("ab"),
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"tinyproxy exited: {self.log[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("tinyproxy did not listen in 15 s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(10)
