"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from publish_guard.config import Settings
from publish_guard.detect import Detection
from publish_guard.publish.pipeline import PublishService
from publish_guard.status.watch import UpstreamHealth
from publish_guard.target import Target
from publish_guard.upstream import Upstream

if TYPE_CHECKING:  # redis-py is loaded only with --shared-state (shared/wiring.py)
    from publish_guard.shared.state import SharedState

SETTINGS = web.AppKey("settings", Settings)
UPSTREAM = web.AppKey("upstream", Upstream)
ACCESS_LOG = web.AppKey("access_log", bool)
PUBLISHER = web.AppKey("publisher", PublishService)
DETECTION = web.AppKey("detection", Detection)
HEALTH = web.AppKey("health", UpstreamHealth)
SHARED: web.AppKey[SharedState] = web.AppKey("shared_state")

REQUEST_ID = web.RequestKey("request_id", str)
TARGET = web.RequestKey("target", Target)
UPSTREAM_STATUS = web.RequestKey("upstream_status", int)
VIA_DEV_PREFIX = web.RequestKey("via_dev_prefix", bool)
