"""One fetched page in, one report record out (or None): the path shared by crawl and replay.

Stages, each on the same parsed tree (parsed once, in pipelines.document.parse_page):
classify the page by its own title → text (container, serialisation, cleaning) → metadata →
template statistics. Non-reports cost one metadata pass, not a text extraction.
"""

from __future__ import annotations

from pipelines import attachment_report, classify, document, extract, metadata, mojibake, statistics
from pipelines.domains import registered_domain
from pipelines.page import FetchedPage
from pipelines.rules import report_titles

# Field order of a JSON line; docs/jsonl-schema.json describes each.
RECORD_FIELDS = (
    "url", "title", "agency", "publish_date", "views", "views_source", "report_year", "text",
    "source_kind", "domain", "fetched_at", "warc_file", "warc_record_id", "warc_offset", "warnings",
    "statistics", "attachments", "needs_ocr",
)

HTML_TYPES = ("text/html", "application/xhtml+xml", "")


def is_html(page: FetchedPage) -> bool:
    return page.content_type in HTML_TYPES or page.content_type.startswith("text/")


def is_report_page(tree, meta_title: str | None) -> bool:
    """The page names itself an annual report: its title meta, <title> or own heading says so.

    The metadata stage's title counts too unless it is the text of a link on the page: a home page
    whose first list entry is a report is not that report.
    """
    # A garbled heading (a mirror's mojibake) is read as the record's title is: repaired first, and a
    # character lost in it looked for among the words titles are made of.
    candidates = [_repaired_title(t) for t in document.own_titles(tree)]
    if meta_title and not _is_link_text(tree, meta_title):
        candidates.append(meta_title)
    return any(classify.is_annual_report_title(t) for t in candidates)


def _repaired_title(title: str) -> str:
    fixed = mojibake.repair(title, keep_lost=True)[0]
    if "\ufffd" not in fixed:
        return fixed
    return mojibake.fill_lost(fixed, _TITLE_WORDS)[0]


_TITLE_WORDS = "\n".join(report_titles.TITLE_WORDS)


def _is_link_text(tree, text: str) -> bool:
    folded = "".join(text.split())
    for a in tree.iter("a"):
        anchor = "".join(a.text_content().split())
        if len(anchor) >= 8 and (folded in anchor or anchor in folded):
            return True
    return False


def is_report(page: FetchedPage) -> bool:
    """An HTML page that names itself an annual report (its title metadata read without its text):
    the pages that get a record, and the only ones whose counter and files complete them."""
    if page.status != 200 or not is_html(page):
        return False
    parsed = document.parse_page(page)
    if parsed.tree is None:
        return False
    if parsed.is_report is None:
        parsed.facts = parsed.facts or metadata.page_facts(parsed.tree)
        parsed.is_report = is_report_page(parsed.tree, metadata.page_title_field(parsed.facts, page.url))
    return parsed.is_report


def build_report(page: FetchedPage) -> dict | None:
    """Extract a report record from a page, or None when the page is not an annual report."""
    if page.status != 200:
        return None
    if not is_html(page):  # a file linked from a list by its report title (pipelines/attachment_report.py)
        return attachment_report.standalone_report(page)
    if not is_report(page):
        return None
    return html_record(page)


def html_record(page: FetchedPage) -> dict:
    """The record of an HTML page already known to be a report: text, metadata, statistics, extras."""
    parsed = document.parse_page(page)  # parsed once: extract_page_text and the stages below share it
    text, text_warnings = extract.extract_page_text(page)  # decoding's warnings, then extraction's
    meta = metadata.extract_metadata(parsed.tree, text, page.url, facts=parsed.facts)
    stats, stats_warnings = statistics.parse_statistics(parsed.tree, text)
    record = {
        "url": page.url,
        **meta,
        "title": meta.get("title") or page.link_text or "",
        "text": text,
        "domain": registered_domain(page.url),
        "fetched_at": page.fetched_at,
        "warc_file": page.warc_file,
        "warc_record_id": page.warc_record_id,
        "warc_offset": page.warc_offset,
        "warnings": text_warnings + meta.get("warnings", []) + stats_warnings,
        "statistics": stats,
    }
    # Attachments, counter answers and rendering the spider attached to the page.
    return order_fields(attachment_report.apply_extras(page, record))


def order_fields(record: dict) -> dict:
    """Schema fields first in their documented order, then any others."""
    return {k: record.get(k) for k in RECORD_FIELDS} | {k: v for k, v in record.items() if k not in RECORD_FIELDS}
