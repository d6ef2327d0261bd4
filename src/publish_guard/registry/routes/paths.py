"""Which npm API endpoint a raw request path names (pure: no aiohttp).

The sub-path is what follows a repository's base, still percent-encoded, without the query.
A scoped name may arrive as ``@s%2fn``, ``@s%2Fn``, ``%40s%2fn`` or ``@s/n``.
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
    ident: str | None = None  # user name, token, or stage id


UNKNOWN = NpmPath("unknown")


def parse_npm_path(sub: str) -> NpmPath:
    segments = sub.split("?", 1)[0].split("/")
    if segments and segments[-1] == "" and len(segments) > 1:
        segments = segments[:-1]  # a trailing slash
    if not segments or segments == [""]:
        return NpmPath("root")
    try:
        if segments[0] == "-":
            return _special(segments[1:])
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
    head = parts[0] if parts else ""
    if parts in (["ping"], ["whoami"]):
        return NpmPath(head)
    if head == "user" and len(parts) >= 2:
        if parts[1] == "token" and len(parts) == 3:
            return NpmPath("logout", ident=unquote(parts[2]))
        user = unquote(parts[1])
        if user.startswith(COUCH_USER_PREFIX):
            rev = unquote(parts[3]) if len(parts) == 4 and parts[2] == "-rev" else None
            if len(parts) in (2, 4):
                return NpmPath("user", ident=user[len(COUCH_USER_PREFIX) :], rev=rev)
    if head == "package" and len(parts) >= 3:
        name, rest = take_name(parts[1:])
        if rest == ["dist-tags"]:
            return NpmPath("dist_tags", name)
        if len(rest) == 2 and rest[0] == "dist-tags":
            return NpmPath("dist_tag", name, tag=unquote(rest[1]))
    if head == "stage":
        if len(parts) >= 3 and parts[1] == "package":
            name, rest = take_name(parts[2:])
            return NpmPath("stage_package", name) if not rest else UNKNOWN
        if len(parts) == 1:
            return NpmPath("stage_list")
        if len(parts) == 2:
            return NpmPath("stage_item", ident=unquote(parts[1]))
        if len(parts) == 3 and parts[2] in ("approve", "tarball"):
            return NpmPath(f"stage_{parts[2]}", ident=unquote(parts[1]))
    if parts == ["v1", "search"]:
        return NpmPath("search")
    return UNKNOWN
