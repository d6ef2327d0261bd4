"""The servers a run needs, each a child process with its own files in the run's tmp folder:
nginx (a static upstream, and a ``proxy_pass`` baseline), Verdaccio, and publish-guard."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from tests.harness.http import http_request
from tests.harness.verdaccio import Verdaccio, free_port

REPO = Path(__file__).resolve().parents[1]
GUARD = REPO / ".venv" / "bin" / "publish-guard"


class Procs:
    """Every process of the run; ``stop_all`` (also on error) ends them, newest first."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._stops: list[tuple[str, Any]] = []

    def stop_all(self) -> None:
        while self._stops:
            _name, stop = self._stops.pop()
            with contextlib.suppress(Exception):
                stop()

    def _remember(self, name: str, stop: Any) -> None:
        self._stops.append((name, stop))

    # -- nginx --------------------------------------------------------------------------

    def nginx_static(self, root: Path) -> str:
        """nginx serving ``root`` as files: JSON by default, ``.tgz`` as octet-stream."""
        port = free_port()
        server = f"""
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        access_log off;
        keepalive_requests 1000000;
        root {root};
        types {{ application/octet-stream tgz; }}
        default_type application/json;
        location = /-/ping {{ return 200 '{{}}'; }}
    }}"""
        self._nginx("static", server)
        return f"http://127.0.0.1:{port}/"

    def nginx_proxy(self, upstream: str) -> str:
        """nginx ``proxy_pass`` to ``upstream`` with pooled keep-alive connections."""
        port = free_port()
        host_port = upstream.split("://", 1)[1].rstrip("/")
        server = f"""
    upstream origin {{ server {host_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        keepalive_requests 1000000;
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}"""
        self._nginx("proxy", server)
        return f"http://127.0.0.1:{port}/"

    def fast_path(self, name: str, upstream: str, guard: str, *argv: str) -> str:
        """The fast path as users run it: ``publish-guard nginx-config`` (one worker, as the
        ``proxy_pass`` baseline has) and nginx in the foreground in a folder of its own."""
        port = free_port()
        prefix = self.workdir / f"fast-{name}"
        prefix.mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        subprocess.run(
            [
                str(GUARD), "nginx-config", "--upstream", upstream, "--guard", guard,
                "--listen", f"127.0.0.1:{port}", "--nginx-workers", "1",
                "--output", str(conf), *argv,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        if os.geteuid() == 0:  # workers read the 0700 tmp folder, as in _nginx
            conf.write_text("user root;\n" + conf.read_text())
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        log = (prefix / "nginx.log").open("wb")
        process = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(conf), "-e", "stderr"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # its access log: one line per request, not wanted here
            stderr=log,
            start_new_session=True,
        )
        self._remember(f"fast-{name}", lambda: _stop(process, signal.SIGQUIT, log))
        _wait_port(port, process, prefix / "nginx.log")
        return f"http://127.0.0.1:{port}/"

    def _nginx(self, name: str, server: str) -> None:
        prefix = self.workdir / f"nginx-{name}"
        (prefix / "logs").mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the 0700 tmp folder
        conf.write_text(
            f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{server}
}}
"""
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        log = (prefix / "logs" / "stderr.log").open("wb")
        process = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._remember(f"nginx-{name}", lambda: _stop(process, signal.SIGQUIT, log))
        port = server.split("listen 127.0.0.1:", 1)[1].split(" ", 1)[0]
        _wait_port(int(port), process, prefix / "logs" / "error.log")

    # -- Verdaccio ----------------------------------------------------------------------

    def verdaccio(self, name: str, config: Mapping[str, Any]) -> Verdaccio:
        quiet = {"log": {"type": "stdout", "format": "pretty", "level": "warn"}}
        server = Verdaccio(self.workdir / f"verdaccio-{name}", config={**quiet, **config})
        server.start()
        self._remember(f"verdaccio-{name}", server.stop)
        return server

    def redis(self) -> str:
        """A redis-server on loopback (the guards' shared state), as the tests start it."""
        from tests.harness.redis_server import RedisServer

        server = RedisServer(self.workdir / "redis").start()
        self._remember("redis", server.stop)
        return server.url

    # -- the aiohttp floor (bench/floor.py) ----------------------------------------------

    def floor(self, upstream: str) -> str:
        port = free_port()
        log = (self.workdir / "floor.log").open("wb")
        process = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "python"), "-m", "bench.floor", upstream, str(port)],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._remember("floor", lambda: _stop(process, signal.SIGTERM, log))
        _wait_port(port, process, self.workdir / "floor.log")
        return f"http://127.0.0.1:{port}/"

    # -- publish-guard ------------------------------------------------------------------

    def guard(self, name: str, upstream: str, *argv: str, public: bool = False) -> Guard:
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        args = [*argv, "--public-url", url] if public else list(argv)
        log = (self.workdir / f"guard-{name}.log").open("wb")
        process = subprocess.Popen(
            [
                str(GUARD),
                "serve",
                "--upstream",
                upstream,
                "--listen",
                f"127.0.0.1:{port}",
                "--lock-dir",
                str(self.workdir / f"locks-{name}"),
                *args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._remember(f"guard-{name}", lambda: _stop(process, signal.SIGTERM, log))
        deadline = time.monotonic() + 30
        while True:
            try:
                if http_request("GET", url + "-/guard/healthz", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"guard {name} did not start: see {log.name}")
            time.sleep(0.1)
        return Guard(name, url, process.pid)


class Guard:
    def __init__(self, name: str, url: str, pid: int) -> None:
        self.name, self.url, self.pid = name, url, pid


def _stop(process: subprocess.Popen[bytes], sig: signal.Signals, log: IO[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    log.close()


def _wait_port(port: int, process: subprocess.Popen[bytes], error_log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            http_request("GET", f"http://127.0.0.1:{port}/-/ping", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    text = error_log.read_text() if error_log.exists() else ""
    raise RuntimeError(f"the server did not start on port {port}:\n{text}")
