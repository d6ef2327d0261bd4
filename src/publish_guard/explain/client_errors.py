"""Errors users meet around publishing that the guard never sees, for the error catalogue.

The client refuses on its own, cannot reach the guard, or replaces the guard's words with its
own text. Every quoted message was checked against the installed clients (npm 11.19, yarn 4.18,
pnpm 10.34) and their output captured on loopback; ``sources`` names where each text lives, and
``tests/test_catalogue.py`` checks that the ``npm:``, ``yarn:`` and ``pnpm:`` quotes are still
there.
Hosts are the catalogue's made-up ``guard.example.com``.
"""

from __future__ import annotations

from dataclasses import dataclass

from publish_guard.explain.examples import render_example

Source = tuple[str, str]
"""(where, the exact text): ``npm:<path under npm's root>``, ``yarn:``/``pnpm:<path under
node_modules>``, or a URL for a registry's text seen in a report."""


@dataclass(frozen=True, slots=True)
class ClientError:
    code: str  # what the client prints as the code; a slug where it prints none
    title: str
    client: str
    cause: str
    fix: str
    command: str
    output: tuple[str, ...]  # as printed; lines starting with '#' are the catalogue's notes
    sources: tuple[Source, ...]
    see: tuple[str, ...] = ()  # related catalogue entries


_ERROR_MESSAGE = "npm:lib/utils/error-message.js"
_LOGIN = "npm login --registry http://guard.example.com:8080/"

