"""Authorization: may this identity do this to this repository?

Order matters and follows the real servers: credentials first (401), then the permission (403),
then the one-time password (401 with ``WWW-Authenticate: OTP``).
"""

from __future__ import annotations

from publish_guard.registry.accounts import Identity
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.model import Permission, Repo, RepoKind
from publish_guard.registry.secrets import verify_totp
from publish_guard.registry.state import RegistryState

_FORBIDDEN = {
    Permission.READ: ErrorKind.FORBIDDEN_READ,
    Permission.DEPLOY: ErrorKind.FORBIDDEN_DEPLOY,
    Permission.DELETE: ErrorKind.FORBIDDEN_DELETE,
}
ACTIONS = {Permission.READ: "access", Permission.DEPLOY: "publish", Permission.DELETE: "unpublish"}


def authorize(
    registry: RegistryState,
    identity: Identity,
    repo: Repo,
    permission: Permission,
    *,
    package: str | None = None,
) -> None:
    flavor = registry.flavor
    action = ACTIONS[permission]
    if identity.user is None:
        if identity.problem is not None:
            as_anonymous = (
                flavor.bad_credentials_read_as_anonymous
                if permission is Permission.READ
                else flavor.bad_credentials_write_as_anonymous
            )
            if not as_anonymous:
                raise RegistryError(identity.problem, package=package, repo=repo.key, action=action)
        if permission is Permission.READ and repo.anonymous_read:
            return
        raise RegistryError(ErrorKind.AUTH_MISSING, package=package, repo=repo.key, action=action)
    read_only = identity.readonly and permission is not Permission.READ
    if read_only or not identity.user.can(permission, repo.key):
        raise RegistryError(
            _FORBIDDEN[permission],
            package=package,
            repo=repo.key,
            user=identity.user.name,
            action=action,
        )


def check_otp(registry: RegistryState, identity: Identity, otp: str | None) -> None:
    user = identity.user
    if (
        user is not None
        and user.otp_secret
        and not verify_totp(user.otp_secret, otp, registry.clock())
    ):
        raise RegistryError(ErrorKind.OTP_REQUIRED, user=user.name)


def deploy_target(registry: RegistryState, repo: Repo, *, package: str | None = None) -> Repo:
    """The local repository a write to ``repo`` lands in, or the error the flavor gives."""
    if repo.kind is RepoKind.LOCAL:
        return repo
    if repo.kind is RepoKind.REMOTE:
        raise RegistryError(ErrorKind.REMOTE_NOT_DEPLOYABLE, package=package, repo=repo.key)
    if registry.flavor.name == "nexus":
        raise RegistryError(
            ErrorKind.GROUP_NOT_DEPLOYABLE,
            "legacy" if repo.group_deploy_legacy else "",
            package=package,
            repo=repo.key,
        )
    target = registry.repos.get(repo.default_deployment_repo or "")
    if target is None or target.kind is not RepoKind.LOCAL:
        raise RegistryError(ErrorKind.VIRTUAL_NOT_DEPLOYABLE, package=package, repo=repo.key)
    return target


def authorize_write(
    registry: RegistryState,
    identity: Identity,
    repo: Repo,
    permission: Permission,
    *,
    package: str | None,
    otp: str | None,
    require_otp: bool = True,
) -> Repo:
    """Everything a write needs before its body matters; returns the repository written to."""
    if repo.kind is RepoKind.REMOTE and registry.flavor.remote_has_no_write_routes:
        raise RegistryError(ErrorKind.REMOTE_NOT_DEPLOYABLE, package=package, repo=repo.key)
    if identity.user is None:
        authorize(registry, identity, repo, permission, package=package)  # raises: 401
    target = deploy_target(registry, repo, package=package)
    authorize(registry, identity, target, permission, package=package)
    if require_otp:
        check_otp(registry, identity, otp)
    return target
