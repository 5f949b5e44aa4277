"""Reports from before the 2019 template state their numbers in prose: read the one that matters.

Only the number of applications received is read, from the sentence that states it, and that
sentence is kept as evidence (statistics["evidence"]). Patterns: pipelines/rules/statistics_labels.py.
"""

from __future__ import annotations

import re
import unicodedata

from pipelines.rules import statistics_labels as L
from pipelines.stats_build import empty_applications

_WS = re.compile(r"\s+")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(s: str) -> int | None:
    s = unicodedata.normalize("NFKC", s)
    if s.isdigit():
        return int(s)
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _prose(text: str) -> tuple[int, str] | None:
    sentences = [s.strip() for s in re.split(r"(?<=[。；;！!？?])|\n", text) if s.strip()]
    for s in sentences:
        flat = _WS.sub("", s)
        for pat in L.PROSE_APPLICATION_PATTERNS:
            m = re.search(pat, flat)
            if m:
                n = cn_number(m.group("n"))
                if n is not None:
                    return n, s
    for s in sentences:
        if any(re.search(p, _WS.sub("", s)) for p in L.PROSE_NO_APPLICATION_PATTERNS):
            return 0, s
    return None


def prose_statistics(text: str) -> dict | None:
    found = _prose(text)
    if found is None:
        return None
    n, sentence = found
    apps = empty_applications("2019")
    apps["new"]["total"] = n
    return {
        "template": None,
        "applications": apps,
        "review_litigation": None,
        "proactive": [],
        "checks": [],
        "evidence": {"applications.new.total": sentence},
    }
