"""glibc's allocator, tuned from Python: freed memory given back, arenas capped. Nothing on another libc.

glibc keeps freed heap mapped and resident until told (a page's lxml trees and PDF buffers are tens
of MB), and gives each thread an arena of its own whose free pages are rarely returned. Used by the
crawl process (crawler/job.py) and by the extraction workers (crawler/extract_pool.py).
"""

from __future__ import annotations

import ctypes

_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _glibc()
AVAILABLE = _LIBC is not None


def trim() -> None:
    """Give the free pages of every arena back to the system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def bound_arenas(arenas: int) -> None:
    """Cap the arenas of the threads started from now on (0: glibc's default)."""
    if _LIBC is not None and arenas > 0:
        _LIBC.mallopt(_M_ARENA_MAX, arenas)
