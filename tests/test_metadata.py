"""pipelines.metadata: each rule fires on its case and leaves its look-alike alone.

Small HTML snippets shaped like real portals, then the saved public pages in ../shared/corpus
(a test fails, never skips, when that material is missing). Speed is benchmarks/metadata.py's.
"""

from __future__ import annotations

import pytest

from pipelines import decode, document
from pipelines.metadata import extract_metadata
from tests.conftest import shared

GOV = "http://www.xifeng.gov.cn/xxgk/ndbg/201802/t20180207_1.html"
FARM = "https://www.fanwen-farm.com/article/123.html"


def page(body: str, head: str = "", title: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body>{body}</body></html>")


def meta(head: str = "", body: str = "", title: str = "", url: str = GOV, text: str = "") -> dict:
    tree = document.parse_html(page(body, head, title))
    assert tree is not None
    return extract_metadata(tree, text, url)


def m(name: str, content: str) -> str:
    return f'<meta name="{name}" content="{content}">'


REPORT = "西峰区2017年政府信息公开工作的年度报告"
HEADER = "<div class='top'>今天是:2024年4月23日 星期二 <span id='clock'>10:21:09</span></div>"
BODY = "<div class='content'><p>根据《中华人民共和国政府信息公开条例》编制此报告。</p></div>"


# --- contract ------------------------------------------------------------------------------------


def test_contract_keys_and_types() -> None:
    out = meta(body=f"<h1>{REPORT}</h1>{BODY}")
    assert set(out) == {"title", "agency", "publish_date", "views", "views_source", "report_year",
                        "source_kind", "warnings"}
    assert isinstance(out["warnings"], list)


def test_tree_is_not_mutated() -> None:
    import lxml.html

    tree = document.parse_html(page(f"<h1>{REPORT}</h1><script>x()</script>{BODY}"))
    before = lxml.html.tostring(tree)
    extract_metadata(tree, "", GOV)
    assert lxml.html.tostring(tree) == before


# --- title ---------------------------------------------------------------------------------------


def test_title_from_meta_article_title() -> None:
    out = meta(head=m("ArticleTitle", REPORT), body="<h1>西峰区人民政府</h1>", title="首页")
    assert out["title"] == REPORT


def test_title_heading_not_site_logo() -> None:
    # TRS layout (shanxi): the logo is an <h1> with the site name, the article heading an <h2>.
    body = (f"<h1><a href='/'><span>西峰区人民政府网站</span></a></h1>{HEADER}"
            f"<div class='detail'><h2>{REPORT}</h2></div>{BODY}")
    out = meta(head=m("SiteName", "西峰区人民政府网站"), body=body, title=f"{REPORT}_西峰区人民政府")
    assert out["title"] == REPORT


def test_title_ucaptitle() -> None:
    body = f"<h1 class='article-title'><ucaptitle>{REPORT}</ucaptitle></h1>"
    assert meta(body=body, title="中国西峰")["title"] == REPORT


@pytest.mark.parametrize(
    "doc_title",
    [f"{REPORT}_西峰区人民政府", f"{REPORT} - 庆阳市西峰区政府网站", f"{REPORT}|西峰区政府门户网站"],
)
def test_title_fallback_strips_site_suffix(doc_title: str) -> None:
    assert meta(body=BODY, title=doc_title)["title"] == REPORT


def test_title_fallback_keeps_a_hyphen_inside_the_title() -> None:
    t = "2017-2018学年度政府信息公开工作年度报告"
    assert meta(body=BODY, title=t)["title"] == t


def test_title_heading_wrapper_with_meta_strip_not_taken() -> None:
    # The wrapper's class says title, but it holds the meta strip too; the <h1> inside is the title.
    body = (f"<div class='article-title'><h1>{REPORT}</h1><p>发布时间：2018-02-07 来源：西峰区政府办</p></div>"
            f"{BODY}")
    assert meta(body=body, title=f"{REPORT}_西峰区人民政府")["title"] == REPORT


# --- publish date --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strip", "iso"),
    [
        ("发布时间：2018-02-07 来源：西峰区政府办 浏览次数：12", "2018-02-07"),
        ("2018-02-07 09:33:10 来源: 作者: 编辑:赵暖星 点击:", "2018-02-07"),  # seed 003
        ("浏览:24950次'时间:2018年3月23日", "2018-03-23"),  # seed 002
        ("发布日期：2018年03月23日", "2018-03-23"),
        ("公开日期：2018/3/23", "2018-03-23"),
    ],
)
def test_publish_date_visible_forms(strip: str, iso: str) -> None:
    out = meta(body=f"{HEADER}<h1>{REPORT}</h1><div class='info'>{strip}</div>{BODY}")
    assert out["publish_date"] == iso


