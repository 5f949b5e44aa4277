"""The crawl report as one self-contained HTML page (charts embedded as PNG data: URIs)."""

from __future__ import annotations

import base64
from collections import defaultdict
from html import escape

from crawler.crawl_report import charts
from crawler.crawl_report.data import CHANGE_KINDS, JobReport, host_of

# The order failures are shown in; the vocabulary is crawler/extensions/failures.py's REASONS,
# repeated here as display order only (this module must not import Scrapy).
REASON_LABELS = {
    "robots": "excluded by robots.txt", "http_4xx": "HTTP 4xx", "http_5xx": "HTTP 5xx", "timeout": "timeout",
    "dns": "DNS", "connection": "connection", "too_large": "too large", "redirects": "too many redirects",
    "other": "other",
}
MAX_FAILED_URLS = 200   # per reason; a dead sub-domain can fail thousands of times
MAX_VIEW_ROWS = 30
MAX_CHART_SITES = 9     # sites with a colour of their own in the per-year and views charts
# Sites with a bar of their own in the changes chart; the others share one bar, the table lists all.
# A chart is a raster as tall as what it draws: a bar per site was 865 x 15,649 px for the 371 sites
# of 300 generated portals: the crawl process went from 187 to 346 MB while it wrote the report at
# the end of the crawl (benchmarks.scale), and the chart alone for 1,200 sites takes 456 MB.
MAX_CHANGE_BARS = 30

CSS = """
body{font-family:"WenQuanYi Zen Hei","Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.meta{color:#666;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;min-width:7em}
.card b{display:block;font-size:1.6em} .card.bad b{color:#c62828} .card.good b{color:#2e7d32}
table{border-collapse:collapse;font-size:.88em;margin:.5em 0} th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left}
th{background:#f5f5f5} td{white-space:nowrap} td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;background:#fafafa}
.wide{overflow-x:auto;max-width:100%}
img{max-width:100%;height:auto;display:block;margin:.8em 0}
.warn{background:#fff8e1;border-left:4px solid #f9a825;padding:.4em .8em}
.fail{background:#ffebee;border-left:4px solid #c62828;padding:.4em .8em}
details summary{cursor:pointer;margin:.4em 0} code{font-size:.9em}
"""


def _img(png: bytes, alt: str, ident: str) -> str:
    return f'<img id="{ident}" alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _num(n: object) -> str:
    return f'<td class="n">{escape(str(n))}</td>'


def _site_label(site) -> str:
    return f"{site.agency}\n{site.host}" if site.agency else site.host


def render_html(job: JobReport) -> str:
    stats = job.stats
    summary = stats.get("gongkai/summary") or {}
    reason = summary.get("reason") or stats.get("finish_reason")
    failures_total = sum(1 for f in job.failures if f.get("reason") != "robots")
    this = next((c for c in job.crawls if c.crawl_id == job.crawl_id), None)
    changes = this.changes if this else defaultdict(int)
    parts = [
        "<!doctype html><html lang=zh-CN><head><meta charset=utf-8>",
        f"<title>gongkai crawl report {escape(str(job.crawl_id))}</title><style>{CSS}</style></head><body>",
        "<h1>抓取报告 Crawl report</h1>",
        f'<p class=meta>Job <code>{escape(str(job.job_dir))}</code> · crawl <code>{escape(str(job.crawl_id))}</code>'
        + (f" · {escape(str(reason))}" if reason else "")
        + (" · resumed" if summary.get("resumed") else "")
        + (f" · {summary['elapsed_seconds']:.0f} s" if summary.get("elapsed_seconds") else "") + "</p>",
    ]
    if reason and reason != "finished":
        parts.append(f'<p class=warn>This crawl did not finish ({escape(str(reason))}). Run the same '
                     "<code>gongkai crawl … --out DIR</code> again to resume it.</p>")
    if summary.get("all_start_urls_failed"):
        parts.append('<p class=fail>Every start URL failed: '
                     + ", ".join(f"<code>{escape(u)}</code>" for u in summary.get("start_urls_failed", [])) + "</p>")
    parts += [f"<p class=warn>{escape(w)}</p>" for w in job.warnings]
    if charts.cjk_font() is None:
        parts.append("<p class=warn>No CJK font for the charts: install Debian's fonts-wqy-zenhei.</p>")
    cards = [("reports", job.total_reports, ""), ("new", changes.get("new", 0), "good"),
             ("changed", changes.get("changed", 0), ""), ("unchanged", changes.get("unchanged", 0), ""),
             ("removed", changes.get("removed", 0), "bad" if changes.get("removed") else ""),
             ("pages", summary.get("pages_fetched", stats.get("downloader/response_count", 0)), ""),
             ("failures", failures_total, "bad" if failures_total else ""),
             ("excluded by robots.txt", len(job.failures) - failures_total, ""),
             ("rendered", len(job.rendered_urls) or stats.get("gongkai/browser/rendered", 0), "")]
    parts.append('<div class=cards id=cards>' + "".join(
        f'<div class="card {cls}"><b>{escape(str(v))}</b>{escape(k)}</div>' for k, v, cls in cards) + "</div>")
    parts += _sites_section(job)
    parts += _history_section(job)
    parts += _failures_section(job)
    parts += _removed_section(job)
    parts += _rendered_section(job)
    parts.append("</body></html>")
    return "\n".join(parts)


