"""One fetched page in, one report record out (or None): the path shared by crawl and replay."""

from __future__ import annotations

from pipelines import classify, decode, document, extract, metadata
from pipelines.domains import registered_domain
from pipelines.page import FetchedPage

# Field order of a JSON line; docs/jsonl-schema.json describes each.
RECORD_FIELDS = (
    "url", "title", "agency", "publish_date", "views", "report_year", "text", "source_kind",
    "domain", "fetched_at", "warc_file", "warc_record_id", "warc_offset", "warnings",
)

HTML_TYPES = ("text/html", "application/xhtml+xml", "")


def build_report(page: FetchedPage) -> dict | None:
    """Extract a report record from a page, or None when the page is not an annual report."""
    if page.status != 200 or page.content_type not in HTML_TYPES and not page.content_type.startswith("text/"):
        return None
    decoded = decode.decode_body(page.body, page.headers)
    tree = document.parse_html(decoded.text)
    if tree is None:
        return None
    meta = metadata.extract_metadata(tree, "", page.url)
    title = meta.get("title") or page.link_text or ""
    if not classify.is_annual_report_title(title):
        return None
    text, text_warnings = extract.extract_text(tree, page.url)
    record = {
        "url": page.url,
        **meta,
        "title": title,
        "text": text,
        "domain": registered_domain(page.url),
        "fetched_at": page.fetched_at,
        "warc_file": page.warc_file,
        "warc_record_id": page.warc_record_id,
        "warc_offset": page.warc_offset,
        "warnings": decoded.warnings + text_warnings,
    }
    return {k: record.get(k) for k in RECORD_FIELDS} | {k: v for k, v in record.items() if k not in RECORD_FIELDS}
