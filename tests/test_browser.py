"""Browser on demand: the per-page decision (units on HTML snippets), and one real chromium crawl of the
JS fixture site (tests/fixtureweb/site_js.py) shared by the module: WARC records of browser traffic, the
rendered-DOM conversion record, counts, replay, and a crawl that never needs chromium never starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

from archive.replay import replay_records
from crawler import browser
from crawler import settings as project_settings
from pipelines.domains import registered_domain
from pipelines.page import FetchedPage
from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.site_js import BASE, JS_EXPECTED_REPORTS, JS_RENDERED_URLS, JS_START_URL, R_RENDER

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(project_settings.PLAYWRIGHT_LAUNCH_OPTIONS["executable_path"])


def _page(html: str, url: str = "http://www.x.gov.cn/col/index.html", link_text: str | None = None) -> tuple:
    page = FetchedPage(url=url, status=200, headers={"content-type": "text/html"}, body=html.encode(),
                       fetched_at="2026-01-01T00:00:00Z", link_text=link_text)
    return page, lxml.html.fromstring(html)


# --- the decision, on snippets -----------------------------------------------------------------------
SCRIPT_LIST = ("<html><body><h2>年报</h2><ul id='list' class='list'></ul><script>var x=new XMLHttpRequest();"
               "x.open('GET','/da'+'ta.json');x.send();</script></body></html>")
JSON_API_LIST = ("<html><body><ul id='list'></ul><script>fetch('/api/list?page=1').then(r=>r.json())"
                 ".then(d=>render(d))</script></body></html>")
HANWEB = ("<html><body><div id='1'><script type='text/xml'><datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/"
          "dataproxy.jsp?page=1&columnid=5&unitid=1\"></a>]]></nextgroup><recordset><record><![CDATA[<li><a href='/a.html'>"
          "x</a></li>]]></record></recordset></datastore></script></div></body></html>")
STATIC = "<html><body><ul class='list'><li><a href='/a.html'>某区2023年政府信息公开工作年度报告</a></li></ul></body></html>"
STUB_OBFUSCATED = "<html><head><script>var t=['/n','b/'].join('');window['loc'+'ation']=t;</script></head><body></body></html>"
STUB_PARSEABLE = "<html><head><script>location.replace('/xxgk/nb/');</script></head><body></body></html>"
COUNTER_NO_ENDPOINT = ("<html><head><title>某区2023年政府信息公开工作年度报告</title></head><body><div class='info'>"
                       "浏览次数：<script>document.write(window.__n)</script></div><p>" + "本报告根据政府信息公开条例编制。" * 5 + "</p></body></html>")
COUNTER_VSB = ("<html><head><title>某区2023年政府信息公开工作年度报告</title></head><body><div>浏览次数："
               "<script>_showDynClicks(\"wbnews\", 1412614994, 1081)</script></div></body></html>")
SPA = "<html><head><script src='/static/app.js'></script></head><body><div id='app'></div></body></html>"


@pytest.mark.parametrize(("html", "reason"), [
    (SCRIPT_LIST, "script_list"),
    (JSON_API_LIST, None),  # its endpoint is asked directly
    (HANWEB, None),  # dataproxy POST, no browser
    (STATIC, None),
    (STUB_OBFUSCATED, "stub"),
    (STUB_PARSEABLE, None),  # the spider follows location.replace itself
    (COUNTER_NO_ENDPOINT, "counter"),
    (COUNTER_VSB, None),  # dynclicks.jsp is asked directly
    (SPA, "spa_shell"),
])
def test_browser_reason(html: str, reason: str | None) -> None:
    page, tree = _page(html)
    assert browser.browser_reason(page, tree) == reason


def _settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings)
    settings.update(overrides)
    return settings


def test_host_override_and_switch() -> None:
    page, tree = _page(STATIC)
    assert browser.needs_browser(page, tree, _settings(GONGKAI_BROWSER_HOSTS={"www.x.gov.cn": "always"}))
    page, tree = _page(SCRIPT_LIST)
    assert browser.needs_browser(page, tree, _settings())
    assert not browser.needs_browser(page, tree, _settings(GONGKAI_BROWSER_HOSTS={"www.x.gov.cn": "never"}))
    assert not browser.needs_browser(page, tree, _settings(GONGKAI_BROWSER_ENABLED=False))


def test_counter_only_on_report_like_pages() -> None:
    news = COUNTER_NO_ENDPOINT.replace("某区2023年政府信息公开工作年度报告", "我区召开工作会议")
    page, tree = _page(news)
    assert browser.browser_reason(page, tree) is None


# --- one real browser crawl --------------------------------------------------------------------------
def _crawl(fw: FixtureWeb, start: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, http_proxy=fw.proxy_url, HTTP_PROXY=fw.proxy_url, no_proxy="", NO_PROXY="",
               PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", start, "--out", str(out), "--set", "AUTOTHROTTLE_ENABLED=False",
           "--set", "RETRY_TIMES=1", "--set", "GONGKAI_REPORT_HTML=False", "--log-level", "INFO", *extra]
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)


def _read_records(paths: list[Path]) -> list[dict]:
    records = []
    for path in paths:
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                body = rec.content_stream().read() if rec.rec_type in ("response", "conversion") else b""
                records.append({"type": rec.rec_type, "url": rec.rec_headers.get_header("WARC-Target-URI"),
                                "id": rec.rec_headers.get_header("WARC-Record-ID"),
                                "refers_to": rec.rec_headers.get_header("WARC-Refers-To"),
                                "http": rec.http_headers, "body": body,
                                "raw_length": rec.rec_headers.get_header("Content-Length")})
    return records


@pytest.fixture(scope="module")
def js_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two crawls of the JS site into one job directory: the first, and the re-crawl of an
    unchanged site. The fixture web logs every request both received."""
    assert CHROMIUM.exists(), f"{CHROMIUM} missing: scripts/setup.sh installs it"
    out = tmp_path_factory.mktemp("jscrawl")
    with FixtureWeb() as fw:
        proc = _crawl(fw, JS_START_URL, out)
        assert proc.returncode == 0, proc.stderr[-3000:]
        first_files = sorted((out / "warc").glob("*.warc.gz"))
        stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8"))
        reports = {json.loads(line)["url"]: json.loads(line) for line in (out / "reports.jsonl").open(encoding="utf-8")}
        first_requests = fw.requests()
        # The re-crawl also runs the browser's bounds at their tightest: a fresh context per page,
        # browser and driver shut down after half a second without a render; and chromium with a
        # renderer process of its own (the first crawl renders in chromium's single process).
        again = _crawl(fw, JS_START_URL, out, "--set", "GONGKAI_BROWSER_PAGES_PER_CONTEXT=1",
                       "--set", "GONGKAI_BROWSER_IDLE_SECONDS=0.5", "--set", "GONGKAI_BROWSER_SINGLE_PROCESS=False")
        assert again.returncode == 0, again.stderr[-3000:]
        requests = fw.requests()
    second_files = sorted(set((out / "warc").glob("*.warc.gz")) - set(first_files))
    return {"out": out, "reports": reports, "stats": stats, "records": _read_records(first_files),
            "files": first_files, "requests": first_requests, "all_requests": requests, "log": proc.stderr,
            "second_records": _read_records(second_files),
            "second_stats": json.loads((out / "crawl-stats.json").read_text(encoding="utf-8"))}


