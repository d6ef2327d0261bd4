"""npm-compatible command-line clients, each isolated from the machine and from other tests.

A :class:`Client` owns a folder with its own HOME, XDG folders, npm userconfig (also read by pnpm),
an empty npm globalconfig, caches, and for yarn berry a ``~/.yarnrc.yml``. Nothing from the real
``~/.npmrc``, ``/usr/etc/npmrc`` or ``npm_config_*``/``YARN_*`` environment reaches the client.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import signal
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from .tools import CLIENT_TOOLS, ClientTool, node_tool

_LOOPBACK_HOSTS: Final = ("127.0.0.1", "localhost", "::1")
# Environment that would change how a client behaves or where it reads configuration from.
_DROPPED_PREFIXES: Final = ("npm_config_", "npm_package_", "npm_lifecycle_", "yarn_", "pnpm_")
_DROPPED_NAMES: Final = frozenset(
    {
        "ci",
        "continuous_integration",
        "github_actions",
        "gitlab_ci",
        "actions_id_token_request_url",
        "actions_id_token_request_token",
        "npm_token",
        "node_auth_token",
        "node_options",
        "corepack_root",
    }
)
_names = itertools.count(1)


class ClientTimeout(AssertionError):
    """A client command ran longer than its timeout; it was killed with its children."""


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    argv: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def check(self) -> Result:
        """Returns the result if the command succeeded, else fails with its whole output."""
        if self.returncode != 0:
            raise AssertionError(f"{self}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}")
        return self

    def __str__(self) -> str:
        return f"`{' '.join(self.argv)}` exited with {self.returncode}"


def unique_name(prefix: str = "pkg", scope: str | None = None) -> str:
    """A package name no other test uses, e.g. ``pkg-3-1f0c9a2b7e`` or ``@acme/pkg-4-…``."""
    name = f"{prefix}-{next(_names)}-{uuid.uuid4().hex[:10]}"
    return f"@{scope}/{name}" if scope else name


def basic_auth(credential: str) -> str:
    """``user:password`` → its base64 form; an already encoded value is kept as it is."""
    if ":" in credential:
        return base64.b64encode(credential.encode()).decode()
    return credential


def nerf_dart(registry: str) -> str:
    """The key prefix npm files a registry's credentials under: ``//host:port/path/``."""
    parts = urlsplit(registry)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"//{parts.netloc}{path}"


