"""A real Verdaccio 6.8.0 process for the tests, with its storage in a temporary folder.

Everyone may read, any logged-in user may publish and unpublish, there are no uplinks. Users are
created over the registry API (``add_user``), as ``npm adduser`` does, without prompts.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from .http import escape_package_name, http_request
from .tools import node_tool

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0
_PORT_ATTEMPTS = 3
_PR_SET_PDEATHSIG = 1

_OPEN_TO_ALL = {"access": "$all", "publish": "$authenticated", "unpublish": "$authenticated"}


class VerdaccioError(RuntimeError):
    """Verdaccio did not start or did not answer as expected; the message holds its log."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the caller retries if another process takes it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class Verdaccio:
    """One Verdaccio process listening on ``127.0.0.1:<port>`` (port 0: a free one).

    ``config`` is merged (deeply) over the default configuration, for example
    ``{"max_body_size": "1mb"}`` or ``{"security": {"api": {"jwt": {"sign": {...}}}}}``;
    ``env`` adds environment variables, e.g. ``{"VERDACCIO_PUBLIC_URL": ...}``.
    """

    def __init__(
        self,
        workdir: Path,
        port: int = 0,
        *,
        config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = port
        self.storage = workdir / "storage"
        self.config_path = workdir / "config.yaml"
        self.log_path = workdir / "verdaccio.log"
        self._extra_config = dict(config or {})
        self._extra_env = dict(env or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The registry URL with a trailing slash, e.g. ``http://127.0.0.1:4873/``."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Verdaccio:
        if self._process is not None:
            raise RuntimeError("Verdaccio was already started")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.storage.mkdir(exist_ok=True)
        chosen = self.port
        for _attempt in range(_PORT_ATTEMPTS if chosen == 0 else 1):
            self.port = chosen or free_port()
            self._write_config()
            try:
                self._spawn_and_wait()
                return self
            except VerdaccioError:
                self.stop()
                if "EADDRINUSE" not in self.log():
                    raise
        raise VerdaccioError(f"Verdaccio found no free port:\n{self.log()}")

    def stop(self) -> None:
        """Terminates the process (and kills it if it lingers). Idempotent."""
        process, self._process = self._process, None
        if process is not None:
            atexit.unregister(self.stop)
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
                try:
                    process.wait(_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    process.wait(_STOP_TIMEOUT)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Verdaccio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self) -> str:
        """Verdaccio's output so far (one line per request at level ``http``)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def add_user(self, name: str, password: str) -> str:
        """Creates the user (``npm adduser`` without prompts) and returns its token."""
        response = http_request(
            "PUT",
            f"{self.url}-/user/org.couchdb.user:{name}",
            json={"_id": f"org.couchdb.user:{name}", "name": name, "password": password},
        )
        if response.status != 201:
            raise VerdaccioError(f"adding user {name}: {response.status} {response.text}")
        token = response.json().get("token")
        if not isinstance(token, str):
            raise VerdaccioError(f"adding user {name}: no token in {response.text}")
        return token

    def get_document(self, name: str) -> dict[str, Any] | None:
        """The full package document as Verdaccio stores it, or ``None`` if it has none."""
        response = http_request("GET", self.url + escape_package_name(name))
        if response.status == 404:
            return None
        if response.status != 200:
            raise VerdaccioError(f"GET {name}: {response.status} {response.text}")
        document: dict[str, Any] = response.json()
        return document

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "storage": str(self.storage),
            "auth": {
                # few bcrypt rounds: Verdaccio checks the password again on every request
                "htpasswd": {"file": str(self.workdir / "htpasswd"), "max_users": 1000, "rounds": 4}
            },
            "uplinks": {},
            "packages": {"@*/*": dict(_OPEN_TO_ALL), "**": dict(_OPEN_TO_ALL)},
            "log": {"type": "stdout", "format": "pretty", "level": "http"},
        }
        return _merge(config, self._extra_config)

    def _write_config(self) -> None:
        # YAML is a superset of JSON, and Verdaccio reads its configuration with a YAML parser.
        self.config_path.write_text(json.dumps(self._config(), indent=2))

    def _spawn_and_wait(self) -> None:
        self._log_file = self.log_path.open("wb")
        env = {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_config_")}
        env.update(self._extra_env)
        self._process = subprocess.Popen(
            [
                *node_tool("verdaccio"),
                "--config",
                str(self.config_path),
                "--listen",
                f"127.0.0.1:{self.port}",
            ],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise VerdaccioError(
                    f"Verdaccio exited ({self._process.returncode}):\n{self.log()}"
                )
            try:
                if http_request("GET", f"{self.url}-/ping", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise VerdaccioError(
            f"Verdaccio did not answer /-/ping in {_START_TIMEOUT} s:\n{self.log()}"
        )


def _die_with_parent() -> None:
    """Runs in the child: on Linux it gets SIGTERM when the test process dies, even by SIGKILL
    (when atexit cannot help). The thread that starts Verdaccio must outlive it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
