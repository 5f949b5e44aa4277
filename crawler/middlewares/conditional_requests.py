"""Conditional requests from the job's state, and resume from the job's own WARCs.

Two jobs, both in process_request, both keyed on the URL in DIR/state.sqlite:

1. Resume. When this run continues a crawl that was killed (archive/state.py: same crawl id), a
   URL that crawl already captured is not fetched again: its response is rebuilt from the WARC
   (revisits resolved) and handed down the chain as if it had come from the network, so the spider
   walks the same links and the pipelines see the same page, while nothing new is archived. This
   replaces Scrapy's JOBDIR, whose on-disk queue and buffered dupefilter are only consistent after a
   clean shutdown: after SIGKILL it loses the pending requests, and a restart would then filter out
   the start URLs as already seen and finish at once.

2. Conditional GETs. A URL whose last capture was a 200 with an ETag or Last-Modified is asked for
   with If-None-Match / If-Modified-Since. A 304 becomes a revisit record, and the stored response
   goes on to the spider in its place (crawler/middlewares/warc_capture.py), so list pages still
   yield their links.

Ordered at 940: after every other request-side middleware (so robots.txt, user agent and
Accept-Encoding are set) and just below the WARC capture (950), which archives what we send.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.revisit import RecordNotFound, load_exchange
from archive.state import CrawlState
from crawler.job import crawl_state_for
from crawler.middlewares.warc_capture import META_ARCHIVED, META_CONDITIONAL, build_response

logger = logging.getLogger(__name__)

CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


class ConditionalRequestsMiddleware:
    def __init__(self, crawler: Crawler, state: CrawlState) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = state
        self.out_dir = Path(crawler.settings.get("GONGKAI_OUT_DIR"))
        self.conditional = crawler.settings.getbool("GONGKAI_CONDITIONAL_REQUESTS", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestsMiddleware:
        return cls(crawler, crawl_state_for(crawler))

    def process_request(self, request: Request) -> Response | None:
        # Meta travels with redirects and retries (request.replace): what we set for one URL must
        # not stick to another.
        request.meta.pop(META_ARCHIVED, None)
        if request.meta.get(META_CONDITIONAL) not in (None, request.url):
            for name in CONDITIONAL_HEADERS:
                request.headers.pop(name, None)
            request.meta.pop(META_CONDITIONAL, None)
        if request.method != "GET":
            return None
        if self.state.resumed:
            served = self._from_archive(request)
            if served is not None:
                return served
        if self.conditional and not request.meta.get(META_CONDITIONAL):
            self._make_conditional(request)
        return None

    def _from_archive(self, request: Request) -> Response | None:
        captures = self.state.captures_in_crawl(request.url)
        if not captures:
            return None
        last = captures[-1]
        try:
            exchange = load_exchange(self.out_dir, last.warc_file, last.warc_offset)
        except (RecordNotFound, OSError, ValueError) as exc:
            logger.warning("Resume: capture of %s unreadable (%s); fetching it again", request.url, exc)
            return None
        request.meta[META_ARCHIVED] = True
        request.meta["warc"] = {"warc_file": last.warc_file, "warc_record_id": last.warc_record_id,
                                "warc_offset": last.warc_offset, "fetched_at": last.fetched_at}
        self.stats.inc_value("gongkai/resume/served_from_archive")
        return build_response(request, exchange.status, exchange.headers, exchange.payload)

    def _make_conditional(self, request: Request) -> None:
        if any(name in request.headers for name in CONDITIONAL_HEADERS):
            return  # the caller asked for its own condition
        page = self.state.page(request.url)
        if page is None or page.status != 200 or not (page.etag or page.last_modified):
            return
        if self.state.full_capture(request.url, 200) is None:
            return  # nothing to stand in for the body a 304 would not send
        if page.etag:
            request.headers[b"If-None-Match"] = page.etag
        if page.last_modified:
            request.headers[b"If-Modified-Since"] = page.last_modified
        request.meta[META_CONDITIONAL] = request.url
        self.stats.inc_value("gongkai/conditional/sent")
