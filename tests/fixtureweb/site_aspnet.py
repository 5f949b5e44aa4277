"""石岭县人民政府 (www.slx.gov.cn): an old ASP.NET table-layout portal, UTF-8.

Navigation: home nav link 信息公开 (``/xxgk/index.aspx``) → category link 信息公开年报 (``/xxgk/gknb/``), an old
column URL that answers 301 → ``/xxgk/gknb/Default.aspx`` → 302 → ``/xxgk/gknb/list.aspx`` (``COLUMN_REDIRECT``).
Pages ``list.aspx?page=2``, ``?page=3`` are linked by 下一页/尾页 anchors; articles are ``show.aspx?id=N``.

Hazards living here:
- the column path is unusual and reached through a 301 → 302 chain;
- the page header prints today's date (今天是:… 星期…), which is never the publish date;
- the visible meta line ``发布时间：2018年3月23日　浏览次数：1234　来源：…`` is the only date and the views
  are static (known: ``views`` in EXPECTED_REPORTS);
- reports on years up to 2018, and 桃源镇's 2022 report, are Word exports (MsoNormal, split spans);
- ``?sid=`` session ids (fresh per render) on the home page's links to reports listed cleanly in the column;
- each article links 【打印】 ``print.aspx?id=N``, a report-looking page that robots.txt disallows;
- non-reports in the column: a 统计公报, a 关于做好…年度报告编制发布工作的通知, a 政府工作报告;
- township (镇人民政府) reports mixed into the county's list;
- responses are gzip when asked and always ``Transfer-Encoding: chunked`` (IIS style).
"""

from __future__ import annotations

import datetime as dt

from .common import (
    PageDef,
    ReportDef,
    Req,
    Resp,
    cn_date,
    esc,
    not_found,
    paragraphs_html,
    publish_date_for,
    redirect,
    session_id,
    stable_int,
    today_cn,
)
from .texts import report_body

HOST = "www.slx.gov.cn"
BASE = f"http://{HOST}"
SITE_NAME = "石岭县人民政府"
SITE_ID = "1307280002"
AGENCY = "石岭县人民政府"
PAGE_SIZE = 8
TOWNS = {"石岭县桃源镇人民政府": (2021, 2022, 2023), "石岭县青石镇人民政府": (2022, 2023)}
ROBOTS = "User-agent: *\nDisallow: /xxgk/gknb/print.aspx\nDisallow: /admin/\n"
VIEWSTATE = "/wEPDwUKMTY1NDU2MTA1Mg9kFgICAw9kFgICAQ8WAh4EVGV4dAUG55+z5bKt5Y6/ZGRk8f3kQ2Zp0Wc="


def _views(agency: str, year: int) -> int:
    return 150 + stable_int("views", agency, year) % 4850


def _build_reports() -> list[ReportDef]:
    reports = []
    for year in range(2023, 2013, -1):
        pub = publish_date_for(AGENCY, year)
        title = f"石岭县{year}年政府信息公开工作年度报告" if year <= 2018 else f"石岭县人民政府{year}年政府信息公开工作年度报告"
        reports.append(ReportDef(url=f"{BASE}/xxgk/gknb/show.aspx?id={1000 + (year - 2000) * 3}", title=title,
                                 agency=AGENCY, publish_date=pub, report_year=year, kind="district",
                                 views=_views(AGENCY, year), word_style=year <= 2018,
                                 note="Word export" if year <= 2018 else ""))
    for n, (town, years) in enumerate(TOWNS.items()):
        for year in years:
            pub = publish_date_for(town, year, latest_month=2)
            reports.append(ReportDef(url=f"{BASE}/xxgk/gknb/show.aspx?id={2000 + n * 100 + year - 2000}",
                                     title=f"{town}{year}年政府信息公开工作年度报告", agency=town, publish_date=pub,
                                     report_year=year, kind="town", views=_views(town, year),
                                     word_style=(n, year) == (0, 2022), note="township report in the county list"))
    return reports


