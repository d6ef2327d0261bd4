"""The lock directory: the guard's own, or refused at start-up.

Made 0700 when it does not exist. An existing one that belongs to another user, or that others
may write to, is refused with one line naming it: whoever can write there could plant a symlink
where a lock file goes, or hold a lock file and stall every publish of a package.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class UnsafeLockDir(ValueError):
    """The lock directory cannot be trusted; the message is one line for the operator."""


def default_lock_dir() -> Path:
    """A directory of this user's own: ``$XDG_RUNTIME_DIR/publish-guard-locks`` where the
    system gives one, else ``<tmp>/publish-guard-locks-<uid>``."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "publish-guard-locks"
    return Path(tempfile.gettempdir()) / f"publish-guard-locks-{os.getuid()}"


def prepare_lock_dir(path: Path) -> Path:
    """Make (0700) or check the lock directory; ``UnsafeLockDir`` when it is not ours alone."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except OSError as exc:
        raise UnsafeLockDir(f"lock directory {path}: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeLockDir(f"lock directory {path} is not a directory (a symlink?)")
    if info.st_uid != os.geteuid():
        raise UnsafeLockDir(
            f"lock directory {path} belongs to uid {info.st_uid}, not to the guard's user "
            f"({os.geteuid()}); give the guard a directory of its own (--lock-dir)"
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeLockDir(
            f"lock directory {path} can be written by others (mode {stat.filemode(info.st_mode)}); "
            f"run 'chmod 700 {path}' or give the guard a directory of its own (--lock-dir)"
        )
    return path
