"""Archive what the browser fetched, and the DOM it rendered, for requests rendered by scrapy-playwright.

Ordered at 951, just below the WARC capture (950): on the way back this runs first. The WARC capture
skips responses whose request has meta["playwright"], because their body is chromium's DOM, not bytes
received. Here instead:

- every network response the page received (the document, XHR/fetch answers, counter scripts, styles)
  is written as a WARC response record with its request record. Playwright hands bodies over decoded,
  so Content-Encoding is dropped and Content-Length is the stored length: the head says what the
  payload is, as archive/exchange.py requires of every record;
- the rendered DOM is written as a `conversion` record whose WARC-Refers-To names the document's
  response record. `gongkai replay` (archive/reader.py) prefers it to the static response of the same
  URL, so offline extraction sees what the live crawl extracted;
- request.meta["warc"] points at the conversion record: the JSON line cites what was extracted.

The writer is the WARC capture's own RotatingWarcWriter (one set of files per crawl), found on the
crawler (`crawler.warc_writer`, if the capture exposes it) or among the downloader's middlewares.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Response as PlaywrightResponse
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.exchange import request_head, response_head
from archive.warcwriter import RotatingWarcWriter
from crawler.middlewares.warc_capture import META_ARCHIVED, warc_date_now

logger = logging.getLogger(__name__)

# Meta key under which the page's captured network traffic is collected while it renders.
CAPTURE_META = "_browser_capture"
# How long to wait, after the DOM is taken, for bodies still being read (a stalled XHR).
BODY_WAIT_SECONDS = 10.0
# Bodies larger than this (by Content-Length) are archived head-only, with a warning: the browser
# already had to hold them; the archive need not hold them twice in memory.
MAX_CAPTURE_BYTES = 32 * 1024 * 1024


@dataclass
class CapturedExchange:
    url: str
    method: str
    status: int
    status_text: str
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    request_body: bytes
    body: bytes
    resource_type: str
    is_navigation: bool
    warc_date: str
    warnings: list[str] = field(default_factory=list)


async def _capture(response: PlaywrightResponse) -> CapturedExchange | None:
    """Read one network response (head and decoded body) out of the page, never raising."""
    warc_date = warc_date_now()
    request = response.request
    warnings: list[str] = []
    try:
        resp_headers = [(h["name"], h["value"]) for h in await response.headers_array()]
        req_headers = [(h["name"], h["value"]) for h in await request.headers_array()]
    except PlaywrightError as exc:
        logger.debug("Browser capture: no headers for %s: %s", response.url, exc)
        return None
    body = b""
    length = next((v for k, v in resp_headers if k.lower() == "content-length"), "")
    if 300 <= response.status < 400:
        pass  # redirects have no body in chromium; the Location header is what matters
    elif length.isdigit() and int(length) > MAX_CAPTURE_BYTES:
        warnings.append(f"body of {length} bytes not archived (over {MAX_CAPTURE_BYTES})")
    else:
        try:
            body = await response.body()
        except PlaywrightError as exc:
            warnings.append(f"body unavailable: {exc}")
    # The body is decoded: the stored head must not claim an encoding it no longer has.
    resp_headers = [(k, v) for k, v in resp_headers if k.lower() != "content-encoding"]
    try:
        is_nav = request.is_navigation_request()
    except PlaywrightError:
        is_nav = False
    return CapturedExchange(
        url=response.url, method=request.method, status=response.status, status_text=response.status_text,
        request_headers=req_headers, response_headers=resp_headers, request_body=request.post_data_buffer or b"",
        body=body, resource_type=request.resource_type, is_navigation=is_nav, warc_date=warc_date,
        warnings=warnings,
    )


class BrowserCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self._writer: RotatingWarcWriter | None = None
        self._own_writer = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserCaptureMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_closed(self) -> None:
        if self._own_writer and self._writer is not None:
            self._writer.close()

    # -- the writer shared with the WARC capture --------------------------------------------------
    @property
    def writer(self) -> RotatingWarcWriter:
        if self._writer is None:
            self._writer = self._find_shared_writer()
        if self._writer is None:
            # No WARC capture in this crawl (a test, a custom settings file): write our own files.
            settings = self.crawler.settings
            out_dir = Path(settings.get("GONGKAI_OUT_DIR"))
            self._writer = RotatingWarcWriter(out_dir / "warc", prefix=f"{settings.get('GONGKAI_WARC_PREFIX')}-browser",
                                              max_size=settings.getint("GONGKAI_WARC_MAX_SIZE"), relative_to=out_dir)
            self._own_writer = True
        return self._writer

    def _find_shared_writer(self) -> RotatingWarcWriter | None:
        shared = getattr(self.crawler, "warc_writer", None)
        if isinstance(shared, RotatingWarcWriter):
            return shared
        engine = getattr(self.crawler, "engine", None)
        manager = getattr(getattr(engine, "downloader", None), "middleware", None)
        for mw in getattr(manager, "middlewares", ()):
            candidate = getattr(mw, "writer", None)
            if mw is not self and isinstance(candidate, RotatingWarcWriter):
                return candidate
        return None

    # -- downloader hooks -------------------------------------------------------------------------
    def process_request(self, request: Request) -> None:
        if not request.meta.get("playwright"):
            return None
        captured: list[asyncio.Task] = []
        request.meta[CAPTURE_META] = captured

        def on_response(response: PlaywrightResponse) -> None:
            captured.append(asyncio.ensure_future(_capture(response)))

        handlers = dict(request.meta.get("playwright_page_event_handlers") or {})
        handlers["response"] = on_response
        request.meta["playwright_page_event_handlers"] = handlers
        # Keep the page open past the DOM snapshot so late bodies can still be read; closed below.
        request.meta["playwright_include_page"] = True
        return None

    async def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("playwright") or CAPTURE_META not in request.meta:
            return response
        exchanges = await self._collect(request)
        try:
            pointer = self._write(request, response, exchanges)
        except OSError as exc:
            logger.error("WARC write failed for rendered %s: %s; stopping the crawl", response.url, exc)
            self.stats.inc_value("gongkai/warc/write_errors")
            raise
        request.meta["warc"] = pointer
        # Tell the WARC capture (next on the way back) that this response is archived already: its
        # body is the DOM, not bytes received, and the pointer above is the one to cite.
        request.meta[META_ARCHIVED] = True
        self.stats.inc_value("gongkai/browser/rendered")
        return response

    async def process_exception(self, request: Request, exception: BaseException) -> None:
        if request.meta.get("playwright") and CAPTURE_META in request.meta:
            # Timeouts and crashes: what did arrive is archived all the same (the 500 the server
            # sent, the scripts that loaded), then the page is closed so it cannot leak.
            exchanges = await self._collect(request)
            for ex in exchanges:
                self._write_exchange(ex)
            logger.warning("Browser render failed for %s: %s: %s", request.url, type(exception).__name__,
                           str(exception).splitlines()[0] if str(exception) else "")
            self.stats.inc_value("gongkai/browser/failed")
        return None

    async def _collect(self, request: Request) -> list[CapturedExchange]:
        tasks: list[asyncio.Task] = list(request.meta.pop(CAPTURE_META, []))
        page = request.meta.pop("playwright_page", None)
        done: list[CapturedExchange] = []
        if tasks:
            finished, pending = await asyncio.wait(tasks, timeout=BODY_WAIT_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                logger.warning("Browser capture: %d responses of %s still loading after %.0fs; not archived",
                               len(pending), request.url, BODY_WAIT_SECONDS)
            done = [t.result() for t in tasks if t in finished and not t.cancelled() and t.exception() is None
                    and t.result() is not None]
        if page is not None:
            try:
                await page.close()
            except PlaywrightError:
                pass  # the browser is gone (crash): nothing left to close
        return done

    def _write_exchange(self, ex: CapturedExchange) -> Any:
        if ex.status <= 0 or not ex.url.startswith(("http://", "https://")):
            return None
        pointer = self.writer.write_exchange(
            ex.url,
            request_head(ex.method, ex.url, ex.request_headers),
            response_head(ex.status, ex.response_headers, len(ex.body)),
            ex.body,
            request_body=ex.request_body,
            warc_date=ex.warc_date,
        )
        self.stats.inc_value("gongkai/warc/records")
        self.stats.inc_value("gongkai/warc/browser_records")
        self.stats.inc_value("gongkai/warc/payload_bytes", len(ex.body))
        for warning in ex.warnings:
            logger.info("Browser capture of %s: %s", ex.url, warning)
        return pointer

    def _write(self, request: Request, response: Response, exchanges: list[CapturedExchange]) -> dict:
        document_id: str | None = None
        document_date: str | None = None
        for ex in exchanges:
            pointer = self._write_exchange(ex)
            # The document is the main-frame navigation that ended at the page's final URL.
            if pointer is not None and ex.is_navigation and ex.resource_type == "document" and ex.url == response.url:
                document_id, document_date = pointer.record_id, ex.warc_date
        fetched_at = warc_date_now()
        encoding = getattr(response, "encoding", None) or "utf-8"
        headers = {"WARC-Date": fetched_at}
        if document_id:
            headers["WARC-Refers-To"] = document_id
            headers["WARC-Refers-To-Target-URI"] = response.url
            headers["WARC-Refers-To-Date"] = document_date or fetched_at
        else:
            logger.warning("Browser capture: no document response archived for %s", response.url)
        pointer = self.writer.write_record(
            "conversion", response.url, response.body, content_type=f"text/html; charset={encoding}",
            warc_headers=headers,
        )
        self.stats.inc_value("gongkai/warc/records")
        return {"warc_file": pointer.warc_file, "warc_record_id": pointer.record_id,
                "warc_offset": pointer.offset, "fetched_at": fetched_at[:19] + "Z",
                "refers_to": document_id}
