"""河阳区人民政府 (www.hyq.gov.cn) and its 城关街道 sub-site (cgjd.hyq.gov.cn): 大汉 Hanweb JCMS, UTF-8.

Navigation: home nav link 政务公开 (``/col/col1201/index.html``) → left menu link 政府信息公开年报
(``/col/col1234/index.html``). The home's 街道/镇 box links 城关街道 (``http://cgjd.hyq.gov.cn/``) and
临江镇 (``http://ljz.hyq.gov.cn/``, a host that does not resolve: the proxy answers 502). The sub-site's
nav link 信息公开 (``/col/col3300/index.html``) → left menu link 信息公开年报 (``/col/col3301/index.html``).

Hazards living here:
- list items exist only as CDATA inside ``<script type="text/xml"><datastore>…</datastore></script>``:
  static HTML, but not parsed as links by an HTML parser;
- the reports on 2008–2012 are in the column's second group, served only by a POST to
  ``/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15`` (GET answers 405):
  ``JS_ONLY_REPORTS``. With JavaScript, the page's own script POSTs on load and appends them;
- 浏览次数 is written by ``/module/visitcount/articlehits.jsp`` (a script): views are unknown;
- ``;jsessionid=…`` (fresh per render) on the 热点信息 links to reports also listed cleanly;
- the 2018 report is linked through a meta-refresh stub (``REFRESH_STUB``);
- a dead link (404) in the list: 河阳区2014年政府信息公开年度报告（附件下载）;
- non-reports in the column: 2023年政府工作报告, 河阳区人民政府办公室2022年部门预决算报告, a news item;
- gzip when asked (both hosts).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, quote

from .common import (
    PageDef,
    ReportDef,
    Req,
    Resp,
    esc,
    not_found,
    paragraphs_html,
    publish_date_for,
    session_id,
    today_cn,
)
from .texts import report_body

HOST = "www.hyq.gov.cn"
SUB_HOST = "cgjd.hyq.gov.cn"
DEAD_SUB_HOST = "ljz.hyq.gov.cn"
BASE = f"http://{HOST}"
SUB_BASE = f"http://{SUB_HOST}"
SITE_NAME = "河阳区人民政府"
SUB_NAME = "河阳区城关街道办事处"
SITE_ID = "3302050003"
AGENCY = "河阳区人民政府"
COL_ID = 1234
SUB_COL_ID = 3301
UNIT_ID = 5678
PER_PAGE = 15
DATAPROXY = "/module/web/jpage/dataproxy.jsp"

COLUMNS = {  # column id -> (name, host)
    1201: ("政务公开", HOST), 1234: ("政府信息公开年报", HOST), 1236: ("工作动态", HOST), 1240: ("政府工作报告", HOST),
    1250: ("财政预决算", HOST), 1202: ("政府信息公开指南", HOST), 1203: ("法定主动公开内容", HOST),
    3300: ("信息公开", SUB_HOST), 3301: ("信息公开年报", SUB_HOST), 3302: ("财政信息", SUB_HOST),
    3303: ("工作动态", SUB_HOST),
}
ROBOTS = "User-agent: *\nDisallow: /manager/\nDisallow: /module/jslib/\n"


def art_url(base: str, col: int, d: dt.date, art_id: int) -> str:
    return f"{base}/art/{d.year}/{d.month}/{d.day}/art_{col}_{art_id}.html"


def _build_reports() -> list[ReportDef]:
    reports = []
    for year in range(2023, 2007, -1):
        pub = publish_date_for(AGENCY, year)
        title = (f"河阳区人民政府{year}年政府信息公开年度报告" if 2015 <= year <= 2018
                 else f"河阳区{year}年政府信息公开工作年度报告")
        art_id = 5000 + (year - 2000) * 7
        rep = ReportDef(url=art_url(BASE, COL_ID, pub, art_id), title=title, agency=AGENCY, publish_date=pub,
                        report_year=year, kind="district", js_only=year <= 2012)
        if rep.js_only:
            rep.note = "only in the POST dataproxy's second group"
        if year == 2018:
            rep.link_url = art_url(BASE, COL_ID, pub - dt.timedelta(days=3), art_id + 90000)
            rep.note = "linked through a meta-refresh stub"
        reports.append(rep)
    for year in range(2023, 2018, -1):
        pub = publish_date_for(SUB_NAME, year, latest_month=1)
        title = f"{SUB_NAME}{year}年政府信息公开工作年度报告"
        reports.append(ReportDef(url=art_url(SUB_BASE, SUB_COL_ID, pub, 7000 + year), title=title, agency=SUB_NAME,
                                 publish_date=pub, report_year=year, kind="street",
                                 link_text=title[:22] + "…", note="street office's own sub-site"))
    return reports


def _build_pages() -> list[PageDef]:
    return [
        PageDef(art_url(BASE, 1240, dt.date(2023, 1, 12), 6102), "2023年政府工作报告", dt.date(2023, 1, 12), "work_report",
                "——2023年1月8日在河阳区第九届人民代表大会第二次会议上\n各位代表：\n现在，我代表区人民政府向大会报告工作，请予审议。\n"
                "过去一年，全区经济运行稳中有进，地区生产总值增长4.8%。"),
        PageDef(art_url(BASE, 1250, dt.date(2022, 2, 28), 6101), "河阳区人民政府办公室2022年部门预决算报告",
                dt.date(2022, 2, 28), "budget",
                "一、部门基本情况\n区政府办公室是区政府的综合办事机构。\n二、2022年部门预算收支情况\n"
                "2022年部门收入预算2863.5万元，支出预算2863.5万元。"),
        PageDef(art_url(BASE, 1236, dt.date(2023, 3, 2), 6201), "区政务公开办召开2023年政务公开工作推进会", dt.date(2023, 3, 2),
                "news", "3月2日，区政务公开办召开2023年政务公开工作推进会，通报2022年度政府信息公开工作年度报告发布情况。"),
        PageDef(art_url(BASE, COL_ID, dt.date(2015, 3, 30), 5999), "河阳区2014年政府信息公开年度报告（附件下载）",
                dt.date(2015, 3, 30), "dead"),
        PageDef(art_url(SUB_BASE, 3302, dt.date(2023, 2, 10), 7101), "城关街道办事处2023年部门预算", dt.date(2023, 2, 10),
                "budget", "城关街道办事处2023年部门预算收入合计1520.3万元，支出合计1520.3万元。"),
    ]


REPORTS = _build_reports()
PAGES = _build_pages()
REFRESH_STUB = next(r for r in REPORTS if r.link_url)


def _split(url: str) -> tuple[str, str]:
    host_path = url.split("://", 1)[1]
    host, _, path = host_path.partition("/")
    return host, "/" + path


def _column_records(col: int) -> list[tuple[dt.date, str, str, str]]:
    """(date, href, title, shown text) of a column, newest first, as the datastore lists them."""
    target = {COL_ID: HOST, SUB_COL_ID: SUB_HOST}.get(col)
    rows = []
    for r in REPORTS:
        host, path = _split(r.listed_url)
        if host == target:
            rows.append((r.publish_date, path, r.title, r.link_text or r.title))
    for pg in PAGES:
        host, path = _split(pg.url)
        if host == target:
            rows.append((pg.date, path, pg.title, pg.title))
    return sorted(rows, key=lambda row: row[0], reverse=True)


def _record(row: tuple[dt.date, str, str, str]) -> str:
    d, href, title, text = row
    return (f"<record><![CDATA[\n<li><a href=\"{href}\" title=\"{esc(title)}\" target=\"_blank\">{esc(text)}</a>"
            f"<span class=\"bt_time\">{d:%Y-%m-%d}</span></li>\n]]></record>")


class HanwebSite:
    """Both Hanweb hosts: the district portal and the street office's sub-site share one renderer."""

    hosts = (HOST, SUB_HOST)

    def __init__(self) -> None:
        self.reports = {_split(r.url): r for r in REPORTS}
        self.pages = {_split(p.url): p for p in PAGES if p.kind != "dead"}
        self.stubs = {_split(r.link_url): r for r in REPORTS if r.link_url}

    def _html(self, text: str, status: int = 200) -> Resp:
        return Resp(status=status, body=text.encode("utf-8"), content_type="text/html; charset=UTF-8", gzip_ok=True)

    def handle(self, req: Req) -> Resp:
        key = (req.host, req.path)
        sub = req.host == SUB_HOST
        p = req.path
        if p == "/robots.txt":
            return Resp(body=ROBOTS.encode(), content_type="text/plain")
        if p in ("/", "/index.html"):
            return self._html(self._sub_home() if sub else self._home())
        if p == DATAPROXY:
            return self._dataproxy(req)
        if p == "/module/visitcount/articlehits.jsp":
            n = 100 + int(req.query.get("artid", "0") or 0) % 900
            return Resp(body=f"document.write(\"{n}\");".encode(), content_type="application/javascript")
        if p == "/module/web/jpage/jpage.js":
            return Resp(body=JPAGE_JS.encode(), content_type="application/javascript", gzip_ok=True)
        m = re.fullmatch(r"/col/col(\d+)/index\.html", p)
        if m:  # every column id answers, most with 暂无信息, as a JCMS does
            return self._html(self._column(int(m.group(1)), req.host))
        if key in self.reports:
            return self._html(self._report(self.reports[key]))
        if key in self.pages:
            return self._html(self._article(self.pages[key]))
        if key in self.stubs:
            target = _split(self.stubs[key].url)[1]
            return self._html("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">"
                              f"<meta http-equiv=\"refresh\" content=\"0;url={target}\"><title>页面跳转</title></head>"
                              f"<body>页面正在跳转，如未跳转请<a href=\"{target}\">点击这里</a>。</body></html>")
        return not_found()

    # -- the POST list API -----------------------------------------------------------------------
    def _dataproxy(self, req: Req) -> Resp:
        if req.method != "POST":
            return Resp(status=405, body=b"<html><body>405 Method Not Allowed</body></html>", headers=[("Allow", "POST")])
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        params = {**req.query, **form}
        try:
            col = int(params.get("columnid", "0"))
            start = max(1, int(params.get("startrecord", "1")))
            end = int(params.get("endrecord", str(start + PER_PAGE - 1)))
        except ValueError:
            col, start, end = 0, 1, 0
        rows = _column_records(col) if col in (COL_ID, SUB_COL_ID) else []
        shown = rows[start - 1:end]
        xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore>"
               f"<totalrecord>{len(rows)}</totalrecord><totalpage>{-(-len(rows) // PER_PAGE)}</totalpage><recordset>\n"
               + "\n".join(_record(r) for r in shown) + "\n</recordset></datastore>")
        return Resp(body=xml.encode("utf-8"), content_type="text/xml; charset=UTF-8", gzip_ok=True)

    # -- chrome ----------------------------------------------------------------------------------
    def _head(self, title: str, host: str, metas: dict[str, str] | None = None) -> str:
        name = SUB_NAME if host == SUB_HOST else SITE_NAME
        meta_html = "".join(f"<meta name=\"{k}\" content=\"{esc(v)}\">\n" for k, v in (metas or {}).items())
        return f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<link href="/script/page.css" type="text/css" rel="stylesheet">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<title>{esc(title)}</title>
