"""An npm registry emulator with the behaviour of Artifactory, Nexus 3, Verdaccio and npmjs.

It is the demo's upstream, the stand-in for Artifactory and Nexus in tests (they cannot run
here), and a tool to rehearse publish failures in CI. Its answers follow
``design/UPSTREAMS.md``; each flavor keeps its texts in one table (``flavors/<name>.py``).

Building one (for tests)::

    from publish_guard.registry import Registry, RegistryConfig, create_registry_app

    registry = Registry(RegistryConfig(flavor="artifactory"))      # repo "npm-local" (local)
    registry.add_repo("npm-remote", "remote")
    registry.add_repo("npm", "virtual", members=["npm-local", "npm-remote"],
                      default_deployment_repo="npm-local")          # or None: publishes refused
    registry.add_repo("libs", "local", excludes=["@blocked/**"])    # include/exclude patterns
    alice = registry.add_user("alice", "pw", permissions={"npm-local": "read,deploy,delete"})
    reader = registry.add_user("bob", permissions="read")          # every repository: read only
    otp_user = registry.add_user("carol", otp=True)                # writes need npm-otp
    old = registry.add_user("dave", token_expires_in=timedelta(0)) # token already expired
    app = create_registry_app(registry)      # an aiohttp Application; app[REGISTRY] is registry
    url = registry.npm_url("http://127.0.0.1:PORT")  # …/artifactory/api/npm/npm-local/

``add_user`` returns ``NewUser(name, password, token, otp_secret)`` (the password defaults to
``"<name>-password"``); ``registry.otp("carol")`` is the code her authenticator shows now;
``create_token(user, expires_in=…, readonly=…)``, ``revoke_token``, ``expire_token`` manage
tokens. ``RegistryConfig(bearer_tokens=False)`` refuses Bearer tokens (Nexus without its "npm
Bearer Token Realm").

``Registry.update_repo(key, **changes)`` changes a repository in place, for example
``policy="allow"`` / ``"disable-redeploy"`` / ``"read-only"`` on Nexus, ``latest_tag_locked=True``,
``max_body_size=…``, ``uplink_down=True`` on Verdaccio, ``group_deploy_legacy=True``,
``anonymous_read=False``, ``includes``/``excludes`` (Artifactory Ant patterns).
Flavors: ``artifactory`` (``/artifactory/api/npm/<key>/``, local/remote/virtual), ``nexus``
(``/repository/<name>/``, hosted/proxy/group, deployment policies), ``verdaccio`` and ``npmjs``
(one repository at ``/``). ``RegistryConfig(clock=FakeClock())`` lets a test move time (npmjs'
24-hour block, token expiry).

What the registry received (``registry.journal``): every request as a ``JournalEntry`` with
``method``, ``raw_path`` exactly as sent (query included), ``headers`` (``authorization`` keeps
only its scheme; ``npm-otp``, cookies and API keys are replaced by ``<redacted>``), ``body_size``,
``time``, and once answered ``status`` and ``user``. ``journal.find(method="PUT",
path_contains="%2f")`` filters; ``journal.clear()`` empties it. Bodies are never recorded.

What it stores: ``registry.document(name, repo=None)`` (the stored document, ``None`` if absent),
``registry.tarball(name, version, repo=None)`` (bytes or ``None``), ``registry.package_names()``;
``registry.seed(name, version, repo=…, tag=…, manifest=…, files=…, deprecated=…)`` stores a
version directly, bypassing HTTP and every check. ``publish_guard.registry.tarballs`` has
``make_tarball`` and ``make_publish_body(name, version, tag=…)`` (a body like npm 11 sends).

Tarball URLs in documents come from each request (``X-Forwarded-Proto``, ``X-Forwarded-Host``,
``Host``; Artifactory also ``X-JFrog-Override-Base-Url``), or from ``RegistryConfig.public_url``.
Storage is in memory, or in ``RegistryConfig(data_dir=…)`` with atomic writes.
"""

from __future__ import annotations

from publish_guard.registry.app import REGISTRY, create_registry_app
from publish_guard.registry.core import NewUser, Registry
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.journal import Journal, JournalEntry
from publish_guard.registry.model import DeploymentPolicy, Permission, Repo, RepoKind
from publish_guard.registry.state import FakeClock, RegistryConfig
from publish_guard.registry.tarballs import make_publish_body, make_tarball

__all__ = [
    "REGISTRY",
    "DeploymentPolicy",
    "ErrorKind",
    "FakeClock",
    "Journal",
    "JournalEntry",
    "NewUser",
    "Permission",
    "Registry",
    "RegistryConfig",
    "RegistryError",
    "Repo",
    "RepoKind",
    "create_registry_app",
    "make_publish_body",
    "make_tarball",
]
