"""Attachment bytes of generated reports: PDF with a text layer, DOCX, Word 97 DOC, built per report.

Built on request and cached (a few hundred KB at most in memory): the PDF and DOC writers of
tests/fixtures/attachments/make_fixtures.py, fed with the report's own lines, so each file is a
different report whose title and text a test can look for.
"""

from __future__ import annotations

import io
from functools import lru_cache

from tests.fixtures.attachments.make_fixtures import compound_file, pdf_bytes, stream, word_streams

_LINE = 34  # characters per PDF line (page width 595 pt at 14 pt a character, with margins)
_LINES_PER_PAGE = 48
# A DOC is one compound file of at most 128 sectors: keep its text well inside that.
_DOC_MAX_CHARS = 6000


def _pdf_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        while len(line) > _LINE:
            out.append(line[:_LINE])
            line = line[_LINE:]
        if line:
            out.append(line)
    return out


def pdf_of(lines: tuple[str, ...]) -> bytes:
    """A PDF whose pages carry ``lines`` (wrapped at the page width) as real text (STSong-Light)."""
    wrapped = _pdf_lines(list(lines))
    pages = [wrapped[i:i + _LINES_PER_PAGE] for i in range(0, len(wrapped), _LINES_PER_PAGE)] or [[""]]
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
            b"/DescendantFonts [4 0 R] >>")
    cidfont = (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
               b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
               b"/FontDescriptor 5 0 R /DW 1000 >>")
    descriptor = (b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
                  b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
    resources = b"/Resources << /Font << /F1 3 0 R >> >>"
    # objects 1 catalog, 2 pages, 3-5 font, then (page, content) pairs from 6
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(len(pages))).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages), font, cidfont, descriptor]
    for i, page in enumerate(pages):
        ops = [b"BT /F1 14 Tf"]
        for k, text in enumerate(page):
            ops.append(b"1 0 0 1 40 %d Tm <%s> Tj" % (800 - 16 * k, text.encode("utf-16-be").hex().encode()))
        ops.append(b"ET")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R " % (7 + 2 * i)
                       + resources + b" >>")
        objects.append(stream(b"\n".join(ops)))
    return pdf_bytes(objects)


def docx_of(lines: tuple[str, ...]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def doc_of(lines: tuple[str, ...]) -> bytes:
    text = "\r".join(lines)[:_DOC_MAX_CHARS] + "\r"
    wd, table = word_streams(text)
    return compound_file([("WordDocument", wd), ("1Table", table), ("Data", bytes(4096))])


CONTENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@lru_cache(maxsize=64)
def attachment_bytes(kind: str, lines: tuple[str, ...]) -> bytes:
    return {"pdf": pdf_of, "docx": docx_of, "doc": doc_of}[kind](lines)