<meta name="SiteName" content="{name}">
<meta name="SiteDomain" content="{host}">
<meta name="SiteIDCode" content="{SITE_ID}">
{meta_html}<link rel="stylesheet" type="text/css" href="/images/12/hanweb.css">
</head>
<body>
<div class="top"><div class="w1200"><span class="date">今天是：{today_cn()}</span>
<a href="javascript:void(0)" id="barrierfree">无障碍</a> | <a href="/col/col1299/index.html">长者模式</a></div></div>
<div class="head w1200"><a href="/" class="logo">{name}</a>
<form action="/jrobot/search.do" method="get"><input name="q" placeholder="请输入搜索内容"><button>搜索</button></form></div>
"""

    def _nav(self, sub: bool) -> str:
        if sub:
            return """<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/col/col3303/index.html">工作动态</a></li>
<li><a href="/col/col3300/index.html">信息公开</a></li><li><a href="http://www.hyq.gov.cn/">河阳区政府门户网站</a></li></ul></div>
"""
        return """<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/col/col1210/index.html">走进河阳</a></li>
<li><a href="/col/col1236/index.html">新闻动态</a></li><li><a href="/col/col1201/index.html">政务公开</a></li>
<li><a href="/col/col1220/index.html">政务服务</a></li><li><a href="/col/col1230/index.html">互动交流</a></li></ul></div>
"""

    def _foot(self, sub: bool) -> str:
        sponsor = "河阳区城关街道办事处" if sub else "河阳区人民政府办公室"
        return f"""<div class="yqlj w1200"><select onchange="window.open(this.value)"><option>—— 相关链接 ——</option>