def _stat(stats: dict, name: str) -> int:
    flat = stats.get("stats", stats)
    return int(flat.get(name) or 0)


def test_only_pages_that_need_it_are_rendered(js_crawl: dict) -> None:
    conversions = {r["url"] for r in js_crawl["records"] if r["type"] == "conversion"}
    assert conversions == JS_RENDERED_URLS
    assert _stat(js_crawl["stats"], "gongkai/browser/rendered") == len(JS_RENDERED_URLS)
    # What chromium asked for was fetched by Scrapy, through the proxy, as Scrapy: its user agent.
    xhr = [q for q in js_crawl["requests"] if q.url == f"{BASE}/xxgk/bmnb/data.json"]
    assert xhr, "the browser's XHR never reached the proxy"
    assert all(q.headers.get("User-Agent", "").startswith("gongkai/") for q in xhr)


def _host(url: str) -> str:
    # CONNECT requests are logged as host:port
    return (urlsplit(url).hostname if "://" in url else url.rsplit(":", 1)[0]) or ""


def test_browser_stays_in_scope(js_crawl: dict) -> None:
    """Nothing reached the proxy for a host outside the start host's registered domain (chromium's
    background services, the page's offsite analytics script), nor a path robots.txt disallows."""
    scope = registered_domain(JS_START_URL)
    hosts = {_host(q.url) for q in js_crawl["all_requests"]}
    assert hosts, "the fixture web logged nothing"
    assert {h for h in hosts if registered_domain(f"http://{h}/") != scope} == set()
    assert not [q for q in js_crawl["all_requests"] if q.method == "CONNECT"]
    assert not [q.url for q in js_crawl["all_requests"] if "/manager/" in q.url]
    stats = js_crawl["stats"]
    assert _stat(stats, "gongkai/browser/aborted/ignored") >= 2  # hm.baidu.com + /manager/
    assert _stat(stats, "gongkai/browser/skipped_resources") >= 1  # the banner image
    # The stylesheet chromium asked for was fetched (for it, by Scrapy) and archived, its redirect
    # followed by Scrapy too.
    fetched = {(r["url"], r["http"].get_statuscode()) for r in js_crawl["records"] if r["type"] == "response"}
    assert {(f"{BASE}/css/list.css", "302"), (f"{BASE}/css/list.css?v=2", "200")} <= fetched


