"""The table of every code the guard answers with, in the catalogue's order.

Each code is declared once, in ``codes/``, with its status, its texts and its typed facts; its
cause, general fix and worked example are data beside it (``catalogue.toml``, read by
``entries.py``). Every answer the guard makes up itself is one of these.
"""

from __future__ import annotations

from typing import Any

from publish_guard.explain.codes import network, publishes, registry, requests
from publish_guard.explain.text import Text

TEXTS: dict[str, Text[Any]] = {
    text.code: text
    for text in (
        requests.BAD_TARGET,
        requests.NOT_A_PROXY,
        network.UPSTREAM_DNS,
        network.UPSTREAM_REFUSED,
        network.UPSTREAM_UNREACHABLE,
        network.UPSTREAM_TLS,
        network.UPSTREAM_TIMEOUT,
        network.UPSTREAM_DROPPED,
        network.UPSTREAM_PROTOCOL,
        network.UPSTREAM_DOCUMENT,
        network.UPSTREAM_NOT_READY,
        publishes.INVALID_PUBLISH,
        publishes.PUBLISH_TOO_LARGE,
        publishes.VERSION_EXISTS,
        publishes.VERSION_RESERVED,
        publishes.PACKAGE_BLOCKED,
        network.PUBLISH_NOT_LANDED,
        network.PUBLISH_OUTCOME_UNKNOWN,
        registry.AUTH_REJECTED,
        registry.TOKEN_EXPIRED,
        registry.NO_PERMISSION,
        registry.REPO_NOT_DEPLOYABLE,
        registry.REDEPLOY_DISABLED,
        registry.REPO_READ_ONLY,
        registry.LATEST_TAG_LOCKED,
        registry.TOO_LARGE_UPSTREAM,
        registry.UPLINK_DOWN,
        registry.UPSTREAM_REJECTED,
        publishes.DEV_PROVENANCE,
        publishes.DEV_MODE_OFF,
        publishes.DEV_PUBLISH_CHECK,
        publishes.DEV_ALLOCATION_FAILED,
        requests.UNKNOWN_WRITE,
        requests.PUBLISH_TO_REV,
        requests.METADATA_ONLY,
        requests.UPDATE_UNCHECKED,
        requests.PUBLISHES_BUSY,
        requests.UNSUPPORTED_ENCODING,
        publishes.MANIFEST_MISMATCH,
        publishes.TARBALL_INVALID,
        publishes.TARBALL_TOO_LARGE,
        publishes.LOCK_BUSY,
        network.SHARED_STATE_DOWN,
        network.GUARD_UNREACHABLE,
        network.GUARD_LOST,
        requests.CLIENT_TOO_SLOW,
        requests.STATUS_TOKEN,
    )
}