<option value="http://www.gov.cn/">中国政府网</option></select>
<a href="http://www.gov.cn/" target="_blank">中国政府网</a> <a href="http://www.lsx.gov.cn/" target="_blank">临水县</a></div>
<div class="footer"><table width="1200" align="center"><tr>
<td width="170"><a href="http://bszs.conac.cn/sitename?method=show&id=0A1B2C3D" target="_blank"><img src="/images/12/red.png"></a></td>
<td><p><a href="/col/col1291/index.html">网站地图</a> 丨 <a href="/col/col1292/index.html">联系我们</a> 丨 <a href="/col/col1293/index.html">隐私声明</a></p>
<p>主办：{sponsor}　承办：河阳区大数据发展管理局　地址：河阳区人民路88号　电话：0575-8812345</p>
<p>网站标识码：{SITE_ID}　<a href="https://beian.miit.gov.cn/" target="_blank">浙ICP备12034567号-1</a>　浙公网安备 33060202000456号</p>
<p>技术支持：南京大汉网络有限公司</p></td></tr></table></div>
<a href="http://www.hanweb.com" style="display:none">Produced By 大汉网络 大汉版通发布系统</a>
<script language="javascript" src="/script/web_front.js"></script>
</body></html>"""

    def _hot(self) -> str:
        """热点信息 with cookieless-session links: same reports, fresh jsessionid each render."""
        latest = [r for r in REPORTS if r.kind == "district"][:2]
        news = [p for p in PAGES if p.kind == "news"]
        items = [(r.url, r.title) for r in latest] + [(p.url, p.title) for p in news]
        lis = "".join(f"<li><a href=\"{_split(u)[1]};jsessionid={session_id()}\" target=\"_blank\">{esc(t)}</a></li>"
                      for u, t in items)
        return f"<div class=\"hot\"><h3>热点信息</h3><ul>{lis}</ul></div>"

    # -- pages -----------------------------------------------------------------------------------
    def _home(self) -> str:
        news = [p for p in PAGES if p.kind == "news"]
        lis = "".join(f"<li><a href=\"{_split(p.url)[1]}\">{esc(p.title)}</a><span>{p.date:%m-%d}</span></li>" for p in news)
        return (self._head(SITE_NAME, HOST, {"ColumnName": "首页"}) + self._nav(False)
                + f"""<div class="main w1200">
