"""Link discovery rules on small pages: what the spider will follow, and what it will not."""

import lxml.html

from crawler import links as L
from crawler.middlewares.trap_guard import url_shape
from pipelines.urls import canonical_url


def _links(html: str, url: str = "http://www.a.gov.cn/zfxxgk/zfxxgknb/index.html") -> list[L.Link]:
    return L.page_links(lxml.html.document_fromstring(html), url)


def test_session_ids_are_dropped_from_urls():
    assert canonical_url("http://a.gov.cn/x/t1.html;jsessionid=ABC123?id=5&sid=99#top") == "http://a.gov.cn/x/t1.html?id=5"
    assert canonical_url("http://a.gov.cn/list.aspx?page=2") == "http://a.gov.cn/list.aspx?page=2"


def test_truncated_link_text_uses_title_attribute():
    (link,) = _links('<a href="t1.html" title="清河区2019年政府信息公开工作年度报告">清河区2019年政府信息…</a>')
    assert link.text == "清河区2019年政府信息公开工作年度报告"
    assert link.url == "http://www.a.gov.cn/zfxxgk/zfxxgknb/t1.html"


def test_hanweb_datastore_records_are_links():
    html = """<div id="x"><script type="text/xml"><datastore><recordset>
    <record><![CDATA[<li><a href="/art/2023/1/20/art_1234_5678.html" title="城关街道2022年政府信息公开工作年度报告">城关…</a></li>]]></record>
    </recordset></datastore></script></div>"""
    (link,) = _links(html, "http://www.h.gov.cn/col/col1234/index.html")
    assert link.url == "http://www.h.gov.cn/art/2023/1/20/art_1234_5678.html"
    assert L.is_candidate_report(link)


def _other_pages(url: str, html: str) -> list[str]:
    tree = lxml.html.document_fromstring(html)
    return L.pagination_links(tree, url, L.page_links(tree, url), html)


def test_script_only_pagination_expands_createPageHTML():
    html = '<body><ul><li>x</li></ul><script>createPageHTML(3, 0, "index", "html");</script></body>'
    pages = _other_pages("http://www.a.gov.cn/zfxxgk/zfxxgknb/index.html", html)
    assert pages == ["http://www.a.gov.cn/zfxxgk/zfxxgknb/index_1.html", "http://www.a.gov.cn/zfxxgk/zfxxgknb/index_2.html"]


def test_query_and_javascript_pagination():
    html = '<a href="list.aspx?page=2">2</a><a href="list.aspx?page=2&amp;cat=9">other list</a><a href="javascript:next(3)">3</a>'
    pages = _other_pages("http://www.o.gov.cn/xxgk/gknb/list.aspx?page=1", html)
    assert pages == ["http://www.o.gov.cn/xxgk/gknb/list.aspx?page=2", "http://www.o.gov.cn/xxgk/gknb/list.aspx?page=3"]


def test_column_and_section_links_by_text_and_url():
    assert L.is_column_link(L.Link("http://a.gov.cn/x/", "政府信息公开年度报告"))
    assert L.is_column_link(L.Link("http://a.gov.cn/xxgk/gknb/", "信息公开年报"))
    assert L.is_column_link(L.Link("http://a.gov.cn/zfxxgk/zfxxgknb/", "更多"))
    # a report is not a column, a work report is neither
    assert not L.is_column_link(L.Link("http://a.gov.cn/zfxxgk/zfxxgknb/202301/t20230120_1.shtml", "清河区2022年政府信息公开工作年度报告"))
    assert not L.is_column_link(L.Link("http://a.gov.cn/zwgk/", "2023年政府工作报告"))
    assert L.is_section_link(L.Link("http://a.gov.cn/zfxxgk/", "政府信息公开"))
    assert not L.is_section_link(L.Link("http://a.gov.cn/news/", "新闻中心"))


def test_candidate_links_exclude_look_alikes():
    assert L.is_candidate_report(L.Link("http://a/1", "城关街道办事处2020年政府信息公开工作年度报告"))
    for text in ["2023年政府工作报告", "2022年部门预决算报告", "2022年国民经济和社会发展统计公报", "区政府召开常务会议"]:
        assert not L.is_candidate_report(L.Link("http://a/1", text)), text


def test_script_redirect_stub_only_on_tiny_pages():
    stub = '<html><script>location.replace("/zfxxgk/zfxxgknb/index.html")</script></html>'
    assert L.script_redirect(stub, "http://a.gov.cn/old/") == "http://a.gov.cn/zfxxgk/zfxxgknb/index.html"
    assert L.script_redirect(stub + " " * 5000, "http://a.gov.cn/old/") is None


def test_a_location_prefix_joined_to_a_page_number_is_no_redirect():
    # A short list page's pager handler: the literal is only the start of its target.
    pager = "<html><script>function next(n){location.href='?page='+n;}</script><a href='javascript:next(2)'>下一页</a></html>"
    assert L.script_redirect(pager, "http://a.gov.cn/xxgk/nb/index.html") is None
    spaced = '<script>window.location.href = "/list.jsp?col=" + col;</script>'
    assert L.script_redirect(spaced, "http://a.gov.cn/") is None
    assert L.script_redirect('<script>top.location.href = "/zfxxgk/";</script>', "http://a.gov.cn/") == "http://a.gov.cn/zfxxgk/"


def test_url_shape_folds_digits():
    assert url_shape("http://a.gov.cn/c/calendar?month=2023-01") == url_shape("http://a.gov.cn/c/calendar?month=2031-12")
    assert url_shape("http://a.gov.cn/c/index_3.html") == url_shape("http://a.gov.cn/c/index_45.html")
