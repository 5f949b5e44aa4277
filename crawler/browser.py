"""When a page needs a browser, and the request that asks scrapy-playwright for one.

Contract used by the reports spider (rules as data in crawler/rules/browser.py):
- needs_browser(page, tree, settings) -> bool: decided from the static HTML, with a per-site
  override setting (GONGKAI_BROWSER_HOSTS = {"host": "always" | "never"}) and a global switch
  (GONGKAI_BROWSER_ENABLED).
- browser_request(request, callback, errback) -> Request: the same URL, rendered by chromium.

Why: a render costs a chromium page (tens of ms of CPU, a process' worth of memory), so a page goes
to the browser only when its static HTML shows that scripts draw what we need AND no endpoint
(crawler/endpoints.py) can be asked directly.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import urlsplit

from lxml import etree
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from crawler import endpoints
from crawler import links as L
from crawler.rules import browser as rules
from pipelines.classify import is_candidate_link_text
from pipelines.page import FetchedPage

logger = logging.getLogger(__name__)

_CONTAINER = re.compile(rules.LIST_CONTAINER_NAMES, re.I)
_LOADING = [re.compile(p) for p in rules.DATA_LOADING_SCRIPTS]
_COUNTER_LABEL = re.compile(rules.COUNTER_LABELS)
_META_REFRESH = "//meta[translate(@http-equiv,'REFSH','refsh')='refresh']"


def host_override(url: str, settings: BaseSettings) -> str | None:
    hosts = settings.getdict("GONGKAI_BROWSER_HOSTS") if settings is not None else {}
    return hosts.get((urlsplit(url).hostname or "").lower())


def needs_browser(page: FetchedPage, tree: etree._Element, settings: BaseSettings) -> bool:
    if settings is not None and not settings.getbool("GONGKAI_BROWSER_ENABLED", True):
        return False
    override = host_override(page.url, settings)
    if override == rules.OVERRIDE_NEVER:
        return False
    if override == rules.OVERRIDE_ALWAYS:
        return True
    return browser_reason(page, tree) is not None


def browser_reason(page: FetchedPage, tree: etree._Element) -> str | None:
    """Why this page needs a browser ("script_list", "spa_shell", "counter", "stub"), or None."""
    if page.status != 200 or tree is None:
        return None
    scripts = "\n".join(tree.xpath("//script[not(@src)]/text()"))
    has_external = bool(tree.xpath("//script[@src]"))
    if not scripts.strip() and not has_external:
        return None  # no script at all: what is static is all there is
    if endpoints.list_requests(page, tree):
        return None  # the list's endpoint is asked directly
    if _script_filled_list(tree, scripts):
        return "script_list"
    if _spa_shell(tree, has_external):
        return "spa_shell"
    if _script_stub(page, tree):
        return "stub"
    if _script_counter_without_endpoint(page, tree):
        return "counter"
    return None


def _visible_text(el: etree._Element) -> str:
    return re.sub(r"\s+", "", "".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")))


def _script_filled_list(tree: etree._Element, scripts: str) -> bool:
    if not any(p.search(scripts) for p in _LOADING):
        return False
    for el in tree.xpath("//body//*[@id or @class][not(self::script)]"):
        names = f"{el.get('id') or ''} {el.get('class') or ''}"
        if not _CONTAINER.search(names):
            continue
        if not el.xpath(".//a[@href]") and len(_visible_text(el)) < rules.EMPTY_CONTAINER_MAX_TEXT:
            return True
    return False


def _spa_shell(tree: etree._Element, has_external: bool) -> bool:
    if not has_external:
        return False
    body = tree.xpath("//body")
    if not body or len(_visible_text(body[0])) > rules.SPA_MAX_BODY_TEXT:
        return False
    return any(tree.xpath(f"//body//*[@id='{mount}']") for mount in rules.SPA_MOUNT_IDS)


def _script_stub(page: FetchedPage, tree: etree._Element) -> bool:
    if len(page.body) > rules.STUB_MAX_BYTES or tree.xpath(_META_REFRESH) or tree.xpath("//a[@href]"):
        return False
    if endpoints.counter_url(page.url, tree):
        return False  # its script is a counter, asked directly; it is no redirect
    parsed_text = getattr(page.parsed, "text", None) or page.body.decode("utf-8", "replace")
    if L.script_redirect(parsed_text, page.url):
        return False  # the spider follows a parseable target itself
    body = tree.xpath("//body")
    text = _visible_text(body[0]) if body else ""
    return len(text) <= rules.STUB_MAX_TEXT


def _script_counter_without_endpoint(page: FetchedPage, tree: etree._Element) -> bool:
    # Only report-like pages: rendering every news page for its count would be waste.
    title = " ".join(tree.xpath("//title/text()")) + " " + (page.link_text or "")
    if not is_candidate_link_text(title) or endpoints.counter_url(page.url, tree):
        return False
    for script in tree.xpath("//body//script"):
        before = script.getprevious()
        text = (before.tail if before is not None else script.getparent().text) or ""
        if _COUNTER_LABEL.search(text.strip()):
            return True
    return False


async def settle(page: Page, timeout_ms: float = 3000) -> None:
    """Wait until the page's network is quiet (late XHR, counters), bounded: a page that polls
    forever is extracted as it stands when the time is up."""
    try:
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except PlaywrightError as exc:
        logger.info("Page %s not idle after %.0f ms (%s); extracting it as it stands", page.url, timeout_ms,
                    type(exc).__name__)


# Meta keys the downloader filled for the static fetch; carried over they would mislead the render.
_DOWNLOADER_META = ("download_latency", "download_slot", "warc", "redirect_times", "redirect_ttl", "redirect_urls",
                    "redirect_reasons", "retry_times")


def browser_request(request: Request, callback, errback) -> Request:
    meta = {k: v for k, v in request.meta.items() if not k.startswith("_") and k not in _DOWNLOADER_META}
    return request.replace(
        meta={**meta, "playwright": True,
              "playwright_page_methods": [PageMethod(settle)]},
        dont_filter=True, callback=callback, errback=errback)


class ProxiedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, with chromium sent through the crawl's http_proxy.

    The proxy is read when the crawl starts (as Scrapy's HttpProxyMiddleware reads it), not when the
    settings module is imported, so a test or a wrapper that sets http_proxy late is honoured. Only
    requests with meta["playwright"] reach chromium; chromium itself starts on the first of them.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        proxy = os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY")
        options = dict(self.config.launch_options)
        if proxy and "proxy" not in options:
            options["proxy"] = {"server": proxy}
        self.config.launch_options = options
