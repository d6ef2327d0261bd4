"""Package locks: fresh look-ups, a directory of the guard's own, files never followed through
a symlink, and a lock that stays busy is a LockBusy (a 503), not a hang."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from publish_guard.lockdir import UnsafeLockDir, prepare_lock_dir
from publish_guard.publish.locks import LockBusy, PackageLocks


async def test_a_release_in_this_process_makes_an_earlier_stamp_stale() -> None:
    locks = PackageLocks()
    stamp = await locks.stamp("a", "up")
    async with locks.hold("a", "up") as held:
        assert held.unchanged_since(stamp)
    async with locks.hold("a", "up") as held:
        assert not held.unchanged_since(stamp)
        assert held.unchanged_since(await locks.stamp("a", "up"))


async def test_a_release_in_another_process_on_the_host_makes_it_stale(tmp_path: Path) -> None:
    here, there = PackageLocks(tmp_path), PackageLocks(tmp_path)  # two workers, one directory
    stamp = await here.stamp("a", "up")
    async with here.hold("a", "up") as held:
        assert held.unchanged_since(stamp)
    stamp = await here.stamp("a", "up")
    async with there.hold("a", "up"):
        pass
    async with here.hold("a", "up") as held:
        assert not held.unchanged_since(stamp)
    other_package = await here.stamp("b", "up")
    async with there.hold("a", "up"):
        pass
    async with here.hold("b", "up") as held:
        assert held.unchanged_since(other_package)


def test_the_lock_directory_is_made_private_and_an_unsafe_one_refused(tmp_path: Path) -> None:
    made = prepare_lock_dir(tmp_path / "locks")
    assert made.stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(UnsafeLockDir, match=r"can be written by others.*chmod 700"):
        prepare_lock_dir(shared)
    link = tmp_path / "link"
    link.symlink_to(made)
    with pytest.raises(UnsafeLockDir, match="not a directory"):
        prepare_lock_dir(link)


async def test_a_symlink_planted_as_a_lock_file_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"root-owned contents")
    locks = PackageLocks(tmp_path / "locks")
    path = locks._path(locks._key("a", "up"))
    assert path is not None
    path.symlink_to(victim)
    with pytest.raises(UnsafeLockDir, match="symlink"):
        async with locks.hold("a", "up"):
            pass
    assert victim.read_bytes() == b"root-owned contents"


async def test_a_lock_held_too_long_is_busy(tmp_path: Path) -> None:
    holder, waiter = PackageLocks(tmp_path), PackageLocks(tmp_path, wait=0.3)  # two processes
    async with holder.hold("a", "up"):
        with pytest.raises(LockBusy) as busy:
            async with waiter.hold("a", "up"):
                pass
    assert busy.value.package == "a"
    same = PackageLocks(wait=0.2)  # and within one process
    async with same.hold("b", "up"):
        with pytest.raises(LockBusy):
            await asyncio.wait_for(_hold(same, "b"), 5)
    assert len(same) == 0


async def _hold(locks: PackageLocks, name: str) -> None:
    async with locks.hold(name, "up"):
        pass
