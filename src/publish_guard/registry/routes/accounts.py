"""Login (``PUT /-/user/org.couchdb.user:<name>``), the user document, logout and whoami."""

from __future__ import annotations

from typing import Any

from publish_guard.registry.access import check_otp
from publish_guard.registry.accounts import Identity
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import Done, RegistryAnswer, json_answer
from publish_guard.registry.routes.call import Call


async def login(call: Call) -> RegistryAnswer:
    """npm's legacy login and adduser: a name and password in, a new token out."""
    body = await call.json()
    if not isinstance(body, dict):
        raise RegistryError(ErrorKind.BAD_REQUEST, "the body must be a JSON object", action="login")
    name = str(body.get("name") or call.path.ident or "")
    password = body.get("password")
    if not name or not isinstance(password, str) or not password:
        raise RegistryError(ErrorKind.BAD_REQUEST, "name and password are required", action="login")
    accounts = call.registry.accounts
    created = False
    user = accounts.check_password(name, password)
    if user is None:
        if name in accounts.users or not call.registry.flavor.signup:
            raise RegistryError(ErrorKind.AUTH_BAD, user=name, action="login")
        user = accounts.add_user(name, password, email=body.get("email"))
        created = True
    check_otp(call.registry, Identity(user=user), call.otp)
    token = accounts.create_token(user.name)
    return call.registry.flavor.login_answer(user.name, token, created)


async def user_document(call: Call) -> RegistryAnswer:
    user = call.identity.user
    if user is None or user.name != call.path.ident:
        raise RegistryError(ErrorKind.NOT_FOUND, action="access")
    doc: dict[str, Any] = {
        "_id": f"org.couchdb.user:{user.name}",
        "name": user.name,
        "type": "user",
        "roles": [],
    }
    if user.email:
        doc["email"] = user.email
    return json_answer(200, doc)


async def logout(call: Call) -> RegistryAnswer:
    if not call.registry.accounts.revoke_token(call.path.ident or ""):
        raise RegistryError(ErrorKind.NOT_FOUND, "Token not found", action="access")
    return call.done(Done.LOGGED_OUT)


async def whoami(call: Call) -> RegistryAnswer:
    identity = call.identity
    if identity.user is None:
        raise RegistryError(identity.problem or ErrorKind.AUTH_MISSING, action="whoami")
    return json_answer(200, {"username": identity.user.name})


ROUTES = {
    ("user", "PUT"): login,
    ("user", "GET"): user_document,
    ("logout", "DELETE"): logout,
    ("whoami", "GET"): whoami,
}
