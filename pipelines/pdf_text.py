"""Text and tables of a PDF with a text layer, read from the page geometry.

pdfminer.six gives every glyph with its box. Glyphs are grouped into lines by position (not by
pdfminer's text boxes, which read a table's row labels first and then its numbers column by column);
a line whose glyphs leave gaps wider than a cell gap is a table row and becomes `a | b | c`. Ruled
tables (pipelines/pdf_tables.py) replace the glyphs inside them with their rows, so each cell is read
once and in place. Then:
- page numbers (`- 3 -`, `第3页`) and running headers/footers (the same line in the top or bottom band
  of most pages) are dropped;
- lines are joined into paragraphs by the CJK rule: a line that ran to the right margin continues on
  the next unless that one is indented (Chinese paragraphs open with a two-character indent), further
  down than a line gap, or a table row — across a page break too;
- no space is kept between CJK characters or around full-width punctuation (`号 ， 邮编 ：`).
Pages with images and no text are counted, so that a scan goes to OCR (pipelines/ocr.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipelines.pdf_unruled import join_unruled_rows
from pipelines.rules import attachments as rules
from pipelines.tables import spec_rows_text
from pipelines.text_clean import CJK_OR_FULLWIDTH, tidy_spaces

_PAGE_NUMBER = re.compile(rules.PDF_PAGE_NUMBER_PATTERN)
_CID_RE = re.compile(r"\(cid:\d+\)")
_DIGITS = re.compile(r"\d+")


@dataclass
class Glyph:
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


@dataclass
class Line:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    cells: list[str]  # one cell: prose; several: a table row
    table: bool = False  # a row of a ruled table
    glyphs: list[Glyph] = field(default_factory=list, repr=False)  # for rows of unruled tables


@dataclass
class PdfPage:
    width: float
    height: float
    glyphs: list[Glyph] = field(default_factory=list)
    images: int = 0
    lines: list[Line] | None = None  # lines already grouped (OCR gives its own); else from the glyphs


def read_pages(path: str, warnings: list[str]) -> list[PdfPage | None]:
    """Glyphs of every page (None for a page pdfminer could not interpret)."""
    import logging

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # real gov PDFs deviate from the spec a lot
    pages: list[PdfPage | None] = []
    with open(path, "rb") as fp:
        manager = PDFResourceManager(caching=True)
        device = PDFPageAggregator(manager, laparams=LAParams())
        interpreter = PDFPageInterpreter(manager, device)
        for number, page in enumerate(PDFPage.get_pages(fp), 1):
            if number > rules.MAX_PDF_PAGES:
                warnings.append(f"pdf: stopped after {rules.MAX_PDF_PAGES} pages")
                break
            try:
                interpreter.process_page(page)
            except MemoryError:
                raise
            except Exception as exc:  # one broken content stream should not lose the other pages
                warnings.append(f"pdf: page {number} unreadable: {exc!r}"[:200])
                pages.append(None)
                continue
            layout = device.get_result()
            out = PdfPage(layout.width, layout.height)
            _collect(layout, out, layout.y1)
            pages.append(out)
    return pages


def _collect(item: object, page: PdfPage, y_top: float) -> None:
    from pdfminer.layout import LTChar, LTContainer, LTImage

    if isinstance(item, LTImage):
        page.images += 1
    elif isinstance(item, LTChar):
        text = item.get_text()
        if text and not text.isspace():
            page.glyphs.append(Glyph(item.x0, item.x1, y_top - item.y1, y_top - item.y0, item.size or 1.0, text))
    elif isinstance(item, LTContainer):
        for child in item:
            _collect(child, page, y_top)


def visible_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


# ---------------------------------------------------------------- glyphs to lines


def _inside(g: Glyph, box: tuple[float, float, float, float]) -> bool:
    cx, cy = (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def line_cells(glyphs: list[Glyph], gap_em: float = rules.PDF_CELL_GAP_EM) -> list[str]:
    """The glyphs of one line, left to right, cut into cells at wide gaps; a narrow gap between
    two Latin/digit glyphs is a space."""
    cells: list[list[str]] = [[]]
    prev: Glyph | None = None
    for g in sorted(glyphs, key=lambda g: g.x0):
        if prev is not None:
            gap = g.x0 - prev.x1
            em = max(g.size, prev.size, 1.0)  # not min: an OCR box of 一 is a few pixels high
            if gap > gap_em * em:
                cells.append([])
            elif gap > 0.2 * em and not (CJK_OR_FULLWIDTH.match(prev.text[-1]) or CJK_OR_FULLWIDTH.match(g.text[0])):
                cells[-1].append(" ")
        cells[-1].append(g.text)
        prev = g
    return ["".join(c).strip() for c in cells if "".join(c).strip()]


def page_lines(number: int, page: PdfPage, boxes: list[tuple[float, float, float, float]]) -> list[Line]:
    if page.lines is not None:
        return [line for line in page.lines
                if not any(b[0] <= (line.x0 + line.x1) / 2 <= b[2] and b[1] <= (line.top + line.bottom) / 2 <= b[3]
                           for b in boxes)]
    glyphs = [g for g in page.glyphs if not any(_inside(g, b) for b in boxes)]
    glyphs.sort(key=lambda g: (g.top + g.bottom) / 2)
    groups: list[list[Glyph]] = []
    centre = -1e9
    for g in glyphs:
        c = (g.top + g.bottom) / 2
        if groups and abs(c - centre) <= 0.5 * g.size:
            groups[-1].append(g)
        else:
            groups.append([g])
            centre = c
    lines = []
    for group in groups:
        cells = line_cells(group)
        if cells:
            lines.append(Line(number, min(g.x0 for g in group), max(g.x1 for g in group),
                              min(g.top for g in group), max(g.bottom for g in group),
                              Counter(round(g.size, 1) for g in group).most_common(1)[0][0], cells, glyphs=group))
    return lines


# ---------------------------------------------------------------- page furniture


def drop_furniture(lines: list[Line], pages: list[PdfPage | None]) -> list[Line]:
    """Page numbers and running headers/footers, which live in the top and bottom bands."""
    def band(line: Line) -> bool:
        page = pages[line.page]
        h = page.height if page else 842.0
        return line.bottom < rules.PDF_PAGE_BAND * h or line.top > (1 - rules.PDF_PAGE_BAND) * h

    def key(line: Line) -> str:
        return _DIGITS.sub("#", "".join("".join(line.cells).split()))

    n_pages = sum(1 for p in pages if p is not None)
    seen = Counter(k for k in {(line.page, key(line)) for line in lines if band(line) and not line.table})
    running = Counter()
    for (_, k), _n in seen.items():
        running[k] += 1
    out = []
    for line in lines:
        if not line.table and band(line):
            flat = " ".join(line.cells)
            if _PAGE_NUMBER.match(flat):
                continue
            if n_pages >= 2 and running[key(line)] >= max(2, rules.PDF_RUNNING_LINE_SHARE * n_pages):
                continue
        out.append(line)
    return out


# ---------------------------------------------------------------- lines to paragraphs


def _column(lines: list[Line]) -> tuple[float, float]:
    """The text column (left, right) of the document, from its prose lines: the most common left
    edge and the furthest right edge (per document: a page of short lines has the same margins)."""
    prose = [line for line in lines if len(line.cells) == 1 and not line.table]
    if not prose:
        return 0.0, 1.0
    left = Counter(round(line.x0) for line in prose).most_common(1)[0][0]
    right = max(line.x1 for line in prose)
    return float(left), max(right, left + 1.0)


def paragraphs(lines: list[Line]) -> list[str]:
    left, right = _column(lines)
    out: list[str] = []
    prev: Line | None = None
    for line in lines:
        if len(line.cells) > 1 or line.table:
            out.append(" | ".join(line.cells))
            prev = None
            continue
        text = line.cells[0]
        if prev is not None:
            full = prev.x1 - left >= rules.PDF_FULL_LINE_SHARE * (right - left)
            indented = line.x0 - left >= rules.PDF_INDENT_EM * line.size
            gap = line.page == prev.page and line.top - prev.bottom > rules.PDF_PARAGRAPH_GAP_EM * line.size
            if full and not indented and not gap:
                out[-1] = _join(out[-1], text)
                prev = line
                continue
        out.append(text)
        prev = line
    return out


def _join(a: str, b: str) -> str:
    if a and b and not CJK_OR_FULLWIDTH.match(a[-1]) and not CJK_OR_FULLWIDTH.match(b[0]):
        return a + " " + b  # a Latin word or number broken by the width
    return a + b


def table_lines(number: int, bbox: tuple[float, float, float, float], spec: list) -> list[Line]:
    return [Line(number, bbox[0], bbox[2], bbox[1], bbox[1], 10.0, [row], table=True)
            for row in spec_rows_text(spec)]


def layout_text(pages: list[PdfPage | None], tables: list) -> str:
    """The report text of the pages, tables in place as rows."""
    lines: list[Line] = []
    for number, page in enumerate(pages):
        if page is None:
            continue
        mine = [t for t in tables if t.page == number]
        page_items = page_lines(number, page, [t.bbox for t in mine])
        for t in mine:
            page_items.extend(table_lines(number, t.bbox, t.spec))
        page_items.sort(key=lambda line: line.top)
        lines.extend(page_items)
    text = "\n".join(paragraphs(join_unruled_rows(drop_furniture(lines, pages))))
    return tidy_spaces(text)


def unmapped_glyphs(pages: list[PdfPage | None]) -> int:
    return sum(len(_CID_RE.findall(g.text)) for p in pages if p for g in p.glyphs)
