"""Attachment bytes of generated reports: PDF with a text layer, DOCX, Word 97 DOC, built per report.

Built on request and cached (a few hundred KB at most in memory): the PDF and DOC writers of
tests/fixtures/attachments/make_fixtures.py, fed with the report's own lines, so each file is a
different report whose title and text a test can look for.

Some DOCs of benchmark seeds (>= TABLES_FROM_SEED; tests use smaller ones) carry the template's three
statistics tables, as real Word 97 tables: the report's Word-style HTML (tests/fixtureweb/texts.py)
saved as Word 97 by LibreOffice, once per file, cached on disk (DOC_CACHE). Their cell marks are what
sends a DOC through pipelines/word97.py's LibreOffice path in a crawl. ``python -m
tests.fixtureweb.generated.files --seeds 1000-1039`` builds a web's table DOCs in one soffice run
(seconds each on a loaded box when built on first request instead).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from tests.fixtures.attachments.make_fixtures import compound_file, pdf_bytes, stream, word_streams

from ..common import esc, stable_int
from ..texts import render_word, report_blocks

TABLES_FROM_SEED = 1000  # benchmark seeds: a test's generated web never waits on LibreOffice
TABLES_SHARE = 2  # one template-bodied DOC in this many carries the tables
DOC_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gongkai" / "fixture-docs"
_SOFFICE_TIMEOUT = 600

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


def tables_html(plan, item, lines: tuple[str, ...]) -> str | None:
    """The Word-style HTML of a DOC that carries the statistics tables (the served paragraphs, garbled
    or converted as the plain DOC's, between the template's tables), or None for a plain DOC."""
    if item.attachment != "doc" or item.body != "template" or plan.seed < TABLES_FROM_SEED \
            or stable_int("doc-tables", plan.seed, item.id) % TABLES_SHARE:
        return None
    blocks = report_blocks(item.agency or plan.name, item.year or plan.years[0], "district", item.date)
    if not any(kind == "table" for kind, _ in blocks):
        return None  # a report on the pre-2019 template is prose only: its DOC is the plain one
    paragraphs = iter(lines[1:])
    served = [(kind, text if kind == "table" else next(paragraphs, text)) for kind, text in blocks]
    if plan.script == "traditional":
        from .site import to_traditional

        served = [(k, to_traditional(t) if k == "table" else t) for k, t in served]
    return (f"<html><head><meta charset=\"utf-8\"><title>{esc(lines[0])}</title></head><body>"
            f"<h1>{esc(lines[0])}</h1>\n{render_word(served)}</body></html>")


def doc_path(html: str) -> Path:
    """Where the Word 97 file saved from ``html`` is cached."""
    return DOC_CACHE / (hashlib.sha1(html.encode("utf-8")).hexdigest() + ".doc")


def build_docs(htmls: list[str]) -> None:
    """Save each HTML as Word 97 in DOC_CACHE, in one LibreOffice run (skips those already there)."""
    todo = {doc_path(h).stem: h for h in htmls if not doc_path(h).exists()}
    if not todo:
        return
    DOC_CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gongkai-docs-") as tmp:
        sources = []
        for stem, html in todo.items():
            (src := Path(tmp) / f"{stem}.html").write_text(html, encoding="utf-8")
            sources.append(str(src))
        out = Path(tmp) / "out"
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                        "--infilter=HTML (StarWriter)", "--convert-to", "doc:MS Word 97", "--outdir", str(out),
                        *sources], capture_output=True, timeout=_SOFFICE_TIMEOUT, check=True)
        for stem in todo:
            made = out / f"{stem}.doc"
            if not made.exists():
                raise RuntimeError(f"LibreOffice did not write {made}")
            os.replace(made, doc_path(todo[stem]))  # same file system as DOC_CACHE or not: replace, then it is whole


CONTENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@lru_cache(maxsize=64)
def attachment_bytes(kind: str, lines: tuple[str, ...], tables: str | None = None) -> bytes:
    """The file; ``tables`` (tables_html) makes a DOC the LibreOffice-saved one with its tables."""
    if kind == "doc" and tables is not None:
        build_docs([tables])
        return doc_path(tables).read_bytes()
    return {"pdf": pdf_of, "docx": docx_of, "doc": doc_of}[kind](lines)


def main() -> int:
    from benchmarks.discovery import parse_seeds

    from .content import body_lines, portal_content
    from .plan import plan_for
    from .site import to_traditional

    ap = argparse.ArgumentParser(description="build the table DOCs of generated portals into " + str(DOC_CACHE))
    ap.add_argument("--seeds", required=True)
    args = ap.parse_args()
    htmls = []
    for seed in parse_seeds(args.seeds):
        plan = plan_for(seed)
        for item in portal_content(seed).items.values():
            lines = body_lines(plan, item)
            lines = [to_traditional(x) for x in lines] if plan.script == "traditional" else lines
            html = tables_html(plan, item, tuple(lines)) if item.is_report else None
            htmls += [html] if html else []
    build_docs(htmls)
    print(f"{len(htmls)} table DOCs of seeds {args.seeds} in {DOC_CACHE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
