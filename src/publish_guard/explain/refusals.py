"""An upstream's refusal of a write, translated into cause and fix (pure).

Each registry says the same things differently (UPSTREAMS.md): Artifactory's bare ``forbidden``,
Nexus' 400 texts and empty 401s, Verdaccio's sentences, npmjs' 404 for an expired token. The
rules below turn what the upstream said, plus what the guard knows (the operation, the
repository's type, and what the flavor object makes of the answer), into one of the codes of
``codes/registry.py``. The upstream's status class is kept; what it said goes under
``upstream`` in the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from publish_guard.explain.answer import GuardError
from publish_guard.explain.codes.registry import (
    AUTH_REJECTED,
    LATEST_TAG_LOCKED,
    NO_PERMISSION,
    REDEPLOY_DISABLED,
    REPO_NOT_DEPLOYABLE,
    REPO_READ_ONLY,
    TOKEN_EXPIRED,
    TOO_LARGE_UPSTREAM,
    UPLINK_DOWN,
    UPSTREAM_REJECTED,
    AuthRejected,
    LatestTagLocked,
    NoPermission,
    RedeployDisabled,
    RepoNotDeployable,
    RepoReadOnly,
    TokenExpired,
    TooLargeUpstream,
    UplinkDown,
    UpstreamRejected,
)
from publish_guard.explain.text import F, Text
from publish_guard.flavors import Flavor, Refused
from publish_guard.redact import scrub_text

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MAX_SAID = 300


@dataclass(frozen=True, slots=True)
class Refusal:
    """What the upstream answered: status, headers (lower-case names) and body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name), "")

    def said(self) -> str:
        """The meaningful part of the answer, one line, secrets scrubbed."""
        text = _said(self.body)
        # Azure DevOps says its sentence in the status line: "403 Forbidden - The feed …".
        _, dash, told = self.reason.partition(" - ")
        if dash and told.strip() and told.strip() not in text:
            text = f"{told.strip()}; {text}" if text else told.strip()
        text = " ".join(text.split())
        if len(text) > _MAX_SAID:
            text = text[: _MAX_SAID - 1] + "…"
        return scrub_text(text)


@dataclass(frozen=True, slots=True)
class WriteContext:
    command: str  # publish, deprecate, dist-tag, unpublish, login, owner, star, write
    flavor: Flavor
    guard_url: str  # the registry URL the client used, as it must appear in .npmrc
    package: str | None = None
    version: str | None = None
    repo: str | None = None  # the repository key or name from the upstream URL
    repo_info: Mapping[str, Any] | None = None  # Artifactory's repository description
    request_size: int | None = None
    method_path: str = ""
    version_visible: bool | None = None  # the guard could read the package document
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def operation(self) -> str:
        package = self.package or "the package"
        if self.command == "publish" and self.version:
            return f"the publish of {package}@{self.version}"
        phrases = {
            "publish": f"the publish of {package}",
            "deprecate": f"npm deprecate of {package}",
            "dist-tag": f"the dist-tag change of {package}",
            "unpublish": f"the unpublish of {package}",
            "login": "the login",
            "owner": f"the owner change of {package}",
            "star": f"the star of {package}",
        }
        return phrases.get(self.command, self.method_path or "the request")

    @property
    def nerf(self) -> str:
        """npm's credential key for the guard's URL: ``//host:port/path/``."""
        parts = urlsplit(self.guard_url)
        return f"//{parts.netloc}{parts.path or '/'}"


def is_otp_challenge(refusal: Refusal) -> bool:
    """npm's one-time-password flow (and the IP allow-list) must reach npm unchanged."""
    if refusal.status != 401:
        return False
    challenge = refusal.header("www-authenticate").lower()
    return "otp" in challenge or "ipaddress" in challenge or b"one-time pass" in refusal.body


def explain_refusal(refusal: Refusal, ctx: WriteContext) -> GuardError | None:
    """The guard's answer for a refused write, or ``None`` to pass the answer on unchanged."""
    if refusal.status < 400 or is_otp_challenge(refusal):
        return None
    said = refusal.said()
    upstream: dict[str, Any] = {
        "status": refusal.status,
        "flavor": ctx.flavor.key,
        "said": said,
    }
    if refusal.header("www-authenticate"):
        upstream["www_authenticate"] = refusal.header("www-authenticate")
    if refusal.header("npm-notice"):
        upstream["npm_notice"] = refusal.header("npm-notice")
    answer = _Answer(refusal, ctx, said, {"upstream": upstream})
    return _classify(refusal, ctx, said.lower(), answer)


@dataclass(frozen=True, slots=True)
class _Answer:
    """The facts every refusal's answer shares, and its status and body."""

    refusal: Refusal
    ctx: WriteContext
    said: str
    body: dict[str, Any]

    @property
    def common(self) -> dict[str, str]:
        return {
            "registry": self.ctx.flavor.title,
            "operation": self.ctx.operation,
            "package": self.ctx.package or "",
            "version": self.ctx.version or "",
        }

    @property
    def login(self) -> dict[str, str]:
        return {**self.common, "guard_url": self.ctx.guard_url, "nerf": self.ctx.nerf}

    @property
    def said_part(self) -> str:
        return f" ({self.said})" if self.said else ""

    def __call__(self, text: Text[F], facts: F) -> GuardError:
        return GuardError(text, facts, status=self.refusal.status, body=self.body)


