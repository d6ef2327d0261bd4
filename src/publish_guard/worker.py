"""Which of ``serve --workers N``'s processes this is (``None``: the only one)."""

from __future__ import annotations

import os

WORKER_ENV = "PUBLISH_GUARD_WORKER"


def worker_index() -> int | None:
    value = os.environ.get(WORKER_ENV)
    return int(value) if value and value.isdigit() else None