def _year_span(site) -> str:
    years = sorted(y for y in site.by_year if y)
    return "" if not years else str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _sites_section(job: JobReport) -> list[str]:
    head = ["site", "agency", "reports", "years"] + list(CHANGE_KINDS) + ["failures", "excluded", "views"]
    rows = []
    for s in job.sites:
        rows.append("<tr>" + f"<td>{escape(s.host)}</td><td>{escape(s.agency or '')}</td>" + _num(s.reports)
                    + f"<td>{_year_span(s)}</td>"
                    + "".join(_num(s.changes.get(k, 0)) for k in CHANGE_KINDS)
                    + _num(sum(n for r, n in s.failures.items() if r != "robots")) + _num(s.failures.get("robots", 0))
                    + _num(s.views) + "</tr>")
    total = ("<tr class=total><td>all sites</td><td></td>" + _num(job.total_reports) + "<td></td>"
             + "".join(_num(sum(s.changes.get(k, 0) for s in job.sites)) for k in CHANGE_KINDS)
             + _num(sum(n for s in job.sites for r, n in s.failures.items() if r != "robots"))
             + _num(sum(s.failures.get("robots", 0) for s in job.sites))
             + _num(sum(s.views for s in job.sites)) + "</tr>")
    out = ["<h2>站点 Sites</h2>",
           "<div class=wide><table id=sites><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head)
           + "</tr></thead><tbody>" + "".join(rows) + total + "</tbody></table></div>"]
    # The sites where most changed first (ties: the table's order), so the bars that fit show them.
    with_changes = sorted((s for s in job.sites if s.changes),
                          key=lambda s: -sum(n for k, n in s.changes.items() if k != "unchanged"))
    if with_changes:
        shown, rest = with_changes[:MAX_CHANGE_BARS], with_changes[MAX_CHANGE_BARS:]
        labels, counts = [_site_label(s) for s in shown], [dict(s.changes) for s in shown]
        if rest:
            labels.append(f"其他 {len(rest)} 个站点\nother sites")
            counts.append({k: sum(s.changes.get(k, 0) for s in rest) for k in CHANGE_KINDS})
        out.append(_img(charts.changes_per_site(labels, counts), "changes this crawl per site", "chart-changes"))
    with_reports = [s for s in job.sites if s.reports]
    if not with_reports:
        return out
    years = sorted({y for s in with_reports for y in s.by_year}, key=lambda y: (y is None, y or 0))
    out.append("<h2>年度 Reports by year</h2>")
    # A district with 40 street offices: the busiest sites get a colour each, the rest one together.
    series = {_site_label(s).replace("\n", " "): [s.by_year.get(y, 0) for y in years]
              for s in with_reports[:MAX_CHART_SITES]}
    rest = with_reports[MAX_CHART_SITES:]
    if rest:
        series[f"其他 {len(rest)} 个站点 other sites"] = [sum(s.by_year.get(y, 0) for s in rest) for y in years]
    out.append(_img(charts.reports_by_year(years, series), "reports per year and site", "chart-years"))
    out.append("<div class=wide><table id=years><thead><tr><th>year</th>" + "".join(f"<th>{escape(s.host)}</th>" for s in with_reports)
               + "<th>all</th></tr></thead><tbody>")
    for y in years:
        counts = [s.by_year.get(y, 0) for s in with_reports]
        out.append(f"<tr><td>{y if y else 'unknown'}</td>" + "".join(_num(n or "") for n in counts)
                   + _num(sum(counts)) + "</tr>")
    out.append("</tbody></table></div>")
    return out


