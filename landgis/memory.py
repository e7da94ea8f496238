"""Giving freed memory back to the system after a large piece of work.

glibc keeps the blocks a process frees for its own reuse; after reading a million parcels
(their geometries read, measured and let go) they lie scattered between the blocks still in
use, so the process keeps them as resident memory although nothing uses them, and a following
step that needs large new blocks grows it by as much again. :func:`release_freed_memory`
hands the wholly free pages back (``malloc_trim``); elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import gc


def release_freed_memory() -> None:
    """Collect garbage and give the free pages of the heap back to the system."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