def _build_pages() -> list[PageDef]:
    return [
        PageDef(f"{BASE}/xxgk/gknb/show.aspx?id=3001", "石岭县2021年国民经济和社会发展统计公报", dt.date(2022, 3, 18),
                "statistics", "2021年，全县完成地区生产总值132.6亿元，比上年增长6.9%。\n年末全县户籍人口38.2万人。"),
        PageDef(f"{BASE}/xxgk/gknb/show.aspx?id=3002", "关于做好2021年政府信息公开工作年度报告编制发布工作的通知",
                dt.date(2021, 12, 20), "notice",
                "各乡镇人民政府，县政府各部门：\n请于2022年1月31日前完成本单位2021年政府信息公开工作年度报告的编制和发布工作。\n"
                "石岭县人民政府办公室\n2021年12月20日"),
        PageDef(f"{BASE}/xxgk/gknb/show.aspx?id=3003", "石岭县2023年政府工作报告", dt.date(2023, 1, 16), "work_report",
                "各位代表：\n现在，我代表县人民政府，向大会报告工作。\n2022年，全县地区生产总值增长5.3%。"),
        PageDef(f"{BASE}/news/show.aspx?id=88", "县政府召开常务会议研究部署政务公开工作", dt.date(2024, 2, 20), "news",
                "2月20日，县长主持召开县政府常务会议，研究部署2024年政务公开工作。"),
    ]


REPORTS = _build_reports()
PAGES = _build_pages()
COLUMN_LINK = f"{BASE}/xxgk/gknb/"
COLUMN_REDIRECT = [COLUMN_LINK, f"{BASE}/xxgk/gknb/Default.aspx", f"{BASE}/xxgk/gknb/list.aspx"]


class AspNetSite:
    """The table-layout county portal."""

    hosts = (HOST,)

    def __init__(self) -> None:
        self.by_id = {int(r.url.rsplit("=", 1)[1]): r for r in REPORTS}
        self.pages = {p.url[len(BASE):]: p for p in PAGES}

    def _html(self, text: str, status: int = 200) -> Resp:
        return Resp(status=status, body=text.encode("utf-8"), content_type="text/html; charset=utf-8",
                    gzip_ok=True, chunked=True, headers=[("X-Powered-By", "ASP.NET"), ("Server", "Microsoft-IIS/6.0")])

    def handle(self, req: Req) -> Resp:
        p = req.path.lower()
        if p == "/robots.txt":
            return Resp(body=ROBOTS.encode(), content_type="text/plain")
        if p in ("/", "/index.aspx", "/default.aspx"):
            return self._html(self._home())
        if p == "/xxgk/index.aspx":
            return self._html(self._section())
        if p == "/xxgk/gknb/":
            return redirect(301, COLUMN_REDIRECT[1])
        if p == "/xxgk/gknb/default.aspx":
            return redirect(302, "/xxgk/gknb/list.aspx")
        if p == "/xxgk/gknb/list.aspx":
            try:
                page = int(req.query.get("page", "1"))
            except ValueError:
                page = 1
            return self._list(page)
        if p in ("/xxgk/gknb/show.aspx", "/xxgk/gknb/print.aspx"):
            try:
                art_id = int(req.query.get("id", ""))
            except ValueError:
                return not_found()
            if art_id in self.by_id:
                return self._html(self._report(self.by_id[art_id], printable=p.endswith("print.aspx")))
            page = self.pages.get(f"/xxgk/gknb/show.aspx?id={art_id}")
            return self._html(self._article(page)) if page else not_found()
        key = req.path + ("?" + "&".join(f"{k}={v}" for k, v in req.query.items()) if req.query else "")
        if key in self.pages:
            return self._html(self._article(self.pages[key]))
        if p.endswith(".aspx") and "/xxgk/gknb/" not in p:
            return self._html(self._top(f"栏目-{SITE_NAME}") + "<table width=\"1000\" align=\"center\">"
                              + self._crumb(("首页", "/index.aspx"), ("栏目", None))
                              + "<tr><td height=\"200\" align=\"center\">栏目正在建设中……</td></tr></table>" + self._bottom())
        return not_found()

    # -- chrome ----------------------------------------------------------------------------------
    def _top(self, title: str) -> str:
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(title)}</title><link href="/css/style.css" rel="stylesheet" type="text/css" /></head>
<body><form name="form1" method="post" id="form1">
<div><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{VIEWSTATE}" /></div>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="topdate" height="28">今天是:{today_cn()} <span id="clock"></span></td>
<td align="right"><a href="#" onclick="this.style.behavior='url(#default#homepage)';this.setHomePage('http://www.slx.gov.cn');">设为首页</a> | <a href="javascript:window.external.AddFavorite('http://www.slx.gov.cn','石岭县人民政府')">加入收藏</a></td></tr>
<tr><td colspan="2" height="120" background="/images/top_bg.jpg"><img src="/images/logo.gif" alt="石岭县人民政府" /></td></tr>
<tr><td colspan="2" class="nav" height="36">
<a href="/index.aspx">首　页</a> | <a href="/slgk/index.aspx">石岭概况</a> | <a href="/news/list.aspx">新闻中心</a> |
<a href="/xxgk/index.aspx">信息公开</a> | <a href="/bsfw/index.aspx">办事服务</a> | <a href="/hdjl/index.aspx">互动交流</a></td></tr>
</table>
"""

    def _bottom(self) -> str:
        return f"""<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="bottom">
