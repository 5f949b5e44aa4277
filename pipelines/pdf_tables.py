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

from dataclasses import dataclass

from pipelines.rules import attachments as rules
from pipelines.tables import TableSpec


@dataclass
class PageTable:
    page: int  # 0-based
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom (PDF points, origin top left)
    spec: TableSpec
    columns: list[float]  # x positions of the column rules
    continues: bool = False  # the rest of the table before it, broken by a page


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float, tol: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v)) if edges else 0


def _spec(table: object) -> tuple[TableSpec, list[float]]:
    """Cells with their spans from the cell boxes: a box over k column rules spans k columns."""
    tol = rules.PDF_TABLE_EDGE_TOLERANCE
    texts = table.extract()  # type: ignore[attr-defined]
    boxes = [list(r.cells) for r in table.rows]  # type: ignore[attr-defined]
    xs = _cluster([v for row in boxes for c in row if c for v in (c[0], c[2])], tol)
    ys = _cluster([v for row in boxes for c in row if c for v in (c[1], c[3])], tol)
    placed: dict[tuple[int, int], tuple[str, int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for r, row in enumerate(boxes):
        for k, box in enumerate(row):
            if not box:
                continue
            c0, c1 = _index(xs, box[0], tol), _index(xs, box[2], tol)
            r0, r1 = _index(ys, box[1], tol), _index(ys, box[3], tol)
            if (r0, c0) in placed or c1 <= c0 or r1 <= r0:
                continue
            text = texts[r][k] if r < len(texts) and k < len(texts[r]) else ""
            placed[(r0, c0)] = (text or "", c1 - c0, r1 - r0)
            covered.update((rr, cc) for rr in range(r0, r1) for cc in range(c0, c1))
    spec: TableSpec = []
    for r in range(max(len(ys) - 1, 0)):
        row = []
        for c in range(max(len(xs) - 1, 0)):
            if (r, c) in placed:
                row.append(placed[(r, c)])
            elif (r, c) not in covered:
                row.append(("", 1, 1))  # a slot no box covers: keep the columns aligned
        spec.append(row)
    return spec, xs


def ruled_tables(path: str) -> tuple[list[PageTable], list[str]]:
    """Every ruled table of the PDF, pages in order; a broken-off continuation is marked."""
    import pymupdf

    pymupdf.no_recommend_layout()  # it would print an advert on stdout, which carries the worker's answer
    pymupdf.TOOLS.mupdf_display_errors(False)
    warnings: list[str] = []
    out: list[PageTable] = []
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
            height = page.rect.height
            for table in found:
                spec, xs = _spec(table)
                if len(xs) < 3 or not spec:
                    continue  # a framed paragraph, not a table
                x0, top, x1, bottom = table.bbox
                current = PageTable(number, (x0, top, x1, bottom), spec, xs)
                prev = out[-1] if out else None
                if (prev and prev.page == number - 1 and top < rules.PDF_PAGE_BAND * height
                        and not [t for t in out if t.page == number]
                        and len(prev.columns) == len(xs)
                        and all(abs(a - b) < 3 * rules.PDF_TABLE_EDGE_TOLERANCE for a, b in zip(prev.columns, xs, strict=True))):
                    current.continues = True
                out.append(current)
    return out, warnings


def merged_specs(tables: list[PageTable]) -> list[TableSpec]:
    """The tables as the statistics walk wants them: continuations joined to the table they continue."""
    specs: list[TableSpec] = []
    for t in tables:
        if t.continues and specs:
            specs[-1] = specs[-1] + t.spec
        else:
            specs.append(list(t.spec))
    return specs
