"""On a resumed crawl, answer requests the killed run already archived from the job's own WARCs.

The frontier journal (crawler/middlewares/frontier.py) re-queues every unit of work that was not
done; some of those had been fetched and archived before the kill (a page whose attachments were
still downloading, a list page whose links were not all journaled). Their answer is rebuilt from
the WARC (revisits resolved) and handed down the chain as if it came from the network, so the
spider sees the same page and the WARC capture writes nothing new. Matched on the request's
fingerprint (method, URL, body: POSTs to list endpoints too) among this crawl's captures.

Not served from the archive: a capture whose status is one a retry is for (RETRY_HTTP_CODES: the
transient 503 is asked again, not replayed three times into a lost page); requests rendered by the
browser (their capture is the browser's, and a static record would stand in for the rendered DOM).

Ordered at 939, just before the conditional-requests middleware (940) and the WARC capture (950).
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive.revisit import RecordNotFound, load_exchange
from crawler.job import CrawlJob
from crawler.middlewares.warc_capture import META_ARCHIVED, build_response

logger = logging.getLogger(__name__)


class ResumeFromArchiveMiddleware:
    def __init__(self, crawler: Crawler, job: CrawlJob) -> None:
        self.stats = crawler.stats
        self.job = job
        self.fingerprinter = crawler.request_fingerprinter
        self.retry_codes = {int(code) for code in crawler.settings.getlist("RETRY_HTTP_CODES")}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResumeFromArchiveMiddleware:
        job = CrawlJob.from_crawler(crawler)
        if not job.resumed:
            raise NotConfigured("not a resumed crawl")
        return cls(crawler, job)

    def process_request(self, request: Request) -> Response | None:
        if request.meta.get("playwright"):
            return None
        capture = self.job.state.last_capture_of_request(self.fingerprinter.fingerprint(request).hex())
        if capture is None or capture.status in self.retry_codes:
            return None
        try:
            exchange = load_exchange(self.job.out_dir, capture.warc_file, capture.warc_offset)
        except (RecordNotFound, OSError, ValueError) as exc:
            logger.warning("Resume: capture of %s unreadable (%s); fetching it again", request.url, exc)
            return None
        request.meta[META_ARCHIVED] = True
        request.meta["warc"] = {"warc_file": capture.warc_file, "warc_record_id": capture.warc_record_id,
                                "warc_offset": capture.warc_offset, "fetched_at": capture.fetched_at}
        self.stats.inc_value("gongkai/resume/served_from_archive")
        return build_response(request, exchange.status, exchange.headers, exchange.payload)
