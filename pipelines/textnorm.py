"""One normalisation before every text rule: Traditional → Simplified, full-width → half-width, no spaces.

Portals and their mirrors write the same words in several ways: 政府信息公開工作年度報告 on a
content farm, ２０２３年 in full-width digits, 年 度 报 告 with spaces. Every rule that matches text
(link texts, column and section names, report titles, counter labels) is written once, in
Simplified with half-width digits and no spaces, and matched against ``normalize(text)``.

Why a cache and a character check: a page's link texts repeat (navigation on every page), and
OpenCC (pure Python here) costs ~2 µs a character, so a string is converted once per process, and
only when it holds a character that Traditional and Simplified write differently.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from pipelines.chinese import to_simplified

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """Characters OpenCC's t2s table writes differently in Simplified (its TSCharacters dictionary)."""
    try:
        import opencc
    except ImportError:  # declared in pyproject.toml; without it, texts are matched as written
        return frozenset()
    table = set()
    chars = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in chars.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and source not in targets.split():
            table.add(source)
    return frozenset(table)


@lru_cache(maxsize=1)
def simplified_sources() -> dict[str, tuple[str, ...]]:
    """For each character OpenCC's s2t writes for a Simplified one, those Simplified characters
    (its STCharacters dictionary read backwards: 暱 ← 昵, 乾 ← 干): what a text was before an s2t."""
    try:
        import opencc
    except ImportError:
        return {}
    sources: dict[str, list[str]] = {}
    chars = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    for line in chars.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        for target in targets.split():
            if source and target != source:
                sources.setdefault(target, []).append(source)
    return {t: tuple(s) for t, s in sources.items()}


def traditional_chars() -> frozenset[str]:
    """Every character OpenCC's t2s writes differently in Simplified (empty without opencc)."""
    return _traditional()


def has_traditional(text: str) -> bool:
    """True when ``text`` holds a character Simplified writes differently (開, 報, 區, …)."""
    return not _traditional().isdisjoint(text)


def simplified(text: str) -> str:
    """``text`` in Simplified characters (OpenCC t2s, pipelines/chinese.py), converted only when needed."""
    convert = to_simplified()
    if convert is None or not has_traditional(text):
        return text
    return convert(text)


@lru_cache(maxsize=16384)
def normalize(text: str | None) -> str:
    """``text`` as every rule expects it: Simplified, NFKC (full-width → half-width), without whitespace."""
    if not text:
        return ""
    return _SPACES.sub("", simplified(unicodedata.normalize("NFKC", text)))
