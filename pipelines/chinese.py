"""Traditional → Simplified conversion (OpenCC), loaded once for every stage that needs it."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=1)
def to_simplified() -> Callable[[str], str] | None:
    """OpenCC's t2s converter, or None when opencc is not installed (callers say so in a warning)."""
    try:
        from opencc import OpenCC

        return OpenCC("t2s").convert
    except Exception:  # an optional dependency: a farm's Traditional text then stays as served
        return None
