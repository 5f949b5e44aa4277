"""Spider middleware: a request leaves its worker's in-flight hash once the spider has handled it.

Only then: the requests and items its callback yields are queued (or exported) by the time the
output is consumed, so a worker killed at any moment before leaves the request in flight, and it
goes back to the queue (crawler/distributed/idle.py). Errbacks of downloader failures do not pass
through spider middlewares; a failed request is acked by the downloader side below, just before
its errback runs. What slips through both is cleared when the worker is idle (nothing of its own
can be in flight then).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.distributed.scheduler import INFLIGHT_META, JobKeys


class _Acker:
    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        self.server = get_redis_from_settings(crawler.settings)
        self.key = JobKeys(crawler.settings.get("GONGKAI_JOB_ID")).inflight(crawler.settings.get("GONGKAI_WORKER_NAME"))

    def ack(self, request: Request | None) -> None:
        inflight = request.meta.pop(INFLIGHT_META, None) if request is not None else None
        if inflight is not None:
            self.server.hdel(self.key, inflight)


class InflightAckSpiderMiddleware(_Acker):
    """Acks a response's request when its callback's output is consumed and every item it yielded
    has left the item pipelines (scraped, dropped or failed): a report still in the extraction pool
    when its worker is killed is fetched again by another worker, not lost."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pending: dict[int, list] = {}  # id(response) → [request, items outstanding, output consumed]
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflightAckSpiderMiddleware:
        return cls(crawler)

    def _track(self, response: Response, item: object) -> None:
        if not isinstance(item, Request):
            entry = self._pending.setdefault(id(response), [response.request, 0, False])
            entry[1] += 1

    def _consumed(self, response: Response) -> None:
        entry = self._pending.get(id(response))
        if entry is None:
            self.ack(response.request)
            return
        entry[2] = True
        self._settle(id(response), entry)

    def _item_done(self, item=None, response=None, spider=None, **kwargs) -> None:
        entry = self._pending.get(id(response)) if response is not None else None
        if entry is not None:
            entry[1] -= 1
            self._settle(id(response), entry)

    def _settle(self, key: int, entry: list) -> None:
        if entry[2] and entry[1] <= 0:
            del self._pending[key]
            self.ack(entry[0])

    async def process_spider_output_async(self, response: Response, result: AsyncIterator) -> AsyncIterator:
        async for item in result:
            self._track(response, item)
            yield item
        self._consumed(response)

    def process_spider_output(self, response: Response, result: Iterable) -> Iterable:
        for item in result:
            self._track(response, item)
            yield item
        self._consumed(response)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._consumed(response)


class InflightAckDownloaderMiddleware(_Acker):
    """Acks a request whose download failed for good (no middleware retried it)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflightAckDownloaderMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception, spider=None) -> None:
        self.ack(request)
