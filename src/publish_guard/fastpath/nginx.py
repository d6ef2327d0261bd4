"""The fast path's ``nginx.conf``, written from the guard's own settings (pure).

nginx listens where npm points; reads that the guard would pass untouched (``routes``) go
straight to the registry over a keep-alive pool, streamed; everything else goes to the guard.
When the guard does not answer, writes get a JSON ``error`` that npm prints, and reads go on.

It runs unprivileged in the foreground: ``nginx -p DIR -c FILE -e stderr``, every path it
writes (pid, temporary files) relative to ``DIR``. Nothing it logs carries a secret: the access
log has the path of direct reads without their query, and ``-`` for what went to the guard
(which logs those itself, redacted); the error log is kept to ``crit``, as nginx's own error
lines quote request lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from yarl import URL

from publish_guard import __version__
from publish_guard.badhttp import answer_body
from publish_guard.config import Listen, Settings
from publish_guard.explain.codes.network import (
    GUARD_LOST,
    GUARD_UNREACHABLE,
    GuardLost,
    GuardUnreachable,
)
from publish_guard.explain.codes.requests import BAD_TARGET, NOT_A_PROXY, BadTarget, NotAProxy
from publish_guard.explain.text import F, Text
from publish_guard.fastpath.routes import NPM_COMMAND, Route, direct_routes
from publish_guard.headers import notice_value

UNPARSED = "it does not parse as a request"
BAD_TARGET_PATH = "/-/fast/bad-target"  # internal: nginx's own refusals, as the guard's
TOO_LONG_PATH = "/-/fast/too-long"
DEFAULT_CA = "/etc/ssl/certs/ca-certificates.crt"  # Debian's, as in nginx's official images
HEALTH_PATH = "/-/fast/healthz"  # nginx's own probe (no package name starts with "-")
_LOG_LINE = (  # one JSON object per request; the path of a direct read without its query
    '{"time":"$time_iso8601","route":"$pg_route","method":"$request_method",'
    '"path":"$pg_logged_path","status":$status,"upstream_status":"$upstream_status",'
    '"seconds":$request_time,"bytes":$bytes_sent}'
)


@dataclass(frozen=True, slots=True)
class FastPath:
    """Where nginx listens, where the guard listens, and the guard's settings."""

    settings: Settings
    guard: URL
    listen: Listen
    workers: str = "auto"


def down_answer(write: bool) -> str:
    """The JSON body nginx answers with when the guard does not answer."""
    what = "nothing was sent to the registry" if write else "this request was not answered"
    return _answer(GUARD_UNREACHABLE, GuardUnreachable(what=what))


def lost_answer() -> str:
    """The JSON body nginx answers with when the guard stopped answering after it had the
    request: whether it reached the registry is not known."""
    return _answer(GUARD_LOST, GuardLost(method="$request_method"))


def bad_target(reason: str) -> str:
    """The JSON body of the guard's own BAD_TARGET, which nginx makes itself for a target it
    will not parse, without the target (it may hold a secret)."""
    return _answer(BAD_TARGET, BadTarget(method="$pg_method", target="this target", reason=reason))


def not_a_proxy() -> str:
    """The JSON body of the guard's own NOT_A_PROXY, which nginx makes itself for an
    absolute-form target, as to a forward proxy."""
    return _answer(NOT_A_PROXY, NotAProxy(method="$pg_method", target="this target"))


def _answer(text: Text[F], facts: F) -> str:
    error, hint = text.render(facts)
    return json.dumps({"error": error, "code": text.code, "hint": hint}, separators=(",", ":"))


