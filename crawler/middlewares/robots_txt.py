"""robots.txt as RFC 9309 reads it: an unreachable file is not a licence to crawl everything.

Replaces Scrapy's RobotsTxtMiddleware (same place, 100), which takes any robots.txt it could not
read — a 5xx after every retry, a timeout, a refused connection, a 304 with no body — as "allow
everything" and then fetches the paths the site excluded. Here, by what the fetch of
`/robots.txt` ended with (RFC 9309 §2.3.1):

- 2xx: the rules in the body;
- 4xx (404, 401, 403, 410, …): no rules: the site has none to give (§2.3.1.3);
- anything else — 5xx once the retry middleware has given up, a network error, a redirect chain
  that never ends, a 304 whose stored copy is unreadable — the file is *unreachable* (§2.3.1.4):
  the host's robots.txt of an earlier crawl of this job is used if the archive has one (§2.4: a
  cached copy), else the host is not crawled. Each request of the host then fails with the
  reason its robots.txt failed (http_5xx, timeout, dns, …; crawler/extensions/failures.py), so
  the crawl report says why a host gave nothing, and one warning line per host says it once.

One parser per host (scheme and netloc), as in Scrapy; while its robots.txt is being fetched, the
host's other requests wait for it. Requests with meta `dont_obey_robotstxt` are not checked (the
robots.txt request itself).
"""

from __future__ import annotations

import gzip
import logging
import zlib

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from archive.revisit import RecordNotFound, load_exchange
from archive.state import capture_key
from crawler.extensions.failures import failure_reason
from crawler.job import CrawlJob

logger = logging.getLogger(__name__)


class RobotsTxtUnreachable(IgnoreRequest):
    """A request not made because its host's robots.txt could not be read (and no earlier copy was
    archived). `reason` and `status` are the robots.txt fetch's own, as the failure log files them."""

    def __init__(self, robots_url: str, reason: str, status: int | None, detail: str) -> None:
        super().__init__(f"robots.txt unreachable ({detail}): {robots_url}; the host is not crawled")
        self.robots_url, self.reason, self.status, self.detail = robots_url, reason, status, detail
        # Read by crawler/extensions/failures.py: the page fails as its robots.txt did.
        self.failure_reason = (reason, status, f"robots.txt unreachable ({detail})")


class _Unreachable:
    """Stands in a host's parser slot: every request of the host is refused with the same failure."""

    def __init__(self, failure: RobotsTxtUnreachable) -> None:
        self.failure = failure


class RfcRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.job = CrawlJob.from_crawler(crawler)

    def process_request_2(self, rp, request: Request) -> None:  # noqa: ANN001 (Scrapy's signature)
        if isinstance(rp, _Unreachable):
            self._stats.inc_value("robotstxt/unreachable_refused")
            raise RobotsTxtUnreachable(rp.failure.robots_url, rp.failure.reason, rp.failure.status,
                                       rp.failure.detail)
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request):  # noqa: ANN201 (a RobotParser, _Unreachable or None)
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robots_url = f"{url.scheme}://{netloc}/robots.txt"
            robots_request = Request(robots_url, priority=self.DOWNLOAD_PRIORITY,
                                     meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
            self._stats.inc_value("robotstxt/request_count")
            try:
                response = await self.crawler.engine.download_async(robots_request)
            except Exception as exc:  # noqa: BLE001 (every way a download fails ends here)
                parser = self._unreachable(robots_url, *_reason_of_exception(exc))
            else:
                parser = await self._parser_for(robots_url, response, request)
            waiting = self._parsers[netloc]
            self._parsers[netloc] = parser
            assert isinstance(waiting, Deferred)
            waiting.callback(parser)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            # Another request of the host is fetching its robots.txt: wait for the same answer, on a
            # Deferred of this request's own. Awaiting the shared one (as Scrapy 2.19 does) consumes
            # its result: every waiter after the first got None, "no robots.txt", and was fetched
            # whatever the file said (a disallowed page of a two-worker crawl, tests/test_robots_txt.py).
            waiter: Deferred = Deferred()

            def relay(result):  # noqa: ANN001, ANN202
                waiter.callback(result)
                return result

            parser.addCallback(relay)
            return await maybe_deferred_to_future(waiter)
        return parser

    async def _parser_for(self, robots_url: str, response: Response, request: Request):  # noqa: ANN202
        status = response.status
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{status}")
        if 200 <= status < 300:
            return await self._parse(response.body, request)
        if 400 <= status < 500:
            return await self._parse(b"", request)  # §2.3.1.3: unavailable, so no rules
        reason = f"http_{status // 100}xx" if 500 <= status < 600 else "other"
        return self._unreachable(robots_url, reason, status, f"HTTP {status}")

    async def _parse(self, body: bytes, request: Request):  # noqa: ANN202
        parser = build_from_crawler(self._parserimpl, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(signal=signals.robots_parsed, robotparser=parser,
                                                        request=request)
        return parser

    def _unreachable(self, robots_url: str, reason: str, status: int | None, detail: str):  # noqa: ANN202
        body = self._archived_copy(robots_url)
        if body is not None:
            logger.warning("robots.txt unreachable (%s): %s; using the copy this job archived before",
                           detail, robots_url)
            self._stats.inc_value("robotstxt/archived_copy_used")
            return build_from_crawler(self._parserimpl, self.crawler, body)
        logger.warning("robots.txt unreachable (%s): %s; not crawling the host (RFC 9309: "
                       "an unreachable robots.txt means complete disallow)", detail, robots_url)
        self._stats.inc_value("robotstxt/unreachable")
        return _Unreachable(RobotsTxtUnreachable(robots_url, reason, status, detail))

    def _archived_copy(self, robots_url: str) -> bytes | None:
        """The body of the last 200 answer to `robots_url` in this job's archive, decoded."""
        capture = self.job.state.full_capture(capture_key("GET", robots_url), 200)
        if capture is None:
            return None
        try:
            exchange = load_exchange(self.job.out_dir, capture.warc_file, capture.warc_offset)
        except (RecordNotFound, OSError, ValueError) as exc:
            logger.debug("Archived robots.txt %s unreadable: %s", robots_url, exc)
            return None
        encoding = next((v.lower() for k, v in exchange.headers if k.lower() == "content-encoding"), "")
        try:
            if "gzip" in encoding:
                return gzip.decompress(exchange.payload)
            if "deflate" in encoding:
                return zlib.decompress(exchange.payload)
        except (OSError, zlib.error):
            return None
        return exchange.payload


def _reason_of_exception(exc: Exception) -> tuple[str, int | None, str]:
    """(reason, status, detail) of a robots.txt download that raised, as the failure log names them."""
    reason, status, detail = failure_reason(Failure(exc))
    return reason or "other", status, detail
