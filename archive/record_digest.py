"""What makes two records of one report the same report: the one definition of "changed".

A re-crawl, a resumed crawl and a browser render of a page all produce a record for a URL that was
seen before; whether it is *the same report* decides whether reports.jsonl gets a new line
(crawler/item_pipelines/export.py) and whether the change log says changed or unchanged
(crawler/extensions/changes.py). Both ask `record_digest`.

The digest covers the extracted record — title, agency, dates, year, statistics, attachments, text —
and leaves out what differs between two fetches of the same report: when and where it was archived,
its view count and where that came from, warnings about the fetch, whether a browser drew it. The
text is normalized first: whitespace runs folded, and the volatile bits a page's text may carry
(a clock, a visit counter with its number) removed. Digits elsewhere, the report's statistics,
count.
"""

from __future__ import annotations

import hashlib
import json
import re

from pipelines.rules.vocabulary import COUNTER_LABEL

# Fields that differ between two fetches of the same report.
VOLATILE_FIELDS = frozenset({
    "fetched_at", "warc_file", "warc_record_id", "warc_offset", "views", "views_source", "warnings",
    "removed_at", "rendered", "text_source",
})
# Volatile bits of a page's text: times of day (a clock), view/visit counters with their number.
VOLATILE_TEXT = (
    re.compile(r"\d{1,2}:\d{2}(?::\d{2})?"),
    re.compile(rf"{COUNTER_LABEL}\s*[:：]?\s*\d+\s*次?"),
    re.compile(r"(?i)(views?|hits?|visits?)\s*[:：]?\s*\d+"),
)
_SPACE = re.compile(r"\s+")


def normalize_text(text: str | None) -> str:
    """Text with volatile bits and whitespace differences removed."""
    text = text or ""
    for pattern in VOLATILE_TEXT:
        text = pattern.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def _stable(value: object) -> object:
    """The value without volatile fields and with normalized text, at any depth (attachments are
    records too)."""
    if isinstance(value, dict):
        return {k: normalize_text(v) if k == "text" and isinstance(v, str) else _stable(v)
                for k, v in value.items() if k not in VOLATILE_FIELDS}
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    return value


def record_digest(record: dict) -> str:
    """sha1 of the record's stable fields, its text normalized: equal digests, same report."""
    payload = json.dumps(_stable(record), ensure_ascii=False, sort_keys=True, default=str)
    return "sha1:" + hashlib.sha1(payload.encode("utf-8")).hexdigest()
