"""Worked examples for the error catalogue: each code's facts, its request, and what npm prints.

The texts stay in ``texts.py``; this module only holds made-up but realistic facts that fill
their placeholders, so that the catalogue can show the exact lines npm 11 prints for an answer.
A code of ``TEXTS`` without an entry here, or a placeholder without a value, fails
``tests/test_catalogue.py``: a new code cannot ship without its documentation.

Hosts are ``*.example.com`` (never the running guard's configuration); the guard itself is
``GUARD_URL``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from publish_guard.explain.answer import GuardError, error_body
from publish_guard.explain.texts import TEXTS

GUARD_URL = "http://guard.example.com:8080"
"""The guard's address in every example (npm's registry URL, without the trailing slash)."""

NPM_403_PARAGRAPH = (
    "In most cases, you or one of your dependencies are requesting a package version that is "
    "forbidden by your security policy, or on a server you do not have access to."
)
"""npm's stock text after every 403 (npm 11 lib/utils/error-message.js, case 'E403')."""


class Group(StrEnum):
    REFUSAL = "refusal"  # the guard refused by itself; nothing was sent to the registry
    UPSTREAM = "upstream"  # the registry answered, and the guard says what its answer means
    NETWORK = "network"  # the guard-to-registry hop failed before any answer


@dataclass(frozen=True, slots=True)
class Example:
    group: Group
    facts: dict[str, str]
    request: str = "PUT /widget"  # method and target as the client sent them to the guard
    status: int | None = None  # where the guard keeps the upstream's status instead of TEXTS'
    fix: str = ""  # the general fix, for codes whose hint is made up case by case


_ARTIFACTORY = {
    "host": "artifactory.example.com",
    "upstream": "https://artifactory.example.com/artifactory/api/npm/npm-local/",
}
_NEXUS = {"registry": "Nexus", "repo": "npm-hosted"}
_WRITE = {
    "registry": "Artifactory",
    "package": "widget",
    "version": "1.2.1",
    "operation": "the publish of widget@1.2.1",
}
_LOGIN = {"guard_url": f"{GUARD_URL}/", "nerf": "//guard.example.com:8080/"}
_FREE = "1.2.1 (patch), 1.3.0 (minor), 2.0.0 (major)"
_NEXT_STEP = "Run 'npm version 1.2.1' and publish again."

