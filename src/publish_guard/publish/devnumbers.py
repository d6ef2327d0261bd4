"""Dev numbers that are never handed out twice (the interface, and its one-process form).

Dev mode chooses ``N`` from the registry's document, under the package's lock. What the
registry shows may lag behind what was handed out (a publish in flight, a registry answering
from a cache), so the last ``N`` handed out for each dev base is kept too, and the one chosen
is never below the next after it. With ``--shared-state`` every replica keeps it in Redis
(``shared.devnumbers``). The caller holds the package's lock.
"""

from __future__ import annotations

from typing import Protocol


class DevNumbers(Protocol):
    async def claim(self, package: str, base: str, proposed: int) -> int:
        """The number to hand out for ``base`` of ``package``: ``proposed`` or more."""
        ...


class LocalDevNumbers:
    """Within one process (one replica without shared state)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], int] = {}

    async def claim(self, package: str, base: str, proposed: int) -> int:
        last = self._last.get((package, base))
        chosen = proposed if last is None else max(proposed, last + 1)
        self._last[(package, base)] = chosen
        return chosen