def _classify(refusal: Refusal, ctx: WriteContext, said: str, answer: _Answer) -> GuardError:
    status, flavor, repo = refusal.status, ctx.flavor, ctx.repo or "?"
    if status == 401:
        rejected = AuthRejected(
            said=answer.said or "an empty answer",
            token_source=flavor.login_help.replace("<nerf>", ctx.nerf),
            **answer.login,
        )
        return answer(AUTH_REJECTED, rejected)
    if status == 404 and "expired or revoked" in refusal.header("npm-notice").lower():
        return answer(TOKEN_EXPIRED, TokenExpired(**answer.login))
    refused = Refused(
        status=status,
        said=said,
        command=ctx.command,
        repo=repo,
        package=ctx.package,
        version=ctx.version,
        version_visible=ctx.version_visible,
        repo_info=ctx.repo_info,
    )
    if flavor.says_too_large(refused):
        size = _size(ctx.request_size) if ctx.request_size else "the request"
        limit = flavor.size_limit
        return answer(TOO_LARGE_UPSTREAM, TooLargeUpstream(size=size, limit=limit, **answer.common))
    if "uplinks is down" in said:
        return answer(UPLINK_DOWN, UplinkDown(**answer.common))
    if "does not allow updating assets" in said:
        visibility = (
            " (the guard could not see it: your user may lack the browse/read privilege)"
            if ctx.version_visible is False
            else ""
        )
        stored = RedeployDisabled(repo=repo, visibility=visibility, **answer.common)
        return answer(REDEPLOY_DISABLED, stored)
    if "is read only" in said:
        return answer(REPO_READ_ONLY, RepoReadOnly(repo=repo, **answer.common))
    if "unable to update latest tag" in said:
        return answer(LATEST_TAG_LOCKED, LatestTagLocked(**answer.common))
    if flavor.says_exists(refused):
        return answer(UPSTREAM_REJECTED, _held(refusal, ctx, answer))
    advice = flavor.advise(refused)
    if (
        advice is None
        and status == 403
        and ("not allowed to publish" in said or "do not have permission" in said)
    ):
        advice = flavor.may_not_publish()
    if advice is not None and advice.kind == "repository":
        repository = RepoNotDeployable(repo_facts=advice.cause, fix=advice.fix, **answer.common)
        return answer(REPO_NOT_DEPLOYABLE, repository)
    if advice is not None:
        permission = NoPermission(
            said_part=answer.said_part, cause=advice.cause, fix=advice.fix, **answer.common
        )
        return answer(NO_PERMISSION, permission)
    other = UpstreamRejected(
        upstream_status=status,
        reason=_status_text(refusal.reason),
        said_part=answer.said_part,
        fix=_GENERIC_FIX.get(status, _GENERIC_FIX[0]),
        **answer.common,
    )
    return answer(UPSTREAM_REJECTED, other)


def _held(refusal: Refusal, ctx: WriteContext, answer: _Answer) -> UpstreamRejected:
    """The registry holds the version though the guard's look-up did not show it (a token that
    may publish but not read, or a version the registry keeps out of its package document)."""
    flavor, package = ctx.flavor, f"{ctx.package}@{ctx.version}"
    again = flavor.reuse_hint or f"{flavor.title} never takes a version number twice"
    fix = (
        f"{flavor.title} already holds {package}, though the guard's look-up of the package did "
        f"not show it (may this token read the package?). Publish a new version ('npm version "
        f"patch'); {again}."
    )
    return UpstreamRejected(
        upstream_status=refusal.status,
        reason=_status_text(refusal.reason),
        said_part=answer.said_part,
        fix=fix,
        **answer.common,
    )


def _size(size: int) -> str:
    return f"{size / 1024**2:.1f} MiB" if size >= 1024**2 else f"{size / 1024:.1f} KiB"


def _status_text(reason: str) -> str:
    """The reason phrase without a sentence after it (Azure's is in ``said`` already)."""
    return reason.partition(" - ")[0]


_GENERIC_FIX = {
    0: "The registry's own words are above; the guard forwarded the request unchanged.",
    400: "The registry found the request invalid; its words are above.",
    403: "Ask the registry's admin what this user may write; the registry's words are above.",
    404: "Check the registry URL and that the package exists; the registry's words are above.",
    409: "The registry reports a conflict; look at the package's current state (npm view) and "
    "retry.",
}


def _said(body: bytes) -> str:
    if not body.strip():
        return ""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        title = _TITLE.search(body)
        if title:
            return title.group(1).decode("utf-8", "replace")
        text = body.decode("utf-8", "replace").strip()
        return text.splitlines()[0] if text else ""
    return _said_json(doc)


def _said_json(doc: Any) -> str:
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, Mapping):
        return ""
    parts: list[str] = []
    for key in ("error", "message", "reason", "detail"):
        value = doc.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    errors = doc.get("errors")
    if isinstance(errors, list):
        parts += [
            str(e.get("message")) for e in errors if isinstance(e, Mapping) and e.get("message")
        ]
    return "; ".join(parts)