def test_header_today_date_is_never_the_publish_date() -> None:
    out = meta(body=f"{HEADER}<h1>{REPORT}</h1>{BODY}")
    assert out["publish_date"] is None
    assert out["report_year"] == 2017


def test_header_current_time_labelled_is_ignored() -> None:
    out = meta(body=f"<div>当前时间：2024-04-23</div><h1>{REPORT}</h1><p>发布时间：2018-02-07</p>{BODY}")
    assert out["publish_date"] == "2018-02-07"


def test_visible_date_beats_restamped_pubdate() -> None:
    out = meta(head=m("PubDate", "2022-04-24 10:00:43"),
               body=f"<h1>{REPORT}</h1><span>发布日期：<b>2018-02-07 10:49:00</b></span>{BODY}")
    assert out["publish_date"] == "2018-02-07"
    assert any("PubDate" in w for w in out["warnings"])


def test_pubdate_used_when_nothing_visible() -> None:
    out = meta(head=m("PubDate", "2018-02-07 10:00"), body=f"<h1>{REPORT}</h1>{BODY}")
    assert out["publish_date"] == "2018-02-07"
    assert out["warnings"] == []


def test_attribute_dates_are_not_visible() -> None:
    # TRS template leftover: alt="时间：2017-11-08 20:26" around the real visible date.
    body = (f"<h2>{REPORT}</h2><span alt='时间：2017-11-08 20:26'><i>时间：</i>2018-02-07 06:23</span>{BODY}")
    assert meta(body=body)["publish_date"] == "2018-02-07"


def test_key_value_table_dates_prefer_publication_over_signing() -> None:
    table = ("<table><tr><td>索引号：</td><td>11621002/2018-00012</td><td>发布机构：</td><td>西峰区政府办</td></tr>"
             "<tr><td>成文日期：</td><td>2018-01-30</td><td>公开日期：</td><td>2018-02-07</td></tr></table>")
    out = meta(body=f"{table}<h1>{REPORT}</h1>{BODY}")
    assert out["publish_date"] == "2018-02-07"
    assert out["agency"] == "西峰区政府办"


def test_signature_date_in_chinese_numerals_as_last_resort() -> None:
    body = (f"<h1>{REPORT}</h1>{BODY}<p style='text-align:right'>西峰区人民政府办公室</p>"
            "<p style='text-align:right'>二〇一八年二月七日</p><div class='foot'>主办单位：西峰区人民政府</div>")
    out = meta(body=body)
    assert out["publish_date"] == "2018-02-07"
    assert out["agency"] == "西峰区人民政府办公室"


# --- views ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strip", "views"),
    [
        ("发布时间：2018-02-07 浏览次数：1234", 1234),
        ("2018-02-07 来源: 点击：56次", 56),
        ("浏览:24950次'时间:2018年3月23日", 24950),
        ("<span class='llcs'>访问量：<b id='view'>4859</b></span>", 4859),
        ("阅读次数：1,024", 1024),
    ],
)
def test_views_from_meta_strip(strip: str, views: int) -> None:
    out = meta(body=f"<h1>{REPORT}</h1><div>{strip}</div>{BODY}")
    assert out["views"] == views
    assert out["views_source"] == "page"


def test_report_body_mentioning_page_views_is_not_the_count() -> None:
    body = (f"<h1>{REPORT}</h1><div>发布时间：2018-02-07</div>"
            "<div class='content'><p>全年政府网站浏览量达120万次。</p><p>网站浏览量：1200000次</p>"
            "<p>政务微博阅读量：35万</p><p>浏览量：3.5万人次</p></div>")
    out = meta(body=body)
    assert out["views"] is None
    assert out["views_source"] is None