def render(fast: FastPath) -> str:
    settings = fast.settings
    upstream = settings.upstream
    routes, prefix = direct_routes(
        upstream.raw_path,
        documents=settings.public_url is None,
        dev_mode=settings.dev_mode != "off",
    )
    # Verdaccio builds tarball URLs from Host (its reverse-proxy guide sends the client's);
    # Nexus from X-Forwarded-Host, Artifactory from its base URL: they get their own Host
    registry_host = "$pg_host" if settings.flavor == "verdaccio" else _host_header(upstream)
    base = upstream.raw_path.rstrip("/")
    publish_seconds = int(settings.publish_timeout)
    lines = [
        f"# publish-guard {__version__} fast path: written by `publish-guard nginx-config`",
        "# from the guard's settings. Do not edit: write it again when they change.",
        "daemon off;",
        f"worker_processes {fast.workers};",
        "pid nginx.pid;",
        "error_log stderr crit;",
        "events { worker_connections 4096; }",
        "http {",
        "    server_tokens off;",
        "    client_body_temp_path client_body_temp;",
        "    proxy_temp_path proxy_temp;",
        "    fastcgi_temp_path fastcgi_temp;",
        "    uwsgi_temp_path uwsgi_temp;",
        "    scgi_temp_path scgi_temp;",
        f"    log_format publish_guard escape=json '{_LOG_LINE}';",
        "    access_log /dev/stdout publish_guard;",
        "",
        "    # which requests go straight to the registry (publish_guard.fastpath.routes);",
        "    # anything else goes to the guard",
        '    map "$request_method:$http_npm_command:$request_uri" $pg_route {',
        "        default guard;",
        *(f'        "{_pattern(route)}" registry;' for route in routes),
        "    }",
        "    map $pg_route $pg_logged_path {",
        "        registry $uri;",
        '        default "-";',
        "    }",
        "    map $request_uri $pg_registry_target {",
        "        default $request_uri;",
        *(
            [f'        "~^{_escaped(re.escape(prefix))}(?<pg_rest>/.*)$" $pg_rest;']
            if prefix is not None
            else []
        ),
        "    }",
        "    map $http_x_forwarded_proto $pg_proto {",
        '        "" $scheme;',
        "        default $http_x_forwarded_proto;",
        "    }",
        "    map $http_host $pg_host {  # an HTTP/1.0 request may come without one",
        '        "" "$server_addr:$server_port";',
        "        default $http_host;",
        "    }",
        "    map $http_x_forwarded_host $pg_forwarded_host {",
        '        "" $pg_host;',
        "        default $http_x_forwarded_host;",
        "    }",
        "    map $request $pg_method {  # the request's own (an error page is answered as a GET)",
        '        "~^(?<pg_m>[A-Za-z_-]+) " $pg_m;',
        '        default "the request";',
        "    }",
        "    map $request $pg_absolute {  # absolute-form or '*' targets: as to a forward proxy",
        "        default 1;",
        '        "~^[^ ]+ /" 0;',
        "    }",
        "    map $upstream_bytes_sent $pg_reached_guard {  # did the guard get the request?",
        "        default 1;",
        '        "~^[0, :]*$" 0;',
        "    }",
        "    map $request_method $pg_down_body {",
        f"        GET {_quoted(down_answer(False))};",
        f"        HEAD {_quoted(down_answer(False))};",
        f"        default {_quoted(down_answer(True))};",
        "    }",
        "",
        "    upstream pg_registry {",
        f"        server {_server(upstream)};",
        "        keepalive 64;",
        "        keepalive_timeout 60s;",
        "    }",
        "    upstream pg_guard {",
        f"        server {_server(fast.guard)};",
        "        keepalive 32;",
        "    }",
        "",
        "    server {",
        f"        listen {_listen(fast.listen)} backlog=4096;",
        "        client_max_body_size 0;  # the guard sets and explains the limits",
        f"        large_client_header_buffers 4 {max(settings.max_header_size, 8192)};",
        "        recursive_error_pages on;",
        f"        error_page 400 {BAD_TARGET_PATH};  # a target nginx itself will not parse",
        f"        error_page 414 494 =400 {TOO_LONG_PATH};",
        "        if ($pg_absolute) {",
        f"            return 400 {_quoted(not_a_proxy())};",
        "        }",
        "        proxy_http_version 1.1;",
        "        proxy_request_buffering off;",
        "        proxy_max_temp_file_size 0;",
        "",
        f"        location = {HEALTH_PATH} {{",
        "            access_log off;",
        "            default_type application/json;",
        '            return 200 \'{"status":"ok"}\';',
        "        }",
        "        location / {",
        "            error_page 418 = @guard;",
        "            if ($pg_route = guard) { return 418; }",
        f"            proxy_pass {upstream.scheme}://pg_registry{base}$pg_registry_target;",
        *_headers(registry_host),
        f"            proxy_connect_timeout {_seconds(settings.connect_timeout)};",
        f"            proxy_read_timeout {_seconds(settings.read_timeout)};",
        f"            proxy_send_timeout {_seconds(settings.read_timeout)};",
        *_tls(upstream, settings),
        "        }",
        "        location @guard {",
        "            proxy_pass http://pg_guard$request_uri;",
        *_headers("$pg_host"),
        "            proxy_buffering off;",
        "            proxy_connect_timeout 5s;",
        f"            proxy_read_timeout {publish_seconds + 30}s;",
        f"            proxy_send_timeout {publish_seconds + 30}s;",
        "            error_page 502 504 = @guard_down;",
        "        }",
        f"        location = {BAD_TARGET_PATH} {{",
        "            internal;",
        "            default_type application/json;",
        f"            return 400 {_quoted(bad_target(UNPARSED))};",
        "        }",
        f"        location = {TOO_LONG_PATH} {{  # as the guard answers a line over its limit",
        "            internal;",
        "            default_type application/json;",
        f"            return 400 {_quoted(_too_large())};",
        "        }",
        "        location @guard_down {",
        "            default_type application/json;",
        "            if ($pg_reached_guard) {  # it had the request: the outcome is not known",
        f"                add_header npm-notice {_quoted(notice_value(GUARD_LOST.hint))} always;",
        f"                return 502 {_quoted(lost_answer())};",
        "            }",
        '            add_header Retry-After "5" always;',
        f"            add_header npm-notice {_quoted(notice_value(GUARD_UNREACHABLE.hint))} "
        "always;",
        "            return 503 $pg_down_body;",
        "        }",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _headers(host: str) -> list[str]:
    """A location's request headers, all of them: nginx drops the server's proxy_set_header
    lines in a location that sets any (``Connection ""`` among them, and with it keep-alive)."""
    return [
        f"            proxy_set_header Host {host};",
        '            proxy_set_header Connection "";',
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "            proxy_set_header X-Forwarded-Proto $pg_proto;",
        "            proxy_set_header X-Forwarded-Host $pg_forwarded_host;",
    ]


def _pattern(route: Route) -> str:
    methods = "|".join(route.methods)
    command = f"(?!{NPM_COMMAND}*{route.not_for_npm_command})" if route.not_for_npm_command else ""
    return _escaped(f"~^(?:{methods}):{command}{NPM_COMMAND}*:{route.target}$")


def _escaped(text: str) -> str:
    """A pattern inside an nginx double-quoted string: nginx keeps a backslash before any
    character but a quote or a backslash, and the patterns have neither."""
    if '"' in text or "\\\\" in text:
        raise ValueError(f"{text!r} cannot be written in nginx.conf as it is")
    return text


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _server(url: URL) -> str:
    assert url.host is not None
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{url.port}"


def _host_header(url: URL) -> str:
    assert url.host is not None
    host = f"[{url.host}]" if ":" in url.host else url.host
    return host if url.is_default_port() else f"{host}:{url.port}"


def _too_large() -> str:
    """nginx's answer to a request line or header over its buffers: the guard's own."""
    return json.dumps(answer_body("LineTooLong"), separators=(",", ":"))


def _listen(listen: Listen) -> str:
    host = f"[{listen.host}]" if ":" in listen.host else listen.host
    return f"{host}:{listen.port}"


def _seconds(value: float) -> str:
    return f"{max(1, round(value))}s"


def _tls(upstream: URL, settings: Settings) -> list[str]:
    if upstream.scheme != "https":
        return []
    ca = settings.ca_bundle or DEFAULT_CA
    return [
        "            proxy_ssl_server_name on;",
        f"            proxy_ssl_name {upstream.host};",
        "            proxy_ssl_verify on;",
        "            proxy_ssl_verify_depth 4;",
        f"            proxy_ssl_trusted_certificate {ca};",
        "            proxy_ssl_session_reuse on;",
    ]
