"""Secrets never leave the guard: one redaction for every output (pure but for one context).

Logs (the access log included), the status board's events, the page, ``status.json``, metrics
labels and every answer the guard makes up go through ``scrub``. It replaces:

- values of secret-named keys (``authorization``, ``password``, ``_authToken``, ...), in mappings,
  as JSON text (``"password":"…"``) and as ``key=value``;
- Bearer/Basic credentials, npm tokens (``npm_…``), credentials in URLs (``https://u:p@host``),
  secret-looking query parameters (``?apikey=``, ``&token=``);
- tokens in paths: ``/-/user/token/<token>`` (``npm logout``) and
  ``/-/npm/v1/tokens/token/<key>`` (``npm token revoke``);
- and any secret the current request carried (its credentials, one-time password, the token in
  its path or query), however it is quoted back — bound per request by ``bind_request_secrets``.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote

REDACTED = "[redacted]"
SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "npm-otp",
        "otp",
        "token",
        "authtoken",
        "npmauthtoken",
        "auth",
        "password",
        "passwd",
        "secret",
        "cookie",
        "set-cookie",
        "apikey",
        "api-key",
        "access-token",
        "accesstoken",
        "client-secret",
        "key",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-jfrog-art-api",
        "credential",
        "credentials",
        "jwt",
        "authid",
        "auth-id",
        "access-key",
        "accesskey",
        "pwd",
        "passphrase",
        "session",
        "sessionid",
        "session-id",
    }
)
# the names of secrets, not one
_SECRET_NAMES = r"_?authToken|npmAuthToken|_auth|_password|password|passwd|secret|client_secret|api[_-]?key|access[_-]?token|token|otp"  # noqa: E501, S105
_NPM_TOKEN = re.compile(r"\bnpm_[A-Za-z0-9]{20,}")
_NPM_TOKEN_IN_PATH = re.compile(r"(?:(?<=%2[fF])|(?<!\w))npm_[A-Za-z0-9]{20,}")  # @scope%2fnpm_…
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "password": "a value with spaces", as JSON writes it (escaped quotes included)
    (re.compile(rf'(?i)("(?:{_SECRET_NAMES})"\s*:\s*")(?:[^"\\]|\\.)*"'), rf'\1{REDACTED}"'),
    # "Bearer <token>", "Basic <base64>" — but the name of Nexus's "npm Bearer Token Realm"
    (
        re.compile(r"(?i)\b(bearer|basic)\s+(?!token\s+realm\b)[A-Za-z0-9._~+/=-]+"),
        rf"\1 {REDACTED}",
    ),
    (_NPM_TOKEN, REDACTED),
    # scheme://user:password@host, scheme://token@host (any user info: a quote is no end)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@"), rf"\1{REDACTED}@"),
    # tokens in paths: npm logout, npm token revoke (any case, the slash encoded or not)
    (
        re.compile(
            r"(?i)((?:^|(?<=[/\s\"'(]))-(?:/|%2f)(?:user(?:/|%2f)token|npm(?:/|%2f)v1(?:/|%2f)"
            r"tokens(?:/|%2f)token)(?:/|%2f))[^/?#\s\"'&)]+"
        ),
        rf"\1{REDACTED}",
    ),
    # ?apikey=…, &token=… in URLs and queries
    (
        re.compile(
            r"(?i)((?:^|[?&;\s])(?:api[_-]?key|key|token|access[_-]?token|auth|auth[_-]?id|password|"
            r"passwd|pwd|passphrase|secret|sig|signature|jwt|access[_-]?key|session(?:[_-]?id)?|"
            r"x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&\s\"'#]+"
        ),
        rf"\1{REDACTED}",
    ),
    # key=value and key: value in free text ("_authToken=…", "token: …"), but a placeholder
    # ("_authToken=<token>", "${NPM_TOKEN}") that an explanation tells users to write
    (
        re.compile(
            rf"(?i)((?<![A-Za-z0-9])(?:{_SECRET_NAMES})\"?\s*[=:]\s*\"?)"
            r"(?!(?:<[a-z][\w -]*>|\$\{[A-Z][A-Z0-9_]*\})(?:$|[\s\"&,;).]))[^\s\"&,;]+"
        ),
        rf"\1{REDACTED}",
    ),
)
# In ASCII text every pattern above needs one of these (most log lines have none, and skip the
# patterns); a request's own secrets are looked for in every text
_HINTS = (
    "bearer",
    "basic",
    "auth",
    "pass",
    "pwd",
    "jwt",
    "session",
    "token",
    "otp",
    "secret",
    "key",
    "sig",
    "://",
    "amz",
)
_MIN_SECRET = 4  # shorter strings are too common to replace (and too weak to be secrets)

_REQUEST_SECRETS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "publish_guard_request_secrets", default=()
)


def is_secret_key(key: str) -> bool:
    normal = key.lower().replace("_", "-").lstrip("-")
    return normal in SECRET_KEYS or normal.endswith(
        ("-token", "password", "-secret", "-otp", "-apikey", "-api-key")
    )


def scrub_text(text: str) -> str:
    """Replace anything that looks like a credential inside free text, and the current
    request's own secrets."""
    for secret in _REQUEST_SECRETS.get():
        if secret in text:
            text = text.replace(secret, REDACTED)
    if text.isascii() and "npm_" not in text:
        lowered = text.lower()
        if not any(hint in lowered for hint in _HINTS):
            return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub(value: Any) -> Any:
    """Recursively redact secret-named keys and credential-looking text."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if is_secret_key(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def scrub_query(raw_query: str) -> str:
    """A raw query string with the values of secret-named parameters replaced, the rest as sent."""
    parts = []
    for part in raw_query.split("&"):
        key, sep, _ = part.partition("=")
        parts.append(f"{key}={REDACTED}" if sep and is_secret_key(unquote(key)) else part)
    return "&".join(parts)


_TOKEN_PATHS = ("-/user/token/", "-/npm/v1/tokens/token/")


def redact_path(raw_target: str) -> str:
    """A request target (path, and query if any) safe to show: tokens in the path and secret
    query parameters replaced. A path that names a token however it is spelt (``%2F`` for a
    slash, another case) is shown only up to where the token starts; the request's own secrets
    (``bind_request_secrets``) wherever they are in it."""
    for secret in _REQUEST_SECRETS.get():
        if secret in raw_target:
            raw_target = raw_target.replace(secret, REDACTED)
    if "npm_" in raw_target:  # an npm token pasted where a name goes, whoever sends it
        raw_target = _NPM_TOKEN_IN_PATH.sub(REDACTED, raw_target)
    if "?" not in raw_target and "%" not in raw_target and "token" not in raw_target.lower():
        return raw_target  # nearly every read: nothing that could hide a secret
    path, sep, query = raw_target.partition("?")
    path = _PATTERNS[4][0].sub(_PATTERNS[4][1], path)
    decoded = unquote(path).lower()
    for marker in _TOKEN_PATHS:
        at = decoded.find(marker)
        if at >= 0 and REDACTED not in path:
            path = decoded[: at + len(marker)] + REDACTED
    return path + (sep + scrub_query(query) if sep else "")


def secrets_of(headers: Mapping[str, str], raw_target: str) -> tuple[str, ...]:
    """Every secret a request carries where a client may put one: its Authorization (a Bearer
    token; Basic's base64 form, ``user:password`` and the password), its one-time password, a
    token in its path and secret query values — each also as it looks URL-encoded."""
    found: list[str] = []
    authorization = headers.get("authorization", "").strip()
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip() or scheme  # no scheme: the whole value is the credential
        found.append(credential)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            found += [decoded, decoded.partition(":")[2]]
    otp = headers.get("npm-otp")
    if otp:
        found.append(otp)
    path, _, query = raw_target.partition("?")
    if "%" in path or "oken" in path.lower():  # a token path: most are looked at no further
        _token_in_path(path, found)
    if query:
        for part in query.split("&"):
            key, sep, value = part.partition("=")
            if sep and is_secret_key(unquote(key)):
                found += [value, unquote(value)]
    return _with_encodings(found) if found else ()


def _token_in_path(path: str, found: list[str]) -> None:
    lowered = path.lower()
    decoded = unquote(path)
    lowered_decoded = decoded.lower()
    for marker in _TOKEN_PATHS:
        at = lowered.find(marker)  # as npm spells it: the token's own slashes encoded
        if at >= 0:
            raw = path[at + len(marker) :].split("/", 1)[0]
            found += [raw, unquote(raw)]
        at = lowered_decoded.find(marker)  # any other spelling
        if at >= 0:
            token = decoded[at + len(marker) :]
            found += [token, token.split("/", 1)[0], quote(token, safe=""), quote(token)]


def _plain(value: str) -> bool:
    """URL encoding leaves it as it is (letters, digits and _.~- only)."""
    stripped = value.replace("_", "").replace("-", "").replace(".", "").replace("~", "")
    return value.isascii() and (stripped.isalnum() or not stripped)


def _with_encodings(values: Iterable[str]) -> tuple[str, ...]:
    out: set[str] = set()
    for value in values:
        if len(value) >= _MIN_SECRET:
            out.add(value)
            if not _plain(value):
                out.update((quote(value, safe=""), quote(value)))
    if len(out) == 1:
        return (out.pop(),)
    return tuple(sorted(out, key=len, reverse=True))  # longest first: no partial leftovers


def bind_request_secrets(secrets: tuple[str, ...]) -> contextvars.Token[tuple[str, ...]]:
    """From now on in this request's context (its task, and tasks it starts) every scrub also
    replaces these; ``unbind_request_secrets`` with the returned token ends it."""
    return _REQUEST_SECRETS.set(secrets)


def unbind_request_secrets(token: contextvars.Token[tuple[str, ...]]) -> None:
    _REQUEST_SECRETS.reset(token)