def _history_section(job: JobReport) -> list[str]:
    if not job.crawls:
        return []
    out = ["<h2>历次抓取 Crawls of this job</h2>",
           "<table id=crawls><thead><tr><th>crawl</th><th>started</th><th>finished</th><th>reason</th><th>runs</th>"
           + "".join(f"<th>{k}</th>" for k in CHANGE_KINDS) + "</tr></thead><tbody>"]
    for c in job.crawls:
        out.append(f"<tr><td>{escape(c.crawl_id)}</td><td>{escape(c.started_at or '')}</td>"
                   f"<td>{escape(c.finished_at or '—')}</td><td>{escape(c.reason or 'not finished')}</td>"
                   + _num(c.runs) + "".join(_num(c.changes.get(k, 0)) for k in CHANGE_KINDS) + "</tr>")
    out.append("</tbody></table>")
    if not job.views:
        return out
    crawl_ids = [c.crawl_id for c in job.crawls]
    per_site: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for url, history in job.views.items():
        last = {cid: v for cid, v in history if v is not None}
        for cid, v in last.items():
            per_site[host_of(url)][cid] += v
    # A line and a legend entry per site made the chart as tall as its legend (5,012 px for 371
    # sites): the most viewed sites get a line each, the rest one line together.
    hosts = sorted(per_site, key=lambda h: (-max(per_site[h].values(), default=0), h))
    series = {host: [per_site[host].get(cid) for cid in crawl_ids] for host in hosts[:MAX_CHART_SITES]}
    rest = [per_site[h] for h in hosts[MAX_CHART_SITES:]]
    if rest:
        series[f"其他 {len(rest)} 个站点 other sites"] = [
            sum(r[cid] for r in rest if cid in r) if any(cid in r for r in rest) else None for cid in crawl_ids]
    out.append(_img(charts.views_history(crawl_ids, series), "views per crawl", "chart-views"))
    top = sorted(job.views.items(), key=lambda kv: -max((v or 0) for _c, v in kv[1]))[:MAX_VIEW_ROWS]
    out.append(f"<details><summary>浏览量 Views per report (top {len(top)})</summary><table id=views><thead><tr>"
               "<th>report</th>" + "".join(f"<th>{escape(c)}</th>" for c in crawl_ids)
               + "</tr></thead><tbody>")
    for url, history in top:
        last = {cid: v for cid, v in history}
        out.append(f'<tr><td><a href="{escape(url)}">{escape(job.titles.get(url, url))}</a></td>'
                   + "".join(_num("" if last.get(c) is None else last[c]) for c in crawl_ids) + "</tr>")
    out.append("</tbody></table></details>")
    return out


def _failures_section(job: JobReport) -> list[str]:
    out = ["<h2>失败 Failures this crawl</h2>"]
    if not job.failures:
        return out + ["<p id=failures>No request failed.</p>"]
    by_reason: dict[str, list[dict]] = defaultdict(list)
    for f in job.failures:
        by_reason[f.get("reason") or "other"].append(f)
    order = [r for r in REASON_LABELS if r in by_reason] + sorted(set(by_reason) - set(REASON_LABELS))
    out.append(_img(charts.failures_by_reason([REASON_LABELS.get(r, r) for r in order],
                                              [len(by_reason[r]) for r in order]), "failures by reason",
                    "chart-failures"))
    out.append("<div id=failures>")
    for r in order:
        rows = by_reason[r]
        out.append(f"<details open><summary><b>{escape(REASON_LABELS.get(r, r))}</b> ({len(rows)})</summary>"
                   f"<table class=failures data-reason={escape(r)}><thead><tr><th>URL</th><th>status</th>"
                   "<th>detail</th><th>role</th><th>linked from</th></tr></thead><tbody>")
        for f in rows[:MAX_FAILED_URLS]:
            out.append(f"<tr><td>{escape(f.get('url', ''))}</td><td>{escape(str(f.get('status') or ''))}</td>"
                       f"<td>{escape(f.get('detail') or '')}</td><td>{escape(f.get('role') or '')}</td>"
                       f"<td>{escape(f.get('referer') or '')}</td></tr>")
        if len(rows) > MAX_FAILED_URLS:
            out.append(f"<tr><td colspan=5>… {len(rows) - MAX_FAILED_URLS} more in "
                       f"failures/{escape(str(job.crawl_id))}.jsonl</td></tr>")
        out.append("</tbody></table></details>")
    out.append("</div>")
    return out


def _removed_section(job: JobReport) -> list[str]:
    if not job.removed:
        return []
    out = ["<h2>已删除 Removed this crawl</h2><table id=removed><thead><tr><th>report</th><th>why</th>"
           "<th>last seen</th></tr></thead><tbody>"]
    for e in job.removed:
        url = e.get("url", "")
        out.append(f"<tr><td>{escape(job.titles.get(url, url))}<br><code>{escape(url)}</code></td>"
                   f"<td>{escape(e.get('reason') or '')}</td><td>{escape(e.get('last_seen') or '')}</td></tr>")
    return out + ["</tbody></table>"]


def _rendered_section(job: JobReport) -> list[str]:
    if not job.rendered_urls:
        return []
    return (["<h2>浏览器渲染 Pages rendered by the browser</h2><ul id=rendered>"]
            + [f"<li><code>{escape(u)}</code></li>" for u in job.rendered_urls] + ["</ul>"])
