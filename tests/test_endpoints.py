"""Endpoints behind script-drawn lists and counters, asked directly (crawler/endpoints.py)."""

from __future__ import annotations

import json

import lxml.html
import pytest
from scrapy.http import Request, TextResponse

from crawler import endpoints
from crawler.spiders.reports import ReportsSpider
from pipelines import completion
from pipelines.document import parse_page
from pipelines.page import FetchedPage
from tests.conftest import shared


def _page(html: str, url: str = "http://www.x.gov.cn/a/b.html") -> tuple[FetchedPage, object]:
    page = FetchedPage(url=url, status=200, headers={"content-type": "text/html"}, body=html.encode(),
                       fetched_at="2026-01-01T00:00:00Z")
    return page, lxml.html.fromstring(html)


def _response(url: str, body: str | bytes, meta: dict | None = None) -> TextResponse:
    raw = body.encode() if isinstance(body, str) else body
    return TextResponse(url, body=raw, encoding="utf-8", request=Request(url, meta=meta or {}))


def test_vsb_dynclicks_on_a_real_page() -> None:
    sxmu = shared("corpus/public-pages/GeneralNewsExtractor/tests/sxmu/1.html")
    page, tree = _page(sxmu.read_text(encoding="utf-8", errors="replace"), "http://news.sxmu.edu.cn/a/b.htm")
    assert endpoints.counter_url(page.url, tree) == (
        "http://news.sxmu.edu.cn/system/resource/code/news/click/dynclicks.jsp?clickid=1081&owner=1412614994&clicktype=wbnews")


@pytest.mark.parametrize(("html", "url"), [
    ("<div>浏览次数：<script src='/module/visitcount/articlehits.jsp?colid=1&artid=9'></script></div>",
     "http://www.x.gov.cn/module/visitcount/articlehits.jsp?colid=1&artid=9"),
    ("<span id=v></span><script>fetch('/api/views?id=7').then(r=>r.json())</script>", "http://www.x.gov.cn/api/views?id=7"),
    ("<script src='/system/resource/js/dynclicks.js'></script>", None),  # a library, not the counter
])
def test_counter_urls(html: str, url: str | None) -> None:
    # The request the spider makes: the counter step of a report page's completion plan.
    title = "<h1>西峰区人民政府2023年政府信息公开工作年度报告</h1>"
    page, _tree = _page(f"<html><head><title>{title[4:-5]}</title></head><body>{title}{html}</body></html>")
    steps = completion.plan(page, parse_page(page), attachments=False)
    spider = ReportsSpider(start_urls=page.url)
    req = next(spider._next_step(page, steps))
    req = req if isinstance(req, Request) else None
    assert (req.url if req else None) == url
    if req:
        assert req.dont_filter and req.headers.get("Referer") == page.url.encode()


@pytest.mark.parametrize(("body", "views"), [
    (b'document.write("1234");', 1234), (b"document.write('\xe6\xb5\x8f\xe8\xa7\x88 56')", 56), (b"789", 789),
    (b'{"views": 12}', 12), (b'{"code":0,"data":{"count":"34"}}', 34), (b"", None), (b"<html>error</html>", None),
    (b"x" * 10000, None),
])
def test_parse_count(body: bytes, views: int | None) -> None:
    assert endpoints.parse_count(body) == views


def test_hanweb_dataproxy_post_and_next_group() -> None:
    html = ("<html><body><div id='9'><script type='text/xml'><datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/"
            "dataproxy.jsp?page=1&appid=1&webid=5&path=/&columnid=88&unitid=9&permissiontype=0\"></a>]]></nextgroup>"
            "<recordset><record><![CDATA[<li><a href='/a.html'>x</a></li>]]></record></recordset></datastore></script>"
            "<script>jpageInit({unitid:9,columnid:88,perpage:15,totalRecord:90});</script></div></body></html>")
    page, tree = _page(html, "http://www.x.gov.cn/col/col88/index.html")
    [req] = endpoints.list_requests(page, tree)
    assert req.method == "POST"
    assert req.url == "http://www.x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=2&endrecord=46&perpage=15"
    assert b"columnid=88" in req.body and b"unitid=9" in req.body
    xml = ("<datastore><totalrecord>90</totalrecord><recordset><record><![CDATA[<li><a href=\"/art/1.html\" "
           "title=\"某区2023年政府信息公开工作年度报告\">某区2023年…</a></li>]]></record></recordset></datastore>")
    resp = _response(req.url, xml, req.meta)
    [link] = endpoints.links_from_list_response(resp)
    assert link.url == "http://www.x.gov.cn/art/1.html" and link.text == "某区2023年政府信息公开工作年度报告"
    [nxt] = endpoints.next_list_requests(resp)
    assert "startrecord=47" in nxt.url


def test_json_list_api_pages_until_the_count() -> None:
    page, tree = _page("<html><body><ul id=list></ul><script>fetch('/api/list?page=1&col=nb')</script></body></html>")
    [req] = endpoints.list_requests(page, tree)
    assert req.url == "http://www.x.gov.cn/api/list?page=1&col=nb" or "page=1" in req.url
    data = {"totalPage": 2, "data": [{"title": "某区2022年政府信息公开工作年度报告", "url": "/nb/1.html"}]}
    resp = _response(req.url, json.dumps(data, ensure_ascii=False), req.meta)
    assert [lk.url for lk in endpoints.links_from_list_response(resp)] == ["http://www.x.gov.cn/nb/1.html"]
    [nxt] = endpoints.next_list_requests(resp)
    assert "page=2" in nxt.url
    last = _response(nxt.url, json.dumps({**data, "page": 2}), nxt.meta)
    assert endpoints.next_list_requests(last) == []


def test_gkmlpt_and_ucap() -> None:
    page, tree = _page("<html><head><script>window._CONFIG={SID:'1',cat_id:4321};</script><script src='/gkmlpt/js/app.js'>"
                       "</script></head><body><div id=app></div></body></html>", "http://www.x.gov.cn/gkmlpt/index")
    assert [r.url for r in endpoints.list_requests(page, tree)] == ["http://www.x.gov.cn/gkmlpt/api/all/4321?page=1"]
    page, tree = _page("<html><body><script>$.ajax({url:'/queryList',type:'POST'})</script></body></html>")
    [req] = endpoints.list_requests(page, tree)
    assert req.method == "POST" and json.loads(req.body)["pageNo"] == 1
