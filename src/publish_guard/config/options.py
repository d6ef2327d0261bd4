"""The settings table: every option once, with its parser, default and help. The flag
(``--name``), the environment variable (``PUBLISH_GUARD_NAME``) and the file key (``name``) are
derived from its name, so they cannot drift (the Helm chart is checked against this table)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from publish_guard.config.parsers import (
    ca_bundle,
    choice,
    list_of,
    lock_dir,
    parse_allowed_write,
    parse_base_url,
    parse_bool,
    parse_duration,
    parse_listen,
    parse_scope,
    parse_shared_state,
    parse_size,
    parse_tag,
    positive_int,
    status_token,
)

ENV_PREFIX = "PUBLISH_GUARD_"


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
        choice(
            "auto",
            "artifactory",
            "nexus",
            "verdaccio",
            "npmjs",
            "github",
            "gitlab",
            "gitea",
            "azure",
            "codeartifact",
        ),
        "auto",
        "the kind of upstream registry; auto detects it from the URL",
        "FLAVOR",
    ),
    Option(
        "identical_republish",
        choice("accept", "reject"),
        "accept",
        "a republish with identical content (a CI retry): answer success without forwarding "
        "(accept), or refuse it like any collision (reject)",
        "MODE",
    ),
    Option(
        "dev_mode",
        choice("off", "always", "on-conflict"),
        "off",
        "dev mode: rewrite triggered publishes to <version>-dev.N always, or only when the "
        "version exists (on-conflict); off disables every trigger",
        "MODE",
    ),
    Option(
        "dev_scopes",
        list_of(parse_scope),
        "",
        "scopes whose publishes are dev publishes (repeat the flag; env: comma-separated)",
        "@SCOPE",
        repeatable=True,
        flag_name="dev_scope",
    ),
    Option(
        "dev_tags",
        list_of(parse_tag),
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
        lock_dir,
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
        status_token,
        None,
        "token protecting the status page, status.json and metrics (Bearer, or Basic with the "
        "token as password); health checks stay open",
        "TOKEN",
    ),
    Option(
        "ca_bundle",
        ca_bundle,
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
        positive_int,
        "100000",
        "most files a publish's tarball may hold; over it the publish gets a 413",
        "N",
    ),
    Option(
        "manifest_check",
        choice("refuse", "warn"),
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
        list_of(parse_allowed_write),
        "",
        "a write the guard does not know to let through untouched, as 'METHOD /path-glob' "
        "(repeat the flag; env: comma-separated); every other unknown write gets a 405",
        "'METHOD /GLOB'",
        repeatable=True,
        flag_name="allow_write",
    ),
    Option(
        "workers",
        positive_int,
        "1",
        "processes serving the port (SO_REUSEPORT); about one per core",
        "N",
    ),
    Option("max_header_size", parse_size, "16kb", "largest request header line", "SIZE"),
    Option(
        "upstream_connections",
        positive_int,
        "100",
        "pooled keep-alive connections to the upstream",
        "N",
    ),
    Option(
        "log_format",
        choice("auto", "json", "console"),
        "auto",
        "log lines: JSON when not on a terminal, readable on one (auto)",
        "FORMAT",
    ),
    Option("log_level", choice("debug", "info", "warning", "error"), "info", "log level", "LEVEL"),
    Option("access_log", parse_bool, "true", "log one line per request", "BOOL"),
)
BY_NAME = {option.name: option for option in OPTIONS}
