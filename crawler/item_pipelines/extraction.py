"""Item pipeline: fetched page → report record (or dropped), via pipelines.report.build_report.

Extraction runs in a pool of worker processes (crawler/extract_pool.py, GONGKAI_EXTRACT_WORKERS),
so the reactor keeps fetching while pages are parsed: `process_item` only hands the page over and
awaits its record. WARC capture is untouched (it happens in the downloader, before this). A page
whose extraction killed or hung its worker twice still becomes a record when it names itself a
report — title from its link or <title>, empty text, a warning saying why — so it is never lost
and `gongkai replay` of its WARC record can extract it later.
"""

from __future__ import annotations

import logging
import os
import re

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extract_pool import ExtractPool, WorkerFailure, default_workers, wait_for
from pipelines import memory
from pipelines.classify import is_annual_report_title
from pipelines.decode import decode_body
from pipelines.domains import registered_domain
from pipelines.page import FetchedPage
from pipelines.report import build_report, is_html, order_fields

logger = logging.getLogger(__name__)

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def unextracted_record(page: FetchedPage, reason: str) -> dict | None:
    """The record of a page whose extraction failed, when its link text or <title> names it a
    report; None otherwise. Reads at most the first 16 KB: the page just broke a parser."""
    titles = [page.link_text or ""]
    if is_html(page):
        head = decode_body(page.body[:16384], page.headers).text
        found = _TITLE.search(head)
        if found:
            titles.insert(0, " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()))
    title = next((t for t in titles if t and is_annual_report_title(t)), None)
    if title is None:
        return None
    return order_fields({
        "url": page.url, "title": title, "text": "", "domain": registered_domain(page.url),
        "fetched_at": page.fetched_at, "warc_file": page.warc_file, "warc_record_id": page.warc_record_id,
        "warc_offset": page.warc_offset, "statistics": None,
        "warnings": [f"not extracted: {reason}; the response is in the WARC, `gongkai replay` can retry it"],
    })


class ExtractionPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.settings = crawler.settings
        configured = crawler.settings.get("GONGKAI_EXTRACT_WORKERS")
        # None/"" → one per core but the reactor's; 0 → in the crawl process (debugging, profiling).
        most = crawler.settings.getint("GONGKAI_EXTRACT_MAX_WORKERS_WITH_BROWSER"
                                       if crawler.settings.getbool("GONGKAI_BROWSER_ENABLED")
                                       else "GONGKAI_EXTRACT_MAX_WORKERS")
        self.workers = default_workers(most) if configured in (None, "") else int(configured)
        self.recycle_after = crawler.settings.getint("GONGKAI_EXTRACT_RECYCLE_PAGES")
        self.nice = crawler.settings.getint("GONGKAI_EXTRACT_NICE")
        self.recycle_rss = crawler.settings.getint("GONGKAI_EXTRACT_RECYCLE_RSS_MB") * 2 ** 20
        self.idle_seconds = crawler.settings.getfloat("GONGKAI_EXTRACT_IDLE_SECONDS")
        self.timeout = crawler.settings.getfloat("GONGKAI_EXTRACT_TIMEOUT")
        # Converting a linked file (PDF, DOC, OCR) runs inside the page's extraction: each adds time.
        self.timeout_per_file = crawler.settings.getfloat("GONGKAI_EXTRACT_TIMEOUT_PER_ATTACHMENT")
        self.pool: ExtractPool | None = None
        self._environ: dict[str, str | None] = {}  # what open_spider changed in os.environ, as it was

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        if self.workers > 0:
            # A worker past this bound is replaced after its page: until then, one that read a PDF
            # keeps the browser from starting (pipelines/memory.py hold_while_alive). Inherited.
            self._environ = {k: os.environ.get(k) for k in (memory.WORKER_RECYCLE_RSS_ENV, *memory.FAMILY_ENV)}
            os.environ[memory.WORKER_RECYCLE_RSS_ENV] = str(self.recycle_rss)
            if self.settings.getbool("GONGKAI_BROWSER_ENABLED"):
                # The family bound from the start: a worker inherits its environment when it starts,
                # and the first ones start before the first render (the browser handler, which
                # sets the same, is built lazily); without it they never looked for room
                # (benchmarks/browser.py: a worker at 112 MB after a PDF beside chromium, 658 MB).
                memory.export_family_bound_of(self.settings)
                os.environ[memory.FAMILY_WORKERS_ENV] = str(self.workers)
            # Workers start on the first page handed over, not here: a crawl that finds no page
            # to extract never pays for them.
            self.pool = ExtractPool(self.workers, timeout=self.timeout, recycle_after=self.recycle_after,
                                    recycle_rss=self.recycle_rss, idle_seconds=self.idle_seconds, nice=self.nice)
            self.stats.set_value("gongkai/extract/workers", self.workers)

    def close_spider(self) -> None:
        # What open_spider told the workers is this crawl's: a later crawl in the same process (tests,
        # a Scrapy project running several) measures its own family.
        for key, value in self._environ.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if self.pool is not None:
            self.pool.close()
            self.stats.set_value("gongkai/extract/workers_replaced", self.pool.replaced)
            self.stats.set_value("gongkai/extract/workers_recycled", self.pool.recycled)
            self.stats.set_value("gongkai/extract/workers_started", self.pool.started)
            self.stats.set_value("gongkai/extract/workers_idled", self.pool.idled)
            self.pool = None

    async def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedPage):
            return item
        try:
            record = await self._extract(item)
        except WorkerFailure as failure:
            self.stats.inc_value("gongkai/errors/extraction_worker")
            record = unextracted_record(item, f"extraction worker {failure.reason}")
            logger.error("Extraction of %s lost its worker twice (%s); %s", item.url, failure.reason,
                         "kept as a report with a warning" if record else "not a report by its title")
            if record is None:
                raise DropItem(f"extraction worker {failure.reason}", log_level="ERROR") from failure
        except Exception as exc:  # one bad page must not stop the crawl; say which and why
            logger.error("Extraction failed for %s: %s", item.url, exc)
            self.stats.inc_value("gongkai/errors/extraction")
            record = unextracted_record(item, f"extraction failed: {exc}")
            if record is None:
                raise DropItem(f"extraction failed: {exc!r}", log_level="ERROR") from exc
        if record is None:
            raise DropItem(f"not an annual report: {item.url}", log_level="DEBUG")
        self.stats.inc_value("gongkai/reports/extracted")
        if record.get("warnings"):
            logger.info("Report %s extracted with warnings: %s", item.url, "; ".join(record["warnings"]))
        return record

    async def _extract(self, page: FetchedPage) -> dict | None:
        if self.pool is None:
            return build_report(page)
        # The worker parses the page again from its bytes (a tree does not pickle). Kept here, the
        # decoded text and libxml2 tree of every page waiting for a worker (CONCURRENT_ITEMS per
        # response, the worker niced behind the reactor) sit in the crawl process's heap meanwhile.
        page.parsed = None
        files = len(page.extra.get("attachments") or [])
        future = self.pool.submit(page, timeout=self.timeout + files * self.timeout_per_file)
        return await wait_for(future)
