"""Conditional requests from the job's state: If-None-Match / If-Modified-Since.

A URL whose last capture was a 200 with an ETag or Last-Modified is asked for with If-None-Match /
If-Modified-Since. A 304 becomes a revisit record, and the stored response goes on to the spider in
its place (crawler/middlewares/warc_capture.py), so list pages still yield their links.
(A resumed crawl's requests that were archived already never get here: they are answered from the
WARCs by crawler/middlewares/resume_from_archive.py, at 939.)

Ordered at 940: after every other request-side middleware (so robots.txt, user agent and
Accept-Encoding are set) and just below the WARC capture (950), which archives what we send.
Off (NotConfigured) when GONGKAI_CONDITIONAL_REQUESTS is false.
"""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.state import CrawlState
from crawler.job import CrawlJob
from crawler.middlewares.warc_capture import CONDITIONAL_HEADERS, META_CONDITIONAL, META_UNCONDITIONAL


class ConditionalRequestsMiddleware:
    def __init__(self, crawler: Crawler, state: CrawlState, out_dir: Path) -> None:
        self.stats = crawler.stats
        self.state = state
        self.out_dir = out_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestsMiddleware:
        if not crawler.settings.getbool("GONGKAI_CONDITIONAL_REQUESTS"):
            raise NotConfigured("GONGKAI_CONDITIONAL_REQUESTS is off")
        job = CrawlJob.from_crawler(crawler)
        return cls(crawler, job.state, job.out_dir)

    def process_request(self, request: Request) -> None:
        # Meta and headers travel with redirects and retries (request.replace), and with a request
        # handed to another worker: validators we added are decided again, for this URL, from
        # this process's state (another worker's may have no stored copy to stand in for a 304).
        if request.meta.pop(META_CONDITIONAL, None) is not None:
            for name in CONDITIONAL_HEADERS:
                request.headers.pop(name, None)
        if request.method == "GET" and not request.meta.get(META_UNCONDITIONAL):
            self._make_conditional(request)
        return None

    def _make_conditional(self, request: Request) -> None:
        if any(name in request.headers for name in CONDITIONAL_HEADERS):
            return  # the caller asked for its own condition
        page = self.state.page(request.url)
        if page is None or page.status != 200 or not (page.etag or page.last_modified):
            return
        full = self.state.full_capture(request.url, 200)  # a GET's capture key is its URL
        if full is None or not (self.out_dir / full.warc_file).exists():
            return  # nothing to stand in for the body a 304 would not send
        if page.etag:
            request.headers[b"If-None-Match"] = page.etag
        if page.last_modified:
            request.headers[b"If-Modified-Since"] = page.last_modified
        request.meta[META_CONDITIONAL] = request.url
        self.stats.inc_value("gongkai/conditional/sent")
