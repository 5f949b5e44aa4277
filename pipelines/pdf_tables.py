"""Ruled tables of a PDF, read from the page geometry (PyMuPDF's table finder).

Chosen over pdfplumber by measurement on the three real WPS reports in ../shared (docs/statistics.md):
both find the same ruled tables, but pdfplumber dropped a header cell (信息内容) at a page top and
took twice as long. `lines_strict` is needed because WPS paints a white filled rectangle behind every
line of prose, which the default strategy takes for table rules.

Each table comes back in pipelines/tables.py's neutral spec (rows of (text, colspan, rowspan)), so
the statistics walk reads it exactly as an HTML grid. A table that runs on at the top of the next
page with the same columns is one table (the template's table 三 usually breaks over a page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipelines.rules import attachments as rules
from pipelines.tables import TableSpec

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


Grid = dict[tuple[int, int], list]  # (row, column) of a cell's top left -> [text, colspan, rowspan]


@dataclass
class PageTable:
    page: int  # 0-based
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom (PDF points, origin top left)
    cells: Grid
    shape: tuple[int, int]  # rows, columns
    columns: list[float]  # x positions of the column rules
    continues: bool = False  # the rest of the table before it, broken by a page

    @property
    def spec(self) -> TableSpec:
        return _to_spec(self.cells, self.shape)


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v)) if edges else 0


def _grid(table: object, text_of: Callable[[tuple], str] | None = None) -> tuple[Grid, tuple[int, int], list[float]]:
    """Cells with their spans from the cell boxes: a box over k column rules spans k columns.
    The text is the page's own (PyMuPDF's extract) or, for a scan, `text_of(cell box)`."""
    tol = rules.PDF_TABLE_EDGE_TOLERANCE
    texts = table.extract() if text_of is None else None  # type: ignore[attr-defined]
    boxes = [list(r.cells) for r in table.rows]  # type: ignore[attr-defined]
    xs = _cluster([v for row in boxes for c in row if c for v in (c[0], c[2])], tol)
    ys = _cluster([v for row in boxes for c in row if c for v in (c[1], c[3])], tol)
    cells: Grid = {}
    for r, row in enumerate(boxes):
        for k, box in enumerate(row):
            if not box:
                continue
            c0, c1 = _index(xs, box[0]), _index(xs, box[2])
            r0, r1 = _index(ys, box[1]), _index(ys, box[3])
            if (r0, c0) in cells or c1 <= c0 or r1 <= r0:
                continue
            if texts is None:
                text = text_of(tuple(box))  # type: ignore[misc]
            else:
                text = texts[r][k] if r < len(texts) and k < len(texts[r]) else ""
            cells[(r0, c0)] = [text or "", c1 - c0, r1 - r0]
    return cells, (max(len(ys) - 1, 0), max(len(xs) - 1, 0)), xs


def _to_spec(cells: Grid, shape: tuple[int, int]) -> TableSpec:
    covered = {(r0 + i, c0 + j) for (r0, c0), (_, cs, rs) in cells.items() for i in range(rs) for j in range(cs)}
    spec: TableSpec = []
    for r in range(shape[0]):
        row = []
        for c in range(shape[1]):
            if (r, c) in cells:
                text, cs, rs = cells[(r, c)]
                row.append((text, cs, rs))
            elif (r, c) not in covered:
                row.append(("", 1, 1))  # a slot no box covers: keep the columns aligned
        spec.append(row)
    return spec


def ruled_tables(path: str) -> tuple[list[PageTable], list[str]]:
    """Every ruled table of the PDF, pages in order; a broken-off continuation is marked."""
    import pymupdf

    pymupdf.no_recommend_layout()  # it would print an advert on stdout, which carries the worker's answer
    pymupdf.TOOLS.mupdf_display_errors(False)
    warnings: list[str] = []
    out: list[PageTable] = []
    heights: dict[int, float] = {}
    try:
        doc = pymupdf.open(path)
    except Exception as exc:  # pdfminer already read the file; a table finder failure only loses grids
        return [], [f"pdf: tables not read by layout: {exc!r}"[:200]]
    with doc:
        for number, page in enumerate(doc):
            if number >= rules.MAX_PDF_PAGES:
                break
            try:
                found = page.find_tables(strategy="lines_strict").tables
            except Exception as exc:
                warnings.append(f"pdf: page {number + 1} tables unreadable: {exc!r}"[:200])
                continue
            heights[number] = page.rect.height
            for table in found:
                cells, shape, xs = _grid(table)
                if len(xs) < 3 or not cells:
                    continue  # a framed paragraph, not a table
                out.append(PageTable(number, tuple(table.bbox), cells, shape, xs))  # type: ignore[arg-type]
    mark_continuations(out, heights)
    return out, warnings


def tables_from_rules(number: int, size: tuple[float, float], segments: list[tuple[float, float, float, float]],
                      text_of: Callable[[tuple], str], words: list[tuple[float, float]]) -> list[PageTable]:
    """Tables of a scanned page, from the rules found in its image (pipelines/ocr.py): the segments
    are drawn on a blank page (with a mark at each word) and PyMuPDF's table finder reads that page
    exactly as it reads a born-digital one; the cell text comes from `text_of` (the OCR words inside the cell's box)."""
    import pymupdf

    pymupdf.no_recommend_layout()
    with pymupdf.open() as doc:
        page = doc.new_page(width=size[0], height=size[1])
        shape = page.new_shape()
        for x0, y0, x1, y1 in segments:
            shape.draw_line((x0, y0), (x1, y1))
        shape.finish(color=(0, 0, 0), width=0.5)
        shape.commit()
        marks = pymupdf.TextWriter(page.rect)
        for x, y in words:  # the finder keeps only tables with text in them: mark where the words are
            marks.append((x, y), "x", fontsize=4)
        marks.write_text(page)  # one content stream: insert_text per word rewrites the page each time
        out = []
        for clip in _rule_blocks(segments):  # one finder run per block of touching rules: the finder
            # joins tables that only share columns, with a heading between them, on a drawn page
            for table in page.find_tables(clip=clip, strategy="lines_strict").tables:
                cells, grid_shape, xs = _grid(table, text_of)
                if len(xs) >= 3 and cells:
                    out.append(PageTable(number, tuple(table.bbox), cells, grid_shape, xs))  # type: ignore[arg-type]
    return out


def _rule_blocks(segments: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of the groups of rules that overlap vertically (each group is one table)."""
    tol = rules.PDF_TABLE_EDGE_TOLERANCE
    blocks: list[list[float]] = []
    for x0, y0, x1, y1 in sorted(segments, key=lambda s: min(s[1], s[3])):
        top, bottom = min(y0, y1), max(y0, y1)
        if blocks and top <= blocks[-1][3] + tol:
            b = blocks[-1]
            b[0], b[1], b[2], b[3] = min(b[0], x0, x1), min(b[1], top), max(b[2], x0, x1), max(b[3], bottom)
        else:
            blocks.append([min(x0, x1), top, max(x0, x1), bottom])
    return [(b[0] - tol, b[1] - tol, b[2] + tol, b[3] + tol) for b in blocks]


def mark_continuations(tables: list[PageTable], heights: dict[int, float]) -> None:
    """A table at the top of a page with the columns of the last table of the page before continues it."""
    for i, current in enumerate(tables):
        prev = tables[i - 1] if i else None
        if (prev and prev.page == current.page - 1 and current.bbox[1] < rules.PDF_PAGE_BAND * heights[current.page]
                and not [t for t in tables[:i] if t.page == current.page]
                and len(prev.columns) == len(current.columns)
                and all(abs(a - b) < 3 * rules.PDF_TABLE_EDGE_TOLERANCE
                        for a, b in zip(prev.columns, current.columns, strict=True))):
            current.continues = True


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match("".join(text.split()).replace(",", "")))


def _mend_broken_row(before: PageTable, after: PageTable) -> None:
    """A row the page broke (Word lets a row run over a page): its rest opens the next page with
    label text and no numbers, while the row before the break has numbers. Append the rest's text to
    the cells above it and drop the rest's row."""
    first = {(r, c): v for (r, c), v in after.cells.items() if r == 0}
    if not first or any(_is_number(v[0]) for v in first.values()):
        return
    last_row = before.shape[0] - 1
    ends = {(r, c): v for (r, c), v in before.cells.items() if r + v[2] - 1 == last_row}
    if not any(_is_number(v[0]) for v in ends.values()):
        return
    for (_, c), (text, _, _) in first.items():
        owner = next((v for (r, c0), v in ends.items() if c0 <= c < c0 + v[1]), None)
        if owner is not None and text.strip():
            owner[0] = owner[0] + text
    rest: Grid = {}
    for (r, c), v in after.cells.items():
        if r == 0 and v[2] > 1:
            rest[(0, c)] = [v[0] if (0, c) not in first else "", v[1], v[2] - 1]
        elif r > 0:
            rest[(r - 1, c)] = v
    after.cells = rest
    after.shape = (after.shape[0] - 1, after.shape[1])


def merged_specs(tables: list[PageTable]) -> list[TableSpec]:
    """The tables as the statistics walk wants them: continuations joined to the table they continue."""
    specs: list[TableSpec] = []
    prev: PageTable | None = None
    for t in tables:
        if t.continues and specs and prev is not None:
            _mend_broken_row(prev, t)
            specs[-1] = specs[-1][: -prev.shape[0]] + prev.spec + t.spec
        else:
            specs.append(t.spec)
        prev = t
    return specs
