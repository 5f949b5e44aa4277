"""What a correct crawl of the fixture web produces, derived from the same definitions the sites render.

- ``EXPECTED_REPORTS``: every annual report a crawler reading static HTML only must emit (dicts with url,
  title, agency, publish_date, report_year, views). ``url`` is the final URL (after redirects and the
  meta refresh), without session ids. ``agency`` is the string in the page's 发布机构/来源 and signature.
  ``publish_date`` is the visible date (公开日期/发布时间), not a migration-stamped ``PubDate`` meta.
  ``views`` is an int only on the ASP.NET site, which prints it in HTML; None where a script fills it.
- ``JS_ONLY_REPORTS``: reports reachable only through Hanweb's POST dataproxy (or a browser running the
  page's script). A static-only crawler misses them; one that emits them is not wrong.
- ``NON_REPORTS``: pages in and around the columns that must never be emitted (some 404, one is 30 MB).
- ``NEVER_REQUESTED``: exact URLs a correct crawler never requests (other hosts, robots-disallowed);
  ``NEVER_REQUESTED_HOSTS`` and ``ROBOTS_DISALLOWED`` state the rules behind them.
- ``TRAPS``: endless URL spaces; assert fewer than ``max_requests`` requests whose URL starts with
  ``url_prefix``.
- ``HAZARDS``: hazard name → the URL(s) where it lives, for targeted tests.

``python -m tests.fixtureweb.expected`` prints all of it as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from . import site_aspnet, site_hanweb, site_misc, site_trs
from .common import PageDef, ReportDef
from .server import START_URLS
from .site_js import JS_EXPECTED_REPORTS, JS_RENDERED_URLS, JS_START_URL  # noqa: F401 - browser crawls

TRAP_MAX_REQUESTS = 60


@dataclass(frozen=True)
class Trap:
    """An endless URL space: every page links to another new URL of the same shape, none holds a report."""

    url_prefix: str
    start_url: str
    max_requests: int
    description: str


def _report(r: ReportDef) -> dict:
    return {"url": r.url, "title": r.title, "agency": r.agency, "publish_date": r.publish_date.isoformat(),
            "report_year": r.report_year, "views": r.views}


def _non_report(p: PageDef) -> dict:
    return {"url": p.url, "title": p.title, "kind": p.kind}


_ALL = [*site_trs.REPORTS, *site_hanweb.REPORTS, *site_aspnet.REPORTS]

EXPECTED_REPORTS: list[dict] = [_report(r) for r in _ALL if not r.js_only]
JS_ONLY_REPORTS: list[dict] = [_report(r) for r in _ALL if r.js_only]

NON_REPORTS: list[dict] = (
    [_non_report(p) for p in (*site_trs.PAGES, *site_hanweb.PAGES, *site_aspnet.PAGES)]
    + [{"url": site_hanweb.REFRESH_STUB.link_url, "title": site_hanweb.REFRESH_STUB.title, "kind": "refresh_stub"}]
    + [{"url": r.url, "title": r.title, "kind": "other_host"} for r in site_misc.LEAK_REPORTS]
)

NEVER_REQUESTED_HOSTS: set[str] = set(site_misc.MiscSite.hosts)
ROBOTS_DISALLOWED: dict[str, list[str]] = {
    site_trs.HOST: ["/private/", "/wcm/"],
    site_aspnet.HOST: ["/xxgk/gknb/print.aspx", "/admin/"],
    site_hanweb.HOST: ["/manager/", "/module/jslib/"],
    site_hanweb.SUB_HOST: ["/manager/", "/module/jslib/"],
}

NEVER_REQUESTED: set[str] = (
    {r.url for r in site_misc.LEAK_REPORTS}
    | {f"http://{h}/" for h in NEVER_REQUESTED_HOSTS}
    | {"http://www.baidu.com/s?wd=%C7%E5%BA%D3%C7%F8"}
    | {p.url for p in site_trs.PAGES if p.kind == "private"}
    | {r.url.replace("show.aspx", "print.aspx") for r in site_aspnet.REPORTS}
    | {p.url.replace("show.aspx", "print.aspx") for p in site_aspnet.PAGES if "/xxgk/gknb/" in p.url}
)

TRAPS: list[Trap] = [
    Trap(url_prefix=f"{site_trs.BASE}{site_trs.CALENDAR_PATH}", start_url=site_trs.CALENDAR_START,
         max_requests=TRAP_MAX_REQUESTS,
         description="按月浏览 calendar in the 清河区 column: calendar?month=YYYY-MM links 上个月/下个月/下一页 "
                     "to the neighbouring months forever; no page holds a report"),
]

HUGE_URLS: list[str] = [p.url for p in site_trs.PAGES if p.kind == "huge"]
UNRESOLVABLE_HOSTS: set[str] = {site_hanweb.DEAD_SUB_HOST}

HAZARDS: dict[str, list[str]] = {
    "gbk_no_charset_header": [site_trs.BASE + "/", *(r.url for r in site_trs.REPORTS if r.report_year in (2016, 2020)
                                                      and r.kind == "district")],
    "script_only_pagination": [f"{site_trs.BASE}{site_trs.COL}index_1.html", f"{site_trs.BASE}{site_trs.COL}index_2.html"],
    "truncated_link_text": [r.url for r in site_trs.REPORTS if r.link_text],
    "redirect_chain_report": [site_trs.REDIRECT_CHAIN.listed_url, site_trs.REDIRECT_CHAIN.url],
    "redirect_chain_column": list(site_aspnet.COLUMN_REDIRECT),
    "transient_503": [site_trs.TRANSIENT_503.url],
    "dead_link_404": [p.url for p in site_hanweb.PAGES if p.kind == "dead"],
    "meta_refresh": [site_hanweb.REFRESH_STUB.listed_url, site_hanweb.REFRESH_STUB.url],
    "jsessionid_links": [f"{site_hanweb.BASE}/col/col{site_hanweb.COL_ID}/index.html", site_hanweb.BASE + "/"],
    "sid_links": [site_aspnet.BASE + "/"],
    "cdata_datastore_list": [f"{site_hanweb.BASE}/col/col{site_hanweb.COL_ID}/index.html",
                             f"{site_hanweb.SUB_BASE}/col/col{site_hanweb.SUB_COL_ID}/index.html"],
    "post_dataproxy": [site_hanweb.BASE + site_hanweb.DATAPROXY],
    "script_view_count": [r.url for r in site_hanweb.REPORTS if not r.js_only][:1],
    "static_view_count": [r.url for r in site_aspnet.REPORTS][:1],
    "today_in_header": [site_aspnet.BASE + "/"],
    "word_export": [r.url for r in _ALL if r.word_style],
    "endless_calendar": [site_trs.CALENDAR_START],
    "robots_disallowed": sorted(u for u in NEVER_REQUESTED if "/private/" in u or "print.aspx" in u),
    "other_hosts": sorted(f"http://{h}/" for h in NEVER_REQUESTED_HOSTS),
    "unresolvable_host_502": [f"http://{site_hanweb.DEAD_SUB_HOST}/"],
    "huge_response": HUGE_URLS,
    "migration_pubdate": [r.url for r in site_trs.REPORTS if r.kind == "district" and r.report_year <= 2012],
    "gzip": [site_hanweb.BASE + "/", site_aspnet.BASE + "/"],
    "chunked": [site_aspnet.BASE + "/", *HUGE_URLS],
    "street_office_sub_site": [site_hanweb.SUB_BASE + "/"],
}


def as_json() -> str:
    """Everything above as one JSON document, for tools that are not Python."""
    return json.dumps({
        "start_urls": START_URLS,
        "expected_reports": EXPECTED_REPORTS,
        "js_only_reports": JS_ONLY_REPORTS,
        "non_reports": NON_REPORTS,
        "never_requested": sorted(NEVER_REQUESTED),
        "never_requested_hosts": sorted(NEVER_REQUESTED_HOSTS),
        "robots_disallowed": ROBOTS_DISALLOWED,
        "traps": [asdict(t) for t in TRAPS],
        "huge_urls": HUGE_URLS,
        "unresolvable_hosts": sorted(UNRESOLVABLE_HOSTS),
        "hazards": HAZARDS,
    }, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    print(as_json())
