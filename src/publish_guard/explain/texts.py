"""The user-facing texts of every code the guard emits.

``error`` is the one line npm prints (``<status> <statusText> - <METHOD> <url> - <error>``), so it
carries the whole explanation; ``hint`` is the next step, also sent as the ``npm-notice`` header.
Placeholders are filled with ``str.format`` from the error's facts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Text:
    status: int
    error: str
    hint: str
    cause: str  # for the catalogue: why this happens


TEXTS: dict[str, Text] = {
    "BAD_TARGET": Text(
        400,
        "publish-guard refused {method} {target}: {reason}; requests must stay inside the "
        "registry's path",
        "Use the registry URL as configured; paths with '..', encoded dots or slashes used to "
        "climb, backslashes or NUL bytes are never forwarded.",
        "The request path would leave the upstream registry's base path.",
    ),
    "NOT_A_PROXY": Text(
        400,
        "publish-guard refused {method} {target}: it is an npm registry URL, not a forward proxy",
        "Set publish-guard as the npm registry (npm config set registry <guard URL>), "
        "not as an HTTP proxy.",
        "An absolute-form request target or CONNECT was sent, as to a forward proxy.",
    ),
    "UPSTREAM_DNS": Text(
        502,
        "publish-guard could not resolve the upstream registry host {host} ({errno}): the "
        "guard-to-registry hop failed, not your connection to the guard",
        "Ask the guard's operator to check the upstream URL ({upstream}) and the guard's DNS; "
        "retrying later is safe.",
        "The guard's resolver could not find the upstream host (EAI_AGAIN: temporary, "
        "ENOTFOUND: no such name).",
    ),
    "UPSTREAM_REFUSED": Text(
        502,
        "publish-guard could not connect to the upstream registry {host}: connection refused "
        "(is the registry running?)",
        "Ask the guard's operator to check that the registry at {upstream} is up; retrying later "
        "is safe.",
        "Nothing listens at the upstream address, or a firewall rejects the guard.",
    ),
    "UPSTREAM_UNREACHABLE": Text(
        502,
        "publish-guard could not connect to the upstream registry {host}: {detail}",
        "Ask the guard's operator to check the network path to {upstream}; retrying later is safe.",
        "The upstream host could not be reached (no route, network down).",
    ),
    "UPSTREAM_TLS": Text(
        502,
        "publish-guard could not verify the TLS certificate of the upstream registry {host}: "
        "{detail}",
        "Ask the guard's operator to give the guard the registry's CA bundle; never turn "
        "verification off.",
        "The upstream's certificate is self-signed, expired, for another name, or signed by a "
        "CA the guard does not trust.",
    ),
    "UPSTREAM_TIMEOUT": Text(
        504,
        "publish-guard timed out waiting for the upstream registry {host} ({phase} took longer "
        "than {seconds}s)",
        "The registry at {upstream} is slow or stuck; retry later, or ask the operator to raise "
        "the guard's {setting}.",
        "The upstream did not connect or answer within the guard's timeout.",
    ),
    "UPSTREAM_DROPPED": Text(
        502,
        "publish-guard lost the connection to the upstream registry {host} before it answered "
        "({detail})",
        "The registry at {upstream} closed the connection; retry later.",
        "The upstream closed or reset the connection mid-request.",
    ),
    "UPSTREAM_PROTOCOL": Text(
        502,
        "publish-guard got an answer from the upstream registry {host} that is not valid HTTP "
        "({detail})",
        "Check that {upstream} is the npm API URL of the registry, not another service.",
        "The upstream's answer could not be parsed as HTTP.",
    ),
    "UPSTREAM_NOT_READY": Text(
        503,
        "the upstream registry {host} does not answer its ping: {detail}",
        "Wait for the registry at {upstream} to come up.",
        "Readiness: the upstream's ping failed.",
    ),
    "INVALID_PUBLISH": Text(
        400,
        "publish-guard refused the publish of {package}: {detail}; nothing was sent to the "
        "registry",
        "Publish again with npm, pnpm or yarn; if it happens again, the client or something "
        "between it and the guard is damaging the upload.",
        "The publish body is not what npm sends: invalid JSON, a missing name, version or "
        "tarball, several versions, names that differ, bad base64, a wrong length, or a tarball "
        "that does not match its dist.integrity or shasum (a corrupted upload).",
    ),
    "PUBLISH_TOO_LARGE": Text(
        413,
        "publish-guard refused the publish of {package}: the request is {size}, over the guard's "
        "limit of {limit} (max_publish_size)",
        "Leave build output and tests out of the package ('npm pack --dry-run' lists what is in "
        'it; use "files" or .npmignore), or ask the operator to raise --max-publish-size '
        "(PUBLISH_GUARD_MAX_PUBLISH_SIZE).",
        "The publish body (about 1.34 times the tarball) is larger than the guard accepts.",
    ),
    "VERSION_EXISTS": Text(
        403,
        "You cannot publish over the previously published versions: {version}. {package}@"
        "{version} is already in {registry}{published} and a published version never changes; "
        "{highest}next free: {free}",
        "{next_step}",
        "The version is already published. Registries never let a published version change, so "
        "that a package cannot be altered under its users.",
    ),
    "VERSION_RESERVED": Text(
        400,
        'Cannot publish over previously published version "{version}". {package}@{version} was '
        "published{published} and unpublished{unpublished}; {registry} never lets a version "
        "number be used twice, even after unpublish; next free: {free}",
        "{next_step}",
        "The version was unpublished; the npm registry keeps it reserved forever.",
    ),
    "PACKAGE_BLOCKED": Text(
        403,
        "{package} cannot be republished until 24 hours have passed. It was unpublished at "
        "{unpublished}; publishing is possible again after {until}, and only with a version "
        "that was never used (next free: {free})",
        "Wait until {until}, then publish a new version.",
        "The whole package was unpublished less than 24 hours ago.",
    ),
    "PUBLISH_NOT_LANDED": Text(
        502,
        "{package}@{version} was NOT published: {cause}; the registry does not have it, so "
        "publishing again is safe",
        "Publish again; the registry at {upstream} does not have {package}@{version}.",
        "The upstream failed (5xx, reset or timeout) after receiving the publish, and a look-up "
        "afterwards showed the version did not land.",
    ),
    "PUBLISH_OUTCOME_UNKNOWN": Text(
        502,
        "publish-guard cannot tell whether {package}@{version} was published: {cause}, and the "
        "registry could not be asked afterwards ({lookup})",
        "Run 'npm view {package}@{version}' before publishing again.",
        "The upstream failed after receiving the publish and could not be asked whether the "
        "version landed.",
    ),
}
