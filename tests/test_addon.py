"""The `reports` spider in someone else's Scrapy project: `scrapy startproject`, the add-on in ADDONS,
a spider module that subclasses crawler.spiders.reports, `scrapy crawl reports -O out.jsonl`.

Without the add-on this gave 27x "Object of type bytes is not JSON serializable", no WARC and exit 0:
the spider yields raw pages that only gongkai's pipelines turn into reports.
"""

from __future__ import annotations

import json
import subprocess

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, proxy_env
from tests.fixtureweb import expected as E

SCRAPY = str(ROOT / ".venv" / "bin" / "scrapy")
SPIDER_MODULE = '''\
from crawler.spiders.reports import ReportsSpider


class Reports(ReportsSpider):
    name = "reports"
'''


def test_addon_brings_what_the_spider_needs_to_a_fresh_project(fixture_web, tmp_path):
    subprocess.run([SCRAPY, "startproject", "corpus"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    project = tmp_path / "corpus"
    settings = project / "corpus" / "settings.py"
    text = settings.read_text()
    assert "ADDONS = {}" in text  # the template's own line, which a user edits
    settings.write_text(text.replace("ADDONS = {}", 'ADDONS = {"crawler.addon.Gongkai": 1}'))
    (project / "corpus" / "spiders" / "gongkai_reports.py").write_text(SPIDER_MODULE)

    fixture_web.reset()
    start = "http://www.slx.gov.cn/"
    env = {k: v for k, v in proxy_env(fixture_web).items() if k != "SCRAPY_SETTINGS_MODULE"}
    # The template's DOWNLOAD_DELAY = 1 stays the project's choice; a test run overrides it as a user would.
    proc = subprocess.run(
        [SCRAPY, "crawl", "reports", "-a", f"start_urls={start}", "-O", "out.jsonl",
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.05", "-s", "GONGKAI_RETRY_BACKOFF_BASE=0.2",
         "-s", "GONGKAI_OUT_DIR=job"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "not JSON serializable" not in proc.stderr
    assert "crawler.addon.Gongkai" in proc.stderr  # Scrapy lists the enabled add-on

    records = [json.loads(line) for line in (project / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = {r["url"] for r in E.EXPECTED_REPORTS if r["url"].startswith(start)}
    assert expected and {r["url"] for r in records} == expected
    assert all(r["text"] and r["warc_record_id"] for r in records)
    # The same reports in gongkai's own JSON lines, and every response in the job's WARC.
    job = project / "job"
    assert {json.loads(line)["url"] for line in (job / "reports.jsonl").read_text().splitlines()} == expected
    warcs = sorted((job / "warc").glob("*.warc.gz"))
    assert warcs
    ids = set()
    for path in warcs:
        with open(path, "rb") as fh:
            ids |= {rec.rec_headers["WARC-Record-ID"] for rec in ArchiveIterator(fh) if rec.rec_type == "response"}
    assert {r["warc_record_id"] for r in records} <= ids
    assert (job / "report.html").exists()