def test_browser_traffic_is_archived(js_crawl: dict) -> None:
    records = js_crawl["records"]
    responses = [r for r in records if r["type"] == "response"]
    by_id = {r["id"]: r for r in responses}
    # The XHR answers seen only by the browser are response records like any other, written by the
    # WARC capture from the bytes as received.
    for url in (f"{BASE}/xxgk/bmnb/data.json", f"{BASE}/api/views?id={R_RENDER[0]}"):
        assert any(r["url"] == url for r in responses), url
    for conv in (r for r in records if r["type"] == "conversion"):
        doc = by_id.get(conv["refers_to"])
        assert doc is not None, f"conversion of {conv['url']} refers to no response record"
        assert doc["url"] == conv["url"]
        assert b"<a href" in conv["body"]  # the DOM after scripts ran
    # Bodies from the browser are stored decoded: heads say so, lengths match.
    for r in responses:
        assert r["http"].get_header("Content-Encoding") is None or r["http"].get_header("Content-Encoding") == "gzip"
        if r["http"].get_header("Content-Encoding") is None:
            assert int(r["http"].get_header("Content-Length")) == len(r["body"]), r["url"]


def test_reports_and_counts(js_crawl: dict) -> None:
    reports = js_crawl["reports"]
    for want in JS_EXPECTED_REPORTS:
        got = reports.get(want["url"])
        assert got is not None, f"missing {want['url']}"
        assert got["title"] == want["title"]
        assert got["report_year"] == want["report_year"]
        assert got["views"] == want["views"], want["url"]
        assert got.get("views_source") == want["views_source"], want["url"]
        if want.get("attachment_types"):
            assert [a["media_type"] for a in got["attachments"]] == want["attachment_types"]
            assert all(a["sha1"] and a["warc_record_id"] for a in got["attachments"])
        if want["needs_ocr"] is not None:
            assert got["needs_ocr"] is want["needs_ocr"], want["url"]
        if want["text_source"] == "attachment":
            assert len(got["text"]) > 100
    assert f"{BASE}/xxgk/nb/202401/t20240110_1009.html" not in reports  # 政府工作报告


def test_replay_gives_the_same_records(js_crawl: dict) -> None:
    out = js_crawl["out"]
    replayed = {r["url"]: r for r in replay_records(js_crawl["files"], relative_to=out)}
    live = js_crawl["reports"]
    assert set(replayed) == set(live)
    for url, rec in live.items():
        for key in ("title", "views", "views_source", "text", "needs_ocr", "warc_record_id"):
            assert replayed[url].get(key) == rec.get(key), (url, key)
        assert [a["sha1"] for a in replayed[url].get("attachments") or []] == \
               [a["sha1"] for a in rec.get("attachments") or []]


