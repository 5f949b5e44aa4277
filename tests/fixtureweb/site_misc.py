"""Hosts outside the start set, linked from the start sites: any request to them is a leak.

They answer with real-looking pages, reports included, so a crawler that strays emits something
visible instead of merely failing: 临水县 (www.lsx.gov.cn), a district like the others; www.gov.cn
with the State Council's own annual report; www.baidu.com with a search page.
"""

from __future__ import annotations

import datetime as dt

from .common import ROBOTS_DEFAULT, ReportDef, Req, Resp, esc, not_found, publish_date_for, today_cn
from .texts import report_body

LSX_HOST = "www.lsx.gov.cn"
GOV_HOST = "www.gov.cn"
BAIDU_HOST = "www.baidu.com"
LSX_AGENCY = "临水县人民政府"

LEAK_REPORTS = [
    ReportDef(url=f"http://{LSX_HOST}/zfxxgk/zfxxgknb/202401/t20240122_7023.shtml",
              title="临水县2023年政府信息公开工作年度报告", agency=LSX_AGENCY,
              publish_date=publish_date_for(LSX_AGENCY, 2023), report_year=2023, kind="district"),
    ReportDef(url=f"http://{LSX_HOST}/zfxxgk/zfxxgknb/202301/t20230118_7022.shtml",
              title="临水县2022年政府信息公开工作年度报告", agency=LSX_AGENCY,
              publish_date=publish_date_for(LSX_AGENCY, 2022), report_year=2022, kind="district"),
    ReportDef(url=f"http://{GOV_HOST}/zhengce/content/202403/content_6942001.htm",
              title="国务院办公厅2023年政府信息公开工作年度报告", agency="国务院办公厅",
              publish_date=dt.date(2024, 3, 29), report_year=2023, kind="district"),
]


def _page(title: str, body: str) -> Resp:
    text = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{esc(title)}</title>"
            f"<meta name=\"ArticleTitle\" content=\"{esc(title)}\"></head><body>"
            f"<div class=\"top\">今天是：{today_cn()}</div>{body}</body></html>")
    return Resp(body=text.encode("utf-8"), content_type="text/html; charset=utf-8", gzip_ok=True)


class MiscSite:
    """The three outside hosts in one object: they only need a home page and a report or two."""

    hosts = (LSX_HOST, GOV_HOST, BAIDU_HOST)

    def handle(self, req: Req) -> Resp:
        if req.path == "/robots.txt":
            return Resp(body=ROBOTS_DEFAULT.encode(), content_type="text/plain")
        for rep in LEAK_REPORTS:
            host, _, path = rep.url.split("://", 1)[1].partition("/")
            if host == req.host and "/" + path == req.path:
                body = report_body(rep.agency, rep.report_year, rep.kind, rep.publish_date)
                return _page(rep.title, f"<h1>{esc(rep.title)}</h1><div class=\"TRS_Editor\">{body}</div>"
                             f"<p>发布机构：{esc(rep.agency)}　公开日期：{rep.publish_date}</p>")
        links = "".join(f"<li><a href=\"{r.url}\">{esc(r.title)}</a></li>" for r in LEAK_REPORTS
                        if r.url.split("/")[2] == req.host)
        if req.host == LSX_HOST and req.path in ("/", "/index.html", "/zfxxgk/", "/zfxxgk/zfxxgknb/index.html"):
            return _page("临水县人民政府", "<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/zfxxgk/\">政务公开</a> "
                         "<a href=\"/zfxxgk/zfxxgknb/index.html\">政府信息公开年度报告</a></div>"
                         f"<ul>{links}</ul><div class=\"footer\">主办：临水县人民政府办公室 网站标识码：4113270001</div>")
        if req.host == GOV_HOST and req.path in ("/", "/index.htm"):
            return _page("中国政府网_中央人民政府门户网站", f"<div class=\"nav\">首页 国务院 总理 新闻 政策</div><ul>{links}</ul>")
        if req.host == BAIDU_HOST and req.path in ("/", "/s"):
            wd = esc(req.query.get("wd", ""))
            return _page(f"{wd}_百度搜索", f"<form action=\"/s\"><input name=\"wd\" value=\"{wd}\"></form>"
                         f"<div class=\"result\"><a href=\"http://{LSX_HOST}/\">临水县人民政府门户网站</a></div>")
        return not_found()
