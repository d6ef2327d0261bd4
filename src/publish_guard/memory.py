"""Giving memory back: a publish body is held whole for its check, then dropped.

glibc serves big allocations from ``mmap`` only above a threshold it raises by itself as it
sees big blocks freed (up to 32 MiB); the pieces of a body (tens to hundreds of KiB) then come
from the heap, and freed heap memory stays with the process. Over a few big publishes, refused
ones included, the process grows by several times ``--max-publish-memory`` and never shrinks.
A fixed threshold keeps those pieces in ``mmap``, and freed memory is returned at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_THRESHOLD = 128 * 1024


def return_freed_memory() -> bool:
    """Fix glibc's mmap and trim thresholds for this process; False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, _THRESHOLD))
