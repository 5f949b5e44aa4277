"""Tables as rows of cells with known grid columns, whatever the document form.

Every table reader hands over the same neutral spec — rows of `(text, colspan, rowspan)` placed left to
right, skipping the slots a rowspan from above still covers, i.e. HTML's own semantics — and one
builder, `grid_rows`, resolves the spans into a grid. HTML tables (`html_table_spec`), DOCX tables
(gridSpan/vMerge, pipelines/office_text.py) and PDF tables read from page geometry
(pipelines/pdf_tables.py) all go through it, so a cell's column means the same thing everywhere.

Flattened text (`a | b | c` lines, seed 004's one-cell-per-line blocks, pdf line rows) becomes rows
without grid columns (`text_rows`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from pipelines.rules import statistics_labels as L

_WS = re.compile(r"\s+")
_ENUM = re.compile(L.ENUMERATOR_PATTERN)
_ARTICLE = re.compile(L.PROACTIVE_ARTICLE_PATTERN)
MAX_SPAN = 200  # rowspan="0" and absurd spans are read as 1

SpecCell = tuple[str, int, int]  # text, colspan, rowspan
TableSpec = list[list[SpecCell]]


@dataclass
class Cell:
    text: str  # whitespace removed (Chinese needs none; Word splits words and digits over spans)
    start: int | None = None  # first grid column (None for text rows)
    end: int | None = None  # one past the last grid column
    inherited: bool = False  # continues a rowspan from an earlier row


@dataclass
class Row:
    cells: list[Cell]
    table: int  # which table (or text block) it came from: header context never crosses tables
    grid: bool  # True when cells carry grid columns


@lru_cache(maxsize=1 << 16)  # the walk asks for the same cells' labels many times (per row, per rule list)
def squash(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text)) if text else ""


@lru_cache(maxsize=1 << 16)
def norm_label(text: str) -> str:
    """A label as compared with the rules: NFKC, no whitespace, no leading enumerators."""
    s = squash(text)
    for _ in range(3):  # 三、（一）1. can stack
        new = _ENUM.sub("", s)
        if new == s:
            break
        s = new
    return s


def clamp_span(value: object) -> int:
    try:
        n = int(str(value).strip() or 1)
    except (TypeError, ValueError):
        return 1
    return n if 1 <= n <= MAX_SPAN else 1


# ---------------------------------------------------------------- the one grid builder


def grid_rows(spec: TableSpec, index: int, squash_text: bool = True) -> list[Row]:
    """Resolve rowspan/colspan into a grid; return rows of distinct cells with their columns.
    Cell text is squashed (NFKC, no whitespace) for the statistics, kept as given otherwise."""
    carry: dict[int, tuple[Cell, int]] = {}  # column -> (cell from a rowspan above, rows still to cover)
    rows: list[Row] = []
    for spec_row in spec:
        placed: dict[int, tuple[Cell, bool]] = {c: (cell, True) for c, (cell, _) in carry.items()}
        new_carry: dict[int, tuple[Cell, int]] = {}
        col = 0
        for text, cs, rs in spec_row:
            while col in placed:
                col += 1
            cell = Cell(squash(text) if squash_text else text, col, col + cs)
            for c in range(col, col + cs):
                placed.setdefault(c, (cell, False))
                if rs > 1:
                    new_carry[c] = (cell, rs - 1)
            col += cs
        carry = {c: (cell, left - 1) for c, (cell, left) in carry.items() if left > 1}
        carry.update(new_carry)
        cells: list[Cell] = []
        last: Cell | None = None
        for c in sorted(placed):
            cell, inherited = placed[c]
            if cell is last:
                continue  # the same cell spanning several columns
            last = cell
            cells.append(Cell(cell.text, cell.start, cell.end, inherited))
        rows.append(Row(cells, index, True))
    return rows


def aligned_cells(row: Row, width: int) -> list[str]:
    """A grid row as one text slot per column: a cell's text in its first column, "" where a span
    from the left or from above covers the slot (so columns stay aligned in flattened text)."""
    slots = [""] * width
    for cell in row.cells:
        if not cell.inherited and cell.start is not None and cell.start < width:
            slots[cell.start] = cell.text
    return slots


def spec_rows_text(spec: TableSpec) -> list[str]:
    """A table as report text: one line per row, its cells joined by " | " (as DOCX tables are)."""
    lines = []
    for spec_row in spec:
        cells = [" ".join(t.split()) for t, _, _ in spec_row]
        cells = [c for c in cells if c]
        if cells:
            lines.append(" | ".join(cells))
    return lines


# ---------------------------------------------------------------- HTML


def _cell_text(el: etree._Element) -> str:
    # text() nodes only: comments and script bodies are not cell content.
    return "".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))


def html_table_spec(table: etree._Element) -> TableSpec:
    return [[(_cell_text(td), clamp_span(td.get("colspan", "1")), clamp_span(td.get("rowspan", "1")))
             for td in tr.xpath("./td|./th")]
            for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")]


def html_rows(tree: etree._Element) -> list[Row]:
    rows: list[Row] = []
    # Innermost tables only: old portals wrap the whole page in layout tables.
    for i, table in enumerate(tree.xpath("//table[not(.//table)]")):
        rows.extend(grid_rows(html_table_spec(table), i))
    return rows


def spec_rows(specs: list[TableSpec]) -> list[Row]:
    rows: list[Row] = []
    for i, spec in enumerate(specs):
        rows.extend(grid_rows(spec, i))
    return rows


# ---------------------------------------------------------------- flattened text


def _split_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [squash(c) for c in s.split("|")]


_VALUE = re.compile(r"^(?:[+-]?\d+(?:\.\d+)?|[-—–/／])$")
_PROSE_MARK = re.compile(r"[，。；：！？,;:]")
_BRACKETED = re.compile(r"[(（][^)）]*[)）]")  # 本年收费金额（单位：万元）: a colon in brackets is no sentence


def spaced_cells(line: str) -> list[str] | None:
    """A table row flattened to one line with its cells apart by spaces (doc-sharing pages, text
    copied out of a PDF or DOC), or None for prose. A row is labels then values (`（一）予以公开 12 0 3`),
    values only (`10 1 0 0 11`), or, for a header, short labels without sentence punctuation."""
    tokens = unicodedata.normalize("NFKC", line).split()
    if len(tokens) < 2:
        return None
    values = 0
    while values < len(tokens) and _VALUE.match(tokens[-1 - values]):
        values += 1
    labels = tokens[: len(tokens) - values]
    if any(_VALUE.match(t) for t in labels):
        return None  # a number among the labels: prose such as "2023 年 共收到 21 件"
    if values >= 3 and not labels:
        return tokens
    if values and 1 <= len(labels) <= 3 and all(len(t) <= 60 for t in labels):
        return tokens
    if not values and all(2 <= len(t) <= 20 and not _PROSE_MARK.search(_BRACKETED.sub("", t)) for t in tokens):
        return tokens
    return None


def text_rows(text: str) -> list[Row]:
    """Rows from flattened text: `| a | b |` lines (trafilatura), seed 004's blocks, where a lone `|`
    line opens a row and every cell follows on its own line ending in ` |` (a cell may wrap), and
    rows whose cells are apart by spaces (`spaced_cells`)."""
    rows: list[Row] = []
    lines = text.splitlines()
    block: list[str] | None = None
    table = 0
    prev_was_row = False

    def flush() -> None:
        nonlocal block
        if block is not None:
            rows.append(Row([Cell(c) for c in _split_cells("".join(block))], table, False))
        block = None

    for i, raw in enumerate(lines):
        line = raw.strip()
        if line == "|":
            flush()
            block = []
            prev_was_row = True
            continue
        if block is not None:
            if "|" in line:
                block.append(line)
                continue
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if line and "|" in nxt and nxt != "|":
                block.append(line)  # a cell wrapped over two lines
                continue
            flush()
        if "|" in line and len(line) > 1:
            rows.append(Row([Cell(c) for c in _split_cells(line)], table, False))
            prev_was_row = True
        elif line and (cells := spaced_cells(line)):
            rows.append(Row([Cell(c) for c in cells], table, False))
            prev_was_row = True
        elif line and len(line) <= 40 and _ARTICLE.search(norm_label(line)):
            # 第二十条第（一）项 spans the whole table width, so flatteners print it without a `|`.
            rows.append(Row([Cell(squash(line))], table, False))
            prev_was_row = True
        elif line:
            if prev_was_row:
                table += 1  # prose between tables: a new table for header purposes
            prev_was_row = False
    flush()
    return rows
