"""Write every response the downloader receives to the crawl's WARC files.

Ordered at 950, above decompression (590), redirects (600), retries (550) and robots.txt: this
middleware's process_response runs first on the way back, so it sees the body exactly as
received (still gzip if the server sent gzip) and every hop: redirects, error pages, robots.txt.
On the way out it runs last, so the archived request head carries every header Scrapy added.
The pointer to the record is left in request.meta["warc"] for the pipeline's JSON line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.exchange import request_head, response_head
from archive.warcwriter import RotatingWarcWriter

logger = logging.getLogger(__name__)


def _header_pairs(headers) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return pairs


def warc_date_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcCaptureMiddleware:
    def __init__(self, writer: RotatingWarcWriter, crawler: Crawler) -> None:
        self.writer = writer
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        out_dir = Path(settings.get("GONGKAI_OUT_DIR"))
        writer = RotatingWarcWriter(
            out_dir / "warc",
            prefix=settings.get("GONGKAI_WARC_PREFIX"),
            max_size=settings.getint("GONGKAI_WARC_MAX_SIZE"),
            info={"robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                  "http-header-user-agent": settings.get("USER_AGENT")},
            relative_to=out_dir,
        )
        mw = cls(writer, crawler)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_closed(self) -> None:
        self.writer.close()

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("playwright"):
            # A browser-rendered response's body is the DOM, not bytes received: the browser's own
            # network responses and the DOM are archived by BrowserCaptureMiddleware instead.
            return response
        fetched_at = warc_date_now()
        body = response.body
        try:
            pointer = self.writer.write_exchange(
                response.url,
                request_head(request.method, request.url, _header_pairs(request.headers)),
                response_head(response.status, _header_pairs(response.headers), len(body),
                              protocol=response.protocol or "HTTP/1.1"),
                body,
                request_body=request.body or b"",
                warc_date=fetched_at,
            )
        except OSError as exc:
            # A full disk or a vanished directory: stop rather than crawl on without an archive.
            logger.error("WARC write failed for %s: %s; stopping the crawl", response.url, exc)
            self.stats.inc_value("gongkai/warc/write_errors")
            raise
        self.stats.inc_value("gongkai/warc/records")
        self.stats.inc_value("gongkai/warc/payload_bytes", len(body))
        request.meta["warc"] = {
            "warc_file": pointer.warc_file,
            "warc_record_id": pointer.record_id,
            "warc_offset": pointer.offset,
            "fetched_at": fetched_at[:19] + "Z",
        }
        return response
