"""Process-level settings that make CPU training and batch preparation fast."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_tuned = False


def keep_freed_memory(threshold_bytes: int = 1 << 30) -> bool:
    """Stop glibc from returning large freed blocks to the OS after every training step.

    PyTorch's CPU allocator is malloc. By default glibc serves blocks over ~32 MiB with mmap
    and unmaps them on free, so every step's activations and every batch are page-faulted
    in anew (zero-filled by the kernel): on 2 cores that was a large share of a small
    model's step. Raising the mmap and trim thresholds keeps the memory in the heap for
    reuse, the effect PyTorch's CPU tuning guide gets from jemalloc or tcmalloc. Returns
    whether the setting was applied (glibc on Linux only; elsewhere a no-op).
    """
    global _tuned
    if _tuned:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, threshold_bytes) == 1
        ok = libc.mallopt(_M_TRIM_THRESHOLD, 2 * threshold_bytes) == 1 and ok
    except (OSError, AttributeError):
        return False
    _tuned = ok
    return ok
