"""Every answer the guard makes up itself: one table of typed texts, one JSON shape."""

from publish_guard.explain.answer import GuardError, error_body
from publish_guard.explain.text import Facts, NoFacts, Text
from publish_guard.explain.texts import TEXTS

__all__ = ["TEXTS", "Facts", "GuardError", "NoFacts", "Text", "error_body"]
