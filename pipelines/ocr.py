"""OCR of image-only PDF pages with Debian's tesseract (tesseract-ocr-chi-sim, see scripts/setup.sh).

A page is rendered with PyMuPDF. Table rules are found in the image (long dark runs, numpy) and
whitened, so that tesseract reads digits instead of `|`, `l` and `工` where a rule crosses a cell;
`tesseract … tsv` then gives every word with its box, line and confidence. The rules, drawn on a
blank page, go through the same table finder as a born-digital PDF (pipelines/pdf_tables.py), and
each cell takes the words inside its box: a scanned report gets the same grids, so the same
statistics. Words outside tables become lines, then paragraphs by the CJK rule (pipelines/pdf_text.py).
The mean word confidence is reported, so that a poor scan is a warning.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from pipelines import ocr_cells, pdf_tables
from pipelines.pdf_text import Glyph, Line, PdfPage, line_cells
from pipelines.rules import attachments as rules

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def enabled() -> bool:
    """OCR is on unless rules.OCR_ENABLED is False or the environment says GONGKAI_OCR=off (the
    worker process inherits the crawl's environment)."""
    return rules.OCR_ENABLED and os.environ.get(rules.OCR_ENV, "").lower() not in ("off", "0", "no", "false")


def available() -> bool:
    return enabled() and shutil.which(rules.OCR_COMMAND[0]) is not None


def _runs(mask, min_len: int) -> list[tuple[int, int, int]]:
    """Runs of True at least min_len long in each row of a 2-D bool array: (row, start, end)."""
    import numpy as np

    out = []
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    for r in np.nonzero((edges != 0).any(axis=1))[0]:
        starts = np.nonzero(edges[r] == 1)[0]
        ends = np.nonzero(edges[r] == -1)[0]
        for a, b in zip(starts, ends, strict=True):
            if b - a >= min_len:
                out.append((int(r), int(a), int(b)))
    return out


def find_rules(gray) -> tuple[list[tuple[float, float, float, float]], object]:
    """Horizontal and vertical rules of a page image (pixels): segments, and the image without them."""
    import numpy as np

    dark = gray < rules.OCR_DARK_LEVEL
    px = rules.OCR_DPI / 72.0
    segments: list[tuple[float, float, float, float]] = []
    clean = gray.copy()
    for r, a, b in _runs(dark, int(rules.OCR_RULE_MIN_PT * px)):
        segments.append((a, r, b, r))
        clean[max(r - 2, 0):r + 3, a:b] = 255  # and the rule's grey fringe, which OCR reads as 1
    for c, a, b in _runs(dark.T, int(rules.OCR_VERTICAL_RULE_MIN_PT * px)):
        segments.append((c, a, c, b))
        clean[a:b, max(c - 2, 0):c + 3] = 255
    return segments, np.ascontiguousarray(clean)


def numeric_cell(text: str) -> str:
    """A table cell that OCR read as a number with look-alike glyphs (`工` for 1, `”5`) gets its digits."""
    core = text.strip(rules.OCR_CELL_STRAY + " ")
    if not core or len(core) > 12:
        return text
    if any(ch.isdigit() for ch in core):  # a rule's residue beside real digits (`l1`, `1]`): drop it
        kept = "".join(ch for ch in core if ch.isdigit() or ch in "+-.")
        return kept if _NUMBER.match(kept) and len(kept) >= len(core) - 2 else text
    mapped = "".join(rules.OCR_DIGIT_LOOKALIKES.get(ch, ch) for ch in core)
    return mapped if _NUMBER.match(mapped) and any(ch.isdigit() or ch in rules.OCR_DIGIT_LOOKALIKES for ch in core) \
        else text


def merge_rules(segments: list[tuple[int, int, int, int]]) -> list[tuple[float, float, float, float]]:
    """A rule several pixels thick is found as several runs: one rule per bundle of close, overlapping runs."""
    out: list[list[float]] = []
    gap = rules.OCR_RULE_MERGE_PX
    for horizontal in (True, False):
        runs = sorted((s for s in segments if (s[1] == s[3]) == horizontal),
                      key=lambda s: (s[1], s[0]) if horizontal else (s[0], s[1]))
        bundles: list[list[float]] = []  # [pos_sum, count, start, end, last_pos]
        for s in runs:
            pos, a, b = (s[1], s[0], s[2]) if horizontal else (s[0], s[1], s[3])
            for bundle in bundles:
                if pos - bundle[4] <= gap and a <= bundle[3] and b >= bundle[2]:
                    bundle[0] += pos
                    bundle[1] += 1
                    bundle[2], bundle[3], bundle[4] = min(bundle[2], a), max(bundle[3], b), pos
                    break
            else:
                bundles.append([pos, 1, a, b, pos])
        for total, n, a, b, _ in bundles:
            pos = total / n
            out.append([a, pos, b, pos] if horizontal else [pos, a, pos, b])
    return [tuple(v) for v in out]  # type: ignore[misc]


def _words(tsv: str, scale: float) -> list[tuple[tuple[int, int, int], Glyph, float]]:
    out = []
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue  # level 5 = word
        left, top, width, height = (int(v) for v in parts[6:10])
        glyph = Glyph(left * scale, (left + width) * scale, top * scale, (top + height) * scale,
                      max(height * scale, 1.0), parts[11].strip())
        out.append(((int(parts[2]), int(parts[3]), int(parts[4])), glyph, float(parts[10])))
    return out


def _inside(g: Glyph, box: tuple) -> bool:
    cx, cy = (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _tesseract(image, number: int, warnings: list[str]) -> str | None:
    """tesseract's TSV for a grey image (numpy array), or None with a warning."""
    import pymupdf

    png = pymupdf.Pixmap(pymupdf.csGRAY, image.shape[1], image.shape[0], image.tobytes(), False).tobytes("png")
    try:
        # One thread: tesseract's OpenMP threads only fight over the crawl's cores (measured: 3.2 s
        # a page with one thread, 7.6 s with four, on the 2-core CI machine under load).
        done = subprocess.run(list(rules.OCR_COMMAND), input=png, capture_output=True,
                              timeout=rules.OCR_PAGE_TIMEOUT, check=False,
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        warnings.append(f"ocr: page {number + 1} failed: {exc!r}"[:200])
        return None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        warnings.append(f"ocr: page {number + 1} failed: {message[0][:150]}")
        return None
    return done.stdout.decode("utf-8", "replace")


def _read_cells(clean, boxes: list[tuple], scale: float, number: int, warnings: list[str]) -> tuple[list[str], list]:
    """Each cell's text, read in one tesseract run over a montage: every cell's inside (rules cut
    off) on a strip of its own with white space between. Read in place, chi_sim runs the numbers of
    narrow neighbouring cells together into one word, so cells cannot be told apart. Also each
    cell's image, for reading its number again (pipelines/ocr_cells.py)."""
    import numpy as np

    pad, inset = rules.OCR_MONTAGE_PAD_PX, rules.OCR_CELL_INSET_PX
    crops, spans, y = [], [], pad
    for box in boxes:
        x0, y0, x1, y1 = (int(round(v / scale)) for v in box)
        crop = clean[y0 + inset:max(y1 - inset, y0 + inset + 1), x0 + inset:max(x1 - inset, x0 + inset + 1)]
        crops.append(crop)
        spans.append((y, y + crop.shape[0]))
        y += crop.shape[0] + pad
    if not crops:
        return [], []
    width = max(c.shape[1] for c in crops) + 2 * pad
    montage = np.full((y, width), 255, dtype=np.uint8)
    for crop, (top, bottom) in zip(crops, spans, strict=True):
        montage[top:bottom, pad:pad + crop.shape[1]] = crop
    tsv = _tesseract(montage, number, warnings)
    texts = [""] * len(boxes)
    if tsv is None:
        return texts, crops
    for _, g, _ in sorted(_words(tsv, 1.0), key=lambda w: (w[0], w[1].x0)):  # tesseract's line order
        centre = (g.top + g.bottom) / 2
        i = next((i for i, (top, bottom) in enumerate(spans) if top - pad / 2 <= centre <= bottom + pad / 2), None)
        if i is not None:
            texts[i] += g.text
    return [numeric_cell(t) for t in texts], crops


def _read_page(number: int, page: object, warnings: list[str]
               ) -> tuple[PdfPage, list, list[float], list[ocr_cells.NumberCell]] | None:
    import numpy as np
    import pymupdf

    pix = page.get_pixmap(dpi=rules.OCR_DPI, colorspace=pymupdf.csGRAY)  # type: ignore[attr-defined]
    gray = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width)
    segments, clean = find_rules(gray)
    segments = merge_rules(segments)
    tsv = _tesseract(clean, number, warnings)
    if tsv is None:
        return None
    scale = 72.0 / rules.OCR_DPI
    words = _words(tsv, scale)
    boxes: list[tuple] = []

    def text_of(box: tuple) -> str:
        boxes.append(box)
        return f"\x00{len(boxes) - 1}"  # filled in below, from the montage

    size = (page.rect.width, page.rect.height)  # type: ignore[attr-defined]
    centres = [((w[1].x0 + w[1].x1) / 2, (w[1].top + w[1].bottom) / 2) for w in words]
    tables = pdf_tables.tables_from_rules(number, size, [tuple(v * scale for v in s) for s in segments], text_of,
                                          centres)
    numbers: list[ocr_cells.NumberCell] = []
    if boxes:
        texts, crops = _read_cells(clean, boxes, scale, number, warnings)
        for table in tables:
            for cell in table.cells.values():
                if cell[0].startswith("\x00"):
                    i = int(cell[0][1:])
                    cell[0] = texts[i]
                    if not texts[i] or ocr_cells.is_number(texts[i]):
                        numbers.append(ocr_cells.NumberCell(cell, crops[i]))
    groups: dict[tuple[int, int, int], list[Glyph]] = {}
    for key, glyph, _ in words:
        if not any(_inside(glyph, t.bbox) for t in tables):
            groups.setdefault(key, []).append(glyph)
    lines = []
    for glyphs in groups.values():
        cells = line_cells(glyphs, rules.OCR_CELL_GAP_EM)
        if cells:
            lines.append(Line(number, min(g.x0 for g in glyphs), max(g.x1 for g in glyphs), min(g.top for g in glyphs),
                              max(g.bottom for g in glyphs), sorted(g.size for g in glyphs)[len(glyphs) // 2], cells))
    glyph_list = [w[1] for w in words]
    return PdfPage(size[0], size[1], glyph_list, 0, lines), tables, [w[2] for w in words if w[2] >= 0], numbers


def ocr_pages(path: str, page_numbers: list[int], warnings: list[str]
              ) -> tuple[dict[int, PdfPage], list, float | None]:
    """OCR the given pages (0-based): their words and lines in PDF points, their tables (numbers read
    again cell by cell and checked against the template's arithmetic: pipelines/ocr_cells.py), and
    the mean word confidence."""
    import pymupdf

    pymupdf.no_recommend_layout()
    out: dict[int, PdfPage] = {}
    tables: list = []
    confs: list[float] = []
    numbers: list[ocr_cells.NumberCell] = []
    if len(page_numbers) > rules.OCR_MAX_PAGES:
        warnings.append(f"ocr: only the first {rules.OCR_MAX_PAGES} of {len(page_numbers)} scanned pages read")
        page_numbers = page_numbers[: rules.OCR_MAX_PAGES]
    with pymupdf.open(path) as doc:
        for number in page_numbers:
            read = _read_page(number, doc[number], warnings)
            if read is not None:
                out[number], page_tables, page_confs, cells = read
                tables.extend(page_tables)
                confs.extend(page_confs)
                numbers.extend(cells)
    ocr_cells.settle(numbers, tables, {i: p.height for i, p in out.items()}, warnings)
    return out, tables, (sum(confs) / len(confs) if confs else None)
