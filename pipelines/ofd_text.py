"""Text and ruled tables of OFD documents (GB/T 33190 版式文档), read with easyofd from PyPI.

easyofd parses the zip of XML pages into, per page, its text objects (each TextCode with its
Boundary, X/Y offset, DeltaX glyph advances and font size) and its path objects. Each character
becomes a glyph with its box and goes through the same layout as a PDF's (pipelines/pdf_text.py:
lines by position, `a | b | c` rows, furniture dropped, paragraphs by the CJK rule). Straight path
segments are the table rules: drawn on a blank page, they go through the same table finder as a
scan's (pipelines/pdf_tables.tables_from_rules), each cell taking the glyphs inside its box, so an OFD
report gets the same grids, so the same statistics.

easyofd prints to stdout (which carries the worker's answer), logs through loguru to stderr and puts
".." on sys.path when imported: all three are contained here. Without easyofd the report is flagged
(rules.OFD_WARNING), as before.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys

from pipelines import pdf_tables, pdf_text
from pipelines.pdf_text import Glyph, PdfPage
from pipelines.rules import attachments as rules

_MM = 72.0 / 25.4  # OFD measures in millimetres; the PDF layout rules are in points
_PATH_OP = re.compile(r"([A-Za-z])((?:\s+-?[\d.]+)*)")


def _parse(path: str) -> list[dict] | None:
    """easyofd's document list, or None when easyofd is not installed."""
    saved = list(sys.path)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                from easyofd.ofd import OFD
                from loguru import logger
            except ImportError:
                return None
            logger.remove()  # its font registration logs a line per missing Windows font
            reader = OFD()
            with open(path, "rb") as fh:
                reader.read(fh.read(), fmt="binary")
            return list(reader.data or [])
    finally:
        sys.path[:] = saved


def _advances(delta_x: str, count: int, size: float) -> list[float]:
    """DeltaX of a TextCode: one advance per glyph gap, `g n d` standing for n times d (GB/T 33190 §11.3)."""
    out: list[float] = []
    parts = (delta_x or "").split()
    i = 0
    while i < len(parts):
        if parts[i] == "g" and i + 2 < len(parts):
            out += [float(parts[i + 2])] * int(float(parts[i + 1]))
            i += 3
        else:
            out.append(float(parts[i]))
            i += 1
    while len(out) < count - 1:
        out.append(out[-1] if out else size)
    return out


def _glyphs(item: dict) -> list[Glyph]:
    text = item.get("text") or ""
    if text in ("", "None"):
        return []
    bx, by = float(item["pos"][0]), float(item["pos"][1])
    size = float(item.get("size") or 3.5)
    x = bx + float(item.get("X") or 0)
    baseline = by + float(item.get("Y") or size)
    advances = _advances(item.get("DeltaX") or "", len(text), size)
    out = []
    for k, ch in enumerate(text):
        if not ch.isspace():
            out.append(Glyph(x * _MM, (x + size) * _MM, (baseline - size) * _MM, baseline * _MM, size * _MM, ch))
        x += advances[k] if k < len(advances) else size
    return out


def _segments(item: dict) -> list[tuple[float, float, float, float]]:
    """Straight horizontal and vertical strokes of a path object (M/L moves of AbbreviatedData)."""
    bx, by = float(item["pos"][0]), float(item["pos"][1])
    out, at = [], None
    for op, args in _PATH_OP.findall(str(item.get("AbbreviatedData") or "")):
        nums = [float(v) for v in args.split()]
        if op == "M" and len(nums) >= 2:
            at = (nums[0], nums[1])
        elif op == "L" and len(nums) >= 2 and at is not None:
            end = (nums[0], nums[1])
            if abs(end[0] - at[0]) < 0.2 or abs(end[1] - at[1]) < 0.2:
                out.append(((bx + at[0]) * _MM, (by + at[1]) * _MM, (bx + end[0]) * _MM, (by + end[1]) * _MM))
            at = end
        else:
            at = None if op not in ("M", "L") else at
    return out


def _page_size(doc: dict, number: int) -> tuple[float, float]:
    sizes = doc.get("page_size") or []
    box = sizes[number] if number < len(sizes) and sizes[number] else doc.get("default_page_size") or []
    if len(box) >= 4:
        return float(box[2]) * _MM, float(box[3]) * _MM
    return 210 * _MM, 297 * _MM  # A4, the size every template report is printed on


def ofd_result(path: str) -> dict:
    """The attachment worker's answer for an OFD file (text, tables, warnings; text_source "ofd")."""
    try:
        docs = _parse(path)
    except Exception as exc:  # easyofd indexes into whatever XML it finds: a broken file raises anything
        return {"text": "", "needs_ocr": False, "warnings": [f"ofd: cannot read the document: {exc!r}"[:200]],
                "tables": [], "text_source": None}
    if docs is None:
        return {"text": "", "needs_ocr": False, "warnings": [rules.OFD_WARNING], "tables": [], "text_source": None}
    pages: list[PdfPage | None] = []
    tables: list = []
    for doc in docs:
        for number, content in sorted((doc.get("page_info") or {}).items(), key=lambda kv: int(kv[0])):
            width, height = _page_size(doc, int(number))
            glyphs = [g for item in content.get("text_list") or [] for g in _glyphs(item)]
            segments = [s for item in content.get("line_list") or [] for s in _segments(item)]
            page_no = len(pages)
            pages.append(PdfPage(width, height, glyphs, len(content.get("img_list") or [])))
            if segments:
                def text_of(box: tuple, glyphs: list[Glyph] = glyphs) -> str:
                    inside = [g for g in glyphs if box[0] <= (g.x0 + g.x1) / 2 <= box[2]
                              and box[1] <= (g.top + g.bottom) / 2 <= box[3]]
                    inside.sort(key=lambda g: (round(g.top), g.x0))
                    return "".join(g.text for g in inside)

                centres = [((g.x0 + g.x1) / 2, (g.top + g.bottom) / 2) for g in glyphs]
                tables += pdf_tables.tables_from_rules(page_no, (width, height), segments, text_of, centres)
    warnings: list[str] = []
    if not any(p and p.glyphs for p in pages):
        warnings.append("ofd: no text objects (an image-only OFD is not OCRed)")
    pdf_tables.mark_continuations(tables, {i: p.height for i, p in enumerate(pages) if p})
    specs = pdf_tables.merged_specs(tables)
    text = pdf_text.layout_text(pages, tables)
    return {"text": text, "needs_ocr": False, "warnings": warnings, "tables": specs, "text_source": "ofd",
            "ocr_confidence": None}