<div class="xwdt"><h2><a href="/col/col1236/index.html">新闻动态</a></h2><ul>{lis}</ul></div>
<div class="zwgk"><h2><a href="/col/col1201/index.html">政务公开</a></h2>
<ul><li><a href="/col/col1202/index.html">政府信息公开指南</a></li><li><a href="/col/col1234/index.html">政府信息公开年报</a></li></ul></div>
<div class="jdz"><h2>街道/镇</h2><ul><li><a href="http://cgjd.hyq.gov.cn/" target="_blank">城关街道</a></li>
<li><a href="http://ljz.hyq.gov.cn/" target="_blank">临江镇</a></li></ul></div>
{self._hot()}
</div>
""" + self._foot(False))

    def _sub_home(self) -> str:
        return (self._head(SUB_NAME, SUB_HOST, {"ColumnName": "首页"}) + self._nav(True)
                + """<div class="main w1200"><div class="jdgk"><h2>街道概况</h2><p>城关街道位于河阳区中部，辖12个社区，常住人口8.6万人。</p></div>
<div class="xxgk"><h2><a href="/col/col3300/index.html">信息公开</a></h2><ul>
<li><a href="/col/col3301/index.html">信息公开年报</a></li><li><a href="/col/col3302/index.html">财政信息</a></li></ul></div></div>
""" + self._foot(True))

    def _left(self, host: str) -> str:
        if host == SUB_HOST:
            cols = [3300, 3301, 3302]
        else:
            cols = [1202, 1203, 1234, 1240, 1250]
        lis = "".join(f"<li><a href=\"/col/col{c}/index.html\">{COLUMNS[c][0]}</a></li>" for c in cols)
        return f"<div class=\"left\"><h2>{'信息公开' if host == SUB_HOST else '政务公开'}</h2><ul>{lis}</ul></div>"

    def _column(self, col: int, host: str) -> str:
        name = COLUMNS.get(col, ("栏目", host))[0]
        sub = host == SUB_HOST
        parent = (3300, "信息公开") if sub else (1201, "政务公开")
        crumbs = (f"<div class=\"crumbs\">当前位置：<a href=\"/\">首页</a> &gt; "
                  f"<a href=\"/col/col{parent[0]}/index.html\">{parent[1]}</a> &gt; <span>{name}</span></div>")
        rows = _column_records(col) if col in (COL_ID, SUB_COL_ID) else []
        static = rows[:PER_PAGE]
        records = "\n".join(_record(r) for r in static)
        web = quote("河阳区城关街道" if sub else "河阳区人民政府")
        datastore = (f"<div id=\"{UNIT_ID}\"><script type=\"text/xml\"><datastore>\n"
                     f"<nextgroup><![CDATA[<a href=\"{DATAPROXY}?page=1&appid=1&webid=12&path=/&columnid={col}"
                     f"&unitid={UNIT_ID}&webname={web}&permissiontype=0\"></a>]]></nextgroup>\n"
                     f"<recordset>\n{records}\n</recordset></datastore></script>"
                     f"<script language=\"javascript\" src=\"/module/web/jpage/jpage.js\"></script>"
                     f"<script>jpageInit({{unitid:{UNIT_ID},columnid:{col},perpage:{PER_PAGE},totalRecord:{len(rows)},"
                     f"proxyUrl:'{DATAPROXY}'}});</script></div>")
        if not rows:
            datastore = "<div class=\"empty\">暂无信息</div>"
        right = f"<div class=\"right\"><h2>{name}</h2>{datastore}</div>"
        hot = "" if sub else self._hot()
        return (self._head(f"{name} {SUB_NAME if sub else SITE_NAME}", host, {"ColumnName": name, "ColumnType": name})
                + self._nav(sub) + crumbs + f"<div class=\"main w1200\">{self._left(host)}{right}{hot}</div>"
                + self._foot(sub))

    def _article_frame(self, host: str, col: int, title: str, pub: dt.date, source: str, content: str,
                       art_id: int, url: str) -> str:
        sub = host == SUB_HOST
        name = COLUMNS.get(col, ("信息公开", host))[0]
        metas = {"Maketime": f"{pub:%Y-%m-%d} 15:20:11", "ColumnName": name, "ColumnType": "",
                 "ArticleTitle": title, "PubDate": f"{pub:%Y-%m-%d} 15:20", "author": "", "description": title[:60],
                 "keywords": "政府信息公开 年度报告", "contentSource": source, "url": url}
        index_no = f"{SITE_ID[:4]}{art_id:06d}/{pub:%Y}-{art_id % 1000:05d}"
        parent = (3300, "信息公开") if sub else (1201, "政务公开")
        return (self._head(title, host, metas) + self._nav(sub)
                + f"""<div class="crumbs w1200">当前位置：<a href="/">首页</a> &gt; <a href="/col/col{parent[0]}/index.html">{parent[1]}</a> &gt; <a href="/col/col{col}/index.html">{name}</a></div>