@pytest.mark.parametrize(
    "strip",
    [
        "发布日期：2016-11-22",  # no counter at all
        "发布日期：2016-11-22 <span>浏览次数： </span>",  # Hanweb: empty span
        "2018-02-07 来源: 作者: 点击:",  # seed 003: label, nothing after
    ],
)
def test_missing_count_is_none_not_zero(strip: str) -> None:
    out = meta(body=f"<h1>{REPORT}</h1><div>{strip}</div>{BODY}")
    assert out["views"] is None
    assert out["views_source"] is None


def test_script_filled_counter_is_not_read() -> None:
    # 博达 VSB: the number a saved page shows was written by _showDynClicks, not served.
    strip = ("发布时间: 2018-05-17 | 浏览次数: <script>_showDynClicks('wbnews', 1412614994, 1081)</script>"
             "<span id='dynclicks_wbnews_1081_978'>2168</span>")
    out = meta(body=f"<h1>{REPORT}</h1><div>{strip}</div>{BODY}")
    assert out["views"] is None
    assert any("script" in w for w in out["warnings"])


def test_table_layout_strip_below_body() -> None:
    # Old table templates: heading in a bare <td><font>, <title> only the site name, strip at the bottom.
    body = ("<div>今天是2024年4月23日 星期二</div><table><tr><td><font size=4>城关镇2015年政府信息公开工作年度报告"
            "</font></td></tr><tr><td><p>根据条例，现将报告如下。</p><p>网站浏览量：5000次</p></td></tr>"
            "<tr><td>发布日期：2016-03-21 点击数：1024</td></tr></table><div>本站访问量：123456</div>")
    out = meta(body=body, title="城关镇人民政府")
    assert out["title"] == "城关镇2015年政府信息公开工作年度报告"
    assert out["publish_date"] == "2016-03-21"
    assert out["views"] == 1024
    assert out["agency"] == "城关镇人民政府"


def test_footer_visitor_count_is_not_the_page_count() -> None:
    body = f"<h1>{REPORT}</h1>{BODY}<div>本站访问量：123456 网站标识码：1234567890</div>"
    assert meta(body=body)["views"] is None


# --- agency --------------------------------------------------------------------------------------


def test_agency_from_content_source() -> None:
    out = meta(head=m("ContentSource", "西峰区人民政府办公室"), body=f"<h1>{REPORT}</h1>{BODY}")
    assert out["agency"] == "西峰区人民政府办公室"


def test_agency_content_source_name_case_insensitive() -> None:
    out = meta(head=m("contentSource", "省发改委"), body=f"<h1>{REPORT}</h1>{BODY}")
    assert out["agency"] == "省发改委"


def test_agency_from_source_line_stops_at_next_label() -> None:
    out = meta(body=f"<h1>{REPORT}</h1><div>发布时间：2018-02-07 来源：西峰区政府办 作者：张三</div>{BODY}")
    assert out["agency"] == "西峰区政府办"


def test_empty_source_label_does_not_take_the_next_label() -> None:
    out = meta(body=f"<h1>{REPORT}</h1><div>2018-02-07 09:33:10 来源: 作者: 编辑:赵暖星 点击:</div>{BODY}")
    assert out["agency"] != "作者"
    assert out["agency"] == "西峰区"  # from the title: nothing better on the page


def test_source_label_value_in_comment_wrapped_template() -> None:
    body = f"<h1>{REPORT}</h1><span>信息来源：<!--<$[信息来源]>begin-->省发改委<!--<$[信息来源]>end--></span>{BODY}"
    assert meta(body=body)["agency"] == "省发改委"


def test_street_office_signature_beats_district_content_source() -> None:
    title = "西峰区北街街道办事处2019年政府信息公开工作年度报告"
    body = (f"<h1>{title}</h1>{BODY}<p>西峰区北街街道办事处</p><p>2020年1月20日</p>")
    out = meta(head=m("ContentSource", "西峰区人民政府"), body=body)
    assert out["agency"] == "西峰区北街街道办事处"


