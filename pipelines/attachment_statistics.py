"""Template statistics of reports that live in attachments (used by pipelines/attachment_report.py).

The attachment reader hands over the file's table grids (PDF geometry, DOCX, DOC via LibreOffice) and
its text (text layer or OCR); the statistics come from the grids first, then the text, by the same
walk as an HTML page's (pipelines/statistics.py).
"""

from __future__ import annotations

from pipelines import warnings as W
from pipelines.attachments import AttachmentText
from pipelines.statistics import parse_statistics


def text_source(result: AttachmentText) -> str:
    """The record's text_source for text taken from this attachment: OCR says so."""
    return "attachment_ocr" if result.text_source == "ocr" else "attachment"


def attachment_statistics(results: list[AttachmentText]) -> tuple[dict | None, list[str]]:
    """Statistics of the first attachment that has them (a report with a DOCX and its PDF copy
    holds the same tables twice), and the warnings of that read."""
    warnings: list[str] = []
    for result in results:
        if not (result.text or result.tables):
            continue
        stats, found = parse_statistics(None, result.text, result.tables)
        if stats is not None:
            return stats, found
        warnings = warnings or found
    return None, warnings


def settle(record: dict, results: list[AttachmentText]) -> None:
    """Give a page record whose own statistics are null those of its attachments; the page's
    "tables present but not read" warning goes once the attachment's tables were read."""
    if record.get("statistics") is not None:
        return
    stats, warnings = attachment_statistics(results)
    if stats is None and not warnings:
        return
    kept = record.get("warnings") or []
    if stats is not None:
        kept = W.without(kept, W.STATS_TABLES_NOT_READ)
    record["statistics"] = stats
    record["warnings"] = kept + [w for w in warnings if w not in kept]
