import copy
from pathlib import Path

import lxml.html
import pytest

from pipelines.extract import extract_page_text, extract_text
from pipelines.page import FetchedPage
from pipelines.report import build_report

GOLD = Path(__file__).parent / "gold"


def _tree(html: str):
    return lxml.html.document_fromstring(html)


def _page(body: bytes, url: str = "http://x.gov.cn/a.html") -> FetchedPage:
    return FetchedPage(url=url, status=200, headers={"content-type": "text/html"}, body=body, fetched_at="")


WORD = ('<html><body><div class="header">今天是:2024年4月23日 星期二</div><div class="TRS_Editor">'
        '<p class=MsoNormal><span style="font-family:仿宋_GB2312">统计期限自</span><st1:chsdate Year="2017">'
        '<span lang=EN-US>2017</span><span>年</span><span lang=EN-US>1</span><span>月</span><span lang=EN-US>1'
        '</span><span>日</span></st1:chsdate><span>起至</span><span lang=EN-US>2017</span><span>年</span>'
        '<span lang=EN-US>12</span><span\n>月</span><span lang=EN-US>31</span><span>日止，全年公开信息86条。<o:p></o:p>'
        '</span></p><script>var x=1;</script><p>无。</p></div></body></html>')


def test_word_spans_keep_every_character():
    text, warnings = extract_text(_tree(WORD), "http://x")
    assert text == "统计期限自2017年1月1日起至2017年12月31日止，全年公开信息86条。\n无。"
    assert warnings == []


def test_tree_not_mutated():
    tree = _tree(WORD)
    before = lxml.html.tostring(tree)
    extract_text(tree, "http://x")
    assert lxml.html.tostring(tree) == before


def test_table_rows_with_spans_left_empty():
    html = ('<html><body><div id="zoom"><p>三、收到和处理政府信息公开申请情况，以下为统计表。</p><table>'
            '<tr><td rowspan="2">信息内容</td><td colspan="2">本年</td><td>总计</td></tr>'
            '<tr><td><p>新</p><p>制作</p></td><td>公开</td><td>9</td></tr>'
            '<tr><td>规范性文件</td><td>0</td><td>1</td><td>1</td></tr></table></div></body></html>')
    text, _ = extract_text(_tree(html), "http://x")
    assert text.split("\n")[1:] == ["信息内容 | 本年 | | 总计", "| 新 制作 | 公开 | 9", "规范性文件 | 0 | 1 | 1"]


def test_generic_fallback_skips_chrome_blocks():
    body = "".join(f"<p>第{i}段，本街道认真贯彻条例要求，全面推进政府信息公开工作。</p>" for i in range(5))
    html = (f'<html><body><div class="nav"><a>首页</a><a>政务公开</a></div><div class="main">{body}</div>'
            '<div class="footer">网站标识码：1 技术支持：某公司</div></body></html>')
    text, _ = extract_text(_tree(html), "http://x")
    assert text.startswith("第0段") and text.endswith("第4段，本街道认真贯彻条例要求，全面推进政府信息公开工作。")


@pytest.mark.parametrize("body,needle", [
    (b"", "empty"),
    (b'<html><body><div class="TRS_Editor"><img src="p1.jpg"><img src="p2.jpg"></div></body></html>', "image-only"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00", "binary"),
    (b"\x80\x30\xff\xfe" * 30, "charset"),
])
def test_bad_input_warns_never_crashes(body, needle):
    text, warnings = extract_page_text(_page(body))
    assert isinstance(text, str)
    assert any(needle in w for w in warnings), warnings


def _gold():
    import json

    return [json.loads(x) for x in (GOLD / "expected.jsonl").read_text(encoding="utf-8").splitlines() if x]


@pytest.mark.parametrize("gold", _gold(), ids=lambda g: g["file"])
def test_gold_pages_text_through_build_report(gold):
    from benchmarks.quality import f1

    page = _page((GOLD / gold["file"]).read_bytes(), gold["url"])
    rec = build_report(page)
    text = rec["text"] if rec else extract_page_text(page)[0]
    assert f1(text, gold["text"]) >= 0.98


def test_extract_text_leaves_copy_equal():
    tree = _tree(WORD)
    clone = copy.deepcopy(tree)
    assert extract_text(tree, "u") == extract_text(clone, "u")
