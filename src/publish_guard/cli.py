"""``publish-guard serve | registry | demo | check | nginx-config``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from publish_guard import __version__

USAGE = f"""publish-guard {__version__}: an npm registry proxy that explains failed publishes

usage: publish-guard <command> [options]

commands:
  serve      run the guard in front of an npm registry (--upstream URL)
  registry   run the embedded npm registry emulator (Artifactory, Nexus, Verdaccio, npmjs)
  demo       run the emulator and the guard in front of it, ready to try with npm
  check      tell whether name@version can be published
  nginx-config  print the fast path's nginx.conf (reads straight to the registry)

'publish-guard <command> --help' describes each command's options.
"""


def serve(argv: Sequence[str]) -> int:
    from publish_guard.config import ConfigError, build_parser, load_settings
    from publish_guard.logs import configure_logging

    if any(arg in ("-h", "--help") for arg in argv):
        build_parser().print_help()
        return 0
    try:
        settings = load_settings(argv, os.environ)
    except ConfigError as exc:
        print(f"publish-guard: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    import structlog

    structlog.get_logger("publish_guard").info(
        "starting",
        version=__version__,
        listen=f"http://{settings.listen}/",
        upstream=str(settings.upstream),
        public_url=str(settings.public_url or ""),
    )
    from publish_guard.serve import run

    return run(settings)


def _lazy(module: str) -> Callable[[Sequence[str]], int]:
    def run(argv: Sequence[str]) -> int:
        import importlib

        main: Callable[[list[str]], int] = importlib.import_module(module).main
        return main(list(argv))

    return run


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "serve": serve,
    "registry": _lazy("publish_guard.registry.cli"),
    "demo": _lazy("publish_guard.demo"),
    "check": _lazy("publish_guard.check"),
    "nginx-config": _lazy("publish_guard.fastpath.cli"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] in ("-V", "--version", "version"):
        print(__version__)
        return 0
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"publish-guard: unknown command {args[0]!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    try:
        return command(args[1:])
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
