"""How many bytes of request bodies one guard process holds at once, all requests together.

A publish must be read whole before it is checked, so its body is held in memory; without a cap,
a few big bodies from anyone (authentication is the registry's business, after the check) would
take the process past its memory limit. A body's bytes are taken from the budget before they are
read (its declared length at once, or piece by piece when it is chunked) and given back when the
request ends. When the budget cannot cover a body within ``wait`` seconds the request is refused
with a 503 and ``Retry-After`` — a transient refusal, which npm retries.
"""

from __future__ import annotations

import asyncio
import threading


class OverBudget(Exception):
    """The bytes asked for are not available (now, or within the wait)."""

    def __init__(self, wanted: int, limit: int) -> None:
        super().__init__(f"{wanted} bytes wanted, {limit} bytes is the limit")
        self.wanted = wanted
        self.limit = limit


class BodyBudget:
    """A byte budget shared by the requests of one process (and by its decoding threads)."""

    def __init__(self, limit: int, *, wait: float = 10.0) -> None:
        self.limit = limit
        self.wait = wait
        self._used = 0
        self._lock = threading.Lock()  # decoding threads take from it too
        self._freed: asyncio.Event | None = None

    @property
    def used(self) -> int:
        return self._used

    def try_take(self, size: int) -> bool:
        with self._lock:
            if self._used + size > self.limit:
                return False
            self._used += size
            return True

    def take_now(self, size: int) -> None:
        """Take ``size`` bytes or raise ``OverBudget`` (safe from any thread)."""
        if not self.try_take(size):
            raise OverBudget(size, self.limit)

    async def take(self, size: int) -> None:
        """Take ``size`` bytes, waiting up to ``wait`` seconds for other requests to give some
        back; raise ``OverBudget`` if they do not."""
        if size > self.limit:
            raise OverBudget(size, self.limit)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while not self.try_take(size):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise OverBudget(size, self.limit)
            if self._freed is None:
                self._freed = asyncio.Event()
            freed = self._freed
            try:
                async with asyncio.timeout(min(remaining, 0.25)):
                    await freed.wait()
            except TimeoutError:
                pass
            if self._freed is freed and freed.is_set():
                self._freed = None

    def give_back(self, size: int) -> None:
        with self._lock:
            self._used = max(0, self._used - size)
        if self._freed is not None:
            self._freed.set()


class Reservation:
    """The bytes one request holds; all given back at once by ``release``."""

    def __init__(self, budget: BodyBudget) -> None:
        self._budget = budget
        self.size = 0

    async def take(self, size: int) -> None:
        await self._budget.take(size)
        self.size += size

    def take_now(self, size: int) -> None:
        self._budget.take_now(size)
        self.size += size

    def release(self) -> None:
        size, self.size = self.size, 0
        if size:
            self._budget.give_back(size)
