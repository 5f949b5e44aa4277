"""The download handler that renders pages in chromium, with every byte chromium gets fetched by Scrapy.

scrapy-playwright's handler, changed in three ways (docs/javascript.md):

1. **Chromium has no network of its own.** Every request a page makes is intercepted (Playwright
   routing) and either *fulfilled* with what Scrapy's own downloader fetched for it, or aborted. So a
   browser request passes the same downloader middlewares as any other: the offsite filter (scope:
   the start hosts' registered domains), robots.txt, the per-host download slot and AutoThrottle
   (politeness), retries, the user agent and cookie jar, conditional requests, and the WARC capture,
   which writes it as a response record or, when its payload is unchanged, as a revisit. Chromium's
   own proxy points at a port where nothing listens and its resolver knows no host, so what is *not*
   a page request (component updates, sign-in, safe browsing, any background service) has no path to
   anywhere, whatever flags a future chromium ignores.
2. **One driver, started late, stopped when idle.** One handler serves http and https (Scrapy builds
   one per scheme: two Node drivers). Playwright starts on the first rendered request, not with the
   crawl; after GONGKAI_BROWSER_IDLE_SECONDS without a render, browser and driver are shut down and
   relaunched on demand.
3. **Bounded memory.** A context serves GONGKAI_BROWSER_PAGES_PER_CONTEXT pages and is then closed
   once its pages are done (a new one takes over) — with the whole browser when no page is open, so
   a long crawl does not accumulate a renderer's heap; PLAYWRIGHT_MAX_CONTEXTS and
   PLAYWRIGHT_MAX_PAGES_PER_CONTEXT bound what is open at once. With GONGKAI_BROWSER_SINGLE_PROCESS
   chromium renders in its browser process (no renderer of its own: the two shared most of their
   pages, and RSS counts those twice): each context generation is then a browser of its own, a
   persistent context in a fresh profile directory, closed with its context.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import tempfile
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.browser_routing import (  # noqa: F401 (META_* are this handler's meta keys, re-exported)
    _RENDERING,
    _TRAFFIC,
    BROWSER_SLOT,
    META_DOCUMENT,
    META_DOCUMENT_WARC,
    META_SUBREQUEST,
    PageTraffic,
    RoutedThroughScrapy,
)
from crawler.rules import browser as rules
from pipelines import memory

logger = logging.getLogger(__name__)


def _dead_end() -> tuple[socket.socket, str]:
    """A local TCP port that is bound but never listens: connections to it are refused at once, and
    no other process can take it while we hold it. Chromium's proxy is set to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


