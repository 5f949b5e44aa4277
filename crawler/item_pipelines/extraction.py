"""Item pipeline: fetched page → report record (or dropped), via pipelines.report.build_report."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from pipelines.page import FetchedPage
from pipelines.report import build_report

logger = logging.getLogger(__name__)


class ExtractionPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        return cls(crawler)

    def process_item(self, item: object) -> dict:
        if not isinstance(item, FetchedPage):
            return item
        try:
            record = build_report(item)
        except Exception as exc:  # one bad page must not stop the crawl; say which and why
            logger.exception("Extraction failed for %s: %r", item.url, exc)
            self.stats.inc_value("gongkai/errors/extraction")
            raise DropItem(f"extraction failed: {exc!r}", log_level="ERROR") from exc
        if record is None:
            raise DropItem(f"not an annual report: {item.url}", log_level="DEBUG")
        self.stats.inc_value("gongkai/reports/extracted")
        if record.get("warnings"):
            logger.info("Report %s extracted with warnings: %s", item.url, "; ".join(record["warnings"]))
        return record
