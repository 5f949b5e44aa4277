"""DIR/report.html as a person sees it: opened in headless chromium, its per-site table read as text,
its charts loaded, a screenshot taken; and `gongkai report DIR` writing it again."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.conftest import GONGKAI, ROOT

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
                 "--disable-domain-reliability", "--disable-breakpad", "--disable-dev-shm-usage"]


def current_reports(job: Path) -> dict[str, dict]:
    import json

    out: dict[str, dict] = {}
    for line in (job / "reports.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        out[record["url"]] = record
    return out


@pytest.fixture(scope="module")
def seen(demo_crawl, tmp_path_factory):
    """What chromium shows of the demo crawl's report.html: table texts, images, a screenshot."""
    from playwright.sync_api import sync_playwright

    report = demo_crawl.out / "report.html"
    assert report.exists(), "no report.html after the crawl"
    tmp = tmp_path_factory.mktemp("chromium")
    shot = tmp / "report.png"
    outside: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900})
        try:
            # The report is one self-contained file: anything it asks of a network is a defect.
            def route(r):
                if r.request.url.startswith(("file:", "data:")):
                    return r.continue_()
                outside.append(r.request.url)
                return r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            seen = {
                "title": page.title(),
                "sites_rows": page.eval_on_selector_all(
                    "#sites tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"),
                "sites_head": page.eval_on_selector_all("#sites thead th", "hs => hs.map(h => h.innerText.trim())"),
                "years_head": page.eval_on_selector_all("#years thead th", "hs => hs.map(h => h.innerText.trim())"),
                "years_rows": page.eval_on_selector_all(
                    "#years tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"),
                "failures_text": page.inner_text("#failures"),
                "cards": page.inner_text("#cards"),
                "images": page.eval_on_selector_all(
                    "img", "imgs => imgs.map(i => [i.id, i.complete, i.naturalWidth, i.naturalHeight])"),
            }
            page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    seen["screenshot"] = shot
    seen["outside"] = outside
    return seen


def test_per_site_table_shows_what_reports_jsonl_holds(seen, demo_crawl):
    reports = current_reports(demo_crawl.out)
    per_host = Counter(urlsplit(u).hostname for u in reports)
    head = seen["sites_head"]
    rows = {r[0]: dict(zip(head, r, strict=True)) for r in seen["sites_rows"]}
    for host, n in per_host.items():
        assert int(rows[host]["reports"]) == n, (host, rows[host])
        assert int(rows[host]["new"]) == n  # the first crawl of the job: every report is new
    assert int(rows["all sites"]["reports"]) == len(reports)
    # Agencies are shown in Chinese, as the reports name them.
    agencies = {r["agency"] for r in reports.values() if urlsplit(r["url"]).hostname == "www.qhq.gov.cn"}
    assert rows["www.qhq.gov.cn"]["agency"] in agencies
    # The dead sub-domain is listed with its failure, though it gave no report.
    assert rows["ljz.hyq.gov.cn"]["reports"] == "0" and int(rows["ljz.hyq.gov.cn"]["failures"]) >= 1


def test_reports_by_year_per_site_as_shown(seen, demo_crawl):
    reports = current_reports(demo_crawl.out)
    expected = Counter((r["report_year"], urlsplit(r["url"]).hostname) for r in reports.values())
    head = seen["years_head"]
    shown = Counter()
    for row in seen["years_rows"]:
        year = None if row[0] == "unknown" else int(row[0])
        for host, cell in zip(head[1:-1], row[1:-1], strict=True):
            if cell:
                shown[(year, host)] = int(cell)
        assert int(row[-1]) == sum(n for (y, _h), n in expected.items() if y == year)
    assert shown == expected


def test_failures_are_listed_by_reason_with_their_urls(seen):
    text = seen["failures_text"]
    assert "excluded by robots.txt" in text and "/private/" in text
    assert "HTTP 4xx" in text and "http://www.hyq.gov.cn/art/2015/3/30/art_1234_5999.html" in text
    assert "HTTP 5xx" in text and "http://ljz.hyq.gov.cn/" in text
    assert "too large" in text and "bigreport.html" in text


def test_charts_load_and_the_page_is_drawn(seen):
    images = {i[0]: i for i in seen["images"]}
    for chart in ("chart-years", "chart-changes", "chart-failures"):
        _id, complete, width, height = images[chart]
        assert complete and width > 300 and height > 150, images[chart]
    assert not seen["outside"], seen["outside"]
    shot = Image.open(seen["screenshot"]).convert("RGB")
    assert shot.width == 1200 and shot.height > 1500
    # A drawn page, not a blank one: the charts' colours are on screen.
    colours = shot.resize((300, shot.height // 4)).getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 50
    assert "抓取报告" in seen["title"] or "crawl report" in seen["title"]


def test_chart_labels_use_a_font_with_the_chinese_glyphs(demo_crawl):
    from matplotlib import font_manager, rcParams
    from matplotlib.ft2font import FT2Font

    from crawler.crawl_report import charts

    assert charts.cjk_font() == "WenQuanYi Zen Hei", "fonts-wqy-zenhei missing (scripts/setup.sh installs it)"
    path = font_manager.findfont(font_manager.FontProperties(family=rcParams["font.sans-serif"]))
    font = FT2Font(path)
    labels = "".join({r["agency"] or "" for r in current_reports(demo_crawl.out).values()}) + "各年度的年报"
    missing = [c for c in set(labels) if not c.isspace() and font.get_char_index(ord(c)) == 0]
    assert not missing, (path, missing)


def test_gongkai_report_writes_it_again(demo_crawl, tmp_path):
    job = tmp_path / "job"
    shutil.copytree(demo_crawl.out, job)
    (job / "report.html").unlink()
    proc = subprocess.run([*GONGKAI, "report", str(job)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = (job / "report.html").read_text(encoding="utf-8")
    assert 'id=sites' in html and "data:image/png;base64," in html
    assert str(job / "report.html") in proc.stdout