<tr><td align="center">友情链接：<a href="http://www.gov.cn/" target="_blank">中国政府网</a> <a href="http://www.baidu.com/" target="_blank">百度</a></td></tr>
<tr><td align="center" height="90">版权所有：石岭县人民政府　主办：石岭县人民政府办公室　地址：石岭县政府街1号　邮编：053800<br />
网站标识码：{SITE_ID}　冀ICP备06001234号　冀公网安备 13112702000012号<br />技术支持：石岭县信息中心　建议使用1024×768分辨率浏览</td></tr>
</table></form></body></html>"""

    def _crumb(self, *items: tuple[str, str | None]) -> str:
        parts = [f"<a href=\"{h}\">{esc(t)}</a>" if h else esc(t) for t, h in items]
        return "<tr><td class=\"dqwz\" height=\"30\">当前位置：" + " &gt;&gt; ".join(parts) + "</td></tr>"

    # -- pages -----------------------------------------------------------------------------------
    def _home(self) -> str:
        latest = REPORTS[:3]
        lis = "".join(f"<tr><td>·<a href=\"/xxgk/gknb/show.aspx?id={r.url.rsplit('=', 1)[1]}&sid={session_id()}\">"
                      f"{esc(r.title)}</a></td><td>{r.publish_date:%Y-%m-%d}</td></tr>" for r in latest)
        news = "".join(f"<tr><td>·<a href=\"{p.url[len(BASE):]}\">{esc(p.title)}</a></td><td>{p.date:%Y-%m-%d}</td></tr>"
                       for p in PAGES if p.kind == "news")
        return (self._top(SITE_NAME)
                + f"""<table width="1000" align="center" cellpadding="0" cellspacing="0">
