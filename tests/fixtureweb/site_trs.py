"""清河区人民政府 (www.qhq.gov.cn): a TRS WCM portal served as GBK bytes.

Navigation a crawler must follow: home nav link 政务公开 (``/zfxxgk/``) → left menu link
政府信息公开年度报告 (``/zfxxgk/zfxxgknb/index.html``) → sub-column links 2023年度街道年报 and 2022年度街道年报
(``/zfxxgk/zfxxgknb/2023nb/xzjd/index.html``, ``…/2022nb/xzjd/index.html``).

Hazards living here:
- every page is GBK bytes with ``<meta … charset=gb2312>`` and a bare ``Content-Type: text/html``;
  the 2016 and 2020 reports name 王堃 and 李镕 (堃 and 镕 are GBK, not GB2312);
- list pages ``index.html``, ``index_1.html``, ``index_2.html`` whose count exists only in
  ``createPageHTML(3, n, "index", "html")``; no ``<a>`` points at ``index_1.html``;
- link texts truncated with … and the full title in ``title=``;
- the 2013 report is linked by an old URL: 301 → 302 → its final URL (``REDIRECT_CHAIN``);
- the 2019 report answers 503 on its first request, then 200 (``TRANSIENT_503``);
- reports on 2008–2012 carry a CMS-migration ``PubDate`` meta (2019-06-30) that is not their date;
  the visible 公开日期/发布时间 is;
- the 2017 report is a Word export (MsoNormal, split spans);
- non-reports in the column: 2023年政府工作报告, 2022年国民经济和社会发展统计公报,
  关于做好2022年政府信息公开工作年度报告编制发布工作的通知;
- ``/zfxxgk/zfxxgknb/bigreport.html``: a 30 MB chunked page linked as if it were a report;
- ``robots.txt`` disallows ``/private/``, where the column links a report-looking 送审稿;
- ``/zfxxgk/zfxxgknb/calendar?month=YYYY-MM``: an endless calendar (上个月/下个月 forever, no reports);
- footer links to www.gov.cn, www.baidu.com and www.lsx.gov.cn (not in the start set).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from .common import (
    PageDef,
    ReportDef,
    Req,
    Resp,
    chunks,
    esc,
    not_found,
    paragraphs_html,
    publish_date_for,
    redirect,
    today_cn,
)
from .texts import report_body

HOST = "www.qhq.gov.cn"
BASE = f"http://{HOST}"
SITE_NAME = "清河区人民政府"
SITE_ID = "4113020011"
AGENCY = "清河区人民政府"
COL = "/zfxxgk/zfxxgknb/"
COL_NAME = "政府信息公开年度报告"
PAGE_SIZE = 8
BIG_SIZE = 30 * 1024 * 1024
MIGRATION_STAMP = "2019-06-30 09:00:00"
STREETS = {2023: ["东关街道办事处", "西营街道办事处", "南湖街道办事处", "北苑街道办事处"],
           2022: ["东关街道办事处", "西营街道办事处", "南湖街道办事处"]}
GBK_EXTRA = "区政府办公室主任王堃同志任政府信息公开工作领导小组副组长，区档案馆馆长李镕同志负责政府信息查阅场所建设。"

ROBOTS = "User-agent: *\nDisallow: /private/\nDisallow: /wcm/\n"


def _district_title(year: int) -> str:
    if year <= 2013:
        return f"清河区人民政府{year}年政府信息公开工作年度报告"
    if year <= 2018:
        return f"清河区{year}年政府信息公开工作的年度报告"
    if year == 2021:
        return f"清河区人民政府{year}年度政府信息公开工作年度报告"
    return f"清河区{year}年政府信息公开工作年度报告"


def _truncate(title: str, limit: int = 20) -> str | None:
    return title[:limit] + "…" if len(title) > limit + 1 else None


def _article_path(folder: str, pub: dt.date, art_id: int) -> str:
    return f"{folder}{pub:%Y%m}/t{pub:%Y%m%d}_{art_id}.shtml"


def _build_reports() -> list[ReportDef]:
    reports = []
    for year in range(2023, 2007, -1):
        pub = publish_date_for(AGENCY, year)
        art_id = 30000 + year
        title = _district_title(year)
        rep = ReportDef(url=BASE + _article_path(COL, pub, art_id), title=title, agency=AGENCY,
                        publish_date=pub, report_year=year, kind="district", link_text=_truncate(title, 18))
        if year == 2013:
            rep.link_url = f"{BASE}/xxgk/nb/2013/t{pub:%Y%m%d}_{art_id}.htm"
            rep.note = "redirect chain 301 → 302"
        if year == 2019:
            rep.note = "transient 503 on first request"
        if year <= 2012:
            rep.note = f"PubDate meta is a migration stamp ({MIGRATION_STAMP})"
        if year == 2017:
            rep.word_style = True
            rep.note = "Word export: dates split across spans"
        if year in (2016, 2020):
            rep.note = "GBK-only characters 堃 镕 in the text"
        reports.append(rep)
    for year, streets in STREETS.items():
        for i, street in enumerate(streets):
            agency = f"清河区{street}"
            pub = publish_date_for(agency, year, latest_month=1)
            title = f"{agency}{year}年政府信息公开工作年度报告"
            reports.append(ReportDef(
                url=BASE + _article_path(f"{COL}{year}nb/xzjd/", pub, 50000 + year * 10 + i), title=title,
                agency=agency, publish_date=pub, report_year=year, kind="street", link_text=_truncate(title),
                note="street office report in a year folder"))
    return reports


def _build_pages() -> list[PageDef]:
    return [
        PageDef(f"{BASE}{COL}202212/t20221209_41001.shtml", "关于做好2022年政府信息公开工作年度报告编制发布工作的通知",
                dt.date(2022, 12, 9), "notice",
                "各街道办事处，区政府各部门：\n根据《中华人民共和国政府信息公开条例》规定，现就做好2022年政府信息公开工作年度报告"
                "编制发布工作通知如下。\n一、各单位应于2023年1月31日前向社会公布本单位2022年政府信息公开工作年度报告。\n"
                "二、年度报告应严格按照国务院办公厅政府信息与政务公开办公室印发的格式模板编制。\n清河区人民政府办公室\n2022年12月9日"),
        PageDef(f"{BASE}/zfxxgk/zfgzbg/202301/t20230110_41002.shtml", "2023年政府工作报告", dt.date(2023, 1, 10),
                "work_report",
                "——2023年1月6日在清河区第十八届人民代表大会第三次会议上\n各位代表：\n现在，我代表区人民政府，向大会报告工作，请予审议。\n"
                "一、2022年工作回顾\n过去一年，全区地区生产总值增长5.1%，一般公共预算收入完成31.6亿元。\n二、2023年主要任务\n"
                "坚持稳中求进工作总基调，扎实推进高质量发展。"),
        PageDef(f"{BASE}/zfxxgk/tjxx/202303/t20230320_41003.shtml", "清河区2022年国民经济和社会发展统计公报",
                dt.date(2023, 3, 20), "statistics",
                "2022年，全区实现地区生产总值486.3亿元，按可比价格计算，比上年增长5.1%。\n一、综合\n年末全区常住人口52.8万人。\n"
                "二、农业\n全年粮食总产量12.4万吨。\n三、工业和建筑业\n规模以上工业增加值增长6.3%。"),
        PageDef(f"{BASE}{COL}bigreport.html", "清河区政府信息公开年度报告（全文）", dt.date(2023, 2, 1), "huge"),
        PageDef(f"{BASE}/private/nbsg/t20240110_49001.shtml", "清河区2023年政府信息公开工作年度报告（送审稿）",
                dt.date(2024, 1, 10), "private", "内部审阅稿，请勿外传。"),
        PageDef(f"{BASE}/xwzx/qhyw/202403/t20240305_42001.shtml", "清河区召开2024年政务公开工作会议", dt.date(2024, 3, 5),
                "news", "3月5日，清河区召开2024年政务公开工作会议，总结2023年工作，部署2024年重点任务。"),
        PageDef(f"{BASE}/xwzx/qhyw/202402/t20240226_42002.shtml", "我区举办政府信息公开业务培训班", dt.date(2024, 2, 26),
                "news", "2月26日，区政务公开办举办全区政府信息公开业务培训班，各街道、各部门信息公开工作人员80余人参加。"),
    ]


REPORTS = _build_reports()
PAGES = _build_pages()
REDIRECT_CHAIN = [r for r in REPORTS if r.link_url][0]
TRANSIENT_503 = next(r for r in REPORTS if r.report_year == 2019 and r.kind == "district")
CALENDAR_PATH = f"{COL}calendar"
CALENDAR_START = f"{BASE}{CALENDAR_PATH}?month=2023-01"


def _path(url: str) -> str:
    return url[len(BASE):]


class TrsSite:
    """The GBK TRS portal: routes by path, renders every page from REPORTS and PAGES."""

    hosts = (HOST,)

    def __init__(self) -> None:
        self.reports = {_path(r.url): r for r in REPORTS}
        self.pages = {_path(p.url): p for p in PAGES if p.kind != "huge"}
        chain = REDIRECT_CHAIN
        old = _path(chain.listed_url)
        mid = "/zfxxgk/nb/" + old.rsplit("/", 1)[1].replace(".htm", ".shtml")
        self.redirects = {old: (301, BASE + mid), mid: (302, chain.url)}

    # -- transport -------------------------------------------------------------------------------
    def _html(self, text: str, status: int = 200) -> Resp:
        return Resp(status=status, body=text.encode("gbk", errors="xmlcharrefreplace"), content_type="text/html")

    def handle(self, req: Req) -> Resp:
        p = req.path
        if p == "/robots.txt":
            return Resp(body=ROBOTS.encode(), content_type="text/plain")
        if p in ("/", "/index.html", "/index.shtml"):
            return self._html(self._home())
        if p in ("/zfxxgk/", "/zfxxgk/index.html"):
            return self._html(self._section())
        if p in self.redirects:
            status, loc = self.redirects[p]
            return redirect(status, loc)
        if p == CALENDAR_PATH:
            return self._html(self._calendar(req.query.get("month", "")))
        if p == f"{COL}bigreport.html":
            return Resp(body=self._big(), content_type="text/html", chunked=True)
        m = re.fullmatch(re.escape(COL) + r"(?:(\d{4})nb/xzjd/)?index(?:_(\d+))?\.html", p)
        if m or p == COL:
            year = int(m.group(1)) if m and m.group(1) else None
            page = int(m.group(2)) if m and m.group(2) else 0
            return self._list(year, page)
        if p in self.reports:
            rep = self.reports[p]
            if rep is TRANSIENT_503 and req.hits == 1:
                return Resp(status=503, body=b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                            headers=[("Retry-After", "1")])
            return self._html(self._report(rep))
        if p in self.pages:
            return self._html(self._article(self.pages[p]))
        if re.fullmatch(r"(/[a-z]+){1,2}/(index\.html)?", p):
            return self._html(self._stub(p))
        return not_found()

    # -- chrome ----------------------------------------------------------------------------------
    def _head(self, title: str, metas: dict[str, str] | None = None) -> str:
        meta_html = "".join(f"<meta name=\"{k}\" content=\"{esc(v)}\">\n" for k, v in (metas or {}).items())
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<title>{esc(title)}</title>
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="{HOST}">
<meta name="SiteIDCode" content="{SITE_ID}">
{meta_html}<link href="/images/base.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/images/jquery.min.js"></script>
<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){{
  if(_nPageCount == null || _nPageCount<=1){{ return; }}
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("首页&nbsp;上一页&nbsp;");
  else {{ document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;");
    if(nCurrIndex == 1) document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">上一页</a>&nbsp;");
    else document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex-1) + "."+_sPageExt+"\\">上一页</a>&nbsp;"); }}
  if(nCurrIndex == (_nPageCount-1)) document.write("下一页&nbsp;尾页");
  else {{ document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\\">下一页</a>&nbsp;");
    document.write("<a href=\\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\\">尾页</a>"); }}
  document.write("&nbsp;共"+_nPageCount+"页");
}}
</script>
</head>
<body>
<div class="topbar"><div class="w1200">今天是：{today_cn()} <span class="weather">多云 12℃~21℃</span>
<div class="right"><a href="/wza/">无障碍浏览</a> | <a href="javascript:StranBody()">繁體</a> | <a href="/ydb/">移动版</a></div></div></div>
<div class="header w1200"><div class="logo"><a href="/"><img src="/images/logo.png" alt="{SITE_NAME}" />{SITE_NAME}</a></div>
<form action="/search/search.jsp" method="get" class="search"><input name="searchword" value="请输入关键字" /><input type="submit" value="搜索" /></form></div>
<div class="nav"><ul class="w1200">
<li><a href="/">首页</a></li><li><a href="/zjqh/">走进清河</a></li><li><a href="/xwzx/">新闻中心</a></li>
<li><a href="/zfxxgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
"""

    def _foot(self) -> str:
        return f"""<div class="links w1200">友情链接：<a href="http://www.gov.cn/" target="_blank">中国政府网</a>
<a href="http://www.lsx.gov.cn/" target="_blank">临水县人民政府</a>
<a href="http://www.baidu.com/s?wd=%C7%E5%BA%D3%C7%F8" target="_blank">百度一下</a></div>
<div class="footer"><div class="w1200">
<p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/smsm/">隐私声明</a></p>
<p>主办：清河区人民政府办公室　承办：清河区大数据发展中心　联系电话：0371-6512345</p>
<p>网站标识码：{SITE_ID}　<a href="https://beian.miit.gov.cn/" target="_blank">豫ICP备05012345号</a>　豫公网安备 41130202000123号</p>
<p>技术支持：拓尔思信息技术股份有限公司</p>
<p><img src="/images/jiucuo.png" alt="政府网站找错" /> <img src="/images/dzjg.png" alt="党政机关" /></p>
</div></div>
</body></html>"""

    def _crumbs(self, *items: tuple[str, str | None]) -> str:
        parts = [f"<a href=\"{h}\">{esc(t)}</a>" if h else esc(t) for t, h in items]
        return "<div class=\"position w1200\">您当前的位置：" + " &gt; ".join(parts) + "</div>\n"

    # -- pages -----------------------------------------------------------------------------------
    def _home(self) -> str:
        latest = [r for r in REPORTS if r.kind == "district"][:3]
        news = [p for p in PAGES if p.kind == "news"]
        items = "".join(f"<li><a href=\"{_path(p.url)[1:]}\" target=\"_blank\">{esc(p.title)}</a><span>{p.date}</span></li>"
                        for p in news)
        gk = "".join(f"<li><a href=\"{_path(r.listed_url)[1:]}\" title=\"{esc(r.title)}\">{esc(r.title)}</a></li>"
                     for r in latest)
        return (self._head(SITE_NAME, {"ColumnName": "首页"})
                + f"""<div class="main w1200">
<div class="focus"><h2>清河要闻</h2><ul>{items}</ul><a class="more" href="/xwzx/">更多&gt;&gt;</a></div>
<div class="gk"><h2><a href="/zfxxgk/">政府信息公开</a></h2><ul>
<li><a href="/zfxxgk/zfxxgkzn/">政府信息公开指南</a></li><li><a href="/zfxxgk/fdzdgknr/">法定主动公开内容</a></li>
<li><a href="/zfxxgk/zfxxgknb/index.html">政府信息公开年度报告</a></li></ul>
<h3>最新年报</h3><ul>{gk}</ul></div>
<div class="service"><h2>政务服务</h2><p>清河区政务服务网　办事指南　在线申报</p></div>
</div>
""" + self._foot())

    def _left_menu(self) -> str:
        return """<div class="left-menu"><h2>政府信息公开</h2><ul>
<li><a href="/zfxxgk/zfxxgkzn/">政府信息公开指南</a></li>
<li><a href="/zfxxgk/zfxxgkzd/">政府信息公开制度</a></li>
<li><a href="/zfxxgk/fdzdgknr/">法定主动公开内容</a></li>
<li><a href="/zfxxgk/zfxxgknb/index.html">政府信息公开年度报告</a>
  <ul class="sub"><li><a href="/zfxxgk/zfxxgknb/2023nb/xzjd/index.html">2023年度街道年报</a></li>
  <li><a href="/zfxxgk/zfxxgknb/2022nb/xzjd/index.html">2022年度街道年报</a></li></ul></li>
<li><a href="/zfxxgk/zfgzbg/">政府工作报告</a></li>
<li><a href="/zfxxgk/tjxx/">统计信息</a></li>
<li><a href="/zfxxgk/ysqgk/">依申请公开</a></li>
</ul></div>
"""

    def _section(self) -> str:
        return (self._head(f"政府信息公开_{SITE_NAME}", {"ColumnName": "政府信息公开"})
                + self._crumbs(("首页", "/"), ("政府信息公开", None))
                + "<div class=\"main w1200\">" + self._left_menu()
                + """<div class="right-box"><h2>政府信息公开</h2>
<p>为保障公民、法人和其他组织依法获取政府信息，本网站设立政府信息公开专栏，集中发布本区政府信息公开指南、制度、
法定主动公开内容和政府信息公开年度报告。</p>
<table class="gk-entry"><tr><td><a href="/zfxxgk/zfxxgkzn/">政府信息公开指南</a></td><td><a href="/zfxxgk/zfxxgkzd/">政府信息公开制度</a></td></tr>
<tr><td><a href="/zfxxgk/fdzdgknr/">法定主动公开内容</a></td><td><a href="zfxxgknb/index.html">政府信息公开年度报告</a></td></tr></table>
</div></div>
""" + self._foot())

    def _stub(self, path: str) -> str:
        return (self._head(f"栏目_{SITE_NAME}", {"ColumnName": "栏目"}) + self._crumbs(("首页", "/"), ("栏目", None))
                + "<div class=\"main w1200\">" + self._left_menu() + "<div class=\"right-box\"><p>暂无信息</p></div></div>"
                + self._foot())

    def _list_entries(self, year: int | None) -> list[tuple[dt.date, str, str, str | None]]:
        """(date, href relative to the list page, full title, truncated text) for a list, newest first."""
        if year is not None:
            folder = f"{COL}{year}nb/xzjd/"
            rows = [(r.publish_date, "./" + _path(r.url)[len(folder):], r.title, r.link_text)
                    for r in REPORTS if r.kind == "street" and r.report_year == year]
        else:
            rows = []
            for r in REPORTS:
                if r.kind != "district":
                    continue
                path = _path(r.listed_url)
                rows.append((r.publish_date, "./" + path[len(COL):] if path.startswith(COL) else path, r.title, r.link_text))
            for pg in PAGES:
                if pg.kind in ("news",):
                    continue
                path = _path(pg.url)
                href = "./" + path[len(COL):] if path.startswith(COL) else ("../.." + path if pg.kind == "private" else path)
                rows.append((pg.date, href, pg.title, _truncate(pg.title, 22)))
        return sorted(rows, key=lambda row: row[0], reverse=True)

    def _list(self, year: int | None, page: int) -> Resp:
        entries = self._list_entries(year)
        n_pages = max(1, -(-len(entries) // PAGE_SIZE))
        if page >= n_pages:
            return not_found()
        shown = entries[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        lis = "\n".join(
            f"<li><a href=\"{href}\" target=\"_blank\" title=\"{esc(title)}\">{esc(text or title)}</a><span>{d}</span></li>"
            for d, href, title, text in shown)
        name = f"{year}年度街道年报" if year else COL_NAME
        crumbs = [("首页", "/"), ("政府信息公开", "/zfxxgk/"), (COL_NAME, "/zfxxgk/zfxxgknb/index.html")]
        if year:
            crumbs.append((name, None))
        else:
            crumbs[-1] = (COL_NAME, None)
        tools = "" if year else "<div class=\"tools\"><a href=\"calendar?month=2023-01\">按月浏览</a></div>"
        body = (self._head(f"{name}_{SITE_NAME}", {"ColumnName": name, "ColumnType": COL_NAME})
                + self._crumbs(*crumbs)
                + "<div class=\"main w1200\">" + self._left_menu()
                + f"<div class=\"right-box\"><h2>{esc(name)}</h2>{tools}<ul class=\"list\">\n{lis}\n</ul>\n"
                + f"<div class=\"page\"><script type=\"text/javascript\">createPageHTML({n_pages}, {page}, \"index\", \"html\");</script></div>"
                + "</div></div>\n" + self._foot())
        return self._html(body)

    def _article_frame(self, title: str, column: str, column_href: str, pub: dt.date, pub_meta: str,
                       agency: str, content: str, index_no: str) -> str:
        metas = {"ColumnName": column, "ColumnType": column, "ArticleTitle": title, "PubDate": pub_meta,
                 "ContentSource": agency, "Keywords": "政府信息公开", "Author": "", "Description": title}
        return (self._head(f"{title}_{SITE_NAME}", metas)
                + self._crumbs(("首页", "/"), ("政府信息公开", "/zfxxgk/"), (column, column_href), ("正文", None))
                + f"""<div class="main w1200 article">
<table class="xxgk-table" border="0" cellspacing="0" cellpadding="0">
<tr><th>索引号：</th><td>{index_no}</td><th>主题分类：</th><td>政务公开</td></tr>
<tr><th>发布机构：</th><td>{esc(agency)}</td><th>公开日期：</th><td>{pub:%Y-%m-%d}</td></tr>
<tr><th>名　　称：</th><td colspan="3">{esc(title)}</td></tr>
<tr><th>文　　号：</th><td></td><th>有效性：</th><td>有效</td></tr>
</table>
<h1 class="title">{esc(title)}</h1>
<div class="info">发布时间：{pub:%Y-%m-%d}　来源：{esc(agency)}　【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</div>
<div class="article-con" id="zoom">
<div class="TRS_Editor">
{content}
</div>
</div>
<div class="article-tools"><span class="share">分享到：<a href="javascript:;" class="wx">微信</a><a href="javascript:;" class="wb">微博</a><a href="javascript:;" class="qq">QQ空间</a></span>
<a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="qrcode"><div id="qrcodeCanvas"></div>扫一扫在手机上查看当前页面</div>
</div>
""" + self._foot())

    def _report(self, rep: ReportDef) -> str:
        extra = GBK_EXTRA if rep.report_year in (2016, 2020) and rep.kind == "district" else ""
        content = report_body(rep.agency, rep.report_year, rep.kind, rep.publish_date, word=rep.word_style, extra=extra)
        pub_meta = MIGRATION_STAMP if rep.report_year <= 2012 else f"{rep.publish_date:%Y-%m-%d} 09:30:00"
        if rep.kind == "street":
            column, href = f"{rep.report_year}年度街道年报", "../index.html"
        else:
            column, href = COL_NAME, "../index.html"
        index_no = f"{SITE_ID[:6]}-{rep.publish_date:%Y}-{rep.report_year % 100:02d}{len(rep.agency):03d}"
        return self._article_frame(rep.title, column, href, rep.publish_date, pub_meta, rep.agency, content, index_no)

    def _article(self, page: PageDef) -> str:
        column = {"notice": COL_NAME, "work_report": "政府工作报告", "statistics": "统计信息", "news": "清河要闻",
                  "private": "内部审阅"}.get(page.kind, "栏目")
        agency = "清河区统计局" if page.kind == "statistics" else "清河区人民政府办公室"
        return self._article_frame(page.title, column, "../index.html", page.date, f"{page.date} 10:00:00", agency,
                                   paragraphs_html(page.body), f"{SITE_ID[:6]}-{page.date:%Y}-{page.date:%m%d}")

    def _calendar(self, month: str) -> str:
        m = re.fullmatch(r"(-?\d{1,6})-(\d{1,2})", month)
        y, mo = (int(m.group(1)), int(m.group(2))) if m and 1 <= int(m.group(2)) <= 12 else (2023, 1)
        prev_y, prev_m = (y - 1, 12) if mo == 1 else (y, mo - 1)
        next_y, next_m = (y + 1, 1) if mo == 12 else (y, mo + 1)
        days = "".join(f"<td>{d}</td>" + ("</tr><tr>" if d % 7 == 0 else "") for d in range(1, 29))
        return (self._head(f"按月浏览 {y}-{mo:02d}_{SITE_NAME}", {"ColumnName": COL_NAME})
                + self._crumbs(("首页", "/"), ("政府信息公开", "/zfxxgk/"), (COL_NAME, "index.html"), ("按月浏览", None))
                + "<div class=\"main w1200\">" + self._left_menu()
                + f"""<div class="right-box"><h2>按月浏览　{y}年{mo:02d}月</h2>
<table class="calendar"><tr>{days}</tr></table>
<p class="empty">本月暂无信息</p>
<div class="page"><a href="calendar?month={prev_y}-{prev_m:02d}">上个月</a> <a href="calendar?month={next_y}-{next_m:02d}">下个月</a>
<a href="calendar?month={next_y}-{next_m:02d}">下一页</a></div></div></div>
""" + self._foot())

    def _big(self) -> Iterator[bytes]:
        """30 MB of compilation, generated piece by piece: nobody should hold or archive it whole."""
        head = (self._head(f"清河区政务公开资料汇编_{SITE_NAME}", {"ColumnName": COL_NAME, "ArticleTitle": "清河区政务公开资料汇编"})
                + "<div class=\"main w1200 article\"><h1>清河区政务公开资料汇编</h1><div class=\"TRS_Editor\">\n"
                ).encode("gbk", errors="xmlcharrefreplace")
        tail = ("</div></div>" + self._foot()).encode("gbk", errors="xmlcharrefreplace")
        line = "<p>本汇编收录历年政务公开资料，仅供查阅。第{:08d}段。</p>\n"
        sample = len(line.format(0).encode("gbk"))
        n = (BIG_SIZE - len(head) - len(tail)) // sample

        def parts() -> Iterator[bytes]:
            yield head
            for i in range(n):
                yield line.format(i).encode("gbk")
            yield tail

        return chunks(parts())
