"""Settings: one frozen object, loaded once from flags, environment and a TOML file.

Precedence is flags > ``PUBLISH_GUARD_<NAME>`` environment > ``--config`` file > defaults. Every
option is declared once in ``OPTIONS``; the flag, the environment variable and the file key are
derived from its name, so they cannot drift (the Helm chart is checked against the same table).
A bad value raises ``ConfigError`` with one line naming the option and where the value came from.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import ssl
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from yarl import URL

from publish_guard.lockdir import UnsafeLockDir, default_lock_dir, prepare_lock_dir

ENV_PREFIX = "PUBLISH_GUARD_"
T = TypeVar("T")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message is one line meant for the operator."""


@dataclass(frozen=True, slots=True)
class Listen:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"200mb"``, ``"10MiB"``, ``"1048576"`` → bytes (binary units, as npm and Verdaccio use)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size (examples: 1048576, 512kb, 200mb, 1gb)")
    number, unit = match.groups()
    return int(float(number) * _SIZE_UNITS[(unit or "").lower()[:1]])


def parse_duration(text: str) -> float:
    """``"30"``, ``"30s"``, ``"500ms"``, ``"2m"`` → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (examples: 30, 30s, 500ms, 2m)")
    value = float(match.group(1))
    unit = match.group(2) or "s"
    seconds = value / 1000 if unit == "ms" else value * 60 if unit == "m" else value
    if seconds <= 0:
        raise ValueError(f"{text!r} must be greater than zero")
    return seconds


def parse_listen(text: str) -> Listen:
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f"{text!r} is not HOST:PORT (example: 127.0.0.1:8080)")
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range 0-65535")
    return Listen(host.strip("[]") or "0.0.0.0", port)


def parse_base_url(text: str) -> URL:
    """An http(s) URL with a host, normalised to end in ``/`` (a registry base)."""
    url = URL(text.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{text!r} is not an http:// or https:// URL with a host")
    if url.query_string or url.fragment:
        raise ValueError(f"{text!r} must not have a query or fragment")
    if url.user or url.password:
        raise ValueError(
            f"{url.with_user(None)!s} must not carry credentials; clients send their own tokens"
        )
    if not url.raw_path.endswith("/"):
        url = url.with_path(url.raw_path + "/", encoded=True)
    if not str(url).endswith("/"):  # yarl prints a bare origin without its "/"
        url = URL(str(url) + "/", encoded=True)
    return url


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def _list_of(item: Callable[[str], T]) -> Callable[[str], tuple[T, ...]]:
    def parse(text: str) -> tuple[T, ...]:
        return tuple(item(part.strip()) for part in text.split(",") if part.strip())

    return parse


def parse_scope(text: str) -> str:
    if not re.fullmatch(r"@[a-z0-9~-][a-z0-9._~-]*", text):
        raise ValueError(f"{text!r} is not an npm scope (example: @acme-dev)")
    return text


def parse_tag(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", text):
        raise ValueError(f"{text!r} is not a dist-tag name (example: dev)")
    return text


def _ca_bundle(text: str) -> Path | None:
    if not text.strip():
        return None
    path = Path(text).expanduser()
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except FileNotFoundError:
        raise ValueError(f"{text!r} does not exist") from None
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(f"{text!r} is not a PEM file of CA certificates ({exc})") from None
    return path


def parse_shared_state(text: str) -> URL | None:
    """``redis://[user:password@]host:port/db`` or ``rediss://`` (TLS); empty: none."""
    if not text.strip():
        return None
    url = URL(text.strip())
    if url.scheme not in ("redis", "rediss") or not url.host:
        raise ValueError("is not a redis:// or rediss:// URL with a host")
    db = url.path.strip("/")
    if db and not db.isdigit():
        raise ValueError(f"names database {db!r}; a Redis database is a number")
    return url


def _secret(text: str) -> str | None:
    text = text.strip()
    if text and len(text) < 12:
        raise ValueError("a status token needs at least 12 characters")
    return text or None


def _lock_dir(text: str) -> Path | None:
    lowered = text.strip().lower()
    if lowered in ("off", "none", ""):
        return None
    return default_lock_dir() if lowered == "auto" else Path(text).expanduser()


@dataclass(frozen=True, slots=True)
class AllowedWrite:
    """An ``--allow-write`` entry: ``METHOD /path-glob`` (``*`` for any write method), matched
    against the raw path relative to the registry base (still percent-encoded, no query)."""

    method: str
    pattern: str

    def matches(self, method: str, relative_path: str) -> bool:
        path = "/" + relative_path.partition("?")[0]
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.pattern)

    def __str__(self) -> str:
        return f"{self.method} {self.pattern}"


