"""When a request leaves its worker's in-flight hash: once everything it produced is safe elsewhere.

Safe means: every request its callback (or errback) yielded is in the job's Redis queue (or was
dropped there as a duplicate), and every item it yielded has left the item pipelines (scraped,
dropped or failed: a report still in the extraction pool is not safe). Until then a worker killed
at any moment leaves the request in flight, and it goes back to the queue (idle.py).

"The callback's output is exhausted" is not enough: Scrapy's scraper pulls a callback's whole
output into a queue first (up to 2 × CONCURRENT_ITEMS) and schedules the requests in it on later
turns of the event loop. Acked at exhaustion, a list page left the in-flight hash while the report
requests it had yielded were still only in this process's memory; a SIGKILL then lost them (the
report of a list page the killed worker had just read never came back, issue 12). So a yielded
request counts as outstanding until the scheduler has put it in Redis (JobScheduler sends
`request_queued`), an item until its pipeline signal.

Two doors lead out of a download: the callback, whose output passes through this spider
middleware, and, for a download that failed for good, the errback, whose output Scrapy hands to the
scraper without any spider middleware. The downloader middleware below therefore wraps a failed
request's errback so that its output is counted the same way. What slips through both (a request a
`request_scheduled` handler ignored) is cleared when the worker is idle: nothing of its own can be
in flight then.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterable
from typing import ClassVar
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.misc import arg_to_iter
from twisted.python.failure import Failure

from crawler.distributed.offload import Offload
from crawler.distributed.scheduler import INFLIGHT_META, JobKeys, request_queued


class _Entry:
    __slots__ = ("source", "request", "outstanding", "consumed")

    def __init__(self, source: int, request: Request) -> None:
        self.source = source  # id() of the response or failure whose output this is
        self.request = request
        self.outstanding = 0  # yielded requests not yet in Redis + items still in the pipelines
        self.consumed = False  # the callback's output is exhausted


class InflightTracker:
    """One per crawler: this worker's in-flight requests whose output is still on its way."""

    _trackers: ClassVar[WeakKeyDictionary[Crawler, InflightTracker]] = WeakKeyDictionary()

    @classmethod
    def of(cls, crawler: Crawler) -> InflightTracker:
        tracker = cls._trackers.get(crawler)
        if tracker is None:
            tracker = cls._trackers[crawler] = cls(crawler)
        return tracker

    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        self.server = get_redis_from_settings(crawler.settings)
        self.offload = Offload.of(crawler)
        self.key = JobKeys(crawler.settings.get("GONGKAI_JOB_ID")).inflight(crawler.settings.get("GONGKAI_WORKER_NAME"))
        self._entries: dict[int, _Entry] = {}  # id(response or failure) → its request's entry
        self._children: dict[int, _Entry] = {}  # id(yielded request) → the entry waiting for it
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=signal, weak=False)
        crawler.signals.connect(self._request_queued, signal=request_queued, weak=False)

    def ack(self, request: Request | None) -> None:
        inflight = request.meta.pop(INFLIGHT_META, None) if request is not None else None
        if inflight is not None:  # the answer is not needed: off the reactor thread (offload.py)
            self.offload.send(self.server.hdel, self.key, inflight)

    def forget(self) -> None:
        """The worker is idle: nothing it tracked can still be on its way."""
        self._entries.clear()
        self._children.clear()

    # -- counting one response's (or failure's) output ------------------------------------------
    def track(self, source: object, request: Request, output: object) -> None:
        entry = self._entries.get(id(source))
        if entry is None:
            entry = self._entries[id(source)] = _Entry(id(source), request)
        entry.outstanding += 1
        if isinstance(output, Request):
            # A new request, even when it copied its parent's meta (a browser render of the same
            # URL): it must not take the parent's in-flight id to Redis and ack it there.
            output.meta.pop(INFLIGHT_META, None)
            self._children[id(output)] = entry

    def consumed(self, source: object, request: Request) -> None:
        entry = self._entries.get(id(source))
        if entry is None:  # it yielded nothing
            self.ack(request)
            return
        entry.consumed = True
        self._settle(entry)

    def _settle(self, entry: _Entry) -> None:
        if entry.consumed and entry.outstanding <= 0 and self._entries.get(entry.source) is entry:
            del self._entries[entry.source]
            self.ack(entry.request)

    def _item_done(self, item=None, response=None, spider=None, **kwargs) -> None:
        entry = self._entries.get(id(response)) if response is not None else None
        if entry is not None:
            entry.outstanding -= 1
            self._settle(entry)

    def _request_queued(self, request: Request, **kwargs) -> None:
        entry = self._children.pop(id(request), None)
        if entry is not None:
            entry.outstanding -= 1
            self._settle(entry)

    async def wrap_async(self, source: object, request: Request, result: AsyncIterator) -> AsyncIterator:
        async for output in result:
            self.track(source, request, output)
            yield output
        self.consumed(source, request)

    def wrap(self, source: object, request: Request, result: Iterable) -> Iterable:
        for output in result:
            self.track(source, request, output)
            yield output
        self.consumed(source, request)


class InflightAckSpiderMiddleware:
    """Acks a response's request when its callback's output is safe (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.tracker = InflightTracker.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflightAckSpiderMiddleware:
        return cls(crawler)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator) -> AsyncIterator:
        async for output in self.tracker.wrap_async(response, response.request, result):
            yield output

    def process_spider_output(self, response: Response, result: Iterable) -> Iterable:
        yield from self.tracker.wrap(response, response.request, result)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self.tracker.consumed(response, response.request)


class InflightAckDownloaderMiddleware:
    """A request whose download failed for good (no middleware retried it): its errback's output is
    counted like a callback's, and the request acked once that output is safe."""

    def __init__(self, crawler: Crawler) -> None:
        self.tracker = InflightTracker.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflightAckDownloaderMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception, spider=None) -> None:
        if INFLIGHT_META not in request.meta:
            return None
        original = request.errback
        if original is None:
            self.tracker.ack(request)  # no errback: nothing will be yielded for it
            return None
        tracker = self.tracker

        def errback(failure):
            request.errback = original  # the request may travel again (a render's static fallback)
            try:
                output = original(failure)
            except BaseException:
                tracker.ack(request)
                raise
            if isinstance(output, Failure):  # handed back: the scraper logs it; nothing is yielded
                tracker.ack(request)
                return output
            if inspect.isasyncgen(output):
                return tracker.wrap_async(failure, request, output)
            return tracker.wrap(failure, request, arg_to_iter(output))

        request.errback = errback
        return None
