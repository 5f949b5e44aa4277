"""Write every response the downloader receives to the crawl's WARC files.

Ordered at 950, above decompression (590), redirects (600), retries (550) and robots.txt: this
middleware's process_response runs first on the way back, so it sees the body exactly as
received (still gzip if the server sent gzip) and every hop: redirects, error pages, robots.txt.
On the way out it runs last, so the archived request head carries every header Scrapy added
(including the conditional ones of crawler/middlewares/conditional_requests.py).
The pointer to the record is left in request.meta["warc"] for the pipeline's JSON line.

What is written (archive/revisit.py has the policy):
- payload byte-identical to the last full capture of the same capture key (archive/state.py
  capture_key: the URL, or for a POST method+URL+sha1(body), so list page 2 is never compared
  with page 1) and status → a revisit record (no payload);
- 304 to our conditional request → a revisit whose HTTP head is the stored response's freshened by
  the 304's headers; the stored response then goes on down the chain in place of the 304, so the
  spider still gets the body to find links in;
- anything else → a full response record.
Every capture is recorded in the job's state (archive/state.py) with the request's fingerprint, so
a resumed crawl can answer the same request from the archive (crawler/middlewares/resume_from_archive.py).
The writer and the state are the crawl job's (crawler/job.py): one set of WARC files per crawl.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.responsetypes import responsetypes

from archive.exchange import request_head, response_head
from archive.revisit import (
    RecordNotFound,
    load_exchange,
    location,
    not_modified_head,
    payload_digest,
    revisit_allowed,
)
from archive.state import capture_key
from archive.warcwriter import RecordPointer, RotatingWarcWriter
from crawler.job import CrawlJob

logger = logging.getLogger(__name__)

# request.meta keys shared with crawler/middlewares/conditional_requests.py, resume_from_archive.py
# and browser_capture.py
META_ARCHIVED = "gongkai_archived"  # response already in this job's WARCs: not written again
META_CONDITIONAL = "gongkai_conditional"  # URL whose conditional headers we added
META_UNCONDITIONAL = "gongkai_unconditional"  # asked again without validators: its 304 had no stored copy
# The validators crawler/middlewares/conditional_requests.py adds (and a 304 refetch takes off).
CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


def _header_pairs(headers) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return pairs


def warc_date_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def warc_meta(pointer: RecordPointer, fetched_at: str) -> dict:
    return {"warc_file": pointer.warc_file, "warc_record_id": pointer.record_id,
            "warc_offset": pointer.offset, "fetched_at": fetched_at[:19] + "Z"}


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler, job: CrawlJob) -> None:
        self.writer: RotatingWarcWriter = job.writer
        self.crawler = crawler
        self.stats = crawler.stats
        self.out_dir = job.out_dir
        self.revisits = crawler.settings.getbool("GONGKAI_REVISITS")
        self.state = job.state
        self.fingerprinter = crawler.request_fingerprinter
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler, CrawlJob.from_crawler(crawler))

    def process_request(self, request: Request) -> None:
        # Meta travels with redirects and retries (request.replace): a copy of a request answered
        # from the archive is itself fetched, and must be archived.
        request.meta.pop(META_ARCHIVED, None)

    def process_response(self, request: Request, response: Response) -> Response | Request:
        if request.meta.get(META_ARCHIVED):
            return response  # already in this job's WARCs (a resumed crawl); pointer already set
        if self.failed:
            raise IgnoreRequest("WARC writing failed; the crawl is stopping")
        fetched_at = warc_date_now()
        try:
            if response.status == 304 and request.meta.get(META_CONDITIONAL) == request.url:
                return self._not_modified(request, response, fetched_at)
            return self._capture(request, response, fetched_at)
        except OSError as exc:
            # A full disk or a vanished directory: stop rather than crawl on without an archive.
            # The writer has already cut the file back to its last complete record.
            self._fail(response.url, exc)
            raise IgnoreRequest(f"WARC write failed: {exc}") from exc

    def _fail(self, url: str, exc: Exception) -> None:
        logger.error("WARC write failed for %s: %s; stopping the crawl (what was written stays readable)",
                     url, exc)
        self.stats.inc_value("gongkai/warc/write_errors")
        if not self.failed:
            self.failed = True
            self.stats.set_value("gongkai/warc/write_error", str(exc))
            self.writer.close()
            engine = self.crawler.engine
            if engine is not None:
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(engine.close_spider_async(reason="warc_write_failed"))

    def _heads(self, request: Request, response: Response, length: int):
        return (request_head(request.method, request.url, _header_pairs(request.headers)),
                response_head(response.status, _header_pairs(response.headers), length,
                              protocol=response.protocol or "HTTP/1.1"))

    def _capture(self, request: Request, response: Response, fetched_at: str) -> Response:
        body = response.body
        digest = payload_digest(body)
        req_head, resp_head = self._heads(request, response, len(body))
        key = capture_key(request.method, request.url, request.body)
        # Asked again because the stored copy was unreadable: a revisit would point at it again.
        revisit = self.revisits and revisit_allowed(response.status) and not request.meta.get(META_UNCONDITIONAL)
        prev = self.state.full_capture(key, response.status) if revisit else None
        if prev is not None and prev.payload_digest == digest and (self.out_dir / prev.warc_file).exists():
            pointer = self.writer.write_revisit(
                response.url, req_head, resp_head, payload_digest=digest, refers_to_uri=request.url,
                refers_to_date=prev.warc_date, refers_to_id=prev.warc_record_id,
                refers_to_location=location(prev.warc_file, prev.warc_offset),
                request_body=request.body or b"", warc_date=fetched_at)
            kind = "revisit"
            self.stats.inc_value("gongkai/warc/revisits")
        else:
            pointer = self.writer.write_exchange(
                response.url, req_head, resp_head, body, request_body=request.body or b"",
                warc_date=fetched_at, payload_digest=digest)
            kind = "response"
            self.stats.inc_value("gongkai/warc/payload_bytes", len(body))
        self.stats.inc_value("gongkai/warc/records")
        self._record(request, response, kind, digest, pointer, fetched_at)
        return response

    def _not_modified(self, request: Request, response: Response, fetched_at: str) -> Response | Request:
        prev = self.state.full_capture(capture_key(request.method, request.url, request.body), 200)
        try:
            if prev is None:
                raise RecordNotFound("no full capture in the state")
            stored = load_exchange(self.out_dir, prev.warc_file, prev.warc_offset)
        except (RecordNotFound, OSError, ValueError) as exc:
            # The stored copy is gone (WARCs moved away, a worker whose state names another's file):
            # archive the 304 as received, and ask once more without validators for the body.
            logger.warning("304 for %s but its stored capture is unreadable (%s): asking again unconditionally",
                           request.url, exc)
            self._capture(request, response, fetched_at)
            self.stats.inc_value("gongkai/conditional/refetched")
            headers = request.headers.copy()
            for name in CONDITIONAL_HEADERS:
                headers.pop(name, None)
            meta = {k: v for k, v in request.meta.items() if k not in (META_CONDITIONAL, "warc")}
            return request.replace(headers=headers, meta={**meta, META_UNCONDITIONAL: True}, dont_filter=True)
        req_head, _ = self._heads(request, response, 0)
        head = not_modified_head(stored, _header_pairs(response.headers), response.protocol or "HTTP/1.1")
        pointer = self.writer.write_revisit(
            response.url, req_head, head, payload_digest=prev.payload_digest, refers_to_uri=request.url,
            refers_to_date=prev.warc_date, refers_to_id=prev.warc_record_id,
            refers_to_location=location(prev.warc_file, prev.warc_offset),
            request_body=request.body or b"", warc_date=fetched_at)
        self.stats.inc_value("gongkai/warc/records")
        self.stats.inc_value("gongkai/warc/revisits")
        self.stats.inc_value("gongkai/warc/not_modified")
        fresh = _header_pairs(response.headers)
        self._record(request, response, "not-modified", prev.payload_digest, pointer, fetched_at,
                     status=stored.status, headers=fresh)
        # The rest of the chain (decompression, redirects, the spider) gets the stored response.
        return build_response(request, stored.status, head.headers, stored.payload)

    def _record(self, request: Request, response: Response, kind: str, digest: str,
                pointer: RecordPointer, fetched_at: str, *, status: int | None = None,
                headers: list[tuple[str, str]] | None = None) -> None:
        pairs = {k.lower(): v for k, v in (headers or _header_pairs(response.headers))}
        try:
            self.state.record_capture(
                request.url, status=status or response.status, kind=kind, fetched_at=fetched_at,
                warc_date=fetched_at, payload_digest=digest, warc_file=pointer.warc_file, warc_offset=pointer.offset,
                warc_record_id=pointer.record_id, etag=pairs.get("etag"),
                last_modified=pairs.get("last-modified"),
                request_fp=self.fingerprinter.fingerprint(request).hex(),
                key=capture_key(request.method, request.url, request.body))
        except Exception as exc:  # sqlite3.OperationalError on a full disk
            self._fail(request.url, OSError(str(exc)))
            raise IgnoreRequest(f"state write failed: {exc}") from exc
        request.meta["warc"] = warc_meta(pointer, fetched_at)


def build_response(request: Request, status: int, headers: list[tuple[str, str]], payload: bytes) -> Response:
    """A Scrapy response from archived parts (payload still Content-Encoded: the decompression
    middleware below undoes it as for a live response)."""
    from scrapy.http import Headers

    hdrs = Headers()
    for k, v in headers:
        hdrs.appendlist(k, v)
    cls = responsetypes.from_args(headers=hdrs, url=request.url, body=payload)
    return cls(url=request.url, status=status, headers=hdrs, body=payload, request=request)
