"""Reports that live in attachments, and what the spider learnt beside the page (counters, rendering).

Used from pipelines.report.build_report, live and in replay alike:
- `standalone_report(page)`: a column linked straight to a PDF/DOC/DOCX/WPS whose link text is a
  report title: the file is the report; the title is the link text.
- `apply_extras(page, record)`: a report page's record, completed with
  * its attachments (page.extra["attachments"], FetchedPages fetched by the spider before the page
    was handed on): their text replaces a stub page's text, each file is listed with url,
    media_type, sha1 and warc_record_id; a scanned PDF with no text layer sets needs_ocr;
  * its view count from a counter endpoint (page.extra["counter"]) when the page itself had none;
  * views_source "rendered" when the count was read from a browser-rendered DOM.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re

from pipelines import attachment_statistics, classify, clean, dates, document, metadata, mojibake
from pipelines.attachments import AttachmentText, extract_attachment_text, sniff_media_type
from pipelines.domains import registered_domain
from pipelines.metadata.published import counter_scripts
from pipelines.page import FetchedPage
from pipelines.warnings import COUNTER_BY_SCRIPT, NEEDS_OCR, warning, without

logger = logging.getLogger(__name__)

# A page whose own text is shorter than this, or shorter than its attachment's, is a stub around the
# attachment ("请点击下载附件"): the attachment's text is the report's.
STUB_TEXT_CHARS = 300


def is_attachment_page(page: FetchedPage) -> bool:
    return sniff_media_type(page.body, page.url, page.content_type) is not None


def repair_file_text(text: str) -> tuple[str, list[str]]:
    """A file's text gets the repairs a page's body gets: the one mojibake repair
    (pipelines/mojibake.py), then, when the text is a content farm's mirror, the undoing of its
    conversion (pipelines/clean.py: pinyin, Traditional, folded punctuation)."""
    if not text:
        return text, []
    text, warnings = mojibake.repair_text(text, "attachment")
    if clean.is_mirror(text):
        text, mirror = clean.repair_mirror(text)
        warnings += mirror
    return text, warnings


def _read(att: FetchedPage) -> tuple[dict, AttachmentText, list[str]]:
    """The file's list entry, what its reader gave (text repaired), and the repairs' warnings."""
    result = extract_attachment_text(att.body, att.url, att.content_type)
    result.text, repaired = repair_file_text(result.text)
    entry = {
        "url": att.url,
        "media_type": result.media_type or att.content_type or None,
        "sha1": hashlib.sha1(att.body).hexdigest() if att.body else None,
        "warc_record_id": att.warc_record_id,
        "warc_file": att.warc_file,
        "warc_offset": att.warc_offset,
        "needs_ocr": result.needs_ocr,
        "chars": len(result.text),
        "text_source": result.text_source,  # text_layer, ocr, docx, doc (pipelines/attachment_worker.py)
        "ocr_confidence": result.ocr_confidence,
        "tables": len(result.tables),
    }
    if result.warnings:
        logger.info("Attachment %s: %s", att.url, "; ".join(result.warnings))
    return entry, result, repaired


def _metadata_from_text(title: str, text: str, url: str) -> dict:
    """Run the page metadata reader on a minimal page made of the title and the file's text, so an
    attachment gets agency (its signature), report year and source kind by the same rules."""
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    shell = (f"<html><head><title>{html.escape(title)}</title><meta name=\"ArticleTitle\" content=\"{html.escape(title)}\">"
             f"</head><body><h1>{html.escape(title)}</h1>{lines}</body></html>")
    tree = document.parse_html(shell)
    if tree is None:
        return {}
    return metadata.extract_metadata(tree, text, url)


def standalone_report(page: FetchedPage) -> dict | None:
    """A report that is only a file, linked from a list by its title; None if not one."""
    title = (page.link_text or "").strip()
    if page.status != 200 or not classify.is_annual_report_title(title) or not is_attachment_page(page):
        return None
    entry, result, repaired = _read(page)
    title, title_repaired = mojibake.repair_text(title, "title")
    meta = _metadata_from_text(title, result.text, page.url) if result.text else {}
    warnings = list(result.warnings) + repaired + title_repaired
    if result.needs_ocr:
        warnings.append(_needs_ocr())
    stats, stats_warnings = attachment_statistics.attachment_statistics([result])
    warnings.extend(stats_warnings)
    return {
        "url": page.url,
        "title": title,
        "agency": meta.get("agency"),
        "publish_date": None,  # a file carries no visible publish date; the list's date is not kept
        "views": None,
        "views_source": None,
        "report_year": meta.get("report_year") or dates.year_of(title),
        "text": result.text,
        "source_kind": meta.get("source_kind") or "official",
        "domain": registered_domain(page.url),
        "fetched_at": page.fetched_at,
        "warc_file": page.warc_file,
        "warc_record_id": page.warc_record_id,
        "warc_offset": page.warc_offset,
        "warnings": warnings,
        "statistics": stats,
        "attachments": [entry],
        "needs_ocr": result.needs_ocr,
        "text_source": attachment_statistics.text_source(result),
    }


def _needs_ocr() -> str:
    return warning(NEEDS_OCR, "attachment: scanned document without a text layer; needs OCR")


_LEADING_NUMBER = re.compile(r"^\s*(\d[\d,]*)")


def rendered_views(page: FetchedPage) -> int | None:
    """In a rendered DOM: the number a counter script wrote right after itself, under a 浏览次数 label."""
    tree = document.parse_page(page).tree
    if tree is None:
        return None
    for script in counter_scripts(tree):
        after = script.tail or ""
        nxt = script.getnext()
        if not after.strip() and nxt is not None:
            after = nxt.text_content()
        m = _LEADING_NUMBER.match(after)
        if m:
            return int(m.group(1).replace(",", ""))
    return None


def apply_extras(page: FetchedPage, record: dict) -> dict:
    extra = page.extra or {}
    counter = extra.get("counter")
    if record.get("views") is None and counter and counter.get("views") is not None:
        record["views"] = counter["views"]
        # No source: the page's own script computed it, asking nothing (pipelines/script_sandbox.py).
        record["views_source"] = f"counter:{counter['source']}" if counter.get("source") else "page"
        record["warnings"] = without(record.get("warnings") or [], COUNTER_BY_SCRIPT)
    elif extra.get("rendered"):
        # The number is in the DOM only because the browser ran the page's counter script (which the
        # metadata reader rightly distrusts in static HTML): read it next to that script.
        views = record.get("views")
        if views is None:
            views = rendered_views(page)
        if views is not None:
            record["views"] = views
            record["views_source"] = "rendered"
            record["warnings"] = without(record.get("warnings") or [], COUNTER_BY_SCRIPT)
    attachments = [a for a in extra.get("attachments") or [] if isinstance(a, FetchedPage) and a.status == 200]
    if not attachments:
        return record
    entries: list[dict] = []
    texts: list[str] = []
    read: list[AttachmentText] = []
    repairs: list[str] = []
    scanned = False
    for att in attachments:
        entry, result, repaired = _read(att)
        if not entry["media_type"] or not (result.text or result.needs_ocr):
            record.setdefault("warnings", []).extend(f"{att.url}: {w}" for w in result.warnings)
            if not result.media_type:
                continue  # an HTML error page at a .pdf URL is not an attachment
        entries.append(entry)
        scanned = scanned or result.needs_ocr
        if result.text:
            texts.append(result.text)
            read.append(result)
            repairs.extend(repaired)
    if not entries:
        return record
    record["attachments"] = entries
    page_text = record.get("text") or ""
    file_text = "\n".join(texts)
    if file_text and (len(page_text) < STUB_TEXT_CHARS or len(page_text) < len(file_text)):
        record["text"] = file_text
        record["text_source"] = attachment_statistics.text_source(read[0])
        record.setdefault("warnings", []).extend(repairs)
    else:
        record["text_source"] = "page"
    if not file_text and scanned and len(page_text) < STUB_TEXT_CHARS:
        # The report is the scan: flag it rather than pass the stub's few words off as its text.
        record["needs_ocr"] = True
        record.setdefault("warnings", []).append(_needs_ocr())
    else:
        record["needs_ocr"] = False
    attachment_statistics.settle(record, read)
    return record