EXAMPLES: dict[str, Example] = {
    "BAD_TARGET": Example(
        Group.REFUSAL,
        {
            "method": "GET",
            "target": "/%2e%2e/%2e%2e/admin",
            "reason": "'.' and '..' path segments are not accepted",
        },
        request="GET /%2e%2e/%2e%2e/admin",
    ),
    "NOT_A_PROXY": Example(
        Group.REFUSAL,
        {"method": "GET", "target": "http://registry.npmjs.org/widget"},
        request="GET http://registry.npmjs.org/widget",
    ),
    "INVALID_PUBLISH": Example(
        Group.REFUSAL,
        {
            "package": "widget",
            "detail": "attachment 'widget-1.2.1.tgz' declares 5120 bytes but holds 4096",
        },
    ),
    "PUBLISH_TOO_LARGE": Example(
        Group.REFUSAL, {"package": "widget", "size": "142.3 MiB", "limit": "100.0 MiB"}
    ),
    "VERSION_EXISTS": Example(
        Group.REFUSAL,
        {
            "package": "widget",
            "version": "1.0.0",
            "registry": "Artifactory",
            "published": " (published 2026-03-02 09:14 UTC)",
            "highest": "the highest version is 1.2.0; ",
            "differs": "",
            "free": _FREE,
            "next_step": _NEXT_STEP,
        },
    ),
    "VERSION_RESERVED": Example(
        Group.REFUSAL,
        {
            "package": "widget",
            "version": "1.1.0",
            "registry": "the npm registry",
            "published": " on 2026-02-10 16:40 UTC",
            "unpublished": " on 2026-02-11 08:05 UTC",
            "free": _FREE,
            "next_step": _NEXT_STEP,
        },
    ),
    "PACKAGE_BLOCKED": Example(
        Group.REFUSAL,
        {
            "package": "widget",
            "unpublished": "2026-03-05 14:20 UTC",
            "until": "2026-03-06 14:20 UTC",
            "free": _FREE,
        },
    ),
    "PUBLISH_NOT_LANDED": Example(
        Group.UPSTREAM,
        {
            "package": "widget",
            "version": "1.2.1",
            "cause": "the connection to artifactory.example.com was lost (the connection was "
            "reset)",
            "upstream": _ARTIFACTORY["upstream"],
        },
    ),
    "PUBLISH_OUTCOME_UNKNOWN": Example(
        Group.UPSTREAM,
        {
            "package": "widget",
            "version": "1.2.1",
            "cause": "artifactory.example.com did not answer within 60s",
            "lookup": "HTTP 503",
        },
    ),
    "AUTH_REJECTED": Example(
        Group.UPSTREAM,
        {
            **_WRITE,
            **_LOGIN,
            "said": "Bad credentials",
            "token_source": "Artifactory issues npm tokens under 'Set Me Up' or the user profile",
        },
    ),
    "TOKEN_EXPIRED": Example(
        Group.UPSTREAM,
        {**_WRITE, **_LOGIN, "registry": "the npm registry"},
    ),
    "NO_PERMISSION": Example(
        Group.UPSTREAM,
        {
            **_WRITE,
            "said_part": " (forbidden)",
            "cause": "widget@1.2.1 does not exist there, so this is not a version collision; "
            "the user lacks the Deploy/Cache permission on npm-local",
            "fix": "Ask the Artifactory admin for Deploy/Cache permission on npm-local "
            "(Administration → Permissions).",
        },
        fix="Ask the registry's admin for the permission the answer names: Artifactory "
        "Deploy/Cache (or Delete/Overwrite to replace a version), Nexus add and edit on the "
        "repository, Verdaccio's 'publish:' rule in config.yaml, npmjs package ownership.",
    ),
    "REPO_NOT_DEPLOYABLE": Example(
        Group.UPSTREAM,
        {
            **_WRITE,
            "repo_facts": "npm-virtual is a virtual repository without a Default Deployment "
            "Repository",
            "fix": "Ask the Artifactory admin to set a Default Deployment Repository on "
            "npm-virtual, or publish to a local repository directly.",
        },
        fix="Publish to a repository that stores packages: an Artifactory local repository "
        "(or a virtual one with a Default Deployment Repository), a Nexus hosted repository. "
        "Installing can keep going through the virtual, group or proxy repository.",
    ),
    "REDEPLOY_DISABLED": Example(
        Group.UPSTREAM,
        {
            **_WRITE,
            **_NEXUS,
            "version": "1.0.0",
            "operation": "the publish of widget@1.0.0",
            "visibility": "",
        },
    ),
    "REPO_READ_ONLY": Example(
        Group.UPSTREAM,
        {**_WRITE, **_NEXUS},
    ),
    "LATEST_TAG_LOCKED": Example(
        Group.UPSTREAM,
        {**_WRITE, **_NEXUS},
    ),
    "TOO_LARGE_UPSTREAM": Example(
        Group.UPSTREAM,
        {**_WRITE, "registry": "Verdaccio", "size": "14.2 MiB", "limit": ""},
    ),
    "UPLINK_DOWN": Example(
        Group.UPSTREAM,
        {**_WRITE, "registry": "Verdaccio"},
    ),
    "UPSTREAM_REJECTED": Example(
        Group.UPSTREAM,
        {
            **_WRITE,
            "registry": "Verdaccio",
            "operation": "the dist-tag change of widget",
            "upstream_status": "409",
            "reason": "Conflict",
            "said_part": " (this package is already present)",
            "fix": "The registry reports a conflict; look at the package's current state "
            "(npm view) and retry.",
        },
        request="PUT /-/package/widget/dist-tags/beta",
        status=409,
        fix="Read the registry's own words in the line; the guard forwarded the request "
        "unchanged and could not tell more.",
    ),
    "UPSTREAM_DNS": Example(Group.NETWORK, {**_ARTIFACTORY, "errno": "EAI_AGAIN"}),
    "UPSTREAM_REFUSED": Example(Group.NETWORK, dict(_ARTIFACTORY), request="GET /widget"),
    "UPSTREAM_UNREACHABLE": Example(
        Group.NETWORK, {**_ARTIFACTORY, "detail": "No route to host"}, request="GET /widget"
    ),
    "UPSTREAM_TLS": Example(
        Group.NETWORK,
        {
            **_ARTIFACTORY,
            "detail": "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
            "certificate in certificate chain",
        },
    ),
    "UPSTREAM_TIMEOUT": Example(
        Group.NETWORK,
        {
            **_ARTIFACTORY,
            "phase": "waiting for the answer",
            "seconds": "60",
            "setting": "read_timeout",
        },
    ),
    "UPSTREAM_DROPPED": Example(
        Group.NETWORK, {**_ARTIFACTORY, "detail": "the server closed the connection"}
    ),
    "UPSTREAM_PROTOCOL": Example(
        Group.NETWORK,
        {
            "host": "artifactory.example.com",
            "upstream": "https://artifactory.example.com/artifactory/",
            "detail": "the package document is not JSON",
        },
        request="GET /widget",
    ),
    "UPSTREAM_NOT_READY": Example(
        Group.NETWORK,
        {**_ARTIFACTORY, "detail": "HTTP 503"},
        request="GET /-/guard/readyz",
    ),
    "DEV_PROVENANCE": Example(
        Group.REFUSAL, {"package": "widget", "version": "1.3.0"}, request="PUT /-/dev/widget"
    ),
    "DEV_MODE_OFF": Example(
        Group.REFUSAL,
        {"package": "widget", "dev_url": "/-/dev/"},
        request="PUT /-/dev/widget",
    ),
    "DEV_ALLOCATION_FAILED": Example(
        Group.REFUSAL,
        {"package": "widget", "version": "1.3.0", "attempts": "8"},
        request="PUT /-/dev/widget",
    ),
    "UNKNOWN_WRITE": Example(
        Group.REFUSAL,
        {"method": "POST", "target": "/-/widget/publish"},
        request="POST /-/widget/publish",
    ),
    "PUBLISH_TO_REV": Example(
        Group.REFUSAL,
        {"package": "widget", "rev": "3-8f2c", "version": "1.2.1"},
        request="PUT /widget/-rev/3-8f2c",
    ),
    "METADATA_ONLY": Example(
        Group.REFUSAL,
        {"package": "widget", "problems": "adds version 9.9.9"},
        request="PUT /widget/-rev/3-8f2c",
    ),
    "UPDATE_UNCHECKED": Example(
        Group.NETWORK,
        {"package": "widget", "cause": "the registry answered HTTP 502"},
        request="PUT /widget/-rev/3-8f2c",
    ),
    "PUBLISHES_BUSY": Example(
        Group.REFUSAL,
        {"held": "512.0 MiB", "size": "180.0 MiB", "seconds": "10"},
        request="PUT /widget",
    ),
    "UNSUPPORTED_ENCODING": Example(
        Group.REFUSAL,
        {
            "what": "publish",
            "package": "widget",
            "detail": "Content-Encoding 'br' cannot be checked (supported: gzip, deflate)",
        },
        request="PUT /widget",
    ),
    "UPSTREAM_DOCUMENT": Example(
        Group.UPSTREAM,
        {
            "package": "widget",
            "host": "artifactory.example.com",
            "detail": "its 'versions' is a list, not an object",
            "upstream": _ARTIFACTORY["upstream"],
        },
    ),
    "MANIFEST_MISMATCH": Example(
        Group.REFUSAL,
        {"package": "widget", "version": "1.2.1", "fields": "dependencies, scripts.postinstall"},
    ),
    "TARBALL_INVALID": Example(
        Group.REFUSAL,
        {"package": "widget", "version": "1.2.1", "detail": "is not gzip-compressed"},
    ),
    "TARBALL_TOO_LARGE": Example(
        Group.REFUSAL,
        {
            "package": "widget",
            "version": "1.2.1",
            "detail": "unpacks to more than 536870912 bytes",
        },
    ),
    "LOCK_BUSY": Example(Group.REFUSAL, {"package": "widget", "seconds": "300"}),
    "SHARED_STATE_DOWN": Example(
        Group.NETWORK,
        {"what": "publish", "detail": "Error 111 connecting to redis.example.com:6379"},
    ),
    "GUARD_UNREACHABLE": Example(Group.NETWORK, {"what": "nothing was sent to the registry"}),
    "GUARD_LOST": Example(Group.NETWORK, {"method": "PUT"}),
    "CLIENT_TOO_SLOW": Example(
        Group.REFUSAL,
        {"method": "PUT", "target": "/widget", "seconds": "60"},
        request="PUT /widget",
    ),
}

