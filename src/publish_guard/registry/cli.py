"""``publish-guard registry``: run the emulator alone; print a ready-to-paste npm configuration."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from publish_guard.config import parse_listen
from publish_guard.registry.app import create_registry_app
from publish_guard.registry.core import Registry
from publish_guard.registry.flavors import BEHAVIOURS
from publish_guard.registry.model import DeploymentPolicy, Repo, RepoKind
from publish_guard.registry.serving import (
    request_printer,
    start,
    url_of,
    wait_for_stop,
)
from publish_guard.registry.state import RegistryConfig

DEFAULT_LISTEN = "127.0.0.1:4873"
DEFAULT_USER = "publisher"
REPO_HELP = """\
--repo KEY[:TYPE][:OPTION=VALUE]... (repeatable; Verdaccio and npmjs have one repository, at /).
TYPE: local|remote|virtual (or hosted|proxy|group). Options: members=A+B, deploy=KEY (default
deployment repo), policy=allow|disable-redeploy|read-only, includes=PAT+PAT, excludes=PAT+PAT,
latest-locked, no-anonymous-read, max-body=BYTES, legacy-group, uplink-down, url=URL. Example:
  --repo npm-local --repo npm-remote:remote \\
  --repo npm:virtual:members=npm-local+npm-remote:deploy=npm-local
"""


def parse_repo_spec(text: str) -> Repo:
    key, *parts = text.split(":")
    if not key:
        raise ValueError(f"--repo needs a key: {text!r}")
    kind = RepoKind.LOCAL
    if parts and "=" not in parts[0] and parts[0] not in _FLAGS:
        kind = RepoKind.parse(parts.pop(0))
    fields: dict[str, object] = {}
    for part in parts:
        option, _, value = part.partition("=")
        option = option.strip().lower()
        if option in _FLAGS:
            fields[_FLAGS[option][0]] = _FLAGS[option][1]
        elif option == "members":
            fields["members"] = tuple(v for v in value.split("+") if v)
        elif option == "deploy":
            fields["default_deployment_repo"] = value or None
        elif option == "policy":
            fields["policy"] = DeploymentPolicy.parse(value)
        elif option in ("includes", "excludes"):
            fields[option] = tuple(v for v in value.split("+") if v)
        elif option == "max-body":
            fields["max_body_size"] = int(value)
        elif option == "url":
            fields["url"] = value
        else:
            raise ValueError(f"unknown --repo option {option!r} in {text!r}")
    return Repo(key=key, kind=kind, **fields)  # type: ignore[arg-type]


_FLAGS: dict[str, tuple[str, object]] = {
    "latest-locked": ("latest_tag_locked", True),
    "no-anonymous-read": ("anonymous_read", False),
    "legacy-group": ("group_deploy_legacy", True),
    "uplink-down": ("uplink_down", True),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publish-guard registry",
        description="Run the npm registry emulator (Artifactory, Nexus, Verdaccio or npmjs "
        "behaviour) and print an npm configuration with a fresh token.",
        epilog=REPO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--flavor", choices=sorted(BEHAVIOURS), default="artifactory")
    parser.add_argument("--listen", default=DEFAULT_LISTEN, help="HOST:PORT (default %(default)s)")
    parser.add_argument("--repo", action="append", default=[], metavar="SPEC")
    parser.add_argument("--data", type=Path, metavar="DIR", help="keep packages and users here")
    parser.add_argument("--user", default=DEFAULT_USER, help="user to create (%(default)s)")
    parser.add_argument("--public-url", help="fixed base URL for tarball links")
    parser.add_argument("--quiet", action="store_true", help="do not print each request")
    return parser


def configure(args: argparse.Namespace) -> Registry:
    repos = [parse_repo_spec(spec) for spec in args.repo] or None
    return Registry(
        RegistryConfig(
            flavor=args.flavor, repos=repos, data_dir=args.data, public_url=args.public_url
        )
    )


def ensure_user(registry: Registry, name: str) -> tuple[str | None, str]:
    """A token for ``name``. A new user gets a random password (returned); a stored one keeps
    the password it has."""
    if name in registry.accounts.users:
        return None, registry.create_token(name)
    password = secrets.token_urlsafe(12)
    created = registry.add_user(name, password)
    return password, created.token


def npmrc_lines(registry_url: str, token: str) -> list[str]:
    bare = registry_url.split("://", 1)[1]
    return [f"registry={registry_url}", f"//{bare}:_authToken={token}"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        host, port = parse_listen(args.listen, "127.0.0.1", bare_port=True)
    except ValueError as exc:
        parser.error(f"--listen: {exc}")
    try:
        registry = configure(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        asyncio.run(_serve(registry, host, port, quiet=args.quiet, user=args.user))
    except OSError as exc:
        print(f"publish-guard registry: cannot listen on {args.listen}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve(registry: Registry, host: str, port: int, *, quiet: bool, user: str) -> None:
    app = create_registry_app(registry)
    if not quiet:
        app.middlewares.append(request_printer("registry: "))
    runner, bound = await start(app, host, port)
    try:
        password, token = ensure_user(registry, user)
        server = url_of(host, bound)
        print(describe(registry, server, user, password, token), flush=True)
        await wait_for_stop()
        print("publish-guard registry: stopped", file=sys.stderr)
    finally:
        await runner.cleanup()


def describe(registry: Registry, server: str, user: str, password: str | None, token: str) -> str:
    npm_url = registry.npm_url(server)
    lines = [
        f"publish-guard registry emulator ({registry.flavor.name} flavor) on {server}",
        f"  storage: {registry.config.data_dir or 'in memory (gone when stopped)'}",
        "  repositories:",
    ]
    for repo in registry.repos.values():
        lines.append(
            f"    {repo.key:<16} {repo.kind.value:<8} {registry.npm_url(server, repo.key)}"
        )
    secret = f"password {password}" if password else "password unchanged"
    lines += [
        f"  user: {user} ({secret}; read, deploy and delete everywhere)",
        "",
        "npm configuration: put these lines in an .npmrc "
        "(or in a file named by NPM_CONFIG_USERCONFIG):",
        *(f"  {line}" for line in npmrc_lines(npm_url, token)),
        "or run:",
        f"  npm config set registry {npm_url}",
        f"  npm config set //{npm_url.split('://', 1)[1]}:_authToken {token}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)
