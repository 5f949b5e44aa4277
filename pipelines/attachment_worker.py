"""The worker process that parses one attachment (`python -m pipelines.attachments FILE TYPE MEM TIMEOUT`).

It runs under an address-space limit and is killed by its parent (pipelines/attachments.py) at the
timeout. It prints one JSON object: text, needs_ocr, warnings, tables (pipelines/tables.py specs),
text_source ("text_layer", "ocr", "docx", "doc") and ocr_confidence.
"""

from __future__ import annotations

import json
import sys

from pipelines import memory, ocr, ofd_text, office_text, pdf_tables, pdf_text
from pipelines.rules import attachments as rules


def limit_memory(max_bytes: int) -> None:
    """Cap this process's address space, so a runaway parse raises MemoryError instead of
    swapping the machine or drawing the OOM killer onto the crawl."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def _fail(warnings: list[str], needs_ocr: bool = False) -> dict:
    return {"text": "", "needs_ocr": needs_ocr, "warnings": warnings, "tables": [], "text_source": None}


def pdf_result(path: str) -> dict:
    warnings: list[str] = []
    pages = pdf_text.read_pages(path, warnings)
    if not pages:
        return _fail([*warnings, "pdf: no pages"])
    chars = [sum(pdf_text.visible_chars(g.text) for g in p.glyphs) if p else 0 for p in pages]
    unmapped = pdf_text.unmapped_glyphs(pages)
    unusable = None
    if unmapped:
        share = unmapped / max(sum(chars), 1)
        if share > rules.MAX_UNMAPPED_GLYPH_SHARE:
            unusable = f"pdf: {unmapped} glyphs have no Unicode mapping, text layer unusable: needs OCR"
        else:
            warnings.append(f"pdf: dropped {unmapped} glyphs with no Unicode mapping")
        for p in pages:
            if p:
                p.glyphs = [g for g in p.glyphs if "(cid:" not in g.text]
    images = sum(p.images for p in pages if p)
    if unusable is None and sum(chars) < rules.MIN_TEXT_CHARS_PER_PAGE * len(pages):
        why = f"{images} images" if images else "no images; text may be drawn as outlines"
        unusable = f"pdf: no text layer on {len(pages)} pages ({why}): needs OCR"
    scanned = list(range(len(pages))) if unusable else [
        i for i, p in enumerate(pages) if p and p.images and chars[i] < rules.MIN_TEXT_CHARS_PER_PAGE]
    source, confidence = "text_layer", None
    if scanned and ocr.available():
        read, ocr_tables, confidence = ocr.ocr_pages(path, scanned, warnings)
        for i, page in read.items():
            pages[i] = page
        if unusable and sum(pdf_text.visible_chars(g.text) for p in read.values() for g in p.glyphs) \
                < rules.MIN_TEXT_CHARS_PER_PAGE * len(pages):
            return _fail([*warnings, unusable, "ocr: no text recognised"], needs_ocr=True)
        source = "ocr" if unusable else "text_layer+ocr"
        if confidence is not None and confidence < rules.OCR_MIN_CONFIDENCE:
            warnings.append(f"ocr: low confidence ({confidence:.0f} of 100): text and numbers may be wrong")
    elif unusable:
        why = "ocr: off" if not ocr.enabled() else f"ocr: {rules.OCR_COMMAND[0]} is not installed"
        return _fail([*warnings, unusable, why], needs_ocr=True)
    elif scanned:
        warnings.append(f"pdf: {len(scanned)} of {len(pages)} pages are images without text (partly scanned)")
    tables, table_warnings = pdf_tables.ruled_tables(path) if source != "ocr" else ([], [])
    warnings.extend(table_warnings)
    if source != "text_layer":
        tables = sorted([t for t in tables if t.page not in read] + ocr_tables, key=lambda t: (t.page, t.bbox[1]))
        pdf_tables.mark_continuations(tables, {i: p.height for i, p in enumerate(pages) if p})
    specs = pdf_tables.merged_specs(tables)  # first: it mends rows a page broke, for the text too
    text = pdf_text.layout_text(pages, tables)
    return {"text": text, "needs_ocr": False, "warnings": warnings, "tables": specs,
            "text_source": source, "ocr_confidence": confidence}


def worker_main(argv: list[str]) -> int:
    path, media_type, mem, timeout = argv[0], argv[1], int(argv[2]), float(argv[3])
    limit_memory(mem)
    result = parse_file(path, media_type, mem, timeout)
    sys.stdout.buffer.write(json.dumps(result, ensure_ascii=False).encode("utf-8"))
    return 0


def parse_file(path: str, media_type: str, mem: int, timeout: float) -> dict:
    """The worker's answer for one file, whichever process runs it (this worker, or an extraction
    worker of the crawl that converts in its own process: pipelines/attachments.py). Never raises
    an Exception; `mem` is the address-space cap the caller set, named in the MemoryError warning."""
    try:
        if media_type == rules.PDF:
            # Under the crawl's family bound (pipelines/memory.py): a worker reading a PDF beside a
            # grown browser was the family's peak once LibreOffice waited (crawler ~250 + chromium
            # ~200 + driver ~110 + worker 125 MB); the browser closes for it when there is no room.
            need = memory.PDF_DOCUMENT_RSS if "pymupdf" in sys.modules else memory.PDF_READER_RSS
            with memory.room_for(need, wait=min(rules.PDF_ROOM_WAIT_SECONDS, timeout / 2), hold=False,
                                 why="a PDF read"):
                result = pdf_result(path)
            memory.hold_while_alive()
        elif media_type == rules.DOCX:
            result = office_text._docx_text(path)
            result["text_source"] = "docx"
        elif media_type == rules.OFD:
            result = ofd_text.ofd_result(path)
        else:
            result = office_text._doc_text(path, timeout)
            result["text_source"] = "doc"
            if result["text"]:
                result["tables"], text, more = office_text.doc_tables(path, timeout * rules.DOC_TABLES_SHARE)
                result["warnings"].extend(more)
                if pdf_text.visible_chars(text) >= pdf_text.visible_chars(result["text"]):
                    result["text"] = text  # LibreOffice kept the tables that antiword broke
    except MemoryError:
        result = _fail([f"attachment: parsing needed more than {mem} bytes of memory"])
    except Exception as exc:  # corrupt files raise all sorts of things from deep inside the parsers
        kind = media_type.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
        result = _fail([f"{kind}: cannot parse: {exc!r}"[:300]])
    text = result["text"]
    if len(text) > rules.MAX_TEXT_CHARS:
        result["text"] = text[: rules.MAX_TEXT_CHARS]
        result["warnings"].append(f"attachment: text cut at {rules.MAX_TEXT_CHARS} characters")
    return result
