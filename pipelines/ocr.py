"""OCR of image-only PDF pages with Debian's tesseract (tesseract-ocr-chi-sim, see scripts/setup.sh).

Pages are rendered with PyMuPDF and read by `tesseract … tsv`, which gives every word with its box
and confidence. The words go through the same geometry as a text layer's glyphs (pipelines/pdf_text.py):
lines by position, table cells at wide gaps, paragraphs by the CJK rule. So a scanned report gets text
and, from its table rows, statistics; its mean confidence is reported so that a poor scan is a warning.
"""

from __future__ import annotations

import shutil
import subprocess

from pipelines.pdf_text import Glyph, PdfPage
from pipelines.rules import attachments as rules


def available() -> bool:
    return rules.OCR_ENABLED and shutil.which(rules.OCR_COMMAND[0]) is not None


def _words(tsv: str, scale: float) -> tuple[list[Glyph], list[float]]:
    glyphs: list[Glyph] = []
    confs: list[float] = []
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue  # level 5 = word
        left, top, width, height = (int(v) for v in parts[6:10])
        conf = float(parts[10])
        glyphs.append(Glyph(left * scale, (left + width) * scale, top * scale, (top + height) * scale,
                            max(height * scale, 1.0), parts[11].strip()))
        if conf >= 0:
            confs.append(conf)
    return glyphs, confs


def ocr_pages(path: str, page_numbers: list[int], warnings: list[str]) -> tuple[dict[int, PdfPage], float | None]:
    """OCR the given pages (0-based); their words as glyphs in PDF points, and the mean confidence."""
    import pymupdf

    pymupdf.no_recommend_layout()
    out: dict[int, PdfPage] = {}
    confs: list[float] = []
    if len(page_numbers) > rules.OCR_MAX_PAGES:
        warnings.append(f"ocr: only the first {rules.OCR_MAX_PAGES} of {len(page_numbers)} scanned pages read")
        page_numbers = page_numbers[: rules.OCR_MAX_PAGES]
    with pymupdf.open(path) as doc:
        for number in page_numbers:
            page = doc[number]
            png = page.get_pixmap(dpi=rules.OCR_DPI, colorspace=pymupdf.csGRAY).tobytes("png")
            try:
                done = subprocess.run(list(rules.OCR_COMMAND), input=png, capture_output=True,
                                      timeout=rules.OCR_PAGE_TIMEOUT, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                warnings.append(f"ocr: page {number + 1} failed: {exc!r}"[:200])
                continue
            if done.returncode != 0:
                message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                warnings.append(f"ocr: page {number + 1} failed: {message[0][:150]}")
                continue
            glyphs, page_confs = _words(done.stdout.decode("utf-8", "replace"), 72.0 / rules.OCR_DPI)
            out[number] = PdfPage(page.rect.width, page.rect.height, glyphs)
            confs.extend(page_confs)
    return out, (sum(confs) / len(confs) if confs else None)
