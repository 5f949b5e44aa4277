"""The change log of a crawl: DIR/changes/<crawl-id>.jsonl, one line per report.

    new        a report the job had never seen
    changed    its record differs from the last crawl's (archive/record_digest.py)
    unchanged  same record (the bytes may differ: a clock, a view counter, a fresh gzip, a render)
    removed    a report of an earlier crawl this (finished) crawl did not find: the URL now answers
               404/410 ("http_404"), is no longer a report ("not_a_report"), or was no longer linked
               ("not_linked"). It stays in the corpus: its lines in reports.jsonl and its WARC records
               are kept, and state.sqlite marks it with removed_at.

Change is judged on the *extracted record* (archive/record_digest.py: the one definition, which
reports.jsonl's export uses too), not on bytes, so a page whose bytes differ only by a clock or a
counter, or that a browser drew again, is unchanged; its view count still goes in the history
(state.sqlite, table views). The digest is in the line's "text_digest" (name kept for readers). For new and changed reports the line carries the full record; reports.jsonl also gets
a new line for them (crawler/item_pipelines/export.py), the last line per URL being the current one.

Lines are flushed one by one; a resumed crawl appends to the same file and skips URLs already in
it. Removals are only decided when the crawl finishes: a killed crawl has not seen everything.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO

from scrapy import signals
from scrapy.crawler import Crawler

from archive.record_digest import record_digest
from archive.state import CrawlState, now_iso
from crawler.job import CrawlJob

logger = logging.getLogger(__name__)


class ChangeLog:
    def __init__(self, crawler: Crawler, state: CrawlState, digest: Callable[[dict], str] = record_digest) -> None:
        self.crawler = crawler
        self.state = state
        self.digest = digest  # the crawl job's: the export pipeline computed it for the same item
        self.out_dir = Path(crawler.settings.get("GONGKAI_OUT_DIR"))
        self.path = self.out_dir / "changes" / f"{state.crawl_id}.jsonl"
        self._file: IO[str] | None = None
        self._logged: set[str] = set()
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "removed": 0}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChangeLog:
        job = CrawlJob.from_crawler(crawler)
        ext = cls(crawler, job.state, job.record_digest)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():  # a resumed crawl: these URLs are logged already
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        entry = json.loads(line)
                        self._logged.add(entry["url"])
                        self.counts[entry["change"]] += 1
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line from a killed run
                    # The kill may have come before the state's batch with this line's effect was
                    # committed; the line is the record of it.
                    if entry["change"] == "removed":
                        self.state.mark_removed(entry["url"], entry.get("removed_at") or now_iso(),
                                                entry.get("reason") or "not_linked")
                    elif entry.get("text_digest"):
                        self.state.update_report(entry["url"], entry["text_digest"],
                                                 entry.get("fetched_at") or now_iso())
        self._file = open(self.path, "a", encoding="utf-8")

    def _write(self, entry: dict) -> None:
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()
        self._logged.add(entry["url"])
        self.counts[entry["change"]] += 1
        self.crawler.stats.inc_value(f"gongkai/changes/{entry['change']}")

    def item_scraped(self, item: object) -> None:
        if not isinstance(item, dict) or "url" not in item or "text" not in item:
            return
        url = item["url"]
        if url in self._logged:
            return
        digest = self.digest(item)
        fetched_at = item.get("fetched_at") or now_iso()
        before = self.state.report(url)
        if before is None:
            change = "new"
        elif before.text_digest != digest:
            change = "changed"
        else:
            change = "unchanged"
        captures = self.state.captures_in_crawl(url)
        entry = {
            "crawl_id": self.state.crawl_id, "url": url, "change": change,
            "record": captures[-1].kind if captures else None,
            "text_digest": digest, "previous_text_digest": before.text_digest if before else None,
            "views": item.get("views"), "fetched_at": fetched_at,
            "warc_file": item.get("warc_file"), "warc_offset": item.get("warc_offset"),
            "warc_record_id": item.get("warc_record_id"),
        }
        if before is not None and before.removed_at:
            entry["previously_removed_at"] = before.removed_at
        if change != "unchanged":
            entry["report"] = item
        # Log line first, then state: a kill in between re-logs nothing (the URL is in the file)
        # and the state catches up when the resumed crawl sees the page again.
        self._write(entry)
        self.state.update_report(url, digest, fetched_at)
        self.state.add_views(url, fetched_at, item.get("views"))

    def spider_closed(self, reason: str) -> None:
        try:
            if reason == "finished":
                self._removals()
        finally:
            if self._file:
                self._file.close()
            logger.info("Changes in crawl %s: %s → %s", self.state.crawl_id, self.counts, self.path)

    def _removals(self) -> None:
        removed_at = now_iso()
        for report in self.state.reports_not_seen():
            if report.url in self._logged:
                continue
            captures = self.state.captures_in_crawl(report.url)
            if not captures:
                why = "not_linked"
            elif captures[-1].status in (404, 410):
                why = f"http_{captures[-1].status}"
            elif captures[-1].status >= 400:
                why = f"http_{captures[-1].status}"
            else:
                why = "not_a_report"
            last = captures[-1] if captures else None
            self._write({
                "crawl_id": self.state.crawl_id, "url": report.url, "change": "removed",
                "removed_at": removed_at, "reason": why, "last_seen": report.last_seen,
                "text_digest": report.text_digest,
                "warc_file": last.warc_file if last else None, "warc_offset": last.warc_offset if last else None,
                "warc_record_id": last.warc_record_id if last else None,
            })
            self.state.mark_removed(report.url, removed_at, why)
