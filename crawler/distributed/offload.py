"""A worker's Redis round trips that need no answer on the reactor thread, done on one thread of their own.

Every Redis call of redis-py blocks the thread that makes it until redis-server has answered; on the
reactor thread that stalls every download, parse and export of the worker. On a loaded machine a
round trip waits for redis-server to be scheduled: py-spy of a two-worker crawl (benchmarks.crawl's
web, 50 ms wait, load ~12) found each worker's reactor inside redis-py for 13–18% of its samples,
~5 calls per request. The calls whose answer the reactor does not wait for — an in-flight entry's
ack (ack.py), a host lease given back (politeness.py) — and the lease taken before a download
(awaited, so that download waits but the reactor does not) go through one thread here, in the
order they were made.

A kill loses at most the acks still queued here: their requests stay in flight and go back to the
queue (fetched twice, never lost). Before a worker gives its in-flight requests back at its end
(idle.py), `flush` waits for what is queued, so a request already done is not handed out again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler


class Offload:
    _of: ClassVar[WeakKeyDictionary[Crawler, Offload]] = WeakKeyDictionary()

    @classmethod
    def of(cls, crawler: Crawler) -> Offload:
        found = cls._of.get(crawler)
        if found is None:
            found = cls._of[crawler] = cls()
        return found

    def __init__(self) -> None:
        # One thread: the calls reach Redis in the order they were made.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gongkai-redis")

    def send(self, call: Callable[..., Any], *args: Any) -> Future:
        """Make `call(*args)` on the Redis thread; do not wait for it."""
        return self._pool.submit(call, *args)

    async def ask(self, call: Callable[..., Any], *args: Any) -> Any:
        """`call(*args)` on the Redis thread; its answer, without blocking the reactor."""
        return await asyncio.wrap_future(self._pool.submit(call, *args))

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every call sent so far has been made."""
        self._pool.submit(lambda: None).result(timeout)
