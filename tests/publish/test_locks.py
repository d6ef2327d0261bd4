"""Package locks: a look-up made before the lock is fresh only if no publish ended since."""

from __future__ import annotations

from pathlib import Path

from publish_guard.publish.state import PackageLocks


async def test_a_release_in_this_process_makes_an_earlier_stamp_stale() -> None:
    locks = PackageLocks()
    stamp = locks.stamp("a", "up")
    async with locks.hold("a", "up") as held:
        assert held.unchanged_since(stamp)
    async with locks.hold("a", "up") as held:
        assert not held.unchanged_since(stamp)
        assert held.unchanged_since(locks.stamp("a", "up"))


async def test_a_release_in_another_process_on_the_host_makes_it_stale(tmp_path: Path) -> None:
    here, there = PackageLocks(tmp_path), PackageLocks(tmp_path)  # two workers, one directory
    stamp = here.stamp("a", "up")
    async with here.hold("a", "up") as held:
        assert held.unchanged_since(stamp)
    stamp = here.stamp("a", "up")
    async with there.hold("a", "up"):
        pass
    async with here.hold("a", "up") as held:
        assert not held.unchanged_since(stamp)
    other_package = here.stamp("b", "up")
    async with there.hold("a", "up"):
        pass
    async with here.hold("b", "up") as held:
        assert held.unchanged_since(other_package)
