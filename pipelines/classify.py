"""Is this title an annual information-disclosure report? Rules in pipelines/rules/report_titles.py.

Titles are matched after pipelines.textnorm.normalize (Traditional → Simplified, full-width →
half-width, no whitespace), so 政府信息公開工作年度報告 and ２０２３年 度 报告 match the same rules.
"""

from __future__ import annotations

import re

from pipelines.rules import report_titles as rules
from pipelines.textnorm import normalize

_YES = [re.compile(p) for p in rules.ANNUAL_REPORT_PATTERNS]
_NO = [re.compile(p) for p in rules.NOT_ANNUAL_REPORT_PATTERNS]
_CANDIDATE = [re.compile(p) for p in rules.CANDIDATE_LINK_PATTERNS]
_YEAR = re.compile(rules.TITLE_YEAR_PATTERN)


def _squeeze(text: str) -> str:
    return normalize(text)


def is_annual_report_title(title: str) -> bool:
    t = _squeeze(title)
    return bool(_YEAR.search(t)) and any(p.search(t) for p in _YES) and not any(p.search(t) for p in _NO)


def is_candidate_link_text(text: str) -> bool:
    """A link worth fetching to look at: a report title, possibly cut short by the list."""
    t = _squeeze(text)
    if not t or any(p.search(t) for p in _NO):
        return False
    return any(p.search(t) for p in _YES) or any(p.search(t) for p in _CANDIDATE)
