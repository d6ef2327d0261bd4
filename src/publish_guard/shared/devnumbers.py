"""Dev numbers never handed out twice across replicas (``publish.devnumbers``), in Redis. The
caller holds the package's lock, so the read and the write need no transaction of their own.

Each replica also remembers the highest number it saw per dev base, so a Redis that lost its data
(a new pod without persistence) does not make it hand out a number again that it knew was
taken; numbers only the lost data knew of, for versions unpublished from a registry that also
forgot them, can come again (README: "If Redis loses its data").
"""

from __future__ import annotations

from cachetools import LRUCache
from redis.exceptions import RedisError

from publish_guard.shared.state import SharedState, SharedStateDown, describe

KEEP_SECONDS = 30 * 24 * 3600
REMEMBERED = 10_000  # dev bases a replica remembers (a few hundred KiB at most)


class SharedDevNumbers:
    """Across every replica, in Redis."""

    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._seen: LRUCache[str, int] = LRUCache(maxsize=REMEMBERED)

    async def claim(self, package: str, base: str, proposed: int) -> int:
        key = self._state.key("dev", package, base)
        try:
            last = await self._state.redis.get(key)
            known = max(int(last) if last is not None else -1, self._seen.get(key, -1))
            chosen = max(proposed, known + 1)
            await self._state.redis.set(key, chosen, ex=KEEP_SECONDS)
        except (RedisError, OSError) as exc:
            raise SharedStateDown(describe(exc)) from None
        self._seen[key] = chosen
        return chosen
