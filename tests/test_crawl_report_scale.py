"""(issue 12) The crawl report of a job with hundreds of sites: its charts keep a size a person can
read, and that the crawl process can draw at the end of a crawl, whatever the number of sites.

A bar (or a legend line) per site made the changes chart 865 x 15,649 px for the 371 sites of 300
generated portals, and drawing it took the crawl process from 187 to 346 MB during its shutdown
(benchmarks.scale); the busiest sites get a bar or a line each, the others share one, and the table
still lists every site.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from PIL import Image

from archive.state import CrawlState
from crawler.crawl_report import charts, load_job, write_report
from crawler.crawl_report.html import MAX_CHANGE_BARS, MAX_CHART_SITES


def make_job(job: Path, sites: int, text: str = "") -> dict[str, int]:
    """A first crawl of `sites` sites, one report each (all new, each with a view count), as the
    crawl leaves its directory: reports.jsonl, the change log (a new report's line carries its
    record, `text` included), crawl-stats.json, state.sqlite."""
    state = CrawlState(job)
    crawl_id = state.begin()
    seen = "2026-12-03T08:00:00Z"
    views: dict[str, int] = {}
    (job / "changes").mkdir()
    with open(job / "reports.jsonl", "w", encoding="utf-8") as reports, \
            open(job / "changes" / f"{crawl_id}.jsonl", "w", encoding="utf-8") as changes:
        for i in range(sites):
            url = f"http://www.site{i:03d}.gov.cn/zwgk/ndbg/{i}.html"
            views[url] = 100 + i
            record = {"url": url, "title": f"{i}号 2025年政府信息公开工作年度报告", "report_year": 2025,
                      "views": views[url], "agency": f"第{i}区人民政府", "text": text}
            reports.write(json.dumps(record, ensure_ascii=False) + "\n")
            changes.write(json.dumps({"crawl_id": crawl_id, "url": url, "change": "new", "report": record},
                                     ensure_ascii=False) + "\n")
            state.update_report(url, f"digest{i}", seen)
            state.add_views(url, seen, views[url])
    state.close()
    (job / "crawl-stats.json").write_text(json.dumps({"gongkai/crawl_id": crawl_id}), encoding="utf-8")
    return views


@pytest.fixture
def drawn(monkeypatch):
    """What the report handed to the charts, chart by chart (the real charts are drawn too)."""
    calls: dict[str, tuple] = {}
    for name in ("changes_per_site", "views_history"):
        real = getattr(charts, name)

        def spy(*args, _real=real, _name=name):
            calls[_name] = args
            return _real(*args)

        monkeypatch.setattr(charts, name, spy)
    return calls


def chart_sizes(report: Path) -> dict[str, tuple[int, int]]:
    doc = lxml_html.fromstring(report.read_text(encoding="utf-8"))
    return {img.get("id"): Image.open(io.BytesIO(base64.b64decode(img.get("src").split(",", 1)[1]))).size
            for img in doc.xpath("//img")}


def test_charts_of_400_sites_are_the_size_of_those_of_40(tmp_path, drawn):
    small, large = tmp_path / "small", tmp_path / "large"
    make_job(small, 40)
    views = make_job(large, 400)
    small_sizes = chart_sizes(write_report(small))
    large_report = write_report(large)
    large_sizes = chart_sizes(large_report)
    for chart in ("chart-changes", "chart-views"):
        assert large_sizes[chart][1] <= small_sizes[chart][1] * 1.05, (chart, small_sizes, large_sizes)

    # The busiest sites by name, the others in one bar that counts them all: nothing is lost.
    labels, counts = drawn["changes_per_site"]
    assert len(labels) == MAX_CHANGE_BARS + 1
    assert labels[-1].startswith(f"其他 {400 - MAX_CHANGE_BARS} 个站点")
    assert sum(c.get("new", 0) for c in counts) == 400
    _crawl_ids, series = drawn["views_history"]
    assert len(series) == MAX_CHART_SITES + 1
    assert sum(values[0] for values in series.values()) == sum(views.values())
    # The most viewed sites have the lines of their own.
    assert "www.site399.gov.cn" in series and "www.site000.gov.cn" not in series

    # The table still lists every site.
    doc = lxml_html.fromstring(large_report.read_text(encoding="utf-8"))
    hosts = {tr.xpath("td")[0].text_content() for tr in doc.xpath('//table[@id="sites"]/tbody/tr')}
    assert len(hosts - {"all sites"}) == 400


def test_a_few_sites_are_all_drawn_by_name(tmp_path, drawn):
    make_job(tmp_path, 3)
    write_report(tmp_path)
    labels, _counts = drawn["changes_per_site"]
    assert [label.split("\n")[1] for label in labels] == [f"www.site{i:03d}.gov.cn" for i in range(3)]
    _crawl_ids, series = drawn["views_history"]
    assert sorted(series) == [f"www.site{i:03d}.gov.cn" for i in range(3)]


def test_the_change_log_is_read_a_line_at_a_time(tmp_path):
    """A first crawl's change log holds every report's whole record (each line as large as its
    reports.jsonl line): the report keeps what it shows of each line, not the lines."""
    import tracemalloc

    make_job(tmp_path, 300, text="本机关2025年度政府信息公开工作情况如下。" * 1000)
    size = next((tmp_path / "changes").glob("*.jsonl")).stat().st_size  # ~18 MB
    tracemalloc.start()
    try:
        job = load_job(tmp_path)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(s.changes["new"] for s in job.sites) == 300
    assert peak < size / 4, (peak, size)
