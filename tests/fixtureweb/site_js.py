"""江山区人民政府 (www.jsq.gov.cn): a district whose lists and counters are drawn by script, and whose
reports are partly attachments. Not in START_URLS (the static crawls stay browser-free): start from
``JS_START_URL``; what a crawl must emit is ``JS_EXPECTED_REPORTS``.

Columns (all linked from the home page):
- 政府信息公开年报 ``/xxgk/nb/``: an empty ``<ul id="list">`` filled by ``fetch('/api/list?page=1&col=nb')``;
  the JSON API pages with ``?page=N`` (``totalPage`` 2). Page 2 links a PDF straight from the list
  (the PDF is the report; its title is the link text) and a 政府工作报告 (not a report).
- 街道信息公开年报 ``/col/col88/index.html``: Hanweb-style ``<datastore>`` with one CDATA record; the second
  record only comes from a POST to ``/module/web/jpage/dataproxy.jsp`` (XML; GET answers 405).
- 部门信息公开年报 ``/xxgk/bmnb/``: a list built by an XMLHttpRequest whose URL is assembled in script
  (``'/xxgk/bm'+'nb/data.'+'json'``): no endpoint can be read from the HTML; only a browser gets it.

Reports:
- 2023 district report: 浏览次数 by ``<script src="/module/visitcount/hits.jsp?id=1001">`` (document.write);
- 2022 district report: 浏览次数 by ``fetch('/api/views?id=1002')`` (JSON ``{"views": n}``);
- 2021 district report: a PDF linked from the JSON list (text layer, chinese);
- 城南街道 2023: a stub page whose report is a DOCX attachment;
- 江北街道 2023（图片版）: a stub page whose attachment is a scanned PDF (no text layer: needs OCR);
- 财政局 2023 (behind the browser-only list): 浏览次数 written by a synchronous XHR whose URL is
  assembled in script, so the count exists only in the rendered DOM.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from urllib.parse import parse_qs

from tests.fixtures.attachments.make_fixtures import chinese_pdf, scanned_pdf

from .common import Req, Resp, esc, not_found
from .texts import report_body

HOST = "www.jsq.gov.cn"
BASE = f"http://{HOST}"
JS_START_URL = f"{BASE}/"
SITE_NAME = "江山区人民政府"
ROBOTS = "User-agent: *\nDisallow: /manager/\n"
DATAPROXY = "/module/web/jpage/dataproxy.jsp"


def _views(art_id: int) -> int:
    return 100 + art_id % 900


# Each report: (id, url, title, agency, year, publish date, kind of page)
R_DOCWRITE = (1001, f"{BASE}/xxgk/nb/202403/t20240315_1001.html", "江山区人民政府2023年政府信息公开工作年度报告",
              "江山区人民政府办公室", 2023, dt.date(2024, 3, 15), "docwrite")
R_FETCH = (1002, f"{BASE}/xxgk/nb/202303/t20230320_1002.html", "江山区人民政府2022年政府信息公开工作年度报告",
           "江山区人民政府办公室", 2022, dt.date(2023, 3, 20), "fetch")
R_PDF = (1003, f"{BASE}/xxgk/nb/P020220301001.pdf", "江山区人民政府2021年政府信息公开工作年度报告",
         "江山区人民政府办公室", 2021, dt.date(2022, 3, 1), "pdf")
R_DOCX = (5001, f"{BASE}/art/2024/2/1/art_88_5001.html", "江山区城南街道办事处2023年政府信息公开工作年度报告",
          "江山区城南街道办事处", 2023, dt.date(2024, 2, 1), "docx_stub")
R_SCAN = (5002, f"{BASE}/art/2024/2/2/art_88_5002.html", "江山区江北街道办事处2023年政府信息公开工作年度报告（图片版）",
          "江山区江北街道办事处", 2023, dt.date(2024, 2, 2), "scan_stub")
R_RENDER = (3001, f"{BASE}/xxgk/bmnb/202402/t20240220_3001.html", "江山区财政局2023年政府信息公开工作年度报告",
            "江山区财政局", 2023, dt.date(2024, 2, 20), "rendered_counter")
REPORTS = [R_DOCWRITE, R_FETCH, R_PDF, R_DOCX, R_SCAN, R_RENDER]
DOCX_URL = f"{BASE}/picture/0/2402/cnjd2023nb.docx"
SCAN_URL = f"{BASE}/picture/0/2402/jbjd2023nb.pdf"
NON_REPORT = (f"{BASE}/xxgk/nb/202401/t20240110_1009.html", "江山区2024年政府工作报告")

JS_EXPECTED_REPORTS: list[dict] = [
    {"url": R_DOCWRITE[1], "title": R_DOCWRITE[2], "report_year": 2023, "views": _views(1001),
     "views_source": f"counter:{BASE}/module/visitcount/hits.jsp?id=1001", "text_source": None, "needs_ocr": None},
    {"url": R_FETCH[1], "title": R_FETCH[2], "report_year": 2022, "views": _views(1002),
     "views_source": f"counter:{BASE}/api/views?id=1002", "text_source": None, "needs_ocr": None},
    {"url": R_PDF[1], "title": R_PDF[2], "report_year": 2021, "views": None, "views_source": None,
     "text_source": "attachment", "needs_ocr": False, "attachment_types": ["application/pdf"]},
    {"url": R_DOCX[1], "title": R_DOCX[2], "report_year": 2023, "views": None, "views_source": None,
     "text_source": "attachment", "needs_ocr": False,
     "attachment_types": ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]},
    {"url": R_SCAN[1], "title": R_SCAN[2], "report_year": 2023, "views": None, "views_source": None,
     "text_source": "page", "needs_ocr": True, "attachment_types": ["application/pdf"]},
    {"url": R_RENDER[1], "title": R_RENDER[2], "report_year": 2023, "views": _views(3001),
     "views_source": "rendered", "text_source": None, "needs_ocr": None},
]
# Pages a crawl must render in the browser (and no others on this site).
JS_RENDERED_URLS = {f"{BASE}/xxgk/bmnb/", R_RENDER[1]}


def report_docx(title: str, agency: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for line in ("一、总体情况", "2023年，本街道认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息三百一十二条。",
                 "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "本年度新收申请七件，均已按期答复。",
                 "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
                 agency, "2024年1月20日"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{esc(title)}_{SITE_NAME}</title>"
            f"<meta name=\"SiteName\" content=\"{SITE_NAME}\"><meta name=\"SiteIDCode\" content=\"3307010001\">{head}</head>"
            f"<body><div class=\"top\"><a href=\"/\">首页</a> <a href=\"/xxgk/nb/\">政府信息公开年报</a></div>"
            f"{body}<div class=\"footer\">主办单位：{SITE_NAME} 网站标识码：3307010001</div></body></html>")


class JsSite:
    hosts = (HOST,)

    def __init__(self) -> None:
        self.by_path = {r[1].removeprefix(BASE): r for r in REPORTS}
        self._docx = report_docx(R_DOCX[2], R_DOCX[3])

    def _html(self, text: str) -> Resp:
        return Resp(body=text.encode("utf-8"), content_type="text/html; charset=utf-8", gzip_ok=True)

    def _json(self, data: object) -> Resp:
        return Resp(body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
                    content_type="application/json;charset=UTF-8", gzip_ok=True)

    def handle(self, req: Req) -> Resp:
        p = req.path
        if p == "/robots.txt":
            return Resp(body=ROBOTS.encode(), content_type="text/plain")
        if p in ("/", "/index.html"):
            return self._html(_page("首页", "<ul class=\"nav\"><li><a href=\"/xxgk/nb/\">政府信息公开年报</a></li>"
                                        "<li><a href=\"/col/col88/index.html\">街道信息公开年报</a></li>"
                                        "<li><a href=\"/xxgk/bmnb/\">部门信息公开年报</a></li></ul>"))
        if p == "/xxgk/nb/":
            return self._html(_page("政府信息公开年报", COLUMN_NB))
        if p == "/api/list":
            return self._json(self._list(int(req.query.get("page", "1") or 1)))
        if p == "/col/col88/index.html":
            return self._html(_page("街道信息公开年报", column_88()))
        if p == DATAPROXY:
            return self._dataproxy(req)
        if p == "/xxgk/bmnb/":
            return self._html(_page("部门信息公开年报", COLUMN_BMNB))
        if p == "/css/list.css" and not req.query:  # moved: the browser's request is redirected
            return Resp(status=302, body=b"", headers=[("Location", "/css/list.css?v=2")])
        if p == "/xxgk/bmnb/data.json":
            return self._json({"rows": [{"t": R_RENDER[2], "u": R_RENDER[1].removeprefix(BASE)}]})
        if p == "/module/visitcount/hits.jsp":
            n = _views(int(req.query.get("id", "0") or 0))
            return Resp(body=f"document.write(\"{n}\");".encode(), content_type="application/javascript")
        if p == "/api/views":
            return self._json({"views": _views(int(req.query.get("id", "0") or 0))})
        if p == R_PDF[1].removeprefix(BASE):
            return Resp(body=chinese_pdf(), content_type="application/pdf")
        if p == SCAN_URL.removeprefix(BASE):
            return Resp(body=scanned_pdf(), content_type="application/octet-stream")
        if p == DOCX_URL.removeprefix(BASE):
            return Resp(body=self._docx, content_type="application/msword")
        if p == NON_REPORT[0].removeprefix(BASE):
            return self._html(_page(NON_REPORT[1], f"<h1>{NON_REPORT[1]}</h1><p>政府工作报告正文。</p>"))
        if p in self.by_path:
            return self._html(self._report(self.by_path[p]))
        return not_found()

    def _list(self, page: int) -> dict:
        pages = {
            1: [R_DOCWRITE, R_FETCH],
            2: [R_PDF, (0, NON_REPORT[0], NON_REPORT[1], "", 0, dt.date(2024, 1, 10), "")],
        }
        rows = [{"title": r[2], "url": r[1].removeprefix(BASE), "date": r[5].isoformat()} for r in pages.get(page, [])]
        return {"code": 0, "page": page, "totalPage": len(pages), "data": rows}

    def _dataproxy(self, req: Req) -> Resp:
        if req.method != "POST":
            return Resp(status=405, body=b"<html><body>405 Method Not Allowed</body></html>", headers=[("Allow", "POST")])
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        start = int({**req.query, **form}.get("startrecord", "1") or 1)
        rows = [R_DOCX, R_SCAN]
        shown = rows[start - 1:start + 1]
        xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>2</totalrecord><recordset>"
               + "".join(_record(r) for r in shown) + "</recordset></datastore>")
        return Resp(body=xml.encode("utf-8"), content_type="text/xml; charset=UTF-8")

    def _report(self, r: tuple) -> str:
        art_id, url, title, agency, year, pub, kind = r
        if kind == "docwrite":
            counter = f"<script src=\"/module/visitcount/hits.jsp?id={art_id}\"></script>"
        elif kind == "fetch":
            counter = (f"<span id=\"views\"></span><script>fetch('/api/views?id={art_id}').then(function(r){{return r.json()}})"
                       ".then(function(d){document.getElementById('views').textContent=d.views})</script>")
        elif kind == "rendered_counter":
            # The endpoint's path exists only at run time (base64), and it is asked only once the counter's
            # position is inside the window (layout, checked on load and on scroll): neither a static
            # reading nor the script sandbox's stub DOM, which has no positions, shows it.
            counter = ("<script>(function(){var asked=false;function look(){var el=document.getElementById('vc');"
                       "if(asked||!el||el.getBoundingClientRect().top>window.innerHeight)return;asked=true;"
                       f"var x=new XMLHttpRequest();x.open('GET',atob('L2FwaS92aWV3cw==')+'?id={art_id}');x.onload=function(){{"
                       "el.textContent=JSON.parse(x.responseText).views;};x.send();}"
                       "window.addEventListener('scroll',look);document.addEventListener('DOMContentLoaded',look);})();</script>"
                       "<span id=\"vc\"></span>")
        else:
            counter = ""
        if kind == "docx_stub":
            content = (f"<p>{esc(title)}详见附件。</p><p>附件：<a href=\"{DOCX_URL}\">{esc(title)}.docx</a></p>")
        elif kind == "scan_stub":
            content = f"<p>附件：<a href=\"{SCAN_URL}\">{esc(title)}.pdf</a></p>"
        else:
            content = report_body(agency, year, "district", pub)
        meta_line = f"发布日期：{pub:%Y-%m-%d}　来源：{esc(agency)}"
        if counter:
            meta_line += f"　浏览次数：{counter}"
        head = (f"<meta name=\"ArticleTitle\" content=\"{esc(title)}\"><meta name=\"PubDate\" content=\"{pub:%Y-%m-%d}\">"
                f"<meta name=\"ContentSource\" content=\"{esc(agency)}\">")
        return _page(title, f"<div class=\"detail\"><h1>{esc(title)}</h1><div class=\"info\">{meta_line}</div>"
                            f"<div class=\"TRS_Editor\">{content}</div></div>", head)


def _record(r: tuple) -> str:
    return (f"<record><![CDATA[\n<li><a href=\"{r[1].removeprefix(BASE)}\" title=\"{esc(r[2])}\">{esc(r[2])}</a>"
            f"<span>{r[5]:%Y-%m-%d}</span></li>\n]]></record>")


COLUMN_NB = (
    "<h2>政府信息公开年报</h2><ul id=\"list\" class=\"list\"></ul>"
    "<script>fetch('/api/list?page=1&col=nb').then(function(r){return r.json()}).then(function(d){"
    "var h='';d.data.forEach(function(x){h+='<li><a href=\"'+x.url+'\">'+x.title+'</a></li>'});"
    "document.getElementById('list').innerHTML=h;});</script>"
)

# The browser-only column also pulls what a crawl must never fetch (crawler/browser_handler.py): an
# analytics script of another host, and a tracker under a path robots.txt disallows; and a
# stylesheet and an image (the image type is not given to chromium).
COLUMN_BMNB = (
    "<h2>部门信息公开年报</h2><link rel=\"stylesheet\" href=\"/css/list.css\"><img src=\"/images/banner.png\">"
    "<script src=\"http://hm.baidu.com/hm.js?3f2a9c\"></script>"
    "<script>var t=new XMLHttpRequest();t.open('GET','/manager/stat.do?p=bmnb');t.send();</script>"
    "<div id=\"app-list\" class=\"list\"></div>"
    "<script>(function(){var x=new XMLHttpRequest();x.open('GET','/xxgk/bm'+'nb/data.'+'json');"
    "x.onload=function(){var d=JSON.parse(x.responseText),h='';d.rows.forEach(function(r){"
    "h+='<li><a href=\"'+r.u+'\">'+r.t+'</a></li>'});document.getElementById('app-list').innerHTML=h;};"
    "x.send();})();</script>"
)


def column_88() -> str:
    return ("<h2>街道信息公开年报</h2><div id=\"9001\"><script type=\"text/xml\"><datastore>\n"
            f"<nextgroup><![CDATA[<a href=\"{DATAPROXY}?page=1&appid=1&webid=5&path=/&columnid=88&unitid=9001"
            "&webname=江山区&permissiontype=0\"></a>]]></nextgroup>\n"
            f"<recordset>\n{_record(R_DOCX)}\n</recordset></datastore></script>"
            "<script>jpageInit({unitid:9001,columnid:88,perpage:1,totalRecord:2,"
            f"proxyUrl:'{DATAPROXY}'}});</script></div>")
