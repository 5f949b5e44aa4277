"""The script sandbox in the crawl: the process it runs in, which pages try it before the browser,
and their render if it fails.

A report page's SANDBOX steps (pipelines/completion.py) run in a process of their own (`Sandbox`):
V8 (~40 MB resident once an isolate has run, plus each isolate's heap) never loads in the crawl
process, which shares the memory bound with chromium (issue 9), and the reactor does not stop while
scripts run. It is crawler/extract_pool.py's pool with one worker (timeouts, a dead worker replaced,
exit when idle); replay runs the same function in its own process (pipelines/completion.py).

A report page the browser would render only for its counter (crawler/browser.py's reason
"counter") has its scripts run in the sandbox first (pipelines/script_sandbox.py, through
pipelines/completion.py's SCRIPT steps, which the spider fetches like any request). Only when the
sandbox reads no number is the page rendered, from the static response kept for it here (plain,
picklable data: it rides in request meta with the page's steps).
"""

from __future__ import annotations

import logging

from lxml import etree
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

from crawler import browser
from crawler.extract_pool import ExtractPool, wait_for
from crawler.rules import browser as browser_rules
from pipelines import memory, script_sandbox
from pipelines.page import FetchedPage

logger = logging.getLogger(__name__)
_TARGET = "pipelines.script_sandbox:evaluate_task"


class Sandbox:
    """`await run(task)` → script_sandbox.evaluate_task(task), in the sandbox process (or here, with
    GONGKAI_SANDBOX_WORKERS = 0). The process starts on the first task and exits after
    GONGKAI_SANDBOX_IDLE_SECONDS without one."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.workers = settings.getint("GONGKAI_SANDBOX_WORKERS")
        self.idle_seconds = settings.getfloat("GONGKAI_SANDBOX_IDLE_SECONDS")
        self.timeout = settings.getfloat("GONGKAI_SANDBOX_TIMEOUT")
        self.room_wait = settings.getfloat("GONGKAI_SANDBOX_ROOM_WAIT_SECONDS")
        self.pool: ExtractPool | None = None
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    async def run(self, task: script_sandbox.Task) -> script_sandbox.Outcome:
        if self.workers <= 0:
            return script_sandbox.evaluate_task(task)
        if self.pool is None:
            # No setup: the extraction workers' address-space cap would leave V8 no room to reserve.
            self.pool = ExtractPool(self.workers, timeout=self.timeout, target=_TARGET, setup="",
                                    idle_seconds=self.idle_seconds, before_start=self._room)
        future = self.pool.submit(task)
        try:
            return await wait_for(future)
        except Exception as exc:  # as in the crawl process: the sandbox failing never costs the page
            logger.warning("Script sandbox on %s: %s", task[0].url, exc)
            return script_sandbox.Outcome(warning=f"script sandbox failed: {exc}")

    def _room(self) -> None:
        """Before the sandbox's process starts (in its pool's slot thread): wait, bounded, for room for
        it under the crawl's family memory bound (pipelines/memory.py), as a PDF read does. The family
        was over its bound only while the sandbox was up beside chromium, its driver, the crawl and a
        worker (benchmarks/browser.py, seeds 1000-1039); without room the browser closes after its
        render, and starts again once the sandbox is up."""
        with memory.room_for(memory.SANDBOX_RSS, wait=self.room_wait, hold=False, linger=memory.SANDBOX_START_SECONDS,
                             why="the script sandbox's start"):
            pass

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.stats.set_value("gongkai/sandbox/processes_started", self.pool.started)
            self.stats.set_value("gongkai/sandbox/processes_replaced", self.pool.replaced)
            self.pool = None

# Request meta keys the render of a page needs again (the spider's own), and where the kept render rides.
_PAGE_META = ("role", "hops", "column", "link_text", "empty_run", "warc")
META_RENDER = "gongkai_render_if_unread"


def runs_first(page: FetchedPage, tree: etree._Element, settings: BaseSettings) -> bool:
    """The browser was asked for this page only for its counter: the sandbox goes first."""
    return (browser.host_override(page.url, settings) != browser_rules.OVERRIDE_ALWAYS
            and browser.browser_reason(page, tree) == "counter" and script_sandbox.applies(page, tree))


def kept_render(response: Response) -> dict:
    """What the page's render needs, should the sandbox read no number: its static response."""
    return {"url": response.url, "status": response.status, "body": response.body,
            "headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs],
            "meta": {k: response.meta[k] for k in _PAGE_META if k in response.meta}}


def render_request(kept: dict, callback, errback, settings: BaseSettings) -> Request:
    headers = Headers()
    for name, value in kept["headers"]:
        headers.appendlist(name, value)
    request = Request(kept["url"], meta=dict(kept["meta"]), dont_filter=True)
    cls = responsetypes.from_args(headers=headers, url=kept["url"], body=kept["body"])
    document = cls(url=kept["url"], status=kept["status"], headers=headers, body=kept["body"], request=request)
    return browser.browser_request(request, callback=callback, errback=errback, document=document,
                                   settings=settings)
