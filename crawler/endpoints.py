"""Scrapy requests for the endpoints behind script-drawn lists and counters (no browser needed).

What to ask and how to read the answer is pipelines/endpoints.py (replay reads the same answers
from WARCs); this module only turns its `EndpointCall`s into requests and responses into answers:
- request_for(call) -> Request: any EndpointCall (the spider's counter steps from pipelines/completion.py).
- list_requests(page, tree) -> list[Request]: list endpoints found in a column page's static HTML.
- links_from_list_response(response) -> list[Link]; next_list_requests(response) -> list[Request].

Every request made here carries dont_filter=True: the spider holds a page back until its counter
answers, and a request silently dropped as a duplicate would lose the page with it.
"""

from __future__ import annotations

from lxml import etree
from scrapy.http import Request, Response, TextResponse

from crawler import settings as defaults
from pipelines import endpoints as pure
from pipelines.endpoints import EndpointCall, counter_url, parse_count
from pipelines.links import Link
from pipelines.page import FetchedPage

__all__ = ["counter_url", "parse_count", "request_for", "list_requests",
           "links_from_list_response", "next_list_requests"]

# Request meta key: how a list endpoint's next page is asked for.
META_PAGING = "endpoint"


def request_for(call: EndpointCall, **kwargs) -> Request:
    meta = {**kwargs.pop("meta", {})}
    if call.paging is not None:
        meta[META_PAGING] = call.paging
    return Request(call.url, method=call.method, body=call.body or None, headers=call.headers or None,
                   dont_filter=True, meta=meta, **kwargs)


def list_requests(page: FetchedPage, tree: etree._Element) -> list[Request]:
    return [request_for(call) for call in pure.list_calls(page, tree)]


def links_from_list_response(response: Response) -> list[Link]:
    return pure.links_from_list_answer(response.url, response.body, textual=isinstance(response, TextResponse))


def next_list_requests(response: Response, max_pages: int = defaults.GONGKAI_MAX_LIST_API_PAGES) -> list[Request]:
    calls = pure.next_list_calls(response.url, response.status, response.body, response.meta.get(META_PAGING),
                                 max_pages=max_pages)
    return [request_for(call) for call in calls]