def parse_allowed_write(text: str) -> AllowedWrite:
    method, _, pattern = text.strip().partition(" ")
    method, pattern = method.upper(), pattern.strip()
    if not (method == "*" or method.isalpha()) or not pattern.startswith("/"):
        raise ValueError(f"{text!r} is not 'METHOD /path-glob' (example: 'POST /-/verdaccio/*')")
    if method in ("GET", "HEAD", "OPTIONS"):
        raise ValueError(f"{text!r}: reads always pass through; name a write method")
    return AllowedWrite(method, pattern)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"{text!r} must be at least 1")
    return value


@dataclass(frozen=True, slots=True)
class Option:
    name: str  # the Settings field; flag --name-with-dashes; env PUBLISH_GUARD_NAME
    parse: Callable[[str], Any]
    default: str | None  # as a user would write it; parsed like any other value
    help: str
    metavar: str = "VALUE"
    repeatable: bool = False  # a list: the flag may repeat; env and file take commas / a list
    flag_name: str | None = None  # when the flag reads better singular (--dev-scope)

    @property
    def flag(self) -> str:
        return "--" + (self.flag_name or self.name).replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


OPTIONS: tuple[Option, ...] = (
    Option(
        "upstream", parse_base_url, None, "URL of the npm registry to protect (required)", "URL"
    ),
    Option("listen", parse_listen, "127.0.0.1:8080", "address to serve on", "HOST:PORT"),
    Option(
        "public_url",
        parse_base_url,
        None,
        "URL clients use to reach the guard; tarball URLs in package documents are rewritten "
        "from the upstream's base to this one",
        "URL",
    ),
    Option(
        "flavor",
        _choice("auto", "artifactory", "nexus", "verdaccio", "npmjs"),
        "auto",
        "the kind of upstream registry; auto detects it from the URL",
        "FLAVOR",
    ),
    Option(
        "identical_republish",
        _choice("accept", "reject"),
        "accept",
        "a republish with identical content (a CI retry): answer success without forwarding "
        "(accept), or refuse it like any collision (reject)",
        "MODE",
    ),
    Option(
        "dev_mode",
        _choice("off", "always", "on-conflict"),
        "off",
        "dev mode: rewrite triggered publishes to <version>-dev.N always, or only when the "
        "version exists (on-conflict); off disables every trigger",
        "MODE",
    ),
    Option(
        "dev_scopes",
        _list_of(parse_scope),
        "",
        "scopes whose publishes are dev publishes (repeat the flag; env: comma-separated)",
        "@SCOPE",
        repeatable=True,
        flag_name="dev_scope",
    ),
    Option(
        "dev_tags",
        _list_of(parse_tag),
        "",
        "dist-tags whose publishes are dev publishes (npm publish --tag dev)",
        "TAG",
        repeatable=True,
        flag_name="dev_tag",
    ),
    Option(
        "dev_dist_tag",
        parse_tag,
        "dev",
        "the dist-tag a dev publish gets instead of latest (latest never points at a dev build)",
        "TAG",
    ),
    Option(
        "lock_dir",
        _lock_dir,
        "auto",
        "directory for per-package lock files, so that worker processes and guards on one host "
        "serialise publishes of a package: the guard's own (made 0700; one that others can "
        "write is refused at start-up); auto: $XDG_RUNTIME_DIR/publish-guard-locks or "
        "<tmp>/publish-guard-locks-<uid>; 'off' for in-process locks only",
        "DIR",
    ),
    Option(
        "shared_state",
        parse_shared_state,
        None,
        "Redis that every replica shares: per-package publish locks, dev numbers and the "
        "status page's events (redis://[user:password@]host:port/db, or rediss:// for TLS, "
        "trusting --ca-bundle); without it, locks are per host",
        "URL",
    ),
    Option(
        "status_token",
        _secret,
        None,
        "token protecting the status page, status.json and metrics (Bearer, or Basic with the "
        "token as password); health checks stay open",
        "TOKEN",
    ),
    Option(
        "ca_bundle",
        _ca_bundle,
        None,
        "PEM file of CA certificates to trust for the upstream's TLS (added to the system's); "
        "verification is always on",
        "FILE",
    ),
    Option("connect_timeout", parse_duration, "10s", "upstream connect timeout", "DURATION"),
    Option(
        "read_timeout",
        parse_duration,
        "60s",
        "longest wait for the upstream to send the next bytes of an answer",
        "DURATION",
    ),
    Option(
        "idle_timeout",
        parse_duration,
        "15s",
        "close a client connection that sends no complete request for this long (idle "
        "keep-alive, or a slow client dribbling its headers)",
        "DURATION",
    ),
    Option(
        "publish_timeout",
        parse_duration,
        "300s",
        "longest a publish may take at the upstream from start to answer",
        "DURATION",
    ),
    Option(
        "max_publish_size",
        parse_size,
        "256mb",
        "largest publish body accepted (the body is ~1.34x the tarball)",
        "SIZE",
    ),
    Option(
        "max_unpacked_size",
        parse_size,
        "512mb",
        "largest size a publish's tarball may unpack to (its package.json is read, and dev mode "
        "rewrites it); over it the publish gets a 413",
        "SIZE",
    ),
    Option(
        "max_tarball_entries",
        _positive_int,
        "100000",
        "most files a publish's tarball may hold; over it the publish gets a 413",
        "N",
    ),
    Option(
        "manifest_check",
        _choice("refuse", "warn"),
        "refuse",
        "a publish whose manifest disagrees with the tarball's package.json on what decides an "
        "install (dependencies, scripts, bin, engines, ...): refuse it (400), or only log a "
        "warning (for registries that rewrite manifests)",
        "MODE",
    ),
    Option(
        "max_publish_memory",
        parse_size,
        "512mb",
        "memory for the bodies the guard holds to check them (publishes and document updates, "
        "with a compressed body's decoded copy and a publish's decoded tarball), all requests of "
        "one process together; a body over it waits up to 10s, then gets 503 with Retry-After, "
        "which npm retries",
        "SIZE",
    ),
    Option(
        "allow_writes",
        _list_of(parse_allowed_write),
        "",
        "a write the guard does not know to let through untouched, as 'METHOD /path-glob' "
        "(repeat the flag; env: comma-separated); every other unknown write gets a 405",
        "'METHOD /GLOB'",
        repeatable=True,
        flag_name="allow_write",
    ),
    Option(
        "workers",
        _positive_int,
        "1",
        "processes serving the port (SO_REUSEPORT); about one per core",
        "N",
    ),
    Option("max_header_size", parse_size, "16kb", "largest request header line", "SIZE"),
    Option(
        "upstream_connections",
        _positive_int,
        "100",
        "pooled keep-alive connections to the upstream",
        "N",
    ),
    Option(
        "log_format",
        _choice("auto", "json", "console"),
        "auto",
        "log lines: JSON when not on a terminal, readable on one (auto)",
        "FORMAT",
    ),
    Option("log_level", _choice("debug", "info", "warning", "error"), "info", "log level", "LEVEL"),
    Option("access_log", parse_bool, "true", "log one line per request", "BOOL"),
)
_BY_NAME = {option.name: option for option in OPTIONS}
_SECRETS = frozenset({"status_token"})
_WITH_CREDENTIALS = frozenset({"shared_state"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Built only by ``load_settings``; every field comes from ``OPTIONS``."""

    upstream: URL
    listen: Listen
    public_url: URL | None
    flavor: str
    identical_republish: str
    dev_mode: str
    dev_scopes: tuple[str, ...]
    dev_tags: tuple[str, ...]
    dev_dist_tag: str
    lock_dir: Path | None
    shared_state: URL | None
    status_token: str | None
    ca_bundle: Path | None
    connect_timeout: float
    read_timeout: float
    idle_timeout: float
    publish_timeout: float
    max_publish_size: int
    max_unpacked_size: int
    max_tarball_entries: int
    manifest_check: str
    max_publish_memory: int
    allow_writes: tuple[AllowedWrite, ...]
    workers: int
    max_header_size: int
    upstream_connections: int
    log_format: str
    log_level: str
    access_log: bool
    config_file: Path | None = None

    def redacted(self) -> dict[str, str]:
        """The effective configuration as text, safe to show (no credentials are ever stored)."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRETS:
                shown[f.name] = "[set]" if value else ""
            elif f.name in _WITH_CREDENTIALS and value is not None:
                shown[f.name] = str(value.with_user(None).with_password(None).with_query(None))
            elif isinstance(value, tuple):
                shown[f.name] = ", ".join(str(item) for item in value)
            else:
                shown[f.name] = "" if value is None else str(value)
        return shown


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
    unknown = sorted(set(values) - set(_BY_NAME))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(_BY_NAME)}"
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


def options_markdown() -> str:
    """The configuration table of the README, made from ``OPTIONS`` so the two cannot drift."""
    rows = [
        "| flag | environment | TOML key | default | meaning |",
        "|---|---|---|---|---|",
        f"| `--config FILE` | `{ENV_PREFIX}CONFIG` | — | — | TOML file with any keys below |",
    ]
    for option in OPTIONS:
        default = f"`{option.default}`" if option.default else "—"
        flag = f"`{option.flag} {option.metavar}`" + (" (repeatable)" if option.repeatable else "")
        rows.append(f"| {flag} | `{option.env}` | `{option.name}` | {default} | {option.help} |")
    return "\n".join(rows)
