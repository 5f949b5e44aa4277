"""Direct requests to the endpoints behind script-drawn lists and counters (no browser needed).

Contract used by the reports spider (rules as data in crawler/rules/endpoints.py):
- counter_request(page, tree) -> Request | None: the view-counter endpoint a report page's script
  would call (VSB _showDynClicks, document.write counters, fetch('/api/views')), or None.
- counter_result(response) -> dict: {"views": int | None, "source": str} read from its answer.
- list_requests(page, tree) -> list[Request]: list endpoints (Hanweb dataproxy POST, JSON APIs)
  found in a column page's static HTML.
- links_from_list_response(response) -> list[Link]; next_list_requests(response) -> list[Request].
"""

from __future__ import annotations

from lxml import etree
from scrapy.http import Request, Response

from crawler.links import Link
from pipelines.page import FetchedPage


def counter_request(page: FetchedPage, tree: etree._Element) -> Request | None:
    return None


def counter_result(response: Response) -> dict:
    return {"views": None, "source": response.url}


def list_requests(page: FetchedPage, tree: etree._Element) -> list[Request]:
    return []


def links_from_list_response(response: Response) -> list[Link]:
    return []


def next_list_requests(response: Response) -> list[Request]:
    return []