CLIENT_ERRORS: tuple[ClientError, ...] = (
    ClientError(
        "E401",
        "Unable to authenticate / Incorrect or missing password",
        "npm",
        "A registry answered 401 with a WWW-Authenticate header, and npm printed its own text "
        "instead of the registry's: 'Bearer' gives 'Unable to authenticate, your authentication "
        "token seems to be invalid.', 'Basic' gives 'Incorrect or missing password.', any other "
        "scheme 'Unable to authenticate, need: <header>'. The guard explains a 401 on a write "
        "(AUTH_REJECTED) but passes reads through untouched, so npm install, npm view and "
        "npm whoami show npm's text.",
        "npm keys credentials by registry URL: the token must be saved for the guard's URL, "
        f"not the registry's. Run {_LOGIN}, or put a fresh token in ~/.npmrc as "
        "//guard.example.com:8080/:_authToken=<token>.",
        "npm view @acme/widget",
        (
            "# the registry answered WWW-Authenticate: Bearer",
            "npm error code E401",
            "npm error Unable to authenticate, your authentication token seems to be invalid.",
            "npm error To correct this please try logging in again with:",
            "npm error   npm login",
            '# the registry answered WWW-Authenticate: Basic realm="Artifactory Realm"',
            "npm error code E401",
            "npm error Incorrect or missing password.",
            "npm error If you were trying to login, change your password, create an "
            "authentication token or enable two-factor authentication then that means you "
            "likely typed your password in incorrectly.",
            "npm error Please try again, or recover your password at:",
            "npm error   https://www.npmjs.com/forgot",
            "npm error",
            "npm error If you were doing some other operation then your saved credentials are "
            "probably out of date.",
            "npm error To correct this please try logging in again with:",
            "npm error   npm login",
        ),
        (
            (
                _ERROR_MESSAGE,
                "Unable to authenticate, your authentication token seems to be invalid.",
            ),
            (_ERROR_MESSAGE, "Incorrect or missing password."),
            ("npm:node_modules/npm-registry-fetch/lib/errors.js", "Unable to authenticate, need: "),
        ),
        see=("AUTH_REJECTED", "ENEEDAUTH"),
    ),
    ClientError(
        "E403",
        "403 Forbidden, and npm's paragraph about a security policy",
        "npm",
        "npm adds the same paragraph to every 403, whatever the cause; it is written for "
        "installs and says nothing about a publish. The registry's (or the guard's) own "
        "explanation is the text after the second ' - ' of the line above it.",
        "Read the '403 403 Forbidden - <METHOD> <url> - …' line, not the paragraph. On a "
        "publish through the guard that line names the cause (VERSION_EXISTS, NO_PERMISSION, "
        "REPO_NOT_DEPLOYABLE, PACKAGE_BLOCKED). On an install, the registry refused the package "
        "(a curation or security policy, or no read permission): ask its admin.",
        "npm install widget",
        (
            "npm error code E403",
            "npm error 403 403 Forbidden - GET http://guard.example.com:8080/widget - forbidden",
            "npm error 403 In most cases, you or one of your dependencies are requesting a "
            "package version that is forbidden by your security policy, or on a server you do "
            "not have access to.",
        ),
        (
            (
                _ERROR_MESSAGE,
                "In most cases, you or one of your dependencies are requesting a package version "
                "that is forbidden by your security policy, or on a server you do not have "
                "access to.",
            ),
        ),
        see=("VERSION_EXISTS", "NO_PERMISSION", "REPO_NOT_DEPLOYABLE"),
    ),
    ClientError(
        "ENEEDAUTH",
        "This command requires you to be logged in",
        "npm",
        "npm has no credentials for the registry URL it uses, and stops before sending "
        "anything: npm publish names the URL, commands that ask /-/whoami (npm owner, npm "
        "access, npm unpublish's completion) say it without one. Credentials saved for the "
        "registry's own URL, or for another scope, do not count.",
        f"{_LOGIN} (npm adduser is the same command), or add "
        "//guard.example.com:8080/:_authToken=<token> to ~/.npmrc. In CI, write that line from "
        "a secret, e.g. //guard.example.com:8080/:_authToken=${NPM_TOKEN}.",
        "npm publish",
        (
            "npm error code ENEEDAUTH",
            "npm error need auth This command requires you to be logged in to "
            "http://guard.example.com:8080/",
            "npm error need auth You need to authorize this machine using `npm adduser`",
            "# npm whoami, without credentials:",
            "npm error code ENEEDAUTH",
            "npm error need auth This command requires you to be logged in.",
            "npm error need auth You need to authorize this machine using `npm adduser`",
        ),
        (
            ("npm:lib/commands/publish.js", "This command requires you to be logged in to "),
            ("npm:lib/utils/get-identity.js", "This command requires you to be logged in."),
            (_ERROR_MESSAGE, "You need to authorize this machine using `npm adduser`"),
        ),
        see=("E401",),
    ),
    ClientError(
        "ENOTFOUND",
        "The client cannot resolve the guard's host name",
        "npm",
        "npm's own DNS lookup of the registry host failed: the name does not exist (a typo in "
        "the registry URL, a name only the cluster knows) — nothing reached the guard. If the "
        "guard cannot resolve the registry behind it, npm prints the guard's UPSTREAM_DNS "
        "answer (502) instead.",
        "Check the URL (npm config get registry) and that this machine resolves it "
        "(getent hosts guard.example.com); inside Kubernetes use the service name, outside it "
        "the ingress name.",
        "npm view widget",
        (
            "npm error code ENOTFOUND",
            "npm error syscall getaddrinfo",
            "npm error errno ENOTFOUND",
            "npm error network request to http://guard.example.com:8080/widget failed, reason: "
            "getaddrinfo ENOTFOUND guard.example.com",
            "npm error network This is a problem related to network connectivity.",
            "npm error network In most cases you are behind a proxy or have bad network settings.",
            "npm error network",
            "npm error network If you are behind a proxy, please make sure that the 'proxy' "
            "config is set properly.  See: 'npm help config'",
        ),
        (
            (_ERROR_MESSAGE, "case 'ENOTFOUND':"),
            (_ERROR_MESSAGE, "This is a problem related to network connectivity."),
        ),
        see=("EAI_AGAIN", "UPSTREAM_DNS"),
    ),
    ClientError(
        "EAI_AGAIN",
        "The client's DNS did not answer for the guard's host name",
        "npm",
        "npm's resolver gave no answer in time (EAI_AGAIN: a temporary failure, e.g. the DNS "
        "server is unreachable from a CI container). npm has no advice for this code and prints "
        "only the message. Nothing reached the guard; when the guard cannot resolve the "
        "registry, npm prints the guard's UPSTREAM_DNS answer instead.",
        "Retry; if it stays, check this machine's resolver (/etc/resolv.conf, the container's "
        "DNS settings) and that guard.example.com resolves from here.",
        "npm view widget",
        (
            "npm error code EAI_AGAIN",
            "npm error syscall getaddrinfo",
            "npm error errno EAI_AGAIN",
            "npm error request to http://guard.example.com:8080/widget failed, reason: "
            "getaddrinfo EAI_AGAIN guard.example.com",
        ),
        ((_ERROR_MESSAGE, "summary.push(['', er.message || er])"),),
        see=("ENOTFOUND", "UPSTREAM_DNS"),
    ),
    ClientError(
        "ECONNREFUSED",
        "Connection refused by the guard's address",
        "npm",
        "Nothing listens at the registry URL's host and port: the guard is not running, listens "
        "on another port or address (127.0.0.1 inside a container), or a firewall rejects the "
        "connection. If the guard runs but its registry refuses it, npm prints the guard's "
        "UPSTREAM_REFUSED answer (502) instead.",
        "Check the port in the registry URL and that the guard is up: "
        "curl http://guard.example.com:8080/-/guard/healthz. In a container, let the guard "
        "listen on 0.0.0.0.",
        "npm view widget",
        (
            "npm error code ECONNREFUSED",
            "npm error syscall connect",
            "npm error errno ECONNREFUSED",
            "npm error FetchError: request to http://guard.example.com:8080/widget failed, "
            "reason: connect ECONNREFUSED 192.0.2.10:8080",
            "# (a stack trace and the error's fields follow)",
            "npm error",
            "npm error If you are behind a proxy, please make sure that the 'proxy' config is "
            "set properly.  See: 'npm help config'",
        ),
        (
            (
                _ERROR_MESSAGE,
                "If you are behind a proxy, please make sure that the 'proxy' config is set "
                "properly.  See: 'npm help config'",
            ),
        ),
        see=("UPSTREAM_REFUSED",),
    ),
    ClientError(
        "EUSAGE",
        "Refusing to delete entire project",
        "npm",
        "npm unpublish of a whole package (no version, or pkg@*) needs --force; so does "
        "unpublishing the only version left, which deletes the package too. npm refuses before "
        "any request. On the public registry a package removed entirely cannot be published "
        "again for 24 hours, and its version numbers never.",
        "To take one bad version away from users, deprecate it instead: npm deprecate "
        'widget@1.0.0 "broken build, use 1.0.1". To unpublish one version: npm unpublish '
        "widget@1.0.0. To remove everything, and only if nobody depends on it: npm unpublish "
        "widget --force.",
        "npm unpublish widget",
        (
            "npm error code EUSAGE",
            "npm error",
            "npm error Refusing to delete entire project.",
            "npm error Run with --force to do this.",
            "npm error",
            "npm error Remove a package from the registry",
            "# (npm's usage text for unpublish follows)",
            "# npm unpublish widget@1.0.0, when 1.0.0 is the only version:",
            "npm error code EUSAGE",
            "npm error",
            "npm error Refusing to delete the last version of the package. It will block from "
            "republishing a new version for 24 hours.",
            "npm error Run with --force to do this.",
        ),
        (
            ("npm:lib/commands/unpublish.js", "Refusing to delete entire project."),
            (
                "npm:lib/commands/unpublish.js",
                "Refusing to delete the last version of the package. It will block from "
                "republishing a new version for 24 hours.",
            ),
        ),
        see=("E405", "PACKAGE_BLOCKED"),
    ),
    ClientError(
        "EOTP",
        "This operation requires a one-time password",
        "npm",
        "The registry asked for a second factor (a 401 whose WWW-Authenticate contains 'otp', "
        "or whose body mentions a one-time password). The guard passes this challenge through "
        "unchanged. In a terminal npm prompts 'Enter OTP:' and repeats the request; without a "
        "terminal (CI) it fails like this.",
        "Pass the code from your authenticator: npm publish --otp=123456. In CI use a token "
        "that needs no second factor (an npmjs granular or automation token).",
        "npm publish",
        (
            "npm error code EOTP",
            "npm error This operation requires a one-time password from your authenticator.",
            "npm error You can provide a one-time password by passing --otp=<code> to the "
            "command you ran.",
            "npm error If you already provided a one-time password then it is likely that you "
            "either typoed it, or it timed out. Please try again.",
        ),
        (
            (
                _ERROR_MESSAGE,
                "This operation requires a one-time password from your authenticator.",
            ),
            ("npm:lib/utils/auth.js", "This operation requires a one-time password.\\nEnter OTP:"),
        ),
    ),
    ClientError(
        "E404",
        "404 Not Found with 'Access token expired or revoked'",
        "npm",
        "The npm registry answers an expired or revoked token with 404 Not Found and an "
        "npm-notice header, not with 401; npm then prints its 'could not be found' text for a "
        "package that exists. The guard explains this on writes (TOKEN_EXPIRED); reads pass "
        "through as the registry sent them.",
        f"Log in again: {_LOGIN}, or create a new token and save it for the guard's URL in "
        "~/.npmrc.",
        "npm view @acme/widget",
        (
            "npm notice Access token expired or revoked. Please try logging in again.",
            "npm error code E404",
            "npm error 404 Not Found - GET http://guard.example.com:8080/@acme%2fwidget - "
            "Not found",
            "npm error 404",
            "npm error 404  The requested resource '@acme/widget@*' could not be found or you "
            "do not have permission to access it.",
            "npm error 404",
            "npm error 404 Note that you can also install from a",
            "npm error 404 tarball, folder, http url, or git url.",
        ),
        (
            (
                _ERROR_MESSAGE,
                "could not be found or you do not have permission to access it.",
            ),
            ("npm:node_modules/npm-registry-fetch/lib/check-response.js", "npm-notice"),
        ),
        see=("TOKEN_EXPIRED",),
    ),
    ClientError(
        "npm-republish",
        "You cannot publish over the previously published versions (npm ≥ 11, before any request)",
        "npm",
        "npm 11 reads the package document first and refuses on its own when the version "
        "exists and is neither a prerelease nor deprecated: no publish reaches the guard, and "
        "npm prints no code. pnpm 10, which publishes through npm, prints the same. With "
        "--force, for prereleases and deprecated versions, and with npm ≤ 10, yarn or lerna "
        "the publish reaches the guard, which answers VERSION_EXISTS with the next free "
        "versions.",
        "Bump the version (npm version patch) and publish again. For a CI retry of a release "
        "that already went out, check it is yours: npm view widget@1.0.0 dist.integrity.",
        "npm publish",
        ("npm error You cannot publish over the previously published versions: 1.0.0.",),
        (
            (
                "npm:lib/commands/publish.js",
                "You cannot publish over the previously published versions: ",
            ),
        ),
        see=("VERSION_EXISTS", "pnpm-publish"),
    ),
    ClientError(
        "npm-latest-tag",
        'Cannot implicitly apply the "latest" tag (npm ≥ 11, before any request)',
        "npm",
        "npm 11 refuses to move 'latest' backwards: publishing 1.0.1 when 1.2.0 is out, "
        "without --tag, would make installs pick the older line.",
        "Publish the maintenance release under its own tag: npm publish --tag v1-maintenance "
        "(a tag must not look like a version).",
        "npm publish",
        (
            'npm error Cannot implicitly apply the "latest" tag because previously published '
            "version 1.2.0 is higher than the new version 1.0.1. You must specify a tag using "
            "--tag.",
        ),
        (
            (
                "npm:lib/commands/publish.js",
                'Cannot implicitly apply the "latest" tag because previously published version',
            ),
        ),
        see=("LATEST_TAG_LOCKED",),
    ),
    ClientError(
        "E405",
        "You can no longer unpublish this package (npmjs: after 72 hours)",
        "npm registry",
        "npmjs lets a package be unpublished within 72 hours of its first publish if no other "
        "package depends on it; later only if nothing depends on it, it had fewer than 300 "
        "downloads last week and it has a single owner. Otherwise it refuses with the failed "
        "criteria. Through the guard the same text arrives inside UPSTREAM_REJECTED.",
        'Deprecate instead: npm deprecate widget@1.0.0 "broken build, use 1.0.1" warns everyone '
        'who installs it, and npm deprecate widget@1.0.0 "" takes the warning back. The '
        "version number stays used either way; publish a new one.",
        "npm unpublish widget@1.0.0",
        (
            "# as reported with npm 6 (npm/cli#1686); npm 11 prints the same registry text "
            "after 'npm error'",
            "npm ERR! code E405",
            "npm ERR! 405 Method Not Allowed - PUT https://registry.npmjs.org/my-lib/-rev/"
            "14-878ad331638f5b05ac5eb9a52ff15fc0 - You can no longer unpublish this package.",
            "npm ERR! Failed criteria: ",
            "npm ERR! has dependent packages in the registry",
            "npm ERR! ",
            "npm ERR! Please deprecate it instead:",
            "npm ERR! npm deprecate -f 'my-lib@1.4.0' \"this package has been deprecated\"",
            "npm ERR! To learn more about our unpublish policies, see "
            "https://www.npmjs.com/policies/unpublish",
        ),
        (
            ("https://github.com/npm/cli/issues/1686", "You can no longer unpublish this package."),
            ("https://docs.npmjs.com/policies/unpublish", "within the first 72 hours"),
        ),
        see=("EUSAGE", "UPSTREAM_REJECTED", "PACKAGE_BLOCKED"),
    ),
    ClientError(
        "YN0033",
        "No authentication configured for request",
        "yarn",
        "yarn 4 has no token for the publish registry and stops before sending the publish. "
        "yarn does not read ~/.npmrc.",
        "Set the token for the guard in .yarnrc.yml: npmRegistryServer: "
        '"http://guard.example.com:8080" and npmAuthToken: "${NPM_TOKEN}", or run '
        "yarn npm login. For http:// add the host to unsafeHttpWhitelist.",
        "yarn npm publish",
        (
            "➤ YN0000: Publishing to http://guard.example.com:8080 with tag latest",
            "➤ YN0000: package.json",
            "➤ YN0033: No authentication configured for request",
            "➤ YN0000: Failed with errors in 0s 31ms",
        ),
        (("yarn:@yarnpkg/cli-dist/bin/yarn.js", "No authentication configured for request"),),
        see=("YN0041",),
    ),
    ClientError(
        "YN0041",
        "Invalid authentication",
        "yarn",
        "yarn 4 answers every 401 with its own line and drops the registry's (and the guard's) "
        "explanation; it asks /-/whoami with the same credentials to name the user, so a bad "
        "token shows 'an unknown user'. yarn npm whoami says 'Authentication failed - your "
        "credentials may have expired'.",
        "Put a fresh token for the guard in .yarnrc.yml (npmAuthToken, or "
        'npmRegistries: {"//guard.example.com:8080": {npmAuthToken: …}}) or run yarn npm login. '
        "npm publish through the guard shows the full explanation (AUTH_REJECTED).",
        "yarn npm publish",
        (
            "➤ YN0000: Publishing to http://guard.example.com:8080 with tag latest",
            "➤ YN0000: package.json",
            "➤ YN0041: Invalid authentication (as an unknown user)",
            "➤ YN0000: Failed with errors in 0s 249ms",
        ),
        (
            ("yarn:@yarnpkg/cli-dist/bin/yarn.js", "Invalid authentication ("),
            ("yarn:@yarnpkg/cli-dist/bin/yarn.js", "Invalid OTP token"),
            (
                "yarn:@yarnpkg/cli-dist/bin/yarn.js",
                "Authentication failed - your credentials may have expired",
            ),
        ),
        see=("AUTH_REJECTED", "YN0033"),
    ),
    ClientError(
        "YN0035",
        "The registry's (or the guard's) error, as yarn shows it",
        "yarn",
        "yarn 4 prints the answer's error text after YN0035, then the status, method and URL. "
        "It does not print the npm-notice header, so the guard's hint is not shown; the first "
        "line carries the explanation. An answer without an error field shows 'The remote "
        "server failed to provide the requested resource'.",
        "Follow the first YN0035 line; its code is in the guard's JSON answer "
        "(curl the same request, or see the catalogue entry it names).",
        "yarn npm publish",
        (
            "➤ YN0000: Publishing to http://guard.example.com:8080 with tag latest",
            "➤ YN0000: package.json",
            f"➤ YN0035: {render_example('VERSION_EXISTS').error}",
            "➤ YN0035:   Response Code: 403 (Forbidden)",
            "➤ YN0035:   Request Method: PUT",
            "➤ YN0035:   Request URL: http://guard.example.com:8080/widget",
            "➤ YN0000: Failed with errors in 0s 116ms",
        ),
        (
            (
                "yarn:@yarnpkg/cli-dist/bin/yarn.js",
                "The remote server failed to provide the requested resource",
            ),
            ("yarn:@yarnpkg/cli-dist/bin/yarn.js", "Response Code"),
        ),
        see=("VERSION_EXISTS",),
    ),
    ClientError(
        "pnpm-publish",
        "pnpm 10 publishes through npm",
        "pnpm",
        "pnpm 10 packs the tarball and runs the npm found on PATH (or its npm-path setting) as "
        "'npm publish --ignore-scripts <tarball>'. Everything printed is npm's: its version "
        "decides the checks (npm 11 refuses an existing version before any request) and the "
        "format of the error lines.",
        "Read the output as npm's (the entries above apply). Check which npm pnpm uses with "
        "npm --version in the same shell; credentials come from the same .npmrc.",
        "pnpm publish",
        ("npm error You cannot publish over the previously published versions: 1.0.0.",),
        (("pnpm:pnpm/dist/pnpm.cjs", '["publish", "--ignore-scripts",'),),
        see=("npm-republish",),
    ),
)
