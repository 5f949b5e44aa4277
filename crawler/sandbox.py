"""The script sandbox before the browser: which pages try it first, and their render if it fails.

A report page the browser would render only for its counter (crawler/browser.py's reason
"counter") has its scripts run in the sandbox first (pipelines/script_sandbox.py, through
pipelines/completion.py's SCRIPT steps, which the spider fetches like any request). Only when the
sandbox reads no number is the page rendered, from the static response kept for it here (plain,
picklable data: it rides in request meta with the page's steps).
"""

from __future__ import annotations

from lxml import etree
from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

from crawler import browser
from crawler.rules import browser as browser_rules
from pipelines import script_sandbox
from pipelines.page import FetchedPage

# Request meta keys the render of a page needs again (the spider's own), and where the kept render rides.
_PAGE_META = ("role", "hops", "column", "link_text", "empty_run", "warc")
META_RENDER = "gongkai_render_if_unread"


def runs_first(page: FetchedPage, tree: etree._Element, settings: BaseSettings) -> bool:
    """The browser was asked for this page only for its counter: the sandbox goes first."""
    return (browser.host_override(page.url, settings) != browser_rules.OVERRIDE_ALWAYS
            and browser.browser_reason(page, tree) == "counter" and script_sandbox.applies(page, tree))


def kept_render(response: Response) -> dict:
    """What the page's render needs, should the sandbox read no number: its static response."""
    return {"url": response.url, "status": response.status, "body": response.body,
            "headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs],
            "meta": {k: response.meta[k] for k in _PAGE_META if k in response.meta}}


def render_request(kept: dict, callback, errback, settings: BaseSettings) -> Request:
    headers = Headers()
    for name, value in kept["headers"]:
        headers.appendlist(name, value)
    request = Request(kept["url"], meta=dict(kept["meta"]), dont_filter=True)
    cls = responsetypes.from_args(headers=headers, url=kept["url"], body=kept["body"])
    document = cls(url=kept["url"], status=kept["status"], headers=headers, body=kept["body"], request=request)
    return browser.browser_request(request, callback=callback, errback=errback, document=document,
                                   settings=settings)
