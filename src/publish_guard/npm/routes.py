"""Which npm API endpoint a raw request path names (pure: no I/O).

One parser for the guard (which must understand every write before it forwards it) and for the
registry emulator (which answers them). The sub-path is what follows a registry's base, still
percent-encoded, with or without its query. Servers normalise more than clients send: a trailing
slash names the same endpoint (Verdaccio treats ``PUT /<name>/`` as a publish), and a scoped name
may arrive as ``@s%2fn``, ``@s%2Fn``, ``%40s%2fn`` or ``@s/n``. The endpoints are those of
npm 11 (npm-registry-fetch callers: libnpmpublish, libnpmaccess, libnpmorg, libnpmteam,
npm-profile, the commands), pnpm and yarn berry.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name

COUCH_USER_PREFIX = "org.couchdb.user:"


@dataclass(frozen=True, slots=True)
class NpmPath:
    kind: str
    name: PackageName | None = None
    rev: str | None = None
    filename: str | None = None
    tag: str | None = None  # dist-tag name, or the version/tag of a version request
    ident: str | None = None  # user name, token, token key, stage id, org, team

    @property
    def package_scoped(self) -> bool:
        """The endpoint changes or reads one package (its lock serialises writes to it)."""
        return self.name is not None


UNKNOWN = NpmPath("unknown")

# /-/<parts> endpoints that take no name, by their exact segments
_FIXED: dict[tuple[str, ...], str] = {
    ("ping",): "ping",
    ("whoami",): "whoami",
    ("v1", "search"): "search",
    ("v1", "login"): "web_login",
    ("npm", "v1", "tokens"): "tokens",
    ("npm", "v1", "user"): "profile",
    ("npm", "v1", "keys"): "keys",
    ("npm", "v1", "security", "advisories", "bulk"): "audit_bulk",
    ("npm", "v1", "security", "audits"): "audit",
    ("npm", "v1", "security", "audits", "quick"): "audit_quick",
    ("_view", "starredByUser"): "starred",
    ("all",): "all",
}
# /-/package/<name>/<what>
_PACKAGE_ENDPOINTS = {
    "access": "package_access",
    "collaborators": "package_collaborators",
    "visibility": "package_visibility",
    "trust": "package_trust",
}


def parse_npm_path(sub: str) -> NpmPath:
    segments = sub.split("?", 1)[0].split("/")
    if len(segments) > 1 and segments[-1] == "":
        segments = segments[:-1]  # a trailing slash
    if not segments or segments == [""]:
        return NpmPath("root")
    try:
        if segments[0] == "-":
            return _special(segments[1:])
        if "" in segments:
            return UNKNOWN  # an empty segment (``a//b``): no npm endpoint has one
        name, rest = take_name(segments)
    except (InvalidPackageName, IndexError):
        return UNKNOWN
    return _package(name, rest)


def take_name(segments: list[str]) -> tuple[PackageName, list[str]]:
    first = unquote(segments[0])
    if "/" in first:
        return parse_name(first, strict=False), segments[1:]
    if first.startswith("@"):
        return parse_name(f"{first}/{unquote(segments[1])}", strict=False), segments[2:]
    return parse_name(first, strict=False), segments[1:]


def _package(name: PackageName, rest: list[str]) -> NpmPath:
    if not rest:
        return NpmPath("document", name)
    if rest[0] == "-rev" and len(rest) == 2:
        return NpmPath("document_rev", name, rev=unquote(rest[1]))
    if rest[0] == "-" and len(rest) >= 2:
        file_parts, rev = rest[1:], None
        if len(file_parts) >= 3 and file_parts[-2] == "-rev":
            file_parts, rev = file_parts[:-2], unquote(file_parts[-1])
        filename = unquote("/".join(file_parts))
        return NpmPath("tarball_rev" if rev else "tarball", name, rev=rev, filename=filename)
    if len(rest) == 1:
        return NpmPath("version", name, tag=unquote(rest[0]))
    return UNKNOWN


def _special(parts: list[str]) -> NpmPath:
    if "" in parts:
        return UNKNOWN
    fixed = _FIXED.get(tuple(parts))
    if fixed is not None:
        return NpmPath(fixed)
    head = parts[0] if parts else ""
    if head == "user":
        return _user(parts[1:])
    if head == "package" and len(parts) >= 3:
        return _package_special(parts[1:])
    if head == "stage":
        return _stage(parts[1:])
    if head == "org" and len(parts) == 3 and parts[2] in ("user", "team", "package"):
        return NpmPath(f"org_{parts[2]}", ident=unquote(parts[1]))
    if head == "team" and len(parts) in (3, 4):
        ident = f"{unquote(parts[1])}:{unquote(parts[2])}"
        if len(parts) == 3:
            return NpmPath("team", ident=ident)
        if parts[3] in ("user", "package"):
            return NpmPath(f"team_{parts[3]}", ident=ident)
    if parts[:3] == ["npm", "v1", "tokens"] and len(parts) == 5 and parts[3] == "token":
        return NpmPath("token", ident=unquote(parts[4]))
    if parts[:6] == ["npm", "v1", "oidc", "token", "exchange", "package"] and len(parts) > 6:
        name, rest = take_name(parts[6:])
        return NpmPath("oidc_exchange", name) if not rest else UNKNOWN
    if parts[:2] == ["v1", "login"] and len(parts) >= 3:
        return NpmPath("web_login_poll", ident="/".join(parts[2:]))
    return UNKNOWN


def _user(parts: list[str]) -> NpmPath:
    if len(parts) == 2 and parts[0] == "token":
        return NpmPath("logout", ident=unquote(parts[1]))
    if len(parts) == 2 and parts[1] == "package":
        return NpmPath("user_package", ident=unquote(parts[0]))
    user = unquote(parts[0]) if parts else ""
    if user.startswith(COUCH_USER_PREFIX) and len(parts) in (1, 3):
        rev = unquote(parts[2]) if len(parts) == 3 and parts[1] == "-rev" else None
        if len(parts) == 1 or rev is not None:
            return NpmPath("user", ident=user[len(COUCH_USER_PREFIX) :], rev=rev)
    return UNKNOWN


def _package_special(parts: list[str]) -> NpmPath:
    name, rest = take_name(parts)
    if rest == ["dist-tags"]:
        return NpmPath("dist_tags", name)
    if len(rest) == 2 and rest[0] == "dist-tags":
        return NpmPath("dist_tag", name, tag=unquote(rest[1]))
    if len(rest) == 1 and rest[0] in _PACKAGE_ENDPOINTS:
        return NpmPath(_PACKAGE_ENDPOINTS[rest[0]], name)
    if len(rest) == 2 and rest[0] == "trust":
        return NpmPath("package_trust", name, ident=unquote(rest[1]))
    return UNKNOWN


def _stage(parts: list[str]) -> NpmPath:
    if len(parts) >= 2 and parts[0] == "package":
        name, rest = take_name(parts[1:])
        return NpmPath("stage_package", name) if not rest else UNKNOWN
    if not parts:
        return NpmPath("stage_list")
    if len(parts) == 1:
        return NpmPath("stage_item", ident=unquote(parts[0]))
    if len(parts) == 2 and parts[1] in ("approve", "tarball"):
        return NpmPath(f"stage_{parts[1]}", ident=unquote(parts[0]))
    return UNKNOWN
