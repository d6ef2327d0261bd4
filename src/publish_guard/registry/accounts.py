"""Users and tokens: who is asking, and may they?"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from publish_guard.registry.errors import ErrorKind
from publish_guard.registry.model import Permission, Token, User, parse_permissions
from publish_guard.registry.secrets import (
    Credentials,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from publish_guard.registry.storage import Storage


@dataclass(frozen=True, slots=True)
class Identity:
    """The outcome of reading a request's credentials."""

    user: User | None = None
    problem: ErrorKind | None = None  # AUTH_BAD or AUTH_EXPIRED when credentials did not work
    via: str | None = None  # "bearer" | "basic"
    readonly: bool = False  # a read-only token: every write is refused

    @property
    def name(self) -> str | None:
        return self.user.name if self.user else None


ANONYMOUS = Identity()


class Accounts:
    def __init__(self, storage: Storage, clock: Callable[[], datetime]) -> None:
        self._storage = storage
        self._clock = clock
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self._load()

    # -- setup ---------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        password: str,
        *,
        permissions: Mapping[str, str | Iterable[str | Permission]] | str | None = None,
        otp_secret: str | None = None,
        email: str | None = None,
    ) -> User:
        """Create the user, or replace the password, permissions and OTP of an existing one."""
        user = User(
            name=name,
            password_hash=hash_password(password),
            permissions=parse_permissions(permissions),
            otp_secret=otp_secret,
            email=email,
        )
        self.users[name] = user
        self.save()
        return user

    def create_token(
        self, user: str, *, expires_in: timedelta | None = None, readonly: bool = False
    ) -> str:
        if user not in self.users:
            raise KeyError(f"no user {user!r}")
        text = new_token()
        now = self._clock()
        self.tokens[token_digest(text)] = Token(
            digest=token_digest(text),
            user=user,
            created=now,
            expires=None if expires_in is None else now + expires_in,
            readonly=readonly,
        )
        self.save()
        return text

    def revoke_token(self, token: str) -> bool:
        found = self.tokens.get(token_digest(token))
        if found is None:
            return False
        found.revoked = True
        self.save()
        return True

    def expire_token(self, token: str) -> None:
        self.tokens[token_digest(token)].expires = self._clock()
        self.save()

    # -- requests ------------------------------------------------------------------------------

    def identify(self, credentials: Credentials | None) -> Identity:
        if credentials is None:
            return ANONYMOUS
        if credentials.scheme == "bearer" and credentials.token:
            token = self.tokens.get(token_digest(credentials.token))
            if token is None or token.user not in self.users:
                return Identity(problem=ErrorKind.AUTH_BAD, via="bearer")
            if token.expired(self._clock()):
                return Identity(problem=ErrorKind.AUTH_EXPIRED, via="bearer")
            return Identity(user=self.users[token.user], via="bearer", readonly=token.readonly)
        if credentials.scheme == "basic":
            user = self.check_password(credentials.username or "", credentials.password or "")
            if user is None:
                return Identity(problem=ErrorKind.AUTH_BAD, via="basic")
            return Identity(user=user, via="basic")
        return Identity(problem=ErrorKind.AUTH_BAD, via=credentials.scheme)

    def check_password(self, name: str, password: str) -> User | None:
        user = self.users.get(name)
        if user is None or not verify_password(password, user.password_hash):
            return None
        return user

    # -- persistence ---------------------------------------------------------------------------

    def save(self) -> None:
        self._storage.save_accounts(
            {
                "users": [_user_to_json(u) for u in self.users.values()],
                "tokens": [_token_to_json(t) for t in self.tokens.values()],
            }
        )

    def _load(self) -> None:
        data = self._storage.load_accounts() or {}
        for raw in data.get("users", []):
            user = _user_from_json(raw)
            self.users[user.name] = user
        for raw in data.get("tokens", []):
            token = _token_from_json(raw)
            self.tokens[token.digest] = token


def _user_to_json(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "password_hash": user.password_hash,
        "permissions": {repo: sorted(p.value for p in ps) for repo, ps in user.permissions.items()},
        "otp_secret": user.otp_secret,
        "email": user.email,
    }


def _user_from_json(raw: Mapping[str, Any]) -> User:
    return User(
        name=raw["name"],
        password_hash=raw["password_hash"],
        permissions=parse_permissions(raw.get("permissions") or {}),
        otp_secret=raw.get("otp_secret"),
        email=raw.get("email"),
    )


def _token_to_json(token: Token) -> dict[str, Any]:
    return {
        "digest": token.digest,
        "user": token.user,
        "created": token.created.isoformat(),
        "expires": token.expires.isoformat() if token.expires else None,
        "revoked": token.revoked,
        "readonly": token.readonly,
    }


def _token_from_json(raw: Mapping[str, Any]) -> Token:
    return Token(
        digest=raw["digest"],
        user=raw["user"],
        created=datetime.fromisoformat(raw["created"]),
        expires=datetime.fromisoformat(raw["expires"]) if raw.get("expires") else None,
        revoked=bool(raw.get("revoked")),
        readonly=bool(raw.get("readonly")),
    )
