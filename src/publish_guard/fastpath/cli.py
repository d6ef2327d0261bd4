"""``publish-guard nginx-config``: the fast path's nginx.conf from the guard's settings.

It takes every option of ``serve`` (flags, ``PUBLISH_GUARD_*`` environment, ``--config`` TOML)
so the two cannot drift, plus ``--guard URL`` (where the guard listens; by default the
``listen`` of its environment or TOML file) and ``--listen HOST:PORT`` (where nginx listens: the
registry URL npm uses). The
configuration goes to stdout, or to ``--output FILE``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from yarl import URL

from publish_guard.config import ConfigError, Listen, load_settings, parse_base_url, parse_listen
from publish_guard.fastpath.nginx import FastPath, render
from publish_guard.fastpath.routes import UnroutableBase
from publish_guard.proxies import proxy_for

USAGE_TAIL = """
Run it with: nginx -p DIR -c FILE -e stderr   (DIR writable by nginx's user: pid and temporary
files go there). Every serve option applies (see publish-guard serve --help).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publish-guard nginx-config",
        description="Print the fast path's nginx.conf, written from the guard's settings.",
        epilog=USAGE_TAIL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    parser.add_argument(
        "--guard",
        metavar="URL",
        help="where the guard listens (default: the listen of its environment or TOML file)",
    )
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        required=True,
        help="where nginx listens: the registry URL npm uses",
    )
    parser.add_argument(
        "--nginx-workers",
        metavar="N",
        default="auto",
        help="nginx worker processes (default auto: one per CPU nginx sees; in a container "
        "with a CPU limit, give the limit)",
    )
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("-h", "--help", action="store_true")
    return parser


def main(argv: list[str]) -> int:
    parser = _parser()
    if any(arg in ("-h", "--help") for arg in argv):
        parser.print_help()
        return 0
    try:
        ours, rest = parser.parse_known_args(argv)
    except SystemExit as exc:
        return int(exc.code or 2)
    try:
        settings = load_settings(rest, os.environ)
        if proxy_for(settings.upstream, os.environ) is not None:
            raise ConfigError(
                "the registry is reached through a forward proxy (HTTPS_PROXY/HTTP_PROXY), which "
                "nginx cannot use: run the guard alone, or name the registry in NO_PROXY"
            )
        listen = parse_listen(ours.listen)
        guard = parse_base_url(ours.guard) if ours.guard else _guard_of(settings.listen)
        workers = ours.nginx_workers
        if workers != "auto" and not (workers.isdigit() and int(workers) > 0):
            raise ConfigError(f"--nginx-workers: {workers!r} is not auto or a positive number")
        text = render(FastPath(settings, guard, listen, workers))
    except (ConfigError, ValueError, UnroutableBase) as exc:
        print(f"publish-guard nginx-config: {exc}", file=sys.stderr)
        return 2
    if ours.output:
        Path(ours.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _guard_of(listen: Listen) -> URL:
    host = "127.0.0.1" if listen.host in ("0.0.0.0", "", "*") else listen.host
    host = "[::1]" if host == "::" else host
    return URL(f"http://{host}:{listen.port}/")
