"""Every answer the guard makes up itself: one table of texts, one JSON shape."""

from publish_guard.explain.answer import GuardError, error_body
from publish_guard.explain.texts import TEXTS, Text

__all__ = ["TEXTS", "GuardError", "Text", "error_body"]
