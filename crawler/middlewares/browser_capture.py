"""Archive the DOM chromium rendered, for requests rendered by scrapy-playwright.

Ordered at 951, just below the WARC capture (950): on the way back this runs first. What chromium
*received* is archived by the WARC capture itself: every request of a rendered page is fetched by
Scrapy's downloader for it (crawler/browser_handler.py), so it is a response record, or a revisit
when its payload is unchanged, like any other fetch. What is left for this middleware is what
chromium *made* of it:

- each rendered DOM state (one, or one per pager click: crawler/browser.py:render_states) is
  written as a `conversion` record (`text/html; charset=…`) whose WARC-Refers-To names the record of
  the document it was rendered from (the page's static response, or its revisit), with
  WARC-Refers-To-Target-URI/-Date and the location hint revisits carry. `gongkai replay`
  (archive/reader.py) prefers them to the static response of the same URL, so offline extraction
  sees what the live crawl extracted;
- request.meta["warc"] points at the document's record (a response or a revisit, which pywb
  resolves), not at the conversion: the JSON line cites a capture, and names the DOM it was
  extracted from as `rendered_record_id`;
- meta["gongkai_archived"] tells the WARC capture that this response (chromium's DOM, not bytes
  received) is archived already.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.revisit import location
from archive.warcwriter import REFERS_TO_LOCATION, RotatingWarcWriter
from crawler.browser import rendered_states
from crawler.browser_handler import META_DOCUMENT_WARC
from crawler.job import CrawlJob
from crawler.middlewares.warc_capture import META_ARCHIVED, warc_date_now

logger = logging.getLogger(__name__)

# Conversion records of a pager walk say which state they hold: "2/5".
RENDER_STATE_HEADER = "Gongkai-Render-State"


class BrowserCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        # The job's one writer (crawler/job.py): conversions go in the same files as the captures.
        self.writer: RotatingWarcWriter = CrawlJob.from_crawler(crawler).writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserCaptureMiddleware:
        return cls(crawler)

    # -- downloader hooks -------------------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("playwright") or request.meta.get(META_ARCHIVED):
            return response
        try:
            pointer = self._write(request, response)
        except OSError as exc:
            logger.error("WARC write failed for rendered %s: %s; stopping the crawl", response.url, exc)
            self.stats.inc_value("gongkai/warc/write_errors")
            raise
        request.meta["warc"] = pointer
        request.meta[META_ARCHIVED] = True
        self.stats.inc_value("gongkai/browser/rendered")
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if request.meta.get("playwright"):
            logger.warning("Browser render failed for %s: %s: %s", request.url, type(exception).__name__,
                           str(exception).splitlines()[0] if str(exception) else "")
            self.stats.inc_value("gongkai/browser/failed")
        return None

    def _write(self, request: Request, response: Response) -> dict:
        document = request.meta.get(META_DOCUMENT_WARC) or {}
        states = rendered_states(response) or [(response.url, response.text)]
        encoding = getattr(response, "encoding", None) or "utf-8"
        fetched_at = warc_date_now()
        headers = {"WARC-Date": fetched_at}
        if document.get("warc_record_id"):
            headers.update({
                "WARC-Refers-To": document["warc_record_id"],
                "WARC-Refers-To-Target-URI": response.url,
                "WARC-Refers-To-Date": _warc_date(document.get("fetched_at")) or fetched_at,
                REFERS_TO_LOCATION: location(document["warc_file"], document["warc_offset"]),
            })
        else:
            logger.warning("Browser capture: no archived document for %s", response.url)
        last = None
        for n, (url, html) in enumerate(states, 1):
            if len(states) > 1:
                headers[RENDER_STATE_HEADER] = f"{n}/{len(states)}"
            last = self.writer.write_record("conversion", url, html.encode(encoding, "xmlcharrefreplace"),
                                            content_type=f"text/html; charset={encoding}",
                                            warc_headers=dict(headers))
            self.stats.inc_value("gongkai/warc/records")
            self.stats.inc_value("gongkai/warc/conversions")
        if len(states) > 1:
            self.stats.inc_value("gongkai/browser/pager_clicks", len(states) - 1)
        if document.get("warc_record_id"):
            return {**document, "rendered_record_id": last.record_id if last else None}
        # Nothing archived for the document (it could not be fetched): the DOM is all there is.
        return {"warc_file": last.warc_file, "warc_record_id": last.record_id, "warc_offset": last.offset,
                "fetched_at": fetched_at[:19] + "Z", "rendered_record_id": last.record_id}


def _warc_date(fetched_at: str | None) -> str | None:
    """The pointer's fetched_at (seconds, Z) as a WARC date."""
    return fetched_at if fetched_at and fetched_at.endswith("Z") else None
