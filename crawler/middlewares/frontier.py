"""Journal every request the crawl accepts, and resume a killed crawl from what was pending.

Scrapy's JOBDIR is no help after SIGKILL (its queue and dupefilter are consistent only after a clean
shutdown), and starting over from the start URLs re-walks the whole crawl on every resume. Instead,
archive/frontier.py keeps one row per unit of work in state.sqlite:

- added when a request leaves a callback (or the spider's start) for the engine: this middleware is
  the outermost spider middleware (order 5), so it sees exactly what the engine gets, after depth
  and trap limits. The key is derived from the parent's key, the request's fingerprint and how many
  times the parent yielded that fingerprint, so a page processed a second time (after a kill)
  yields the same keys and nothing is journaled or fetched twice. A request whose fingerprint the
  journal already holds is dropped here, as Scrapy's duplicate filter would, but across runs;
- marked done when its answer has been handled: the callback's output is exhausted (every request
  it yielded has its row) and every item it yielded has come out of the item pipelines (signals
  item_scraped / item_dropped / item_error, so its JSON line is written). Download failures go to
  the errback without passing spider middlewares, so errbacks are wrapped (`_TrackedErrback`,
  serialisable as the spider method it wraps). Retries and redirects are the same unit of work: the
  copy Scrapy makes carries the key; a copy the scheduler or the offsite filter drops ends it.

On a resumed crawl, `process_start` yields the pending rows (logging "resuming crawl <id>: N
pending"), then the spider's start requests, of which only those never journaled go out; crawler/middlewares/resume_from_archive.py serves the
ones that had already been fetched from the job's WARCs, so nothing is archived twice.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.request import request_from_dict
from scrapy.utils.spider import iterate_spider_output
from twisted.python.failure import Failure

from archive.frontier import encode_request
from crawler.job import CrawlJob

logger = logging.getLogger(__name__)

META_KEY = "gongkai_frontier_key"  # the journal row a request (and its retries, redirects) belongs to
META_VIA_SPIDERMW = "gongkai_frontier_spidermw"  # its answer goes through the spider middlewares
START = "start"


def child_key(parent: str, fingerprint: str, occurrence: int) -> str:
    return hashlib.sha1(f"{parent}\n{fingerprint}\n{occurrence}".encode()).hexdigest()[:32]


class _TrackedErrback:
    """An errback that tells the journal when its output is exhausted.

    Looks like the spider method it wraps to Request.to_dict (same __func__), so a journaled or
    Redis-queued request is serialised by name and comes back unwrapped (wrapped again when it is
    journaled). An errback reached through the spider middlewares (an HTTP error status) is handled
    there and passes straight through.
    """

    def __init__(self, middleware: FrontierMiddleware, original: Any) -> None:
        self._middleware = middleware
        self.original = original
        if original is not None:
            self.__func__ = getattr(original, "__func__", original)
            self.__self__ = getattr(original, "__self__", None)
            self.__name__ = getattr(original, "__name__", "errback")
        else:
            self.__name__ = "errback"

    def __call__(self, failure: Failure) -> Any:
        request = failure.request
        key = request.meta.get(META_KEY)
        if request.meta.get(META_VIA_SPIDERMW) or key is None:
            return self.original(failure) if self.original is not None else failure
        if self.original is None:
            self._middleware.finished(key)
            return failure  # Scrapy logs the download error as it would without an errback
        try:
            output = self.original(failure)
        except BaseException:
            self._middleware.finished(key)
            raise
        if output is None or isinstance(output, Failure):
            self._middleware.finished(key)
            return output
        if hasattr(output, "__aiter__"):  # an async-generator errback (the spider's render_failed)
            return self._middleware._track_output_async(key, output)
        return self._middleware.track_output(key, iterate_spider_output(output))


class FrontierMiddleware:
    def __init__(self, crawler: Crawler, job: CrawlJob) -> None:
        self.crawler = crawler
        self.job = job
        self.journal = job.frontier
        self.stats = crawler.stats
        self.fingerprinter = crawler.request_fingerprinter
        self._offsite = OffsiteMiddleware(crawler.stats)
        self._items: Counter[str] = Counter()  # key → items yielded and not yet out of the pipelines
        self._exhausted: set[str] = set()  # keys whose callback output has ended
        self._occurrences: Counter[tuple[str, str]] = Counter()
        self._method_names: dict[Any, str] | None = None  # spider function → its method name

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierMiddleware:
        if not crawler.settings.getbool("GONGKAI_FRONTIER_JOURNAL"):
            raise NotConfigured("GONGKAI_FRONTIER_JOURNAL is off")
        mw = cls(crawler, CrawlJob.from_crawler(crawler))
        for handler, signal in ((mw._item_done, signals.item_scraped), (mw._item_done, signals.item_dropped),
                                (mw._item_done, signals.item_error), (mw._dropped, signals.request_dropped),
                                (mw._scheduled, signals.request_scheduled)):
            crawler.signals.connect(handler, signal=signal)
        return mw

    # -- adding ----------------------------------------------------------------------------------
    def _fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def _admit(self, parent: str, request: Request) -> Request | None:
        """Journal a request yielded by `parent` (or drop it as already known); wrap its errback."""
        request.meta.pop(META_KEY, None)  # copied from the parent by request.replace(): not its row
        request.meta.pop(META_VIA_SPIDERMW, None)
        fingerprint = self._fingerprint(request)
        self._occurrences[parent, fingerprint] += 1
        key = child_key(parent, fingerprint, self._occurrences[parent, fingerprint])
        if key in self.journal.keys:
            self.stats.inc_value("gongkai/frontier/known")
            return None  # journaled by an earlier run of the same work: pending rows were re-queued
        if not request.dont_filter and fingerprint in self.journal.fingerprints:
            self.stats.inc_value("gongkai/frontier/duplicates")
            return None
        try:
            payload = encode_request(self._request_dict(request))
        except Exception as exc:  # an unpicklable meta value: crawled, but not rebuilt after a kill
            logger.warning("Frontier: %s cannot be journaled (%s); a kill would lose it", request.url, exc)
            self.stats.inc_value("gongkai/frontier/unjournaled")
            payload = None
        self.journal.add(key, fingerprint=fingerprint, url=request.url, role=request.meta.get("role"),
                         dont_filter=request.dont_filter, request=payload)
        self._track(request, key)
        return request

    def _method_name(self, callback: Any) -> Any:
        """Request.to_dict's name for a callback: the spider method whose function it is."""
        if not callable(callback):
            return callback
        if self._method_names is None:
            members = inspect.getmembers(self.crawler.spider, predicate=inspect.ismethod)
            self._method_names = {method.__func__: name for name, method in reversed(members)}
        name = self._method_names.get(getattr(callback, "__func__", None))
        if name is None:
            raise ValueError(f"Function {callback} is not an instance method in: {self.crawler.spider}")
        return name

    def _request_dict(self, request: Request) -> dict[str, Any]:
        """`request.to_dict(spider=…)`, with the spider's method names looked up once per crawl:
        Scrapy's to_dict lists every member of the spider (inspect.getmembers) for the callback and
        again for the errback of each request: 0.4 of the 12 ms CPU per page of the crawl process on 20 generated portals
        (py-spy, Request.to_dict → _find_method). What request_from_dict reads back is the same."""
        d = {"url": request.url, "callback": self._method_name(request.callback),
             "errback": self._method_name(request.errback), "headers": dict(request.headers)}
        for attr in request.attributes:
            d.setdefault(attr, getattr(request, attr))
        if type(request) is not Request:
            d["_class"] = request.__module__ + "." + request.__class__.__name__
        return d

    def _track(self, request: Request, key: str) -> None:
        request.meta[META_KEY] = key
        if not isinstance(request.errback, _TrackedErrback):
            request.errback = _TrackedErrback(self, request.errback)

    def _pass(self, key: str, obj: Any) -> Any:
        """One object of `key`'s output on its way to the engine: a request journaled (or None,
        dropped as known), an item counted until the pipelines are done with it."""
        if isinstance(obj, Request):
            return self._admit(key, obj)
        if obj is not None:
            self._items[key] += 1
        return obj

    def track_output(self, key: str, output: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from (passed for obj in output if (passed := self._pass(key, obj)) is not None)
        finally:
            self.finished(key)

    async def _track_output_async(self, key: str, output: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for obj in output:
                if (passed := self._pass(key, obj)) is not None:
                    yield passed
        finally:
            self.finished(key)

    # -- finishing -------------------------------------------------------------------------------
    def finished(self, key: str) -> None:
        """The callback (or errback) of `key` has yielded all it will."""
        self._exhausted.add(key)
        self._maybe_done(key)

    def _maybe_done(self, key: str) -> None:
        if key in self._exhausted and not self._items.get(key):
            self._exhausted.discard(key)
            self._items.pop(key, None)
            self.journal.done(key)

    def _item_done(self, item: Any = None, response: Response | Failure | None = None, **kwargs: Any) -> None:
        request = getattr(response, "request", None)
        key = request.meta.get(META_KEY) if request is not None else None
        if key is None or not self._items.get(key):
            return
        self._items[key] -= 1
        self._maybe_done(key)

    def _dropped(self, request: Request, **kwargs: Any) -> None:
        """The scheduler's duplicate filter dropped a request (a redirect to a URL already seen)."""
        key = request.meta.get(META_KEY)
        if key is not None:
            self.journal.done(key)

    def _scheduled(self, request: Request, spider: Any = None) -> None:
        # Scrapy's offsite filter drops requests here without request_dropped; mirror its verdict.
        key = request.meta.get(META_KEY)
        if key is None or request.dont_filter or request.meta.get("allow_offsite"):
            return
        if not self._offsite.should_follow(request, self.crawler.spider):
            self.journal.done(key)

    # -- spider middleware hooks -----------------------------------------------------------------
    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if self.job.resumed:
            pending = self.journal.pending()
            logger.info("resuming crawl %s: %d pending", self.job.crawl_id, len(pending))
            self.stats.set_value("gongkai/frontier/resumed_pending", len(pending))
            for entry in pending:
                try:
                    if entry.request is None:
                        raise ValueError("not journaled whole")
                    request = request_from_dict(entry.request, spider=self.crawler.spider)
                except ValueError as exc:  # also: a callback this spider no longer has
                    logger.warning("Frontier: %s cannot be resumed (%s); given up", entry.url, exc)
                    self.stats.inc_value("gongkai/frontier/unresumable")
                    self.journal.done(entry.key)
                    continue
                self._track(request, entry.key)
                yield request
        # The start requests, on a resumed crawl too: those journaled already are dropped as known
        # (same keys); one a kill kept from being journaled (a kill during start-up) goes out now.
        async for obj in self._track_output_async(START, start):
            yield obj

    def process_spider_input(self, response: Response) -> None:
        if response.meta.get(META_KEY) is not None:
            response.meta[META_VIA_SPIDERMW] = True

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        key = response.meta.get(META_KEY)
        return result if key is None else self.track_output(key, result)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        key = response.meta.get(META_KEY)
        if key is None:
            async for obj in result:
                yield obj
            return
        async for obj in self._track_output_async(key, result):
            yield obj
