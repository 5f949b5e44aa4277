"""At the end of a crawl: the summary line, DIR/crawl-stats.json with every stat, DIR/report.html.

The summary says what a re-crawl found (new / changed / unchanged / removed, from the change log),
what failed and why (crawler/extensions/failures.py), whether this run resumed an unfinished crawl,
and, when the crawl did not finish, that running the same command again resumes it. It is written
when the engine has stopped, after every other extension has had its spider_closed.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from crawler.extensions.failures import REASONS

logger = logging.getLogger(__name__)

CHANGE_KINDS = ("new", "changed", "unchanged", "removed")


def build_summary(stats: dict, reason: str | None) -> dict:
    """The closing numbers of a crawl from its stats (also what `gongkai crawl` prints)."""
    start, end = stats.get("start_time"), stats.get("finish_time")
    if start and not end:
        end = datetime.now(tz=start.tzinfo)
    elapsed = max((end - start).total_seconds(), 1e-6) if start else 0.0
    pages = stats.get("downloader/response_count", 0)
    failures = {r: stats.get(f"gongkai/failures/{r}", 0) for r in REASONS if stats.get(f"gongkai/failures/{r}")}
    return {
        "crawl_id": stats.get("gongkai/crawl_id"),
        "reason": reason,
        "resumed": bool(stats.get("gongkai/resumed")),
        "reports": stats.get("gongkai/reports/extracted", 0),
        "changes": {k: stats.get(f"gongkai/changes/{k}", 0) for k in CHANGE_KINDS},
        "pages_fetched": pages,
        "elapsed_seconds": round(elapsed, 2),
        "pages_per_second": round(pages / elapsed, 2) if elapsed else None,
        "errors": stats.get("gongkai/failures", stats.get("gongkai/errors", 0)),
        "failures": failures,
        "start_urls_failed": stats.get("gongkai/start_urls/failed_urls") or [],
        "all_start_urls_failed": bool(stats.get("gongkai/start_urls/all_failed")),
        "warc_records": stats.get("gongkai/warc/records", 0),
        "rendered_by_browser": stats.get("gongkai/browser/rendered", 0),
    }


def summary_line(summary: dict) -> str:
    changes = summary["changes"]
    failures = ", ".join(f"{k} {v}" for k, v in summary["failures"].items()) or "none"
    return (f"{summary['reports']} reports ({changes['new']} new, {changes['changed']} changed, "
            f"{changes['unchanged']} unchanged, {changes['removed']} removed) from {summary['pages_fetched']} "
            f"pages in {summary['elapsed_seconds']:.1f}s; failures: {failures}")


class CrawlSummary:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.out_dir = Path(crawler.settings.get("GONGKAI_OUT_DIR"))
        self.reason: str | None = None
        self.rendered: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        if self.crawler.stats.get_value("gongkai/resumed"):
            logger.info("Resuming unfinished crawl %s of %s: what it archived is served from its WARCs",
                        self.crawler.stats.get_value("gongkai/crawl_id"), self.out_dir)

    def response_received(self, response: Response, request: Request, spider=None) -> None:
        if request.meta.get("playwright"):  # rendered by chromium (crawler/browser.py)
            self.rendered.append(response.url)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.reason = reason
        self.crawler.stats.set_value("gongkai/browser/rendered_urls", self.rendered)

    def engine_stopped(self) -> None:
        stats = self.crawler.stats.get_stats()
        summary = build_summary(stats, self.reason or stats.get("finish_reason"))
        self.crawler.stats.set_value("gongkai/summary", summary)
        logger.info("Crawl %s %s: %s. Output: %s", summary["crawl_id"], summary["reason"], summary_line(summary),
                    self.out_dir)
        if summary["reason"] != "finished":
            logger.warning("Crawl %s did not finish (%s): run the same command again to resume it",
                           summary["crawl_id"], summary["reason"])
        if summary["all_start_urls_failed"]:
            logger.error("Every start URL failed: %s", ", ".join(summary["start_urls_failed"]))
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "crawl-stats.json").write_text(
            json.dumps(self.crawler.stats.get_stats(), default=str, ensure_ascii=False, indent=1, sort_keys=True),
            encoding="utf-8",
        )
        if self.crawler.settings.getbool("GONGKAI_REPORT_HTML"):
            from crawler.crawl_report import write_report

            try:
                path = write_report(self.out_dir, crawl_id=summary["crawl_id"])
                logger.info("Crawl report: %s", path)
            except Exception:  # the crawl's output is already safe; a report bug must not hide it
                logger.exception("Could not write %s/report.html (run `gongkai report %s`)", self.out_dir,
                                 self.out_dir)
