"""Every request a rendered page makes goes through Scrapy's downloader, or nowhere.

The routing half of crawler/browser_handler.py (its docstring, point 1): a Playwright route handler
for each page that fulfils the document from the static response the spider already has, hands
every other http(s) request to Scrapy's engine — so the offsite filter, robots.txt, the download
slot and AutoThrottle, retries, cookies, conditional requests and the WARC capture apply — and
aborts what Scrapy would not fetch.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PlaywrightRequest
from playwright.async_api import Route
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.rules import browser as rules

logger = logging.getLogger(__name__)

# request.meta keys
META_SUBREQUEST = "gongkai_browser"  # a request chromium made, fetched by Scrapy for it
META_DOCUMENT = "gongkai_document"  # the static response of the page to render: served to chromium as is
META_DOCUMENT_WARC = "gongkai_document_warc"  # WARC pointer of the document chromium rendered
# The download slot of renders (its concurrency: DOWNLOAD_SLOTS in crawler/settings.py).
BROWSER_SLOT = "gongkai-browser"

# The Scrapy request whose render is in progress, for the route handlers of its page (one per task).
_RENDERING: contextvars.ContextVar[Request | None] = contextvars.ContextVar("gongkai_rendering", default=None)


class PageTraffic:
    """The requests of one rendered page that are being fetched for chromium (all of them pass
    through its route handler): how many are in flight, and since when none has begun or ended.
    crawler/browser.py:settle reads it instead of Playwright's networkidle, which waits 500 ms
    after the last request whatever the page does."""

    def __init__(self) -> None:
        self.in_flight = 0
        self._last = time.monotonic()

    def begin(self) -> None:
        self.in_flight += 1
        self._last = time.monotonic()

    def end(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self._last = time.monotonic()

    def quiet_seconds(self) -> float:
        """How long no request of the page has been in flight (0 while one is)."""
        return 0.0 if self.in_flight else time.monotonic() - self._last


# The traffic of the page being rendered in this task (None outside a render of the handler).
_TRAFFIC: contextvars.ContextVar[PageTraffic | None] = contextvars.ContextVar("gongkai_traffic", default=None)


def page_traffic() -> PageTraffic | None:
    """The traffic of the page whose render runs in the calling task, if the handler renders it."""
    return _TRAFFIC.get()


def _chromium_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in rules.DROPPED_REQUEST_HEADERS
            and not k.startswith(":")}


def _fulfil_headers(response: Response) -> dict[str, str]:
    """The response head for chromium: Scrapy has decoded the body, so nothing may claim an
    encoding or a length it no longer has. Repeated headers (Set-Cookie) are joined as chromium
    expects them."""
    out: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        if key.lower() in rules.DROPPED_RESPONSE_HEADERS:
            continue
        sep = "\n" if key.lower() == "set-cookie" else ", "
        out[key] = sep.join(v.decode("latin-1") for v in values)
    return out


class RoutedThroughScrapy:
    """Mixin of the download handler: its pages' route handlers. Needs `self._crawler`,
    `self.stats` and `self.skip_types` (set by the handler)."""

    _crawler: Any
    stats: Any
    skip_types: set[str]

    def _make_request_handler(self, context_name: str, method: str, url: str, headers: Any, body: Any,
                              encoding: str, spider: Any, initial_request_done: asyncio.Event):
        rendering = _RENDERING.get()
        traffic = _TRAFFIC.get()

        async def route_through_scrapy(route: Route, pw_request: PlaywrightRequest) -> None:
            if traffic is not None:
                traffic.begin()
            try:
                await self._route(route, pw_request, rendering, url, initial_request_done)
            except PlaywrightError as exc:
                logger.debug("Browser route for %s: %s", pw_request.url, exc)  # the page closed meanwhile
            finally:
                if traffic is not None:
                    traffic.end()

        return route_through_scrapy

    async def _route(self, route: Route, pw_request: PlaywrightRequest, rendering: Request | None,
                     page_url: str, initial_request_done: asyncio.Event) -> None:
        target = pw_request.url
        if not target.startswith(("http://", "https://")):
            await self._abort(route, "scheme", target)
            return
        if pw_request.resource_type in self.skip_types:
            self.stats.inc_value("gongkai/browser/skipped_resources")
            await route.abort("blockedbyclient")
            return
        is_document = (pw_request.is_navigation_request() and not initial_request_done.is_set()
                       and target.rstrip("/") == page_url.rstrip("/"))
        if is_document:
            initial_request_done.set()
            served = self._from_static(rendering, target) if rendering is not None else None
            if served is not None:
                await route.fulfill(**served)
                return
        sub = Request(target, method=pw_request.method, headers=_chromium_headers(await pw_request.all_headers()),
                      body=pw_request.post_data_buffer or b"", dont_filter=False,
                      meta={META_SUBREQUEST: True})
        # Redirects are followed by Scrapy (each hop through the offsite and robots checks) and chromium
        # gets the final answer: a fulfilled 3xx would send chromium to its own (absent) network.
        if rendering is not None and rendering.meta.get("cookiejar") is not None:
            sub.meta["cookiejar"] = rendering.meta["cookiejar"]
        engine = getattr(self._crawler, "engine", None)
        try:
            if engine is None or engine.spider is None:
                raise IgnoreRequest("the crawl is closing")
            response = await engine.download_async(sub)
        except IgnoreRequest as exc:
            # Offsite, robots.txt, a trap: what Scrapy would not fetch, chromium does not get.
            await self._abort(route, "ignored", target, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a network error for one resource fails that resource
            await self._abort(route, "failed", target, f"{type(exc).__name__}: {exc}")
            return
        if is_document and rendering is not None:
            rendering.meta[META_DOCUMENT_WARC] = sub.meta.get("warc")
        self.stats.inc_value("gongkai/browser/fetched_by_scrapy")
        await route.fulfill(status=response.status, headers=_fulfil_headers(response), body=response.body)

    def _from_static(self, rendering: Request, url: str) -> dict | None:
        """The page's own static response, which the spider just received and the WARC capture just
        archived: chromium renders exactly those bytes, and the server is not asked twice."""
        doc = rendering.meta.get(META_DOCUMENT)
        if not doc or doc.get("url", "").rstrip("/") != url.rstrip("/"):
            return None
        rendering.meta[META_DOCUMENT_WARC] = doc.get("warc")
        self.stats.inc_value("gongkai/browser/document_from_static")
        headers = {k: v for k, v in doc["headers"] if k.lower() not in rules.DROPPED_RESPONSE_HEADERS}
        return {"status": doc["status"], "headers": headers, "body": doc["body"]}

    async def _abort(self, route: Route, kind: str, url: str, why: str = "") -> None:
        self.stats.inc_value(f"gongkai/browser/aborted/{kind}")
        logger.debug("Browser request aborted (%s): %s %s", kind, url, why)
        await route.abort("blockedbyclient" if kind != "failed" else "failed")