_ZQ = "新抚区站前街道2017年信息公开工作年度报告"
_JF = "东湖高新区九峰街2020年度政府信息公开年度工作报告"


@pytest.mark.parametrize(("head", "body", "title", "agency"), [
    # seed 002: 新抚区站前街道 report on the district site, no 来源, no signature.
    pytest.param(m("SiteName", "抚顺市新抚区人民政府"), f"{HEADER}<h1>{_ZQ}</h1>{BODY}", f"{_ZQ}_新抚区人民政府",
                 "新抚区站前街道", id="street_office_from_title_when_no_signature"),
    pytest.param("", f"<h1>{_ZQ}</h1><p>一、站前街道办事处政府信息总体公开工作的基本情况。</p><p>新抚区人民政府办公室指导。</p>",
                 "", "新抚区站前街道办事处", id="title_short_form_completed_from_the_page"),
    # A street office's own site: its <title> suffix is the office's full name.
    pytest.param("", f"<h1>{_JF}</h1>{BODY}", f"{_JF}-九峰街道办事处", "九峰街道办事处",
                 id="title_short_form_taken_from_the_sites_own_name"),
    # Look-alike: other offices named on the page (东湖街道办事处) do not complete 九峰街.
    pytest.param("", f"<h1>{_JF}</h1><p>会同东湖街道办事处、关山街道办事处开展工作。</p>", "", "东湖高新区九峰街",
                 id="short_form_not_completed_from_another_body"),
    # Look-alike: the title names only the district, so its ContentSource is not "less specific".
    pytest.param(m("ContentSource", "西峰区人民政府办公室"), f"<h1>{REPORT}</h1>{BODY}", "", "西峰区人民政府办公室",
                 id="district_content_source_kept_for_the_district_report"),
])
def test_agency_of_a_report_titled_by_its_short_name(head: str, body: str, title: str, agency: str) -> None:
    assert meta(head=head, body=body, title=title)["agency"] == agency


def test_site_name_is_the_last_resort() -> None:
    out = meta(head=m("SiteName", "庆阳市人民政府门户网站"), body="<h1>政府信息公开工作年度报告</h1>" + BODY)
    assert out["agency"] == "庆阳市人民政府"
    assert any("site name" in w for w in out["warnings"])


def test_bare_place_in_title_named_by_its_government_site() -> None:
    out = meta(head=m("SiteName", "万载县人民政府"),
               body="<h1>万载县2015年政府信息公开工作年度报告</h1>" + BODY)
    assert out["agency"] == "万载县人民政府"


def test_signature_from_cleaned_text_traditional() -> None:
    # seed 000's ending, in traditional characters.
    text = "二、主要問題和改進措施\n爭取達到群眾滿意和認可的效果。\n橫崗街道辦事處\n2019年2月28日"
    out = meta(body="<h1>橫崗街道2018年政府信息公開工作年度報告</h1>", text=text, url=FARM)
    # A farm (not gov.cn): its Traditional conversion is undone in the record's fields.
    assert out["agency"] == "横岗街道办事处"
    assert out["publish_date"] == "2019-02-28"


def test_traditional_kept_on_official_pages() -> None:
    # Look-alike: a gov.cn page is never converted (t2s would rewrite real names such as 乾县).
    out = meta(body="<h1>乾县2018年政府信息公开工作年度报告</h1>" + BODY, url="http://www.qianxian.gov.cn/a.html")
    assert out["title"] == "乾县2018年政府信息公开工作年度报告"


def test_sidebar_link_list_is_not_a_signature() -> None:
    body = (f"<h1>{REPORT}</h1>{BODY}<ul><li><a href='/1'>西峰区政务服务中心</a></li>"
            "<li><a href='/2'>2018年2月1日</a></li></ul>")
    assert meta(body=body)["publish_date"] is None


# --- report year ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "year"),
    [(REPORT, 2017), ("XX局2020年度政府信息公开工作年度报告", 2020), ("二〇二〇年度XX镇政府信息公开工作年度报告", 2020)],
)
def test_report_year_from_title(title: str, year: int) -> None:
    assert meta(head=m("PubDate", "2023-01-15"), body=f"<h1>{title}</h1>{BODY}")["report_year"] == year