EXAMPLE_FACTS: dict[str, dict[str, str]] = {code: e.facts for code, e in EXAMPLES.items()}
"""Each code's placeholder values (the ``facts`` of ``EXAMPLES``)."""


@dataclass(frozen=True, slots=True)
class RenderedExample:
    method: str
    url: str  # as npm names it in its error line
    status: int
    reason: str
    error: str
    hint: str
    answer: dict[str, Any]  # the JSON body the guard sends
    npm_output: tuple[str, ...] = field(default=())  # empty where npm never asks (probes)

    @property
    def request(self) -> str:
        return f"{self.method} {self.url}"


def placeholders(template: str) -> set[str]:
    """The names a ``str.format`` template asks for (``{x}``, ``{x.y}`` and ``{x[0]}`` → x)."""
    return {
        re.split(r"[.\[]", name, maxsplit=1)[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name is not None
    }


def missing_facts(code: str) -> set[str]:
    """Placeholders of ``code``'s texts without a value in ``EXAMPLE_FACTS``."""
    text = TEXTS[code]
    return (placeholders(text.error) | placeholders(text.hint)) - set(EXAMPLE_FACTS.get(code, {}))


def example_of(code: str) -> Example:
    # a code someone just added still gets a page entry (with '?' for its facts); the test fails
    return EXAMPLES.get(code) or Example(Group.UPSTREAM, {})


def render_example(code: str) -> RenderedExample:
    """The example answer for ``code``, filled in exactly as the guard fills its answers."""
    example = example_of(code)
    error = GuardError(code, status=example.status)
    # facts are set after: a fact may share a name with an argument (status, headers, body)
    error.facts = dict(example.facts)
    method, _, target = example.request.partition(" ")
    url = target if target.startswith(("http://", "https://")) else f"{GUARD_URL}{target}"
    reason = HTTPStatus(error.status).phrase
    lines: tuple[str, ...] = ()
    if not target.startswith("/-/guard/"):
        lines = npm_error_lines(
            method,
            url,
            error.status,
            reason,
            error.error,
            notice=error.hint,
            pkgid=_pkgid(target, example.facts),
        )
    return RenderedExample(
        method=method,
        url=url,
        status=error.status,
        reason=reason,
        error=error.error,
        hint=error.hint,
        answer=error_body(error, request_id="4f0c2a7d9e1b4c35a6d8e2f1b0c3d5e7"),
        npm_output=lines,
    )


def npm_error_lines(
    method: str,
    url: str,
    status: int,
    reason: str,
    error: str,
    *,
    notice: str = "",
    pkgid: str | None = None,
) -> tuple[str, ...]:
    """What npm 11 prints for a JSON error answer without ``www-authenticate``.

    npm-registry-fetch makes the message ``<status> <statusText> - <METHOD> <url> - <error>``;
    npm's error-message.js then prefixes a 403 with ``403`` and adds its stock paragraph, and
    prefixes a 404 with ``404`` (dropping the status it repeats) and adds its detail lines.
    """
    message = f"{status} {reason} - {method} {url} - {error}"
    lines = [f"npm notice {notice}"] if notice else []
    lines.append(f"npm error code E{status}")
    if status == 403:
        lines += [f"npm error 403 {message}", f"npm error 403 {NPM_403_PARAGRAPH}"]
    elif status == 404:
        lines.append(f"npm error {message}")
        if pkgid and pkgid != "-":
            lines += [
                "npm error 404",
                f"npm error 404  The requested resource '{pkgid}' could not be found or you do "
                "not have permission to access it.",
                "npm error 404",
                "npm error 404 Note that you can also install from a",
                "npm error 404 tarball, folder, http url, or git url.",
            ]
    else:
        lines.append(f"npm error {message}")
    return tuple(lines)


def _pkgid(target: str, facts: dict[str, str]) -> str | None:
    """npm's ``pkgid``: the spec it was given, else the last path segment of the URL."""
    if facts.get("package") and facts.get("version"):
        return f"{facts['package']}@{facts['version']}"
    path = target.partition("?")[0].lstrip("/")
    if not path or path.startswith("-"):
        return None
    return unquote(path.split("/")[-1])
