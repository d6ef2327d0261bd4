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
        "not as an HTTP proxy (npm config delete proxy; npm config delete https-proxy).",
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
        "publish-guard gave up on the upstream registry {host}: {phase} took longer than "
        "{seconds}s",
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
        "publish-guard got an answer from the upstream registry {host} that it cannot use "
        "({detail})",
        "Check that {upstream} is the npm API URL of the registry, not another service.",
        "The upstream's answer could not be parsed as HTTP.",
    ),
    "UPSTREAM_DOCUMENT": Text(
        502,
        "publish-guard could not judge {package}: the registry {host} sent a package document "
        "it cannot read ({detail}); nothing was sent to the registry",
        "Ask the registry's operator to look at {package} at {upstream}; publishing again is safe "
        "once its document is whole.",
        "The upstream's package document is not shaped as npm documents it (versions, "
        "dist-tags or time of the wrong kind), so the guard cannot tell which versions exist.",
    ),
    "UPSTREAM_NOT_READY": Text(
        503,
        "publish-guard is not ready: the upstream registry {host} does not answer its ping "
        "({detail})",
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
        "{version} is already in {registry}{published} and a published version never "
        "changes{differs}; {highest}next free: {free}",
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
    "AUTH_REJECTED": Text(
        401,
        "{registry} refused the credentials for {operation} ({said}): the token npm sends for "
        "{guard_url} is missing, expired or wrong",
        "Log in again for the guard's URL: npm login --registry {guard_url} (or put a fresh "
        "token in .npmrc as {nerf}:_authToken=<token>); {token_source}.",
        "The upstream answered 401: no credentials, a wrong password, or an expired or revoked "
        "token. npm keys credentials by registry URL, so the token must be configured for the "
        "guard's URL, not the registry's.",
    ),
    "TOKEN_EXPIRED": Text(
        404,
        "{registry} says the access token is expired or revoked (it answers 404 Not Found for "
        "{operation}, which hides the real cause); npm's 'could not be found' lines below do not "
        "apply",
        "Log in again: npm login --registry {guard_url}, or create a new token and put it in "
        ".npmrc as {nerf}:_authToken=<token>.",
        "npmjs answers an expired or revoked token with 404 and an npm-notice header instead of "
        "401.",
    ),
    "NO_PERMISSION": Text(
        403,
        "{registry} refused {operation}{said_part}: {cause}",
        "{fix}",
        "The user is logged in but may not write here: a missing deploy/publish permission, a "
        "repository that does not accept publishes, or a name its patterns exclude.",
    ),
    "REPO_NOT_DEPLOYABLE": Text(
        403,
        "{registry} refused {operation}: {repo_facts}",
        "{fix}",
        "The registry URL points at a repository that cannot take publishes: an Artifactory "
        "remote repository or a virtual one without a Default Deployment Repository, a Nexus "
        "proxy or group repository.",
    ),
    "REDEPLOY_DISABLED": Text(
        400,
        "{registry} refused {operation}: repository {repo} does not allow updating assets "
        "(redeploy is disabled) and {package}@{version} is already stored there{visibility}",
        "Publish a new version ('npm version patch'); a stored version can only be replaced by "
        "deleting it in Nexus first.",
        "Nexus' deployment policy 'Disable redeploy' refuses to store a version twice, even with "
        "identical bytes.",
    ),
    "REPO_READ_ONLY": Text(
        400,
        "{registry} refused {operation}: repository {repo} is read-only (deployment policy "
        "'Read-only')",
        "Publish to a hosted repository that accepts deployments, or ask the Nexus admin to set "
        "{repo}'s deployment policy to 'Disable redeploy'.",
        "The repository's deployment policy is Read-only.",
    ),
    "LATEST_TAG_LOCKED": Text(
        400,
        "{registry} refused {operation}: it may not move the 'latest' dist-tag of {package} "
        "('Unable to update latest tag')",
        "Publish under another tag (npm publish --tag next), then ask the Nexus admin to move "
        "'latest' if it should.",
        "Nexus refuses to change which version 'latest' points at.",
    ),
    "TOO_LARGE_UPSTREAM": Text(
        413,
        "{registry} refused {operation}: the request ({size}) is larger than it accepts{limit}",
        "Leave build output out of the package ('npm pack --dry-run' lists its files), or ask "
        "the registry's admin to raise its body-size limit (Verdaccio: max_body_size).",
        "The upstream's request-size limit is below the publish body (about 1.34 times the "
        "tarball).",
    ),
    "UPLINK_DOWN": Text(
        503,
        "{registry} refused {operation}: one of its uplinks (the registries it mirrors) is down, "
        "and it will not publish while it cannot check them",
        "Retry when the uplink is back, or ask the Verdaccio admin to check its uplinks.",
        "Verdaccio refuses publishes while an uplink is unreachable.",
    ),
    "UPSTREAM_REJECTED": Text(
        400,
        "{registry} refused {operation} with {upstream_status} {reason}{said_part}",
        "{fix}",
        "Any other refusal of a write by the upstream, quoted as it said it.",
    ),
    "DEV_PROVENANCE": Text(
        400,
        "publish-guard cannot publish {package}@{version} as a dev build: it carries a "
        "provenance statement (--provenance) that signs the tarball's digest, and changing the "
        "version would break that signature; nothing was sent to the registry",
        "Publish without --provenance to get a dev build, or publish outside dev mode (the "
        "guard's plain URL, another dist-tag or scope).",
        "Dev mode rewrites the version inside the tarball, which a sigstore signature forbids.",
    ),
    "DEV_MODE_OFF": Text(
        400,
        "publish-guard refused the publish of {package} through {dev_url}: dev mode is off on "
        "this guard; nothing was sent to the registry",
        "Publish through the guard's plain URL, or ask the operator to start the guard with "
        "--dev-mode always (or on-conflict).",
        "A publish came through the /-/dev/ registry URL while dev mode is off.",
    ),
    "DEV_ALLOCATION_FAILED": Text(
        409,
        "publish-guard could not find a free dev version for {package}@{version} in {attempts} "
        "attempts: other publishes kept taking the next number; nothing was published",
        "Publish again.",
        "Many dev publishes of one package raced, across guard replicas, and this one lost every "
        "round.",
    ),
    "UNKNOWN_WRITE": Text(
        405,
        "publish-guard refused {method} {target}: it is not a write the guard knows "
        "(publish, deprecate, dist-tag, unpublish, owner, access, login, token, audit), so it was "
        "not sent to the registry",
        "If this request is legitimate, ask the guard's operator to let it through with "
        "--allow-write '{method} <path-glob>' (PUBLISH_GUARD_ALLOW_WRITES).",
        "A write (PUT, POST, PATCH, DELETE, ...) to a path that is no npm endpoint the guard "
        "understands. The registry might obey it (a publish spelled another way, a document "
        "replaced), so the guard refuses what it cannot check.",
    ),
    "PUBLISH_TO_REV": Text(
        400,
        "publish-guard refused the write to {package}/-rev/{rev}: its body publishes a version "
        "({version}), and a revision update may only change metadata (a registry would replace "
        "the package's versions with it); nothing was sent to the registry",
        "Publish with npm publish, which sends the tarball to the package's own path.",
        "A publish body (a version with its tarball) sent to the package's /-rev/ path, which "
        "no npm client does; Verdaccio would replace every version of the package with it.",
    ),
    "METADATA_ONLY": Text(
        400,
        "publish-guard refused the update of {package}: a document update may change metadata "
        "only, and this one {problems}; nothing was sent to the registry",
        "Publish new versions with npm publish; deprecate with npm deprecate, unpublish with npm "
        "unpublish — they send only what may change.",
        "A PUT of the package document (deprecate, owner, star, unpublish of one version) whose "
        "body adds a version, or changes a published version's tarball, integrity or what "
        "decides an install (dependencies, scripts, bin, engines).",
    ),
    "UPDATE_UNCHECKED": Text(
        503,
        "publish-guard could not check the update of {package}: reading the package from the "
        "registry failed ({cause}); nothing was sent to the registry",
        "Retry in a moment; npm retries this on its own.",
        "A document update that names versions is compared with the registry's document first; "
        "the registry could not be read.",
    ),
    "PUBLISHES_BUSY": Text(
        503,
        "publish-guard is holding {held} of publish bodies, its limit (max_publish_memory), and "
        "could not take this {size} one within {seconds}s; nothing was sent to the registry",
        "Retry in a moment (npm retries this on its own), or ask the operator to raise "
        "--max-publish-memory (PUBLISH_GUARD_MAX_PUBLISH_MEMORY) with the memory limit.",
        "Too many big publishes at once for one guard process: bodies are held in memory until "
        "they are checked, and the guard caps how much it holds.",
    ),
    "UNSUPPORTED_ENCODING": Text(
        415,
        "publish-guard refused the {what} of {package}: {detail}; nothing was sent to the registry",
        "Send the body uncompressed (npm, pnpm and yarn do) or gzip-encoded.",
        "The body is compressed with a Content-Encoding the guard cannot decode, so it cannot "
        "be checked.",
    ),
    "MANIFEST_MISMATCH": Text(
        400,
        "publish-guard refused the publish of {package}@{version}: its manifest differs from the "
        "package.json in its tarball in {fields} (what the registry would show is not what would "
        "install); nothing was sent to the registry",
        "Publish with npm, pnpm or yarn, which send the tarball's own package.json; if a tool "
        "between rewrites manifests on purpose, ask the operator for --manifest-check warn.",
        "The manifest in the publish body (what the registry serves and npm installs from) and "
        "package/package.json in the tarball disagree on dependencies, scripts, bin, engines, os, "
        "cpu, name or version: 'manifest confusion', which can hide an install script or a "
        "dependency.",
    ),
    "TARBALL_INVALID": Text(
        400,
        "publish-guard refused the publish of {package}@{version}: its tarball {detail}; nothing "
        "was sent to the registry",
        "Pack and publish again with npm, pnpm or yarn; 'npm pack' shows what the tarball holds.",
        "The tarball is not a gzip-compressed tar with a package/package.json, as npm pack makes.",
    ),
    "TARBALL_TOO_LARGE": Text(
        413,
        "publish-guard refused the publish of {package}@{version}: its tarball {detail}, over the "
        "guard's limits (max_unpacked_size, max_tarball_entries); nothing was sent to the registry",
        "Leave build output and tests out of the package ('npm pack --dry-run' lists what is in "
        "it), or ask the operator to raise --max-unpacked-size or --max-tarball-entries.",
        "The tarball unpacks to more bytes or files than the guard reads (a compression bomb is "
        "stopped there).",
    ),
    "LOCK_BUSY": Text(
        503,
        "publish-guard could not start the publish of {package}: another publish of it has held "
        "the package's lock for {seconds}s; nothing was sent to the registry",
        "Retry in a moment (npm retries this on its own); if it lasts, ask the operator what "
        "holds the lock.",
        "Publishes of one package are serialised; this one waited longer than the publish "
        "timeout for the one before it.",
    ),
    "SHARED_STATE_DOWN": Text(
        503,
        "publish-guard cannot take this {what} now: the shared state of its replicas (Redis) "
        "is not reachable ({detail}), and without it publishes of one package are not kept "
        "apart; nothing was sent to the registry",
        "Retry in a moment (npm retries this on its own); the guard recovers by itself when "
        "Redis answers again. Installs are not affected.",
        "With --shared-state every publish takes its package's lock in Redis, so that replicas "
        "never forward two publishes of one package at once; Redis did not answer.",
    ),
    "GUARD_UNREACHABLE": Text(
        503,
        "publish-guard, which checks every write to this registry, is not reachable: {what}; "
        "installs still work",
        "Retry in a minute (npm retries this on its own); if it lasts, ask the platform team to "
        "look at the publish-guard pods.",
        "The fast path (nginx) sends reads straight to the registry and everything else to the "
        "guard; the guard did not answer, so nginx answered instead. Nothing reached the "
        "registry.",
    ),
    "GUARD_LOST": Text(
        502,
        "publish-guard stopped answering after {method} reached it: the registry may or may "
        "not have received it",
        "Check before you send it again (npm view <package> versions); a publish sent again "
        "gets the guard's answer for what is there now.",
        "The fast path (nginx) had handed the request to the guard when the guard stopped "
        "answering (it was restarted or died), so whether the write went on to the registry "
        "is not known.",
    ),
    "CLIENT_TOO_SLOW": Text(
        408,
        "publish-guard stopped waiting for the body of {method} {target}: nothing arrived for "
        "{seconds}s; nothing was sent to the registry",
        "Publish again from a steadier connection; npm retries this on its own.",
        "The client stopped sending the request body (a stalled connection, or a slow-client "
        "attack); the guard does not let it hold a connection open.",
    ),
}