def test_report_year_falls_back_to_publish_year_minus_one() -> None:
    out = meta(head=m("PubDate", "2019-01-15"), body=f"<h1>政府信息公开工作年度报告</h1>{BODY}")
    assert out["report_year"] == 2018


def test_report_year_none_without_title_year_or_date() -> None:
    assert meta(body=f"<h1>某区XX年政府信息公开工作报告样本</h1>{BODY}")["report_year"] is None


# --- source kind ---------------------------------------------------------------------------------


def test_gov_cn_is_official() -> None:
    assert meta(body=f"<h1>{REPORT}</h1>", url=GOV)["source_kind"] == "official"


def test_site_id_code_on_other_host_is_official() -> None:
    out = meta(head=m("SiteIDCode", "3609220011"), body=f"<h1>{REPORT}</h1>", url="http://www.example.org.cn/a.html")
    assert out["source_kind"] == "official"


def test_footer_site_id_is_official() -> None:
    body = f"<h1>{REPORT}</h1>{BODY}<div>网站标识码:2104020005 ICP备案:</div>"
    assert meta(body=body, url="http://xinfu.fushun.net.cn/a.html")["source_kind"] == "official"


def test_copied_gov_page_on_a_farm_is_mirror() -> None:
    head = m("SiteIDCode", "1400000045") + m("SiteDomain", "www.shanxi.gov.cn")
    out = meta(head=head, body=f"<h1>{REPORT}</h1>", url=FARM)
    assert out["source_kind"] == "mirror"
    assert out["warnings"]


def test_docshare_host() -> None:
    assert meta(body=f"<h1>{REPORT}</h1>", url="https://max.book118.com/html/2018/1.shtm")["source_kind"] == "docshare"


def test_docshare_markers() -> None:
    body = "<div>欢迎来到天天文库</div><h1>某区XX年政府信息公开工作报告样本</h1><p>此文档下载收益归作者所有</p>"
    assert meta(body=body, url="https://www.unknown-docs.com/p-1.html")["source_kind"] == "docshare"


def test_plain_repost_is_mirror() -> None:
    # Look-alike: a news repost mentioning 文库 words only in prose stays a mirror.
    body = f"<h1>{REPORT}</h1><p>本文转载自西峰区人民政府网站。</p>"
    assert meta(body=body, url=FARM)["source_kind"] == "mirror"


# --- seeds: cleaned texts wrapped as pages -------------------------------------------------------

def seed_page(name: str) -> tuple[str, str]:
    path = shared(f"seeds/{name}")
    text = path.read_text(encoding="utf-8", errors="replace")
    body = "".join(f"<div>{line}</div>" for line in text.splitlines())
    return page(body), text


def test_seed_002_street_report_with_header_date() -> None:
    html, _ = seed_page("002_cfd0de9263bd219b.txt")
    out = extract_metadata(document.parse_html(html), "", "http://www.xinfu.gov.cn/a.html")
    assert out["title"] == "新抚区站前街道2017年信息公开工作年度报告"
    assert out["publish_date"] == "2018-03-23"
    assert out["views"] == 24950
    assert out["report_year"] == 2017
    # The title's 站前街道, spelled out by the report itself (站前街道办事处).
    assert out["agency"] == "新抚区站前街道办事处"


def test_seed_003_meta_strip_without_values() -> None:
    html, _ = seed_page("003_f0fa1c2612b109d1.txt")
    out = extract_metadata(document.parse_html(html), "", "http://www.xifeng.gov.cn/a.html")
    assert out["title"] == REPORT
    assert out["publish_date"] == "2018-02-07"
    assert out["views"] is None
    assert out["report_year"] == 2017


def test_seed_001_docshare() -> None:
    html, text = seed_page("001_45953e13bfad8100.txt")
    out = extract_metadata(document.parse_html(html), text, "https://www.example.com/p-19163454.html")
    assert out["source_kind"] == "docshare"
    # XX年 names no year, and a docshare date is its upload date: no year is guessed from it.
    assert out["report_year"] is None


