"""At the end of a crawl: one summary line in the log and DIR/crawl-stats.json with every stat."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CrawlSummary:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.out_dir = Path(crawler.settings.get("GONGKAI_OUT_DIR"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        start, end = stats.get("start_time"), stats.get("finish_time") or datetime.now(tz=stats["start_time"].tzinfo)
        elapsed = max((end - start).total_seconds(), 1e-6) if start else 0.0
        pages = stats.get("downloader/response_count", 0)
        summary = {
            "reason": reason,
            "reports": stats.get("gongkai/reports/extracted", 0),
            "pages_fetched": pages,
            "elapsed_seconds": round(elapsed, 2),
            "pages_per_second": round(pages / elapsed, 2) if elapsed else None,
            "errors": stats.get("gongkai/errors", 0),
            "warc_records": stats.get("gongkai/warc/records", 0),
        }
        self.crawler.stats.set_value("gongkai/summary", summary)
        logger.info(
            "Crawl %s: %d reports from %d pages in %.1fs (%.1f pages/s), %d errors. Output: %s",
            reason, summary["reports"], pages, elapsed, summary["pages_per_second"] or 0, summary["errors"],
            self.out_dir,
        )
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "crawl-stats.json").write_text(
            json.dumps({k: v for k, v in stats.items()}, default=str, ensure_ascii=False, indent=1, sort_keys=True),
            encoding="utf-8",
        )
