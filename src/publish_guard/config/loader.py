"""Loading ``Settings`` once, at start-up, from flags, environment and a TOML file.

Precedence is flags > ``PUBLISH_GUARD_<NAME>`` environment > ``--config`` file > defaults. A bad
value raises ``ConfigError`` with one line naming the option and where the value came from.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from publish_guard.config.options import BY_NAME, ENV_PREFIX, OPTIONS
from publish_guard.config.settings import ConfigError, Settings
from publish_guard.lockdir import UnsafeLockDir, prepare_lock_dir


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="publish-guard serve")
    parser.add_argument(
        "--config", metavar="FILE", help=f"TOML settings file (env {ENV_PREFIX}CONFIG)"
    )
    for option in OPTIONS:
        default = option.default or "none"
        parser.add_argument(
            option.flag,
            dest=option.name,
            metavar=option.metavar,
            action="append" if option.repeatable else "store",
            help=f"{option.help} (env {option.env}; default {default})",
        )
    return parser


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    values = {str(key).replace("-", "_"): value for key, value in data.items()}
    unknown = sorted(set(values) - set(BY_NAME))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(BY_NAME)}"
        )
    return values


def load_settings(argv: Sequence[str], environ: Mapping[str, str]) -> Settings:
    """Parse flags, environment and file into validated ``Settings`` (raises ``ConfigError``)."""
    parser = build_parser()
    parser.exit_on_error = False
    try:
        args, unknown = parser.parse_known_args(list(argv))
    except argparse.ArgumentError as exc:
        raise ConfigError(str(exc)) from None
    if unknown:
        raise ConfigError(f"unrecognized arguments: {' '.join(unknown)} (see --help)")
    flags: dict[str, Any] = vars(args)

    config_path = flags.pop("config") or environ.get(ENV_PREFIX + "CONFIG")
    from_file = _read_file(Path(config_path)) if config_path else {}

    values: dict[str, Any] = {}
    for option in OPTIONS:
        raw: Any
        if flags.get(option.name) is not None:
            raw, source = flags[option.name], option.flag
        elif option.env in environ:
            raw, source = environ[option.env], option.env
        elif option.name in from_file:
            raw, source = from_file[option.name], f"{config_path}: {option.name}"
        else:
            values[option.name] = None if option.default is None else option.parse(option.default)
            continue
        if isinstance(raw, list):
            text = ",".join(str(item) for item in raw)
        else:
            text = str(raw).lower() if isinstance(raw, bool) else str(raw)
        try:
            values[option.name] = option.parse(text)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    if values["upstream"] is None:
        raise ConfigError(
            f"--upstream is required (or {ENV_PREFIX}UPSTREAM): the URL of the npm registry "
            "to protect, e.g. https://artifactory.example.com/artifactory/api/npm/npm-local/"
        )
    if values["dev_mode"] == "off" and (values["dev_scopes"] or values["dev_tags"]):
        named = [
            *(f"--dev-scope {v}" for v in values["dev_scopes"]),
            *(f"--dev-tag {v}" for v in values["dev_tags"]),
        ]
        raise ConfigError(
            f"{', '.join(named)} does nothing while dev mode is off: add --dev-mode always "
            "(every such publish becomes -dev.N) or --dev-mode on-conflict (only when the "
            "version exists)"
        )
    if values["lock_dir"] is not None:
        try:
            prepare_lock_dir(values["lock_dir"])
        except UnsafeLockDir as exc:
            raise ConfigError(f"--lock-dir: {exc}") from None
    if values["max_publish_memory"] < values["max_publish_size"]:
        raise ConfigError(
            f"--max-publish-memory ({values['max_publish_memory']} bytes) must be at least "
            f"--max-publish-size ({values['max_publish_size']} bytes), or no publish of the "
            "largest size could ever be read"
        )
    return Settings(config_file=Path(config_path) if config_path else None, **values)
