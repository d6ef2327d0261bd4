"""``publish-guard demo``: the registry emulator (Artifactory, local repository ``npm-local``, or
another registry with ``--flavor``) and the guard in front of it, in one process and one event
loop, with a demo user, a ready ``.npmrc`` and a sample package, and the exact commands to try.
Ctrl-C or SIGTERM stops both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import orjson
from aiohttp import web

from publish_guard.config import parse_listen
from publish_guard.registry.app import create_registry_app
from publish_guard.registry.cli import ensure_user, npmrc_lines
from publish_guard.registry.core import Registry
from publish_guard.registry.flavors import BEHAVIOURS
from publish_guard.registry.serving import start, url_of, wait_for_stop
from publish_guard.registry.state import RegistryConfig

DEFAULT_LISTEN = "127.0.0.1:8080"
DEMO_USER = "demo"
SAMPLE_PACKAGE = "hello-publish-guard"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publish-guard demo",
        description="Run an emulated registry (Artifactory unless --flavor says otherwise) and "
        "publish-guard in front of it, ready for npm.",
    )
    parser.add_argument(
        "--flavor",
        choices=sorted(BEHAVIOURS),
        default="artifactory",
        help="which registry to emulate (default %(default)s)",
    )
    parser.add_argument(
        "--listen", default=DEFAULT_LISTEN, help="the guard's HOST:PORT (default %(default)s)"
    )
    parser.add_argument(
        "--registry-listen",
        metavar="HOST:PORT",
        help="the emulator's address (default: the guard's port + 1, or any free port)",
    )
    parser.add_argument("--data", type=Path, metavar="DIR", help="keep packages and users here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        guard_host, guard_port = parse_listen(args.listen, "127.0.0.1", bare_port=True)
    except ValueError as exc:
        parser.error(f"--listen: {exc}")
    try:
        registry_address = (
            parse_listen(args.registry_listen, "127.0.0.1", bare_port=True)
            if args.registry_listen
            else None
        )
    except ValueError as exc:
        parser.error(f"--registry-listen: {exc}")
    if guard_port == 0:
        # The guard must know its own URL (for --public-url) before it starts.
        guard_port = free_port(guard_host)
    registry = Registry(RegistryConfig(flavor=args.flavor, data_dir=args.data))
    try:
        return asyncio.run(_run(registry, (guard_host, guard_port), registry_address))
    except OSError as exc:
        print(f"publish-guard demo: {exc}", file=sys.stderr)
        return 1


async def _run(
    registry: Registry, guard_address: tuple[str, int], registry_address: tuple[str, int] | None
) -> int:
    emulator, emulator_url = await _start_emulator(registry, guard_address, registry_address)
    workdir = Path(tempfile.mkdtemp(prefix="publish-guard-demo-"))
    try:
        upstream_url = registry.npm_url(emulator_url)
        try:
            guard_app = _guard_app(upstream_url, guard_address, registry.config.flavor)
        except ValueError as exc:
            print(f"publish-guard demo: the guard cannot start: {exc}", file=sys.stderr)
            return 2
        try:
            guard, guard_port = await start(guard_app, *guard_address)
        except OSError as exc:
            print(
                f"publish-guard demo: cannot listen on {guard_address[0]}:{guard_address[1]} "
                f"({exc.strerror or exc}); choose another address with --listen HOST:PORT",
                file=sys.stderr,
            )
            return 1
        try:
            guard_url = url_of(guard_address[0], guard_port)
            _, token = ensure_user(registry, DEMO_USER)
            npmrc = _prepare(workdir, guard_url, token)
            print(instructions(registry, guard_url, upstream_url, npmrc, workdir), flush=True)
            await wait_for_stop()
            print("publish-guard demo: stopping", file=sys.stderr)
        finally:
            await guard.cleanup()
    finally:
        await emulator.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


async def _start_emulator(
    registry: Registry, guard_address: tuple[str, int], wanted: tuple[str, int] | None
) -> tuple[web.AppRunner, str]:
    app = create_registry_app(registry)
    if wanted is not None:
        runner, port = await start(app, *wanted)
        return runner, url_of(wanted[0], port)
    guard_port = guard_address[1]
    for port in ([guard_port + 1] if 0 < guard_port < 65535 else []) + [0]:
        with contextlib.suppress(OSError):
            runner, bound = await start(app, "127.0.0.1", port)
            return runner, url_of("127.0.0.1", bound)
        app = create_registry_app(registry)  # an app can be set up only once
    raise OSError("no free port for the registry emulator")


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _guard_app(upstream_url: str, guard_address: tuple[str, int], flavor: str) -> web.Application:
    """The guard, configured as ``serve`` would be (its settings validated the same way)."""
    from publish_guard.app import create_app
    from publish_guard.config import ConfigError, load_settings

    host, port = guard_address
    listen = f"{host}:{port}"
    argv = ["--upstream", upstream_url, "--listen", listen, "--flavor", flavor]
    try:
        settings = load_settings([*argv, "--public-url", url_of(host, port)], {})
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    with contextlib.suppress(ImportError):
        from publish_guard.logs import configure_logging

        configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)


def _prepare(workdir: Path, guard_url: str, token: str) -> Path:
    """A user config pointing npm at the guard, and a sample package to publish."""
    npmrc = workdir / ".npmrc"
    npmrc.write_text("\n".join(npmrc_lines(guard_url, token)) + "\n")
    npmrc.chmod(0o600)
    package = workdir / SAMPLE_PACKAGE
    package.mkdir()
    manifest = {
        "name": SAMPLE_PACKAGE,
        "version": "1.0.0",
        "description": "A package to try publish-guard with",
        "main": "index.js",
        "license": "MIT",
    }
    (package / "package.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    (package / "index.js").write_text("module.exports = () => 'hello from publish-guard';\n")
    return npmrc


def _repository(registry: Registry) -> str:
    repo = next(iter(registry.repos.values()))
    return f"{repo.kind.value} {repo.key}"


def instructions(
    registry: Registry, guard_url: str, upstream_url: str, npmrc: Path, workdir: Path
) -> str:
    storage = registry.config.data_dir or "in memory (add --data DIR to keep packages)"
    token_line = npmrc.read_text().splitlines()[-1]
    return "\n".join(
        [
            "publish-guard demo is running",
            f"  guard (point npm here):  {guard_url}",
            f"  status page:             {guard_url}-/guard/",
            "                           (after the tries below: every publish, its outcome, why)",
            f"  registry behind it:      {upstream_url}",
            f"{'':27}(emulated {registry.flavor.name}: {_repository(registry)})",
            f"  storage:                 {storage}",
            f"  demo user:               {DEMO_USER} (token in {npmrc})",
            "",
            "Try it in another terminal:",
            f"  export NPM_CONFIG_USERCONFIG={npmrc}",
            f"  cd {workdir / SAMPLE_PACKAGE}",
            f"  npm publish                # publishes {SAMPLE_PACKAGE}@1.0.0 through the guard",
            "  npm publish                # again: npm itself refuses, the version exists",
            "  npm publish --force        # same bytes again (a CI retry): the guard says so",
            "  echo '// v2' >> index.js && npm publish --force",
            "                             # other bytes, same version: the guard explains the 403",
            f"  npm view {SAMPLE_PACKAGE}   # the package, served through the guard",
            f"  npm install {SAMPLE_PACKAGE} --prefix ../app   # install it",
            f"  curl -s {guard_url}-/guard/readyz   # is the registry behind the guard up?",
            f"  {guard_url}-/guard/errors   (in a browser: every answer of the guard, explained)",
            "",
            f"{npmrc} contains:",
            f"  registry={guard_url}",
            f"  {token_line}",
            "or set it up yourself:",
            f"  npm config set registry {guard_url}",
            f"  npm config set {token_line.replace('=', ' ', 1)}",
            "",
            "Ctrl-C stops both (the temporary folder is removed).",
        ]
    )
