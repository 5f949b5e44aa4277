"""Item pipeline: append each report as one JSON line to DIR/reports.jsonl.

Each line is written and flushed whole, so a crash leaves at most a missing line, never half of
one; reports already in the file from an earlier run of the same job are not written again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from scrapy.crawler import Crawler


class JsonLinesExportPipeline:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self._written: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesExportPipeline:
        return cls(Path(crawler.settings.get("GONGKAI_OUT_DIR")) / "reports.jsonl")

    def open_spider(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            with open(self.path, encoding="utf-8") as existing:
                for line in existing:
                    try:
                        self._written.add(json.loads(line)["url"])
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line from a killed run
        self._file = open(self.path, "a", encoding="utf-8")

    def close_spider(self) -> None:
        if self._file:
            self._file.close()

    def process_item(self, item: object) -> object:
        if not isinstance(item, dict) or "url" not in item or item["url"] in self._written:
            return item
        self._written.add(item["url"])
        self._file.write(json.dumps(item, ensure_ascii=False) + "\n")
        self._file.flush()
        return item