<div class="main w1200 article">
<table class="xxgk_table"><tr><td>索引号：</td><td>{index_no}</td><td>公开方式：</td><td>主动公开</td></tr>
<tr><td>发布机构：</td><td>{esc(source)}</td><td>生成日期：</td><td>{pub:%Y-%m-%d}</td></tr>
<tr><td>文号：</td><td></td><td>公开范围：</td><td>面向社会</td></tr></table>
<div class="title">{esc(title)}</div>
<div class="info">发布日期：{pub:%Y-%m-%d}　信息来源：{esc(source)}　浏览次数：<span id="a_visit"><script language="javascript" src="/module/visitcount/articlehits.jsp?colid={col}&artid={art_id}"></script></span>
　字号：〖<a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(12)">小</a>〗</div>
<div id="zoom">
{content}
</div>
<div class="bdsharebuttonbox">分享到：<a href="#" class="bds_weixin" data-cmd="weixin">微信</a><a href="#" class="bds_tsina" data-cmd="tsina">新浪微博</a></div>
<div class="tools"><a href="javascript:window.print()">打印本页</a>　<a href="javascript:window.close()">关闭窗口</a></div>
<script>window._bd_share_config={{"common":{{"bdSnsKey":{{}},"bdText":"","bdMini":"2","bdStyle":"0","bdSize":"24"}},"share":{{}}}};</script>
</div>
""" + self._foot(sub))

    def _report(self, rep: ReportDef) -> str:
        host, path = _split(rep.url)
        m = re.search(r"art_(\d+)_(\d+)\.html", path)
        assert m
        content = report_body(rep.agency, rep.report_year, rep.kind, rep.publish_date)
        return self._article_frame(host, int(m.group(1)), rep.title, rep.publish_date, rep.agency, content,
                                   int(m.group(2)), rep.url)

    def _article(self, page: PageDef) -> str:
        host, path = _split(page.url)
        m = re.search(r"art_(\d+)_(\d+)\.html", path)
        assert m
        source = SUB_NAME if host == SUB_HOST else "河阳区人民政府办公室"
        return self._article_frame(host, int(m.group(1)), page.title, page.date, source, paragraphs_html(page.body),
                                   int(m.group(2)), page.url)


# Just enough of Hanweb's jpage for a browser: render the static records, then POST for the next group
# on load and append it, so a JavaScript-executing crawler sees every item as a link.
JPAGE_JS = r"""
function jpageInit(cfg){
  function render(xml, box){
    var re=/<!\[CDATA\[([\s\S]*?)\]\]>/g, m, html='';
    while((m=re.exec(xml))){ if(m[1].indexOf('<li')>=0) html+=m[1]; }
    box.insertAdjacentHTML('beforeend', html);
  }
  var unit=document.getElementById(String(cfg.unitid));
  var ul=document.createElement('ul'); ul.className='jpage-list'; unit.appendChild(ul);
  var store=unit.querySelector('script[type="text/xml"]');
  if(store) render(store.textContent, ul);
  if(cfg.totalRecord>cfg.perpage){
    var xhr=new XMLHttpRequest();
    xhr.open('POST', cfg.proxyUrl+'?startrecord='+(cfg.perpage+1)+'&endrecord='+(cfg.perpage*2)+'&perpage='+cfg.perpage);
    xhr.setRequestHeader('Content-Type','application/x-www-form-urlencoded');
    xhr.onload=function(){ render(xhr.responseText, ul); };
    xhr.send('col=1&appid=1&webid=12&path=%2F&columnid='+cfg.columnid+'&sourceContentType=1&unitid='+cfg.unitid+'&permissiontype=0');
  }
}
"""
