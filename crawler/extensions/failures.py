"""Every request a crawl could not use, and why: DIR/failures/<crawl-id>.jsonl.

One line per failed URL, flushed at once (a resumed crawl appends to the same file and does not
record a URL twice):

    {"crawl_id", "url", "reason", "status", "detail", "role", "site", "referer", "at"}

`reason` is one of REASONS. A robots.txt exclusion is recorded (the report lists it) but logged at
INFO and not counted as an error: the crawl did what the site asked. Offsite requests Scrapy filters
are not failures and are not recorded.

The extension also knows whether *every* start URL failed (stats `gongkai/start_urls/*`), which is
what makes `gongkai crawl` exit 1: a monthly cron job must be able to tell that nothing was crawled.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

from archive.state import now_iso
from crawler.signals import request_failed

logger = logging.getLogger(__name__)

# Every reason a failure is filed under, in the order the report shows them.
REASONS = ("robots", "http_4xx", "http_5xx", "timeout", "dns", "connection", "too_large", "redirects", "other")
NOT_ERRORS = frozenset({"robots"})

_TIMEOUTS = (DownloadTimeoutError, twisted_error.TimeoutError, twisted_error.TCPTimedOutError)
_DNS = (CannotResolveHostError, twisted_error.DNSLookupError)
_CONNECTION = (DownloadConnectionRefusedError, twisted_error.ConnectError, twisted_error.ConnectionLost,
               twisted_error.ConnectionDone)


def failure_reason(failure: Failure) -> tuple[str | None, int | None, str]:
    """(reason, HTTP status, detail) of a failed request; reason None for what is not a failure
    (an offsite request Scrapy filtered)."""
    value = failure.value
    response = getattr(value, "response", None)
    if isinstance(value, HttpError) or isinstance(response, Response):
        status = response.status
        return (f"http_{status // 100}xx" if 400 <= status < 600 else "other"), status, f"HTTP {status}"
    detail = f"{type(value).__name__}: {value}".strip()
    if isinstance(value, IgnoreRequest):
        if (robots := getattr(value, "failure_reason", None)) is not None:
            return robots  # its host's robots.txt was unreachable (crawler/middlewares/robots_txt.py)
        message = str(value)
        if "robots.txt" in message:
            return "robots", None, "excluded by robots.txt"
        if message.startswith("Filtered offsite"):
            return None, None, message
        if "redirections" in message:
            return "redirects", None, message
        return "other", None, detail
    if isinstance(value, DownloadCancelledError):
        # Scrapy cancels a download only when its body passes DOWNLOAD_MAXSIZE (or the request's
        # download_maxsize): with a Content-Length the message says so, a chunked body's says nothing.
        limit = getattr(failure, "request", None) and failure.request.meta.get("download_maxsize")
        return "too_large", None, str(value) or f"body above the download size limit{f' ({limit} bytes)' if limit else ''}"
    if isinstance(value, _TIMEOUTS):
        return "timeout", None, detail
    if isinstance(value, _DNS):
        return "dns", None, detail
    if isinstance(value, _CONNECTION):
        return "connection", None, detail
    return "other", None, detail


def start_url_of(request: Request) -> str:
    """The URL a request started from, before redirects."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


class FailureLog:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.out_dir = Path(crawler.settings.get("GONGKAI_OUT_DIR"))
        self.crawl_id: str | None = None
        self.path: Path | None = None
        self._file: IO[str] | None = None
        self._recorded: set[str] = set()
        self.counts: dict[str, int] = {}
        self.failed_starts: set[str] = set()
        self.answered_starts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureLog:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.request_failed, signal=request_failed)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.crawl_id = self.crawler.stats.get_value("gongkai/crawl_id") or "crawl"
        self.path = self.out_dir / "failures" / f"{self.crawl_id}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():  # resumed: keep what the killed run recorded
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    self._recorded.add(json.loads(line)["url"])
                except (ValueError, KeyError, TypeError):
                    continue
        self._file = open(self.path, "a", encoding="utf-8")
        starts = getattr(spider, "start_urls", None) or []
        self.crawler.stats.set_value("gongkai/start_urls/total", len(starts))

    def response_received(self, response: Response, request: Request, spider=None) -> None:
        if request.meta.get("role") == "start" and response.status < 400:
            self.answered_starts.add(start_url_of(request))

    def request_failed(self, request: Request, failure: Failure) -> None:
        reason, status, detail = failure_reason(failure)
        role = request.meta.get("role")
        if reason is None:
            logger.debug("Not followed %s: %s", request.url, detail)
            return
        if role == "start":
            self.failed_starts.add(start_url_of(request))
        if reason in NOT_ERRORS:
            logger.info("Excluded by robots.txt: %s", request.url)
        else:
            logger.warning("Failed %s (%s): %s", request.url, role, detail)
        self.crawler.stats.inc_value(f"gongkai/failures/{reason}")
        if reason not in NOT_ERRORS:
            self.crawler.stats.inc_value("gongkai/failures")
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if request.url in self._recorded or self._file is None:
            return
        self._recorded.add(request.url)
        referer = request.headers.get("Referer")
        self._file.write(json.dumps({
            "crawl_id": self.crawl_id, "url": request.url, "reason": reason, "status": status,
            "detail": detail, "role": role, "site": urlsplit(request.url).hostname,
            "referer": referer.decode("latin-1") if referer else None, "at": now_iso(),
        }, ensure_ascii=False) + "\n")
        self._file.flush()

    def spider_closed(self, spider, reason: str) -> None:
        starts = set(getattr(spider, "start_urls", None) or [])
        unanswered = sorted(self.failed_starts - self.answered_starts)
        self.crawler.stats.set_value("gongkai/start_urls/failed", len(unanswered))
        self.crawler.stats.set_value("gongkai/start_urls/failed_urls", unanswered)
        self.crawler.stats.set_value("gongkai/start_urls/all_failed",
                                     bool(starts) and not (starts - set(unanswered)) and not self.answered_starts)
        if self._file:
            self._file.close()