<tr><td width="500" valign="top"><table width="100%"><tr><td class="lmtitle">新闻中心</td></tr>{news}</table></td>
<td width="500" valign="top"><table width="100%"><tr><td class="lmtitle"><a href="/xxgk/index.aspx">信息公开</a></td></tr>{lis}</table></td></tr>
</table>
""" + self._bottom())

    def _section(self) -> str:
        cats = [("信息公开指南", "/xxgk/gkzn.aspx"), ("信息公开目录", "/xxgk/gkml.aspx"), ("信息公开年报", "/xxgk/gknb/"),
                ("依申请公开", "/xxgk/ysqgk.aspx")]
        rows = "".join(f"<tr><td height=\"26\">·<a href=\"{h}\">{t}</a></td></tr>" for t, h in cats)
        return (self._top(f"信息公开-{SITE_NAME}")
                + "<table width=\"1000\" align=\"center\">" + self._crumb(("首页", "/index.aspx"), ("信息公开", None))
                + f"<tr><td><table width=\"100%\">{rows}</table></td></tr></table>" + self._bottom())

    def _entries(self) -> list[tuple[dt.date, str, str]]:
        rows = [(r.publish_date, "show.aspx?id=" + r.url.rsplit("=", 1)[1], r.title) for r in REPORTS]
        rows += [(p.date, p.url.rsplit("/", 1)[1], p.title) for p in PAGES if "/xxgk/gknb/" in p.url]
        return sorted(rows, key=lambda row: row[0], reverse=True)

    def _list(self, page: int) -> Resp:
        entries = self._entries()
        n_pages = -(-len(entries) // PAGE_SIZE)
        if not 1 <= page <= n_pages:
            return not_found()
        shown = entries[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
        rows = "\n".join(f"<tr><td height=\"26\" class=\"list\">·<a href=\"{h}\" target=\"_blank\">{esc(t)}</a></td>"
                         f"<td width=\"100\">[{d:%Y-%m-%d}]</td></tr>" for d, h, t in shown)
        nav = [f"共{len(entries)}条记录　第{page}/{n_pages}页　"]
        nav.append("<a href=\"list.aspx?page=1\">首页</a>" if page > 1 else "首页")
        nav.append(f"<a href=\"list.aspx?page={page - 1}\">上一页</a>" if page > 1 else "上一页")
        nav.append(f"<a href=\"list.aspx?page={page + 1}\">下一页</a>" if page < n_pages else "下一页")
        nav.append(f"<a href=\"list.aspx?page={n_pages}\">尾页</a>" if page < n_pages else "尾页")
        return self._html(self._top(f"信息公开年报-{SITE_NAME}")
                          + "<table width=\"1000\" align=\"center\">"
                          + self._crumb(("首页", "/index.aspx"), ("信息公开", "/xxgk/index.aspx"), ("信息公开年报", None))
                          + f"<tr><td><table width=\"100%\">{rows}</table></td></tr>"
                          + f"<tr><td align=\"center\" class=\"page\">{' '.join(nav)}</td></tr></table>" + self._bottom())

    def _frame(self, title: str, pub: dt.date, views: int, source: str, content: str, art_id: int) -> str:
        return (self._top(f"{title}-{SITE_NAME}")
                + "<table width=\"1000\" align=\"center\" cellpadding=\"0\" cellspacing=\"0\">"
                + self._crumb(("首页", "/index.aspx"), ("信息公开", "/xxgk/index.aspx"), ("信息公开年报", "/xxgk/gknb/list.aspx"),
                              ("正文", None))
                + f"""<tr><td align="center" class="title" height="50"><b>{esc(title)}</b></td></tr>
<tr><td align="center" class="meta" height="30">发布时间：{cn_date(pub)}　浏览次数：{views}　来源：{esc(source)}</td></tr>
<tr><td class="content" style="padding:10px 30px;">
{content}
</td></tr>
<tr><td align="right" height="30">【<a href="print.aspx?id={art_id}" target="_blank">打印</a>】【<a href="javascript:window.close()">关闭</a>】</td></tr>
</table>
""" + self._bottom())

    def _report(self, rep: ReportDef, printable: bool = False) -> str:
        content = report_body(rep.agency, rep.report_year, rep.kind, rep.publish_date, word=rep.word_style)
        art_id = int(rep.url.rsplit("=", 1)[1])
        if printable:
            return (f"<html><head><meta charset=\"utf-8\"><title>{esc(rep.title)}</title></head><body onload=\"window.print()\">"
                    f"<h2>{esc(rep.title)}</h2><p>发布时间：{cn_date(rep.publish_date)}</p>{content}</body></html>")
        return self._frame(rep.title, rep.publish_date, rep.views or 0, rep.agency, content, art_id)

    def _article(self, page: PageDef) -> str:
        art_id = int(page.url.rsplit("=", 1)[1])
        return self._frame(page.title, page.date, _views(page.title, 0), "石岭县人民政府办公室", paragraphs_html(page.body),
                           art_id)
