"""crawler/middlewares/decompression.py gives the spider what Scrapy's HttpCompressionMiddleware gives."""

from __future__ import annotations

import gzip

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares.decompression import DecompressionMiddleware

GBK_PAGE = '<html><head><meta charset="gbk"><title>2023年政府信息公开工作年度报告</title></head><body>报告</body></html>'
CASES = [
    ("html, charset in the page", HtmlResponse, {"Content-Type": "text/html"}, GBK_PAGE.encode("gbk")),
    ("html, charset in the header", HtmlResponse, {"Content-Type": "text/html; charset=utf-8"},
     "<p>年度报告</p>".encode()),
    ("a PDF", Response, {"Content-Type": "application/pdf"}, b"%PDF-1.4 binary"),
]


def _through(mw_cls, cls, headers: dict, body: bytes, method: str = "GET") -> Response:
    request = Request("http://www.x.gov.cn/a", method=method)
    response = cls(request.url, body=gzip.compress(body), request=request,
                   headers={**headers, "Content-Encoding": "gzip"})
    return mw_cls.from_crawler(get_crawler()).process_response(request, response)


@pytest.mark.parametrize(("name", "cls", "headers", "body"), CASES, ids=[c[0] for c in CASES])
def test_same_response_as_scrapys(name: str, cls: type, headers: dict, body: bytes) -> None:
    ours = _through(DecompressionMiddleware, cls, headers, body)
    theirs = _through(HttpCompressionMiddleware, cls, headers, body)
    assert type(ours) is type(theirs)
    assert ours.body == theirs.body == body
    assert ours.headers.getlist("Content-Encoding") == theirs.headers.getlist("Content-Encoding") == []
    if isinstance(theirs, TextResponse):
        assert ours.encoding == theirs.encoding
        assert ours.text == theirs.text


def test_head_response_is_left_as_it_came() -> None:
    ours = _through(DecompressionMiddleware, HtmlResponse, {"Content-Type": "text/html"}, b"<p>x</p>", method="HEAD")
    assert isinstance(ours, HtmlResponse)
    assert ours.headers.getlist("Content-Encoding") == [b"gzip"]
