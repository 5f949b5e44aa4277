"""Warnings a record carries: a stable code plus a message for people.

A warning is a `str` (the JSON line keeps the message, as docs/jsonl-schema.json says), with a
`code` attribute that code tests instead of searching the message: a later stage that settles
what an earlier one warned about drops the warning by its code (pipelines/attachment_report.py
drops COUNTER_BY_SCRIPT once the counter's answer or the rendered DOM gave the count).
"""

from __future__ import annotations

from collections.abc import Iterable

# --- codes ---------------------------------------------------------------------------------------
# Decoding (pipelines/decode.py).
EMPTY_BODY = "empty-body"
BINARY_BODY = "binary-body"  # the body looks binary; decoded lossily
CHARSET_MISDECLARED = "charset-misdeclared"  # the declared charset is not the body's
CHARSET_DETECTED = "charset-detected"  # no declaration decodes the body; one was detected
UNDECODABLE_BYTES = "undecodable-bytes"  # bytes replaced: no charset decodes the body cleanly
# Metadata and completion.
COUNTER_BY_SCRIPT = "counter-by-script"  # the page's view counter is filled by a script: not read
AGENCY_FROM_SITE_NAME = "agency-from-site-name"
DATE_VISIBLE_VS_META = "date-visible-vs-meta"  # the visible date differs from <meta PubDate>
DATE_FROM_DOCUMENT = "date-from-document"  # publish_date from 成文日期 or the signature
YEAR_AFTER_PUBLISH_DATE = "year-after-publish-date"
SITE_ID_OF_OTHER_HOST = "site-id-of-other-host"  # a copied 网站标识码: treated as a mirror
NEEDS_OCR = "needs-ocr"  # a scanned document without a text layer
ATTACHMENT_UNREADABLE = "attachment-unreadable"
# Extraction and cleaning (pipelines/extract.py, pipelines/clean.py).
EXTRACTION_FAILED = "extraction-failed"  # the container search raised: no text from the page
IMAGE_ONLY = "image-only"  # the report text is in images, not extracted
CLEANING_FAILED = "cleaning-failed"  # the cleaning pass raised: the raw text is kept
NO_TEXT = "no-text"
DOCSHARE_WRAPPER = "docshare-wrapper"  # a 天天文库-style wrapper removed
DOCSHARE_CHUNKS = "docshare-chunks"  # numbered page chunks rejoined: maybe a partial preview
MIRROR_PINYIN = "mirror-pinyin"  # a content-farm copy: pinyin annotations removed
# Mojibake in any text a record is made of (pipelines/mojibake.py).
MOJIBAKE_REPAIRED = "mojibake-repaired"  # runs read with the wrong table re-read
MOJIBAKE_LOST = "mojibake-lost"  # U+FFFD / 锟斤拷: the bytes are gone, the characters removed
MIRROR_SIMPLIFIED = "mirror-simplified"  # converted back from Traditional
MIRROR_NO_CONVERTER = "mirror-no-converter"  # no Traditional→Simplified converter installed
# Template statistics (pipelines/statistics.py, pipelines/stats_build.py).
STATS_CELL_AMBIGUOUS = "stats-cell-ambiguous"  # a value that cannot be placed: left null
STATS_ROW_AMBIGUOUS = "stats-row-ambiguous"  # a row twice, or without a reason: one kept or none
STATS_COLUMNS_MISMATCH = "stats-columns-mismatch"  # value cells do not match the columns: left null
STATS_TEMPLATE_ASSUMED = "stats-template-assumed"  # template variant not identified
STATS_TABLES_UNREADABLE = "stats-tables-unreadable"  # the table walk raised: the text is used
STATS_TABLES_NOT_READ = "stats-tables-not-read"  # the template's tables are there, none was read
STATS_NOT_A_NUMBER = "stats-not-a-number"
STATS_ROWS_MISSING = "stats-rows-missing"
STATS_CHECK_FAILED = "stats-check-failed"  # an arithmetic identity of the template does not hold


class PageWarning(str):
    """A warning message that knows its code. Equal to (and serialised as) its message."""

    code: str

    def __new__(cls, code: str, message: str) -> PageWarning:
        obj = super().__new__(cls, message)
        obj.code = code
        return obj

    def __reduce__(self) -> tuple:
        # Pages and records cross process boundaries (extraction workers): keep the code.
        return PageWarning, (self.code, str(self))


def warning(code: str, message: str) -> PageWarning:
    return PageWarning(code, message)


def code_of(item: str) -> str | None:
    return getattr(item, "code", None)


def without(warnings: Iterable[str], code: str) -> list[str]:
    """The warnings except those with `code`."""
    return [w for w in warnings if code_of(w) != code]
