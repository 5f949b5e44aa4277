"""Rows of table 三 whose label no pattern matched: a scan lost or misread characters of it.

Two fall-backs, both from the template's own layout (pipelines/rules/statistics_labels.py), never
from a guess about the numbers: the row whose printed wording (APPLICATION_ROW_TEXTS) is clearly
the nearest by similarity, and, for a label of which only the enumerator survived (`3.其他` read as
`3`), the n-th reason of the group being read. Rows already read are never matched again.
"""

from __future__ import annotations

import re
from collections.abc import Container
from difflib import SequenceMatcher

from pipelines.rules import statistics_labels as L
from pipelines.stats_build import Path_
from pipelines.tables import Cell, norm_label, squash

_ROW_TEXTS = {path: norm_label(text) for path, text in L.APPLICATION_ROW_TEXTS.items()}
_ENUMERATOR_ONLY = re.compile(L.ENUMERATOR_ONLY_PATTERN)


_PRO_COLUMNS = {squash(t): squash(t) for t in L.PROACTIVE_COLUMN_TEXTS}
_PRO_ITEMS = {squash(t): squash(t) for t in L.PROACTIVE_ITEM_TEXTS}


def _nearest(label: str, candidates: dict):
    """The key of the candidate text clearly nearest to `label` by similarity, or None."""
    if len(label) < L.FUZZY_ROW_MIN_CHARS:
        return None
    scored = sorted(((SequenceMatcher(None, label, text).ratio(), key) for key, text in candidates.items()),
                    reverse=True)
    if not scored or scored[0][0] < L.FUZZY_ROW_MIN_RATIO:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < L.FUZZY_ROW_MARGIN:
        return None
    return scored[0][1]


def fuzzy_row(label: str, taken: Container[Path_]) -> Path_ | None:
    """The row whose printed wording is nearest to `label` (normalized): only a clear winner among
    the rows not yet read, and only for labels long enough to tell apart."""
    return _nearest(label, {path: text for path, text in _ROW_TEXTS.items() if path not in taken})


def proactive_text(text: str, column: bool) -> str:
    """A table 二 header (column=True) or item label as the template prints it: itself when it is one
    of the template's, else the clearly nearest of them, else itself."""
    vocabulary = _PRO_COLUMNS if column else _PRO_ITEMS
    key = squash(text)
    if key in vocabulary:
        return text
    return _nearest(key, vocabulary) or text


def by_enumerator(text: str, group: str | None, taken: Container[Path_]) -> Path_ | None:
    """The n-th reason of `group` (the group whose rows are being read) for a label that is only `n`."""
    m = _ENUMERATOR_ONLY.match(squash(text))
    reasons = list(L.APPLICATION_REASONS.get(group or "", {}))
    if not m or not 1 <= int(m.group(1)) <= len(reasons):
        return None
    path = (str(group), reasons[int(m.group(1)) - 1])
    return None if path in taken else path


def leading_enumerator(values: list[Cell], columns: int) -> Cell | None:
    """In a row read without grid columns, a first "value" that is only an enumerator, followed by
    exactly one number per column, is the row's label (`3` for `3.其他`), not a number."""
    filled = [c for c in values if c.text and not c.inherited]
    if len(filled) == columns + 1 and _ENUMERATOR_ONLY.match(squash(filled[0].text)):
        return filled[0]
    return None
