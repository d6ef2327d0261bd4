"""An upstream's refusal of a write, translated into cause and fix (pure).

Each registry says the same things differently (UPSTREAMS.md): Artifactory's bare ``forbidden``,
Nexus' 400 texts and empty 401s, Verdaccio's sentences, npmjs' 404 for an expired token. The
rules below turn what the upstream said, plus what the guard knows (the flavor, the operation,
the repository's type), into one of the codes of ``texts.py``. The upstream's status class is
kept; what it said goes under ``upstream`` in the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from publish_guard.explain.answer import GuardError
from publish_guard.flavors import Flavor
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
    lowered = said.lower()
    facts: dict[str, Any] = {
        "registry": ctx.flavor.title,
        "operation": ctx.operation,
        "package": ctx.package or "",
        "version": ctx.version or "",
        "repo": ctx.repo or "?",
        "said": said or "an empty answer",
        "said_part": f" ({said})" if said else "",
        "guard_url": ctx.guard_url,
        "nerf": ctx.nerf,
        "upstream_status": refusal.status,
        "reason": refusal.reason,
    }
    upstream: dict[str, Any] = {
        "status": refusal.status,
        "flavor": ctx.flavor.key,
        "said": said,
    }
    if refusal.header("www-authenticate"):
        upstream["www_authenticate"] = refusal.header("www-authenticate")
    if refusal.header("npm-notice"):
        upstream["npm_notice"] = refusal.header("npm-notice")

    code, more = _classify(refusal, ctx, lowered)
    facts.update(more)
    return GuardError(code, status=refusal.status, body={"upstream": upstream}, **facts)


def _classify(refusal: Refusal, ctx: WriteContext, said: str) -> tuple[str, dict[str, Any]]:
    status, flavor = refusal.status, ctx.flavor.key
    if status == 401:
        return "AUTH_REJECTED", {"token_source": _TOKEN_SOURCES[flavor]}
    if status == 404 and "expired or revoked" in refusal.header("npm-notice").lower():
        return "TOKEN_EXPIRED", {}
    if status == 413:
        size = f"{ctx.request_size / 1024**2:.1f} MiB" if ctx.request_size else "the request"
        return "TOO_LARGE_UPSTREAM", {"size": size, "limit": ""}
    if "uplinks is down" in said:
        return "UPLINK_DOWN", {}
    if "does not allow updating assets" in said:
        visibility = (
            " (the guard could not see it: your user may lack the browse/read privilege)"
            if ctx.version_visible is False
            else ""
        )
        return "REDEPLOY_DISABLED", {"visibility": visibility}
    if "is read only" in said:
        return "REPO_READ_ONLY", {}
    if "unable to update latest tag" in said:
        return "LATEST_TAG_LOCKED", {}
    if flavor == "nexus":
        found = _nexus(refusal, ctx, said)
        if found:
            return found
    if flavor == "artifactory":
        found = _artifactory(refusal, ctx, said)
        if found:
            return found
    if status == 403 and ("not allowed to publish" in said or "do not have permission" in said):
        cause = (
            "Verdaccio's package rules (packages: … publish:) do not list this user"
            if flavor == "verdaccio"
            else "this user is not a maintainer of the package or a member of its team"
        )
        fix = (
            "Ask the Verdaccio admin to allow your user to publish packages matching this name "
            "(config.yaml, packages:, publish:)."
            if flavor == "verdaccio"
            else "Ask an owner to add you (npm owner add <user> <package>), or publish under "
            "your own scope."
        )
        return "NO_PERMISSION", {"cause": cause, "fix": fix}
    return "UPSTREAM_REJECTED", {"fix": _GENERIC_FIX.get(status, _GENERIC_FIX[0])}


def _nexus(refusal: Refusal, ctx: WriteContext, said: str) -> tuple[str, dict[str, Any]] | None:
    status, repo = refusal.status, ctx.repo or "?"
    group = "pro-licensed" in said or "deploying to groups" in said
    if group or (status == 400 and not said and ctx.command == "publish"):
        return "REPO_NOT_DEPLOYABLE", {
            "repo_facts": f"repository {repo} is a Nexus group repository, and groups do not take "
            "publishes",
            "fix": "Publish to the hosted repository that is a member of the group: npm "
            "publish --registry <nexus>/repository/<hosted-repo>/ (keep the group for installs).",
        }
    if status == 404 and ctx.command == "publish":
        return "REPO_NOT_DEPLOYABLE", {
            "repo_facts": f"repository {repo} takes no publishes (Nexus answers 404 Not "
            "Found): it is a proxy repository, or no repository of that name exists",
            "fix": "Publish to a hosted npm repository: npm publish --registry "
            "<nexus>/repository/<hosted-repo>/.",
        }
    if status == 403:
        return "NO_PERMISSION", {
            "cause": f"the Nexus user lacks the add and edit privileges on {repo} "
            f"(nx-repository-view-npm-{repo}-add and -edit)",
            "fix": f"Ask the Nexus admin for a role with nx-repository-view-npm-{repo}-add and "
            "-edit.",
        }
    return None


def _artifactory(
    refusal: Refusal, ctx: WriteContext, said: str
) -> tuple[str, dict[str, Any]] | None:
    status, repo = refusal.status, ctx.repo or "?"
    if "include/exclude patterns" in said:
        return "NO_PERMISSION", {
            "cause": f"repository {repo} excludes this package name by its include/exclude "
            "patterns",
            "fix": f"Ask the Artifactory admin to add the name to {repo}'s include patterns, or "
            "publish to a repository that accepts it.",
        }
    if "needs delete permission" in said or "delete/overwrite" in said:
        return "NO_PERMISSION", {
            "cause": "overwriting needs the Delete/Overwrite permission, which this user lacks",
            "fix": f"Publish a new version, or ask for Delete/Overwrite on {repo}.",
        }
    if status == 404 and ctx.command == "publish" and "could not locate" in said:
        return "NO_PERMISSION", {
            "cause": f"Artifactory hides {repo} from this user ('hide unauthorized resources' "
            "answers 404 where it means 403)",
            "fix": f"Ask the Artifactory admin for Read and Deploy/Cache permission on {repo}.",
        }
    if status == 403 and ctx.command != "publish":
        return "NO_PERMISSION", {
            "cause": f"the user lacks the permission this change needs on {repo} (Deploy/Cache "
            "for dist-tags and deprecations, Delete/Overwrite for unpublish)",
            "fix": f"Ask the Artifactory admin for that permission on {repo} (Administration → "
            "Permissions).",
        }
    if status != 403:
        return None
    info = ctx.repo_info or {}
    rclass = str(info.get("rclass", "")).lower()
    if rclass == "remote":
        return "REPO_NOT_DEPLOYABLE", {
            "repo_facts": f"repository {repo} is a remote repository (a cache of another "
            "registry); Artifactory never publishes to one",
            "fix": "Publish to a local npm repository (JFrog's advice: install through a virtual "
            "repository, publish to a local one).",
        }
    if rclass == "virtual" and not info.get("defaultDeploymentRepo"):
        return "REPO_NOT_DEPLOYABLE", {
            "repo_facts": f"repository {repo} is a virtual repository without a Default "
            "Deployment Repository",
            "fix": f"Ask the Artifactory admin to set a Default Deployment Repository on {repo}, "
            "or publish to a local repository directly.",
        }
    not_collision = (
        f"{ctx.package}@{ctx.version} does not exist there, so this is not a version collision"
        if ctx.version_visible
        else "the guard could not read the package to rule out a version collision"
    )
    if rclass == "local" or (rclass == "virtual" and info.get("defaultDeploymentRepo")):
        target = info.get("defaultDeploymentRepo") or repo
        return "NO_PERMISSION", {
            "cause": f"{not_collision}; the user lacks the Deploy/Cache permission on {target}",
            "fix": f"Ask the Artifactory admin for Deploy/Cache permission on {target} "
            "(Administration → Permissions).",
        }
    return "NO_PERMISSION", {
        "cause": f"{not_collision}; likely causes: no Deploy/Cache permission on {repo}, a "
        "virtual repository without a Default Deployment Repository, a remote repository, or "
        "include/exclude patterns",
        "fix": f"Ask the Artifactory admin which applies to {repo} (its repository settings "
        "and Administration → Permissions).",
    }


_TOKEN_SOURCES = {
    "artifactory": "Artifactory issues npm tokens under 'Set Me Up' or the user profile",
    "nexus": "Nexus accepts npm tokens only with the 'npm Bearer Token Realm' active "
    "(Security → Realms)",
    "verdaccio": "Verdaccio treats an expired token as no token at all",
    "npmjs": "npmjs tokens are made at npmjs.com → Access Tokens",
    "generic": "ask the registry's admin how its tokens are issued",
}
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
