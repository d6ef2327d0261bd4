"""What the rest of the guard needs to know of the shared state: that it can be down."""

from __future__ import annotations


class SharedStateDown(Exception):
    """Redis could not be reached or failed; ``detail`` says how, without credentials. A
    publish is then refused (503, which npm retries) and nothing is sent to the registry."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
