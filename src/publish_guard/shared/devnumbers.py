"""Dev numbers never handed out twice across replicas (``publish.devnumbers``), in Redis. The
caller holds the package's lock, so the read and the write need no transaction of their own."""

from __future__ import annotations

from redis.exceptions import RedisError

from publish_guard.shared.state import SharedState, SharedStateDown, describe

KEEP_SECONDS = 30 * 24 * 3600


class SharedDevNumbers:
    """Across every replica, in Redis."""

    def __init__(self, state: SharedState) -> None:
        self._state = state

    async def claim(self, package: str, base: str, proposed: int) -> int:
        key = self._state.key("dev", package, base)
        try:
            last = await self._state.redis.get(key)
            chosen = proposed if last is None else max(proposed, int(last) + 1)
            await self._state.redis.set(key, chosen, ex=KEEP_SECONDS)
        except (RedisError, OSError) as exc:
            raise SharedStateDown(describe(exc)) from None
        return chosen