class ScopedPlaywrightHandler(RoutedThroughScrapy, ScrapyPlaywrightDownloadHandler):
    lazy = True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopedPlaywrightHandler:
        # One instance for every scheme of the crawl: one driver, one browser.
        shared = getattr(crawler, "_gongkai_playwright_handler", None)
        if shared is None:
            shared = cls(crawler)
            crawler._gongkai_playwright_handler = shared
        return shared

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._crawler = crawler
        settings = crawler.settings
        self._dead_socket, dead_proxy = _dead_end()
        options = dict(self.config.launch_options)
        options["proxy"] = {"server": dead_proxy}
        options["args"] = [*options.get("args", []), *rules.NO_NETWORK_ARGS]
        self.single_process = settings.getbool("GONGKAI_BROWSER_SINGLE_PROCESS")
        if self.single_process:
            options["args"] = [*options["args"], *rules.SINGLE_PROCESS_ARGS]
        self.config.launch_options = options
        # Single process: each generation's profile directory (removed when the crawl closes).
        self._profiles = tempfile.mkdtemp(prefix="gongkai-chromium-") if self.single_process else None
        self.skip_types = set(settings.getlist("GONGKAI_BROWSER_SKIP_RESOURCE_TYPES"))
        self.pages_per_context = max(1, settings.getint("GONGKAI_BROWSER_PAGES_PER_CONTEXT"))
        self.idle_seconds = settings.getfloat("GONGKAI_BROWSER_IDLE_SECONDS")
        self.max_browser_rss = settings.getint("GONGKAI_BROWSER_MAX_RSS_MB") * 2 ** 20
        # The crawl's children (extraction workers, converters) measure this process's family against
        # the bound before they start LibreOffice, and say so by a marker file (pipelines/memory.py).
        budget = memory.export_family_bound_of(settings)
        self.budget_mb = budget // 2 ** 20
        self._wanted = memory.wanted_marker(os.getpid()) if budget else None
        # Held from before the driver starts until the browser is down: a child that found it down
        # runs while it holds the lock shared, and a launch waits for it (bounded).
        self._up_lock = memory.BrowserLock(os.getpid()) if budget else None
        self._executable = os.path.basename(options.get("executable_path") or "chromium")
        self.node_options = settings.get("GONGKAI_BROWSER_DRIVER_NODE_OPTIONS")
        self._start_lock = asyncio.Lock()
        self._generation = 0
        self._served = 0  # pages given to the current generation's context
        self._open_pages: dict[str, int] = {}
        self._renders = 0  # renders past their memory wait: a shutdown decided before one started skips
        self._idle_timer: asyncio.TimerHandle | None = None
        self._memory_watch: asyncio.TimerHandle | None = None
        self._closed = False
        crawler.signals.disconnect(self._maybe_launch_in_thread, signals.engine_started)
        crawler.signals.disconnect(self._engine_started, signals.engine_started)

    # -- lifecycle: start on the first render, stop when idle -------------------------------------
    async def _ensure_started(self) -> None:
        async with self._start_lock:
            if getattr(self, "browser_provider", None) is None:
                # The driver inherits the environment it is started with; the crawl's own stays as it was.
                saved = os.environ.get("NODE_OPTIONS")
                if self.node_options and saved is None:
                    os.environ["NODE_OPTIONS"] = self.node_options
                await self._take_up_lock()
                try:
                    await self._launch()
                except BaseException:
                    self._release_up_lock()
                    raise
                finally:
                    if saved is None:
                        os.environ.pop("NODE_OPTIONS", None)
                self.stats.inc_value("gongkai/browser/driver_starts")

    async def _shutdown(self, reason: str) -> None:
        async with self._start_lock:
            if getattr(self, "browser_provider", None) is None:
                return
            if self._renders:
                return  # a render started after this shutdown was decided: its own end decides again
            logger.info("Browser: shutting down (%s)", reason)
            await self._close_browser(self._forget_browser())
            try:
                await self.browser_provider.close()
            except PlaywrightError as exc:
                logger.info("Browser: driver shutdown: %s", exc)
            self.browser_provider = None
            self.context_wrappers.clear()
            self._open_pages.clear()
            self._release_up_lock()

    async def _take_up_lock(self) -> None:
        """Wait (bounded, as a render waits for the marker) while a child runs what it started with the
        browser down, or while what children let in leaves no room for the driver and chromium; then
        start, with the lock or, after the wait, without it."""
        if self._up_lock is None:
            return
        deadline = asyncio.get_running_loop().time() + rules.MEMORY_WANTED_MAX_WAIT_SECONDS
        waited = False
        if memory.browser_never_fits():
            if not self.stats.get_value("gongkai/browser/launches_beyond_family_bound"):
                logger.info("Browser: the crawl process and its workers leave it no room under the family bound of "
                            "%s MB; it starts as soon as no child runs with it down", self.budget_mb)
            self.stats.inc_value("gongkai/browser/launches_beyond_family_bound")
        while not memory.admit_browser(self._up_lock):
            if not waited:
                waited = True
                self.stats.inc_value("gongkai/browser/launch_waited_for_room")
            if asyncio.get_running_loop().time() >= deadline:
                logger.info("Browser: starting beside a child that holds the memory (waited %.0f s)",
                            rules.MEMORY_WANTED_MAX_WAIT_SECONDS)
                return
            await asyncio.sleep(rules.MEMORY_WANTED_POLL_SECONDS)

    def _release_up_lock(self, *, remove: bool = False) -> None:
        if self._up_lock is not None:
            self._up_lock.release()
            if remove:  # the crawl is over: its lock file with it
                with contextlib.suppress(OSError):
                    os.unlink(self._up_lock.path)

    def _arm_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self.idle_seconds > 0 and not self._closed:
            loop = asyncio.get_running_loop()
            self._idle_timer = loop.call_later(self.idle_seconds, self._idle)

    def _watch_memory(self) -> None:
        """While the browser is up and no page renders: close it as soon as a child of the crawl wants
        the memory (pipelines/memory.py marker), not when the idle timer fires (20 s; a conversion
        waits a third of its time, ~15 s, then runs regardless). Looked at every
        MEMORY_WANTED_POLL_SECONDS until a render starts or the browser is down."""
        self._memory_watch = None
        if self._closed or getattr(self, "browser_provider", None) is None or any(self._open_pages.values()):
            return
        if self._memory_wanted():
            self.stats.inc_value("gongkai/browser/memory_yields")
            asyncio.ensure_future(self._shutdown(self._yield_reason()))
            return
        self._memory_watch = asyncio.get_running_loop().call_later(rules.MEMORY_WANTED_POLL_SECONDS,
                                                                   self._watch_memory)

    def _idle(self) -> None:
        self._idle_timer = None
        if not any(self._open_pages.values()):
            if "browser" in self.__dict__ or self.context_wrappers:  # a browser closes (not only the driver)
                self.stats.inc_value("gongkai/browser/idle_shutdowns")
            asyncio.ensure_future(self._shutdown("idle"))

    async def close(self) -> None:
        if self._closed:
            return  # shared by the http and https slots: closed once
        self._closed = True
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self._memory_watch is not None:
            self._memory_watch.cancel()
        await super().close()
        self._release_up_lock(remove=True)
        if self._wanted is not None:
            memory.forget_family(os.getpid())
        self._dead_socket.close()
        if self._profiles:
            shutil.rmtree(self._profiles, ignore_errors=True)

    # -- pages: context generations ---------------------------------------------------------------
    async def _download_request(self, request: Request, spider: Any = None) -> Response:
        await self._wait_while_memory_is_wanted()
        self._renders += 1
        try:
            return await self._render(request, spider)
        finally:
            self._renders -= 1

    async def _render(self, request: Request, spider: Any) -> Response:
        await self._ensure_started()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self._served >= self.pages_per_context:
            retired = f"render-{self._generation}"
            self._generation += 1
            self._served = 0
            if not self._open_pages.get(retired):
                # Nothing renders in it any more: close it before a new one is asked for (the
                # context semaphore, PLAYWRIGHT_MAX_CONTEXTS, would otherwise wait for it forever).
                self._open_pages.pop(retired, None)
                wrapper = self.context_wrappers.get(retired)
                if not any(self._open_pages.values()) and "browser" in self.__dict__:
                    # No page open anywhere: a fresh browser, whose renderer has not grown yet.
                    self.stats.inc_value("gongkai/browser/restarts")
                    await self._restart_browser()
                elif wrapper is not None:
                    # Single process: the context is its browser, and closes with it.
                    self.stats.inc_value("gongkai/browser/" + ("restarts" if wrapper.persistent else "contexts_recycled"))
                    await self._close_context(wrapper.context)
        self._served += 1
        name = f"render-{self._generation}"
        request.meta["playwright_context"] = name
        request.meta.setdefault("playwright_context_kwargs", self._context_kwargs(name))
        self._open_pages[name] = self._open_pages.get(name, 0) + 1
        token = _RENDERING.set(request)
        traffic_token = _TRAFFIC.set(PageTraffic())  # what the page's settle reads (crawler/browser.py)
        try:
            return await super()._download_request(request, spider)
        finally:
            _TRAFFIC.reset(traffic_token)
            _RENDERING.reset(token)
            page = request.meta.get("playwright_page")
            if isinstance(page, Page) and not page.is_closed():
                page.once("close", lambda *_: self._page_done(name))
            else:
                self._page_done(name)

    def _context_kwargs(self, name: str) -> dict:
        """A context's options; single process: a persistent context (a browser of its own: chromium
        in --single-process cannot open a second, off-the-record context) in a profile of its own."""
        if not self.single_process:
            return dict(rules.CONTEXT_OPTIONS)
        for old in os.listdir(self._profiles):  # generations whose browser has closed
            if old not in self.context_wrappers:
                shutil.rmtree(os.path.join(self._profiles, old), ignore_errors=True)
        profile = os.path.join(self._profiles, name)
        return {**self.config.launch_options, **rules.CONTEXT_OPTIONS, "user_data_dir": profile}

    def _page_done(self, name: str) -> None:
        self._open_pages[name] = max(0, self._open_pages.get(name, 0) - 1)
        retired = name != f"render-{self._generation}"
        if retired and not self._open_pages[name]:
            self._open_pages.pop(name, None)
            wrapper = self.context_wrappers.get(name)
            if wrapper is not None:
                self.stats.inc_value("gongkai/browser/contexts_recycled")
                asyncio.ensure_future(self._close_context(wrapper.context))
        if not any(self._open_pages.values()):
            self._arm_idle_timer()
            if self._memory_wanted():
                self.stats.inc_value("gongkai/browser/memory_yields")
                asyncio.ensure_future(self._shutdown(self._yield_reason()))
            else:
                self._restart_if_grown()
                if self._wanted is not None and self._memory_watch is None:
                    self._watch_memory()

    def _memory_wanted(self) -> bool:
        return self._wanted is not None and memory.memory_wanted(self._wanted)

    def _yield_reason(self) -> str:
        """The shutdown's log words: what the marker's holders want the memory for."""
        wanted = memory.wanted_for(self._wanted) if self._wanted is not None else []
        return f"memory wanted by {', '.join(wanted) or 'a child of the crawl'}"

    async def _wait_while_memory_is_wanted(self) -> None:
        """A render waits (bounded) while a child of the crawl converts with LibreOffice under the
        family bound; the browser, closed for it, is not launched again until it is done."""
        deadline = asyncio.get_running_loop().time() + rules.MEMORY_WANTED_MAX_WAIT_SECONDS
        if self._memory_wanted():
            self.stats.inc_value("gongkai/browser/waited_for_memory")
        while self._memory_wanted() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(rules.MEMORY_WANTED_POLL_SECONDS)

    def _chromium_rss(self) -> int:
        return sum(m.rss for m in memory.family(os.getpid()) if self._executable in m.cmdline.split(" ", 1)[0])

    def _restart_if_grown(self) -> None:
        """With no page open, a browser whose processes have grown past GONGKAI_BROWSER_MAX_RSS_MB is
        closed (the next render launches a fresh one): the family's bound (issue 9) holds only if
        chromium's share does, and what stays up between renders (the browser process, a renderer
        that outlived its pages) can grow with caches over a long crawl.
        Checked and closed in one step of the loop, so no render can start in between; the next
        pages get a context name of their own (a late close event of an old context pops its name)."""
        if not self.max_browser_rss or ("browser" not in self.__dict__ and not self.context_wrappers):
            return
        rss = self._chromium_rss()
        self.stats.max_value("gongkai/browser/max_rss_mb", rss // 2 ** 20)
        if rss <= self.max_browser_rss:
            return
        self.stats.inc_value("gongkai/browser/memory_restarts")
        self._generation += 1
        self._served = 0
        browser = self._forget_browser()
        asyncio.ensure_future(self._close_browser(browser, self._take_contexts()))

    async def _restart_browser(self) -> None:
        """Close the browser (its contexts with it); the next page launches a new one."""
        await self._close_browser(self._forget_browser())

    def _take_contexts(self) -> list[Any]:
        """The contexts' wrappers, taken out of the handler: a context a new browser opens while these
        close is not among them."""
        wrappers = list(self.context_wrappers.values())
        self.context_wrappers.clear()
        return wrappers

    async def _close_browser(self, browser: Any, wrappers: list[Any] | None = None) -> None:
        # Contexts first, each by itself: their close events give back the context semaphore.
        for wrapper in self._take_contexts() if wrappers is None else wrappers:
            await self._close_context(wrapper.context)
        try:
            if browser is not None:
                await browser.close()
        except PlaywrightError as exc:
            logger.info("Browser: close: %s", exc)

    def _forget_browser(self) -> Any:
        """Take the browser out of the handler before closing it: scrapy-playwright's disconnect
        callback would otherwise run later and delete whatever browser the handler holds by then
        (a new one)."""
        browser = self.__dict__.pop("browser", None)
        if browser is not None:
            browser.remove_listener("disconnected", self._browser_disconnected_callback)
        return browser

    @staticmethod
    async def _close_context(context: Any) -> None:
        try:
            await context.close()
        except PlaywrightError:
            pass  # the browser went first