def test_seed_000_signature_from_text() -> None:
    html, text = seed_page("000_7799afbad278b8df.txt")
    out = extract_metadata(document.parse_html(html), text, "https://www.example.com/a.html")
    assert out["agency"] == "横岗街道办事处"
    assert out["publish_date"] == "2019-02-28"


# --- saved public pages --------------------------------------------------------------------------

def corpus_meta(rel: str, url: str) -> dict:
    path = shared(f"corpus/public-pages/{rel}")
    decoded = decode.decode_body(path.read_bytes(), {})
    return extract_metadata(document.parse_html(decoded.text), "", url)


@pytest.mark.parametrize(("rel", "url", "expected"), [
    pytest.param("GeneralNewsExtractor/tests/shanxi/1.html", "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
                 {"title": "山西品牌丝路行（南美站）正式启动", "agency": "山西日报", "publish_date": "2019-09-18",
                  "views": None, "source_kind": "official"}, id="shanxi_trs_meta_tags"),
    pytest.param("GeneralNewsExtractor/tests/gzggw/1.html", "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
                 {"title": "1-10月德清县固定资产投资结构趋稳趋优", "agency": "省发改委", "publish_date": "2016-11-22",
                  "views": None}, id="hanweb_empty_counter"),
    pytest.param("GeneralNewsExtractor/tests/sxmu/1.html", "http://jjjc.sxmu.edu.cn/info/1081/978.htm",
                 {"publish_date": "2018-05-17", "views": None, "source_kind": "mirror"}, id="vsb_script_counter"),
    pytest.param("GeneralNewsExtractor/tests/zsnews/1.html", "http://www.zsnews.cn/dq/1.html",
                 {"title": "顺德区大良街道党工委委员潘卓辉一行到众创金融街开展调研工作", "agency": "东区办事处",
                  "publish_date": "2019-03-06"}, id="street_office_table_layout"),
])
def test_corpus_page_metadata(rel: str, url: str, expected: dict) -> None:
    out = corpus_meta(rel, url)
    for field, value in expected.items():
        assert out[field] == value, field


@pytest.mark.parametrize(
    ("rel", "views", "agency"),
    [
        ("宜春市/2022/宜春市2022年国民经济和社会发展统计公报 _ 中国宜春.html", 4859, "宜春市统计局"),
        ("万载县/2022/万载县2022年国民经济和社会发展统计公报 _ 万载县人民政府.html", 1632, "万载县统计局"),
        ("江西省/2022/江西省2022年国民经济和社会发展统计公报 _ 中国宜春.html", 2487, "江西统计 公众号"),
    ],
)
def test_corpus_ucap_view_counter(rel: str, views: int, agency: str) -> None:
    out = corpus_meta(f"job/统计局/{rel}", "https://www.yichun.gov.cn/ycsrmzf/tjgb/202305/x.shtml")
    assert out["views"] == views
    assert out["views_source"] == "page"
    assert out["agency"] == agency
    assert out["report_year"] == 2022


def test_corpus_ucap_restamped_pubdate() -> None:
    # PubDate 2022-04-24 is a migration re-stamp; the page shows 发布日期 2017-05-15.
    out = corpus_meta("job/统计局/2015/万载县2015年国民经济和社会发展统计公报.html",
                      "http://www.wanzai.gov.cn/wzxrmzf/tjgb/201705/9c05.shtml")
    assert out["publish_date"] == "2017-05-15"
    assert out["report_year"] == 2015
    assert out["views"] == 199
    assert out["agency"] == "万载县人民政府"


def test_every_saved_page_gives_every_field() -> None:
    # The real pages nobody here wrote: none may raise, each answers every field (None when unknown).
    files = sorted(shared("corpus/public-pages").rglob("*.html"))
    assert len(files) >= 20
    for f in files:
        tree = document.parse_html(decode.decode_body(f.read_bytes(), {}).text)
        out = extract_metadata(tree, "", "https://www.example.com/a.html")
        assert set(out) == {"title", "agency", "publish_date", "views", "views_source", "report_year",
                            "source_kind", "warnings"}, f
        assert out["source_kind"] in ("official", "mirror", "docshare"), f
