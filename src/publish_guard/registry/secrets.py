"""Passwords, tokens and one-time passwords: only digests are kept, never the secrets."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime

_PBKDF2_ROUNDS = 10_000  # an emulator: enough to keep passwords out of files, fast in tests
TOTP_STEP_SECONDS = 30


def hash_password(password: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS)
    return f"pbkdf2${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, salt, expected = stored.split("$")
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS)
    return hmac.compare_digest(digest.hex(), expected)


def new_token() -> str:
    return "npm_" + secrets.token_urlsafe(27)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_otp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def totp(secret: str, at: datetime, *, step: int = 0) -> str:
    """RFC 6238 six-digit code for the base32 ``secret`` at ``at`` (``step`` windows later)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(at.timestamp()) // TOTP_STEP_SECONDS + step
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def verify_totp(secret: str, code: str | None, at: datetime) -> bool:
    """Accepts the current code and the ones just before and after (clock drift)."""
    if not code:
        return False
    return any(hmac.compare_digest(totp(secret, at, step=s), code.strip()) for s in (-1, 0, 1))


@dataclass(frozen=True, slots=True)
class Credentials:
    """What an ``Authorization`` header carries."""

    scheme: str  # "bearer" | "basic"
    token: str | None = None
    username: str | None = None
    password: str | None = None


def parse_authorization(header: str | None) -> Credentials | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return Credentials("bearer", token=value)
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return Credentials("basic")
        username, sep, password = decoded.partition(":")
        return Credentials("basic", username=username, password=password if sep else "")
    return Credentials(scheme.lower())


def redact_authorization(header: str) -> str:
    scheme = header.strip().partition(" ")[0]
    return f"{scheme} <redacted>" if scheme else "<redacted>"