def test_crawl_without_js_pages_never_starts_chromium(tmp_path: Path) -> None:
    # The 政府信息公开年报 column: its list is a JSON API and its counters have endpoints.
    with FixtureWeb() as fw:
        proc = _crawl(fw, f"{BASE}/xxgk/nb/", tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads((tmp_path / "crawl-stats.json").read_text(encoding="utf-8"))
    assert _stat(stats, "playwright/browser_count") == 0
    assert _stat(stats, "gongkai/browser/rendered") == 0
    urls = {json.loads(line)["url"] for line in (tmp_path / "reports.jsonl").open(encoding="utf-8")}
    assert {r["url"] for r in JS_EXPECTED_REPORTS if "/xxgk/nb/" in r["url"]} <= urls


def test_a_browser_over_its_memory_bound_is_replaced_and_nothing_is_lost(js_crawl: dict, tmp_path: Path) -> None:
    # Bound at its tightest (1 MB): every render that ends with no page open closes the browser, and
    # the next render gets a fresh one. The crawl still renders every page and emits the same reports.
    # The family bound is off: its yields to a child (tests/test_memory*.py) would close the browser
    # before this bound is looked at.
    with FixtureWeb() as fw:
        proc = _crawl(fw, JS_START_URL, tmp_path, "--set", "GONGKAI_BROWSER_MAX_RSS_MB=1",
                      "--set", "GONGKAI_FAMILY_RSS_BUDGET_MB=0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads((tmp_path / "crawl-stats.json").read_text(encoding="utf-8"))
    assert _stat(stats, "gongkai/browser/memory_restarts") >= 1
    # Every browser but the last was closed for its memory (or the last was too, with no render after it).
    others = _stat(stats, "gongkai/browser/restarts") + _stat(stats, "gongkai/browser/idle_shutdowns")
    # Browsers launched: by scrapy-playwright, or as a persistent context (GONGKAI_BROWSER_SINGLE_PROCESS).
    launched = _stat(stats, "playwright/browser_count") + _stat(stats, "playwright/context_count/persistent/True")
    assert launched - others - _stat(stats, "gongkai/browser/memory_restarts") in (0, 1)
    assert _stat(stats, "gongkai/browser/rendered") == _stat(js_crawl["stats"], "gongkai/browser/rendered")
    assert _stat(stats, "gongkai/browser/static_fallbacks") == 0
    reports = {json.loads(line)["url"]: json.loads(line) for line in (tmp_path / "reports.jsonl").open(encoding="utf-8")}
    keys = ("title", "views", "views_source", "text")
    assert {u: [r.get(k) for k in keys] for u, r in reports.items()} == \
           {u: [r.get(k) for k in keys] for u, r in js_crawl["reports"].items()}


# --- re-crawl of the unchanged site -------------------------------------------------------------------
def test_second_pass_is_revisits_browser_traffic_included(js_crawl: dict) -> None:
    records = js_crawl["second_records"]
    kinds = [r["type"] for r in records if r["type"] in ("response", "revisit")]
    assert kinds and kinds.count("revisit") / len(kinds) >= 0.95, [
        r["url"] for r in records if r["type"] == "response"]
    # What only chromium asks for (XHR answers, the stylesheet) is deduplicated like the rest.
    browser_only = {f"{BASE}/xxgk/bmnb/data.json", f"{BASE}/api/views?id={R_RENDER[0]}", f"{BASE}/css/list.css",
                    f"{BASE}/css/list.css?v=2"}
    # A 3xx is always a full record (archive/revisit.py revisit_allowed): /css/list.css redirects.
    redirects = {r["url"] for r in records if r["type"] == "response" and r["http"].get_statuscode().startswith("3")}
    assert {r["url"] for r in records if r["type"] == "revisit"} >= browser_only - redirects
    assert browser_only - redirects >= browser_only - {f"{BASE}/css/list.css"}
    # The re-crawl's render is not empty (chromium never sees a 304): the list still has its link,
    # and each conversion names the capture it was rendered from.
    ids = {r["id"] for r in js_crawl["records"] + records}
    column = [r for r in records if r["type"] == "conversion" and r["url"] == f"{BASE}/xxgk/bmnb/"]
    assert column and R_RENDER[1].removeprefix(BASE).encode() in column[0]["body"]
    assert all(r["refers_to"] in ids for r in records if r["type"] == "conversion")
    second = js_crawl["second_stats"]
    assert _stat(second, "gongkai/browser/rendered") == len(JS_RENDERED_URLS)
    # Each render had a context of its own: the first was closed (alone, or with its browser), or the
    # browser was shut down before the next render: idle, grown past its bound, or yielding its memory to
    # a child of the crawl (a conversion, the script sandbox starting: pipelines/memory.py).
    closes = ("contexts_recycled", "restarts", "idle_shutdowns", "memory_restarts", "memory_yields")
    assert sum(_stat(second, f"gongkai/browser/{name}") for name in closes) >= 1
    assert _stat(second, "playwright/context_count") == len(JS_RENDERED_URLS)


def test_rendered_reports_are_unchanged_on_the_recrawl_and_point_at_responses(js_crawl: dict) -> None:
    """Issue 11: a rendered report is not "changed" on every crawl (one definition of changed,
    archive/record_digest.py), gets no second line, and its pointer names a record pywb replays."""
    out = js_crawl["out"]
    logs = sorted((out / "changes").glob("*.jsonl"))
    second = [json.loads(line) for line in logs[-1].open(encoding="utf-8")]
    assert len(logs) == 2 and second
    assert {e["change"] for e in second} == {"unchanged"}, [(e["url"], e["change"]) for e in second]
    lines = [json.loads(line) for line in (out / "reports.jsonl").open(encoding="utf-8")]
    assert len(lines) == len({r["url"] for r in lines})
    assert {r["url"] for r in lines} & set(JS_RENDERED_URLS)
    for entry in lines + second:
        with open(out / entry["warc_file"], "rb") as fh:
            fh.seek(entry["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
        assert record.rec_type in ("response", "revisit"), (entry["url"], record.rec_type)


# --- pager clicks, in chromium, on a page that needs no network --------------------------------------
PAGER_PAGE = """<html><body><ul id="list"></ul><div class="pager"></div><script>
var rows = [['/a1.html', 'A1'], ['/a2.html', 'A2'], ['/a3.html', 'A3']];
function show(p) {
  document.getElementById('list').innerHTML = '<li><a href="' + rows[p][0] + '">' + rows[p][1] + '</a></li>';
  document.querySelector('.pager').innerHTML = p < rows.length - 1
    ? '<a href="javascript:void(0)" class="next">下一页</a>' : '<span class="next disabled">下一页</span>';
  var nx = document.querySelector('a.next'); if (nx) nx.onclick = function () { show(p + 1); return false; };
}
show(0);
</script></body></html>"""


@pytest.mark.parametrize(("max_clicks", "pages"), [(10, 3), (1, 2)])
def test_pager_clicks_collect_every_state(max_clicks: int, pages: int) -> None:
    import asyncio

    from playwright.async_api import async_playwright

    async def run() -> list[tuple[str, str]]:
        async with async_playwright() as pw:
            options = dict(project_settings.PLAYWRIGHT_LAUNCH_OPTIONS)
            chromium = await pw.chromium.launch(**options)
            page = await chromium.new_page()
            await page.set_content(PAGER_PAGE)
            try:
                return await browser.render_states(page, max_clicks, 200)
            finally:
                await chromium.close()

    states = asyncio.run(run())
    assert [html.count('href="/a') for _url, html in states] == [1] * pages
    assert [f"/a{n}.html" in html for n, (_url, html) in enumerate(states, 1)] == [True] * pages


def test_page_is_kept_when_the_browser_cannot_render(tmp_path: Path) -> None:
    # A report whose count only a browser shows, on a machine where chromium cannot start: the
    # report is still emitted, from its static HTML, without the count; the crawl says why.
    broken = json.dumps({**project_settings.PLAYWRIGHT_LAUNCH_OPTIONS, "executable_path": str(tmp_path / "no-chromium")})
    with FixtureWeb() as fw:
        proc = _crawl(fw, R_RENDER[1], tmp_path / "job", "--set", f"PLAYWRIGHT_LAUNCH_OPTIONS={broken}",
                      "--set", "DEPTH_LIMIT=1")
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    lines = {json.loads(line)["url"]: json.loads(line) for line in (tmp_path / "job" / "reports.jsonl").open(encoding="utf-8")}
    assert R_RENDER[1] in lines, sorted(lines)
    assert (lines[R_RENDER[1]]["title"], lines[R_RENDER[1]]["views"]) == (R_RENDER[2], None)
    stats = json.loads((tmp_path / "job" / "crawl-stats.json").read_text(encoding="utf-8"))
    assert _stat(stats, "gongkai/browser/static_fallbacks") >= 1
    assert _stat(stats, "gongkai/browser/rendered") == 0
    assert "Browser render failed" in proc.stderr


def test_crawl_report_lists_the_rendered_pages(js_crawl: dict) -> None:
    """(H4, issue 13) report.html's "pages rendered by the browser" comes from the crawl's stats."""
    assert set(js_crawl["stats"]["gongkai/browser/rendered_urls"]) == JS_RENDERED_URLS
    from crawler.crawl_report import load_job, render_html

    job = load_job(js_crawl["out"], crawl_id=js_crawl["stats"]["gongkai/crawl_id"])
    job.rendered_urls = js_crawl["stats"]["gongkai/browser/rendered_urls"]  # the first crawl's, not the re-crawl's
    html = render_html(job)
    assert all(url in html for url in JS_RENDERED_URLS) and "id=rendered" in html