class Client:
    """One CLI (``npm``, ``pnpm``, ``yarn``, ``npm9``, ``npm10``) configured for one registry.

    ``token`` becomes ``_authToken`` (npm, pnpm) / ``npmAuthToken`` (yarn); ``auth`` is a Basic
    credential, ``user:password`` or its base64, and becomes ``_auth`` / ``npmAuthIdent``. With
    neither, the client is anonymous.
    """

    def __init__(
        self,
        tool: ClientTool,
        registry: str,
        token: str | None,
        workdir: Path,
        *,
        auth: str | None = None,
    ) -> None:
        if tool not in CLIENT_TOOLS:
            raise ValueError(f"unknown client {tool!r}; known: {', '.join(CLIENT_TOOLS)}")
        self.tool: ClientTool = tool
        self.registry = registry if registry.endswith("/") else registry + "/"
        self.token = token
        self.auth = auth
        self.workdir = workdir
        self.home = workdir / "home"
        self.npmrc = self.home / ".npmrc"
        self._global_npmrc = workdir / "global-npmrc"
        self._projects = itertools.count(1)
        self._setup()
        self.env = self._environment()

    @property
    def is_npm(self) -> bool:
        return self.tool in ("npm", "npm9", "npm10")

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        timeout: float = 120,
        env: Mapping[str, str] | None = None,
    ) -> Result:
        """Runs the tool with ``args`` (e.g. ``run("view", name, "--json")``) and waits."""
        argv = [*node_tool(self.tool), *args]
        process = subprocess.Popen(
            argv,
            cwd=cwd or self.workdir,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so a timeout can kill the children too (pnpm runs npm)
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            stdout, stderr = process.communicate()
            raise ClientTimeout(
                f"`{' '.join(argv)}` ran over {timeout} s\n--- stdout\n{stdout.decode()}"
                f"\n--- stderr\n{stderr.decode()}"
            ) from None
        return Result(
            process.returncode,
            stdout.decode("utf-8", "replace"),
            stderr.decode("utf-8", "replace"),
            argv,
        )

    def make_package(
        self,
        name: str,
        version: str,
        *,
        files: Mapping[str, str] | None = None,
        manifest: Mapping[str, Any] | None = None,
    ) -> Path:
        """A fresh folder with ``package.json`` (``manifest`` merged over a minimal one) and
        ``index.js``; ``files`` adds or replaces files by relative path."""
        safe = name.replace("@", "").replace("/", "__")
        pkg_dir = self._new_dir("packages", f"{safe}-{version}")
        package_json = {
            "name": name,
            "version": version,
            "description": f"{name} made by the test harness",
            "main": "index.js",
            "license": "MIT",
            "scripts": {},  # without it npm 9 warns that it "Removed invalid scripts"
            **(manifest or {}),
        }
        all_files = {
            "package.json": json.dumps(package_json, indent=2) + "\n",
            "index.js": f"module.exports = {json.dumps(f'{name}@{version}')};\n",
            **(files or {}),
        }
        for relative, text in all_files.items():
            path = pkg_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self._prepare_project(pkg_dir)
        if self.tool == "yarn":
            # yarn berry publishes only from an installed project (it reads the lockfile)
            self.run("install", cwd=pkg_dir, timeout=60).check()
        return pkg_dir

    def publish(self, pkg_dir: Path, *args: str, timeout: float = 120) -> Result:
        """``npm publish`` / ``pnpm publish --no-git-checks`` / ``yarn npm publish`` in pkg_dir."""
        if self.tool == "yarn":
            return self.run("npm", "publish", *args, cwd=pkg_dir, timeout=timeout)
        if self.tool == "pnpm":
            return self.run("publish", "--no-git-checks", *args, cwd=pkg_dir, timeout=timeout)
        return self.run("publish", *args, cwd=pkg_dir, timeout=timeout)

    def install(self, spec: str, *, timeout: float = 120) -> tuple[Result, Path]:
        """Installs ``spec`` (``name``, ``name@1.0.0``, ``name@beta``) into a new empty project."""
        project = self._new_dir("projects", "install")
        manifest = {"name": "harness-install-project", "version": "0.0.0", "private": True}
        (project / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        self._prepare_project(project)
        verb = "install" if self.is_npm else "add"
        return self.run(verb, spec, cwd=project, timeout=timeout), project

    def __repr__(self) -> str:
        return f"<Client {self.tool} → {self.registry}>"

    def _new_dir(self, kind: str, stem: str) -> Path:
        path = self.workdir / kind / f"{stem}-{next(self._projects)}"
        path.mkdir(parents=True)
        return path

    def _prepare_project(self, project: Path) -> None:
        if self.tool == "yarn":
            # yarn berry takes the folder of the nearest yarn.lock as the project root
            (project / "yarn.lock").touch()

    def _setup(self) -> None:
        for folder in (self.home, self.workdir / "npm-cache", self.workdir / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
        self._global_npmrc.write_text("")
        self.npmrc.write_text(self._npmrc_text())
        if self.tool == "yarn":
            (self.home / ".yarnrc.yml").write_text(self._yarnrc_text())

    def _npmrc_text(self) -> str:
        lines = [f"registry={self.registry}"]
        if self.token is not None:
            lines.append(f"{nerf_dart(self.registry)}:_authToken={self.token}")
        if self.auth is not None:
            lines.append(f"{nerf_dart(self.registry)}:_auth={basic_auth(self.auth)}")
        lines += [
            f"cache={self.workdir / 'npm-cache'}",
            # npm's own update check only (npm skips it in CI too); audit and fund stay on, as
            # users have them
            "update-notifier=false",
        ]
        return "\n".join(lines) + "\n"

    def _yarnrc_text(self) -> str:
        host = urlsplit(self.registry).hostname or "127.0.0.1"
        settings: dict[str, Any] = {
            "npmRegistryServer": self.registry.rstrip("/"),
            "unsafeHttpWhitelist": sorted({host, *_LOOPBACK_HOSTS}),
            "enableTelemetry": False,
            "enableGlobalCache": False,
            "globalFolder": str(self.workdir / "yarn-global"),
            "enableImmutableInstalls": False,
            # yarn >= 4.10 hides versions younger than a day; tests install what they just published
            "npmMinimalAgeGate": 0,
            "enableColors": False,
            "enableHyperlinks": False,
            "enableProgressBars": False,
            "nodeLinker": "node-modules",
        }
        if self.token is not None:
            settings["npmAuthToken"] = self.token
        if self.auth is not None:
            settings["npmAuthIdent"] = self.auth
        if self.token is not None or self.auth is not None:
            settings["npmAlwaysAuth"] = True
        # each value in JSON form is also valid YAML
        return "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())

    def _environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.lower().startswith(_DROPPED_PREFIXES) and key.lower() not in _DROPPED_NAMES
        }
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), *_LOOPBACK_HOSTS]))
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            XDG_STATE_HOME=str(self.home / ".local" / "state"),
            # the clients' (and lerna's) temporary files stay in the test's folder, not /tmp
            TMPDIR=str(self.workdir / "tmp"),
            NPM_CONFIG_USERCONFIG=str(self.npmrc),
            NPM_CONFIG_GLOBALCONFIG=str(self._global_npmrc),
            NO_UPDATE_NOTIFIER="1",
            NO_COLOR="1",
            FORCE_COLOR="0",
            NO_PROXY=no_proxy,
            no_proxy=no_proxy,
        )
        return env


def installed_manifest(project: Path, name: str) -> dict[str, Any] | None:
    """``node_modules/<name>/package.json`` of an installed project, or ``None``."""
    path = project / "node_modules" / name / "package.json"
    if not path.is_file():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
