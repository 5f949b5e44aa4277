"""DIR/report.html: what a crawl job found, changed and failed on, for a person to look at.

Written at the end of every crawl (crawler/extensions/crawl_summary.py) and by `gongkai report DIR`.
It reads only the job directory: reports.jsonl, changes/*.jsonl, failures/*.jsonl, crawl-stats.json
and state.sqlite (view-count history, the list of crawls). One self-contained HTML file: the charts
are PNGs (matplotlib, CJK labels in WenQuanYi Zen Hei) embedded as data: URIs, so the file can be
mailed or opened from any copy of the directory.
"""

from __future__ import annotations

from pathlib import Path

from crawler.crawl_report.data import JobReport, load_job
from crawler.crawl_report.html import render_html

REPORT_FILE = "report.html"

__all__ = ["JobReport", "load_job", "render_html", "write_report", "REPORT_FILE"]


def write_report(job_dir: Path, *, crawl_id: str | None = None, out: Path | None = None) -> Path:
    """Write the job's report (default DIR/report.html) and return its path."""
    job = load_job(Path(job_dir), crawl_id=crawl_id)
    target = Path(out) if out else Path(job_dir) / REPORT_FILE
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(render_html(job), encoding="utf-8")
    tmp.replace(target)
    return target
