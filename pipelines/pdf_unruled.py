"""Rows of tables printed without rules, put back together from the lines of a PDF page.

Without rules a cell whose label wraps prints its first line beside the row's numbers and the rest
on the lines below (`（三）1.属于 | 4 | 0 …`, then `不予公国家秘`, then `开 密`): the row's label
cells are split over lines, and two label columns run together where their gap is narrow. So a line
that ends in numbers opens a row, the number-less lines under its label area continue it, and the
row's label glyphs are cut into columns at the x positions no glyph of the row covers (the white
space between columns runs down the whole row). Ruled tables never come here (pipelines/pdf_tables.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from pipelines.rules import attachments as rules
from pipelines.rules import statistics_labels as L

if TYPE_CHECKING:
    from pipelines.pdf_text import Glyph, Line

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# A line opening with an enumerator or a 第二十条 label starts something new, never the rest of a label.
_OPENS_NEW = re.compile(f"(?:{L.ENUMERATOR_PATTERN})|^第二十条")


def _is_value(text: str) -> bool:
    return bool(_NUMBER.match("".join(text.split()).replace(",", "")))


def _values_start(line: Line) -> int | None:
    """Index of the first of the numbers that end a table row line, or None if it is no such line."""
    if len(line.cells) < 2 or line.table or not _is_value(line.cells[-1]):
        return None
    i = len(line.cells)
    while i > 0 and _is_value(line.cells[i - 1]):
        i -= 1
    return i


def _label_columns(placed: list[tuple[int, Glyph]], em: float) -> list[str]:
    """Label glyphs of one row (with the index of their line) cut into columns at the gaps no glyph
    covers, each column's text in reading order (line by line, left to right)."""
    glyphs = [g for _, g in placed]
    spans = sorted((g.x0, g.x1) for g in glyphs)
    cuts: list[float] = []
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach > rules.PDF_LABEL_COLUMN_GAP_EM * em:
            cuts.append((x0 + reach) / 2)
        reach = max(reach, x1)
    columns: list[list[tuple[int, Glyph]]] = [[] for _ in range(len(cuts) + 1)]
    for k, g in placed:
        columns[sum(1 for c in cuts if g.x0 > c)].append((k, g))
    return ["".join(g.text for _, g in sorted(col, key=lambda p: (p[0], round(p[1].top / em), p[1].x0))) for col in columns if col]


def join_unruled_rows(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        start = _values_start(line)
        if start is None or not line.glyphs:
            out.append(line)
            i += 1
            continue
        em = max(line.size, 1.0)
        value_x = min(g.x0 for g in line.glyphs if _in_value_cells(g, line, start))
        label_glyphs = [(i, g) for g in line.glyphs if g.x1 <= value_x]
        j = i + 1
        bottom = line.bottom
        while j < len(lines):
            nxt = lines[j]
            # A row a page broke goes on at the top of the next page.
            broken = nxt.page == lines[j - 1].page + 1 and lines[j - 1].page == line.page
            if ((nxt.page != line.page and not broken) or nxt.table or _values_start(nxt) is not None
                    or not nxt.glyphs or nxt.x1 > value_x or _OPENS_NEW.match(nxt.cells[0].strip())
                    or (not broken and nxt.top - bottom > rules.PDF_PARAGRAPH_GAP_EM * em)):
                break
            if broken:
                line = replace(line, page=nxt.page)
            label_glyphs.extend((j, g) for g in nxt.glyphs)
            bottom = nxt.bottom
            j += 1
        labels = _label_columns(label_glyphs, em) if label_glyphs else []
        out.append(replace(line, cells=labels + line.cells[start:], bottom=bottom))
        i = j
    return out


def _in_value_cells(g: Glyph, line: Line, start: int) -> bool:
    """The glyph belongs to the numbers at the end of the line (their cells are the line's last)."""
    tail = "".join("".join(c.split()) for c in line.cells[start:])
    ordered = sorted(line.glyphs, key=lambda x: x.x0)
    text = ""
    for k in range(len(ordered) - 1, -1, -1):
        text = ordered[k].text + text
        if len(text) >= len(tail):
            return g.x0 >= ordered[k].x0
    return True
