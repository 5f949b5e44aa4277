"""Calendar dates as Chinese government pages write them, to ISO 8601 (YYYY-MM-DD).

Forms: 2018-02-07, 2018-02-07 09:33:10, 2018/3/23, 2018.3.23, 2018年3月23日, 2018年03月23日,
full-width digits (２０１８年), and Chinese numerals as signatures print them (二〇二二年一月十八日).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import NamedTuple

from pipelines.rules.vocabulary import CN_YEAR, YEAR

# Full-width digits map one character to one, so match offsets stay valid on the original string.
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

_YEAR = YEAR
_ARABIC_SEP = re.compile(
    rf"(?<![\d.])({_YEAR})([-/.])(\d{{1,2}})\2(\d{{1,2}})(?![\d])"
)
_ARABIC_CJK = re.compile(rf"(?<!\d)({_YEAR})\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*[日号]?")
_CN_DATE = re.compile(
    rf"({CN_YEAR})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月\s*([一二三四五六七八九十]{{1,3}})\s*[日号]"
)
_CN_YEAR = re.compile(rf"({CN_YEAR})\s*年")
_CN_VALUE = {c: 0 for c in "〇零○ОOo０"} | {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


class DateMatch(NamedTuple):
    iso: str  # YYYY-MM-DD
    start: int  # offsets into the string searched
    end: int


def normalize_digits(text: str) -> str:
    """Full-width digits to ASCII (same length, so offsets survive)."""
    return text.translate(_FULLWIDTH)


def cn_digits_to_int(s: str) -> int | None:
    """二〇二二 → 2022 (digit by digit, as years are written)."""
    if not s or any(c not in _CN_VALUE for c in s):
        return None
    return int("".join(str(_CN_VALUE[c]) for c in s))


def cn_small_number(s: str) -> int | None:
    """一 … 三十一 (month and day numerals) → int."""
    if not s:
        return None
    if "十" not in s:
        return _CN_VALUE.get(s) if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    t = 1 if tens == "" else _CN_VALUE.get(tens)
    o = 0 if ones == "" else _CN_VALUE.get(ones)
    if t is None or o is None or len(tens) > 1 or len(ones) > 1:
        return None
    return t * 10 + o


def to_iso(year: int, month: int, day: int) -> str | None:
    """ISO date, or None for an impossible one (2018-02-30) or an implausible year."""
    if not 1980 <= year <= 2100:
        return None
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str) -> list[DateMatch]:
    """Every date in `text`, in reading order."""
    if not text:
        return []
    s = normalize_digits(text)
    found: list[DateMatch] = []
    for m in _ARABIC_SEP.finditer(s):
        iso = to_iso(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if iso:
            found.append(DateMatch(iso, m.start(), m.end()))
    for m in _ARABIC_CJK.finditer(s):
        iso = to_iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append(DateMatch(iso, m.start(), m.end()))
    if "年" in s:
        for m in _CN_DATE.finditer(s):
            y = cn_digits_to_int(m.group(1))
            mo, d = cn_small_number(m.group(2)), cn_small_number(m.group(3))
            if y and mo and d:
                iso = to_iso(y, mo, d)
                if iso:
                    found.append(DateMatch(iso, m.start(), m.end()))
    found.sort(key=lambda d: d.start)
    return found


def parse_date(text: str | None) -> str | None:
    """The first date in `text` as YYYY-MM-DD, or None."""
    if not text:
        return None
    dates = find_dates(text)
    return dates[0].iso if dates else None


def year_of(text: str) -> int | None:
    """A year written as 2020年 or 二〇二〇年, the first one in `text`."""
    s = normalize_digits(text or "")
    m = re.search(rf"(?<!\d)({_YEAR})\s*年", s)
    if m:
        return int(m.group(1))
    m = _CN_YEAR.search(s)
    if m:
        y = cn_digits_to_int(m.group(1))
        if y and 1980 <= y <= 2100:
            return y
    return None
