"""The live progress line of a crawl, on a terminal only (rich).

    ⠋ 0:00:41  pages 142  reports 59  failures 7  queue 23  in flight 4  3.4 pages/s
      www.qhq.gov.cn     pages  61  reports 24  failures 3
      www.hyq.gov.cn     pages  48  reports 21  failures 4

GONGKAI_PROGRESS: "auto" (default) draws it only when stderr is a terminal, so cron mails and CI
logs get Scrapy's log alone; True / False force it (`gongkai crawl -q` turns it off). Log lines
are printed above the live block instead of tearing it: Scrapy's stderr handler is pointed at
rich's console for the time the block is shown.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from twisted.internet import task

from crawler.extensions.failures import NOT_ERRORS, failure_reason
from crawler.signals import request_failed

# Sites shown under the line: the busiest ones; a crawl of 40 street offices would fill the screen.
MAX_SITES = 8
REFRESH_SECONDS = 0.25


def progress_enabled(value: object, stream=None) -> bool:
    stream = stream if stream is not None else sys.stderr
    if isinstance(value, str) and value.lower() == "auto":
        return bool(getattr(stream, "isatty", lambda: False)())
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


class Progress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pages: Counter[str] = Counter()
        self.reports: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.started = time.monotonic()
        self.console = Console(stderr=True)
        self.live: Live | None = None
        self._handlers: list[tuple[logging.StreamHandler, object]] = []
        self._spinner = Spinner("dots")
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not progress_enabled(crawler.settings.get("GONGKAI_PROGRESS")):
            raise NotConfigured  # without a message: Scrapy would warn "Disabled …" on every cron run
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.request_failed, signal=request_failed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    # -- counts ----------------------------------------------------------------------------------
    def response_received(self, response: Response, request: Request, spider=None) -> None:
        self.pages[urlsplit(response.url).hostname or "?"] += 1

    def item_scraped(self, item: object) -> None:
        if isinstance(item, dict) and "url" in item and "text" in item:
            self.reports[urlsplit(item["url"]).hostname or "?"] += 1

    def request_failed(self, request: Request, failure) -> None:
        reason = failure_reason(failure)[0]
        if reason is not None and reason not in NOT_ERRORS:
            self.failures[urlsplit(request.url).hostname or "?"] += 1

    # -- drawing ---------------------------------------------------------------------------------
    def render(self) -> Group:
        engine = self.crawler.engine
        scheduler = getattr(engine, "scheduler", None) if engine else None
        queued = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        in_flight = len(engine.downloader.active) if engine and engine.downloader else 0
        elapsed = time.monotonic() - self.started
        pages = sum(self.pages.values())
        line = Text.assemble(
            (time.strftime("%H:%M:%S", time.gmtime(elapsed)), "dim"), "  ",
            ("pages ", "dim"), (str(pages), "bold"), "  ",
            ("reports ", "dim"), (str(sum(self.reports.values())), "bold green"), "  ",
            ("failures ", "dim"), (str(sum(self.failures.values())), "bold red" if self.failures else "bold"), "  ",
            ("queue ", "dim"), str(queued), "  ", ("in flight ", "dim"), str(in_flight), "  ",
            f"{pages / elapsed if elapsed > 0 else 0:.1f} pages/s",
        )
        self._spinner.text = line
        sites = Table.grid(padding=(0, 2))
        for host, count in self.pages.most_common(MAX_SITES):
            sites.add_row(f"  {host}", f"pages {count}", f"reports {self.reports.get(host, 0)}",
                          f"failures {self.failures.get(host, 0)}")
        return Group(self._spinner, sites)

    def engine_started(self) -> None:
        self.started = time.monotonic()
        # Redrawn from the reactor thread (a LoopingCall), not rich's refresh thread: the counters
        # and the engine are only ever read where Scrapy writes them.
        self.live = Live(self.render(), console=self.console, auto_refresh=False, redirect_stderr=True,
                         transient=False)
        self.live.start(refresh=True)
        self._loop = task.LoopingCall(self._redraw)
        self._loop.start(REFRESH_SECONDS, now=False)
        # Scrapy's handler holds the stderr it was made with; give it the console's proxy so log
        # lines scroll above the live block.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stderr__:
                self._handlers.append((handler, handler.setStream(sys.stderr)))

    def _redraw(self) -> None:
        if self.live is not None:
            self.live.update(self.render(), refresh=True)

    def engine_stopped(self) -> None:
        if self.live is None:
            return
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._redraw()
        for handler, stream in self._handlers:
            handler.setStream(stream)
        self.live.stop()
        self.live = None
