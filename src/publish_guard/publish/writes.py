"""Which kind of write a request is (pure): every method but a read is understood or refused.

The guard must not pass on a write it does not understand: the registry may obey it. Each write
is classified by the npm endpoint its path names (``npm.routes``, with the normalisation upstreams
apply: trailing slash, ``%2F``/``%2f``, ``%40``, queries) and its method:

- ``DOCUMENT_PUT``: ``PUT /<name>`` — a publish, or a metadata update (deprecate, star), decided
  by its body;
- ``PUBLISH``: npm 11's ``POST /-/stage/package/<name>`` — always a publish;
- ``DOCUMENT_UPDATE``: ``PUT /<name>/-rev/<rev>`` (unpublish of one version, owner) — metadata
  only; a publish body there is refused (Verdaccio would replace the package's versions with it);
- ``PACKAGE_WRITE``: other writes to one package (dist-tags, unpublish, access, trust);
- ``ACCOUNT_WRITE``: writes that touch no package's contents (login, logout, tokens, profile,
  orgs and teams, staged-publish approval);
- ``QUERY``: a POST that only asks (npm's, pnpm's and yarn's audit reports): passed on, and its
  answer relayed as it is, like a read's;
- ``UNKNOWN``: anything else, refused unless ``--allow-write`` names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from publish_guard.npm.routes import NpmPath, parse_npm_path

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteKind(Enum):
    READ = "read"
    DOCUMENT_PUT = "document_put"
    PUBLISH = "publish"
    DOCUMENT_UPDATE = "document_update"
    PACKAGE_WRITE = "package_write"
    ACCOUNT_WRITE = "account_write"
    QUERY = "query"
    UNKNOWN = "unknown"


_PACKAGE = WriteKind.PACKAGE_WRITE
_ACCOUNT = WriteKind.ACCOUNT_WRITE
_WRITES: dict[tuple[str, str], WriteKind] = {
    ("document", "PUT"): WriteKind.DOCUMENT_PUT,
    ("stage_package", "POST"): WriteKind.PUBLISH,
    ("document_rev", "PUT"): WriteKind.DOCUMENT_UPDATE,
    ("document_rev", "DELETE"): _PACKAGE,  # npm unpublish --force: the whole package
    ("tarball_rev", "DELETE"): _PACKAGE,  # npm unpublish pkg@v, its second step
    ("dist_tag", "PUT"): _PACKAGE,
    ("dist_tag", "DELETE"): _PACKAGE,
    ("dist_tags", "PUT"): _PACKAGE,
    ("dist_tags", "POST"): _PACKAGE,
    ("package_access", "POST"): _PACKAGE,
    ("package_trust", "POST"): _PACKAGE,
    ("package_trust", "DELETE"): _PACKAGE,
    ("oidc_exchange", "POST"): _ACCOUNT,
    ("user", "PUT"): _ACCOUNT,
    ("logout", "DELETE"): _ACCOUNT,
    ("tokens", "POST"): _ACCOUNT,
    ("token", "DELETE"): _ACCOUNT,
    ("web_login", "POST"): _ACCOUNT,
    ("profile", "POST"): _ACCOUNT,
    ("org_user", "PUT"): _ACCOUNT,
    ("org_user", "DELETE"): _ACCOUNT,
    ("org_team", "PUT"): _ACCOUNT,
    ("org_team", "DELETE"): _ACCOUNT,
    ("team", "DELETE"): _ACCOUNT,
    ("team_user", "PUT"): _ACCOUNT,
    ("team_user", "DELETE"): _ACCOUNT,
    ("team_package", "PUT"): _ACCOUNT,
    ("team_package", "DELETE"): _ACCOUNT,
    ("audit_bulk", "POST"): WriteKind.QUERY,
    ("audit", "POST"): WriteKind.QUERY,
    ("audit_quick", "POST"): WriteKind.QUERY,
    ("stage_approve", "POST"): _ACCOUNT,
    ("stage_item", "DELETE"): _ACCOUNT,
}


@dataclass(frozen=True, slots=True)
class Write:
    kind: WriteKind
    path: NpmPath

    @property
    def package(self) -> str | None:
        return self.path.name.full if self.path.name is not None else None


def classify(method: str, relative_path: str) -> Write:
    """The kind of request ``method relative_path`` is (the path still percent-encoded,
    relative to the registry's base, with or without its query)."""
    path = parse_npm_path(relative_path)
    if method in READ_METHODS:
        return Write(WriteKind.READ, path)
    return Write(_WRITES.get((path.kind, method), WriteKind.UNKNOWN), path)
