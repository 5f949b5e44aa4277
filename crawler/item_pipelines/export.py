"""Item pipeline: append each report as one JSON line to DIR/reports.jsonl.

Each line is written and flushed whole, so a crash leaves at most a torn last line, never a
corrupt earlier one. The file is the job's corpus across crawls: a report gets a new line only
when it is new or changed since its last line (so a resumed crawl writes nothing twice and a
monthly re-crawl appends only what changed); for a URL, the last line is the current one. "Changed"
is archive/record_digest.py's definition, the one the change log uses too: fetch time, WARC
pointer, view count, warnings, a clock in the text, a browser render do not count; view counts over
time are in the crawl state (docs/archive.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO

from scrapy.crawler import Crawler

from archive.record_digest import record_digest
from crawler.job import CrawlJob


class JsonLinesExportPipeline:
    def __init__(self, path: Path, digest: Callable[[dict], str] = record_digest) -> None:
        self.path = path
        self.digest = digest  # the crawl job's: computed once per item, the change log asks too
        self._file: IO[str] | None = None
        self._last: dict[str, str] = {}  # url → record digest of its last line in the file
        self._this_run: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesExportPipeline:
        return cls(Path(crawler.settings.get("GONGKAI_OUT_DIR")) / "reports.jsonl",
                   CrawlJob.from_crawler(crawler).record_digest)

    def open_spider(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torn = False
        if self.path.exists():
            with open(self.path, encoding="utf-8") as existing:
                for line in existing:
                    try:
                        record = json.loads(line)
                        self._last[record["url"]] = record_digest(record)
                    except (ValueError, KeyError, TypeError):
                        torn = not line.endswith("\n")  # a killed run's half line
        self._file = open(self.path, "a", encoding="utf-8")
        if torn:
            self._file.write("\n")  # end the torn line so the next record starts clean

    def close_spider(self) -> None:
        if self._file:
            self._file.close()

    def process_item(self, item: object) -> object:
        if not isinstance(item, dict) or "url" not in item or item["url"] in self._this_run:
            return item
        self._this_run.add(item["url"])
        fingerprint = self.digest(item)
        if self._last.get(item["url"]) == fingerprint:
            return item
        self._last[item["url"]] = fingerprint
        self._file.write(json.dumps(item, ensure_ascii=False) + "\n")
        self._file.flush()
        return item
