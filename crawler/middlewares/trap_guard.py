"""Bound the list pages followed per URL shape: endless calendars and pagination stop here.

A shape is the URL with every digit run folded to one 'D' (…/index_D.html, …/calendar?month=D-D).
Only list-page requests are counted: report URLs share shapes legitimately (t<date>_<id>.shtml) and
are bounded by the lists that link them. The spider's own empty-run rule usually stops a trap
earlier; this is the hard cap that holds whatever the site does, across a kill too: a resumed
crawl starts from the counts of the list pages its journal already holds (archive/frontier.py).
Off (NotConfigured) when GONGKAI_TRAP_MAX_PER_SHAPE is 0.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.job import CrawlJob

logger = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d+")
GUARDED_ROLES = frozenset({"column"})


def url_shape(url: str) -> str:
    parts = urlsplit(url)
    keys = ",".join(sorted(f"{k}={_DIGITS.sub('D', v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.netloc}{_DIGITS.sub('D', parts.path)}?{keys}"


class TrapGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.limit = crawler.settings.getint("GONGKAI_TRAP_MAX_PER_SHAPE")
        self.stats = crawler.stats
        self.counts: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TrapGuardMiddleware:
        if crawler.settings.getint("GONGKAI_TRAP_MAX_PER_SHAPE") <= 0:
            raise NotConfigured("GONGKAI_TRAP_MAX_PER_SHAPE is 0")
        mw = cls(crawler)
        job = CrawlJob.from_crawler(crawler)
        if job.resumed:
            mw.counts.update(url_shape(url) for url in job.frontier.urls_with_roles(GUARDED_ROLES))
        return mw

    def _allow(self, request: Request) -> bool:
        if request.meta.get("role") not in GUARDED_ROLES:
            return True
        shape = url_shape(request.url)
        self.counts[shape] += 1
        if self.counts[shape] <= self.limit:
            return True
        if self.counts[shape] == self.limit + 1:
            logger.warning("Trap guard: more than %d list pages shaped %s; dropping the rest", self.limit, shape)
        self.stats.inc_value("gongkai/trap/dropped")
        return False

    def process_spider_output(self, response: Response, result: Iterable) -> Iterable:
        for obj in result:
            if not isinstance(obj, Request) or self._allow(obj):
                yield obj

    async def process_spider_output_async(self, response: Response, result: AsyncIterator) -> AsyncIterator:
        async for obj in result:
            if not isinstance(obj, Request) or self._allow(obj):
                yield obj

    async def process_start(self, start: AsyncIterator) -> AsyncIterator:
        async for obj in start:
            yield obj
