"""What the crawl report shows, gathered from a job directory (no Scrapy, no HTML here)."""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.state import STATE_FILE, CrawlState

logger = logging.getLogger(__name__)

CHANGE_KINDS = ("new", "changed", "unchanged", "removed")


@dataclass
class Site:
    host: str
    agency: str | None = None                                 # most common issuing body of its reports
    reports: int = 0                                          # current reports (removed ones excluded)
    by_year: Counter = field(default_factory=Counter)         # report_year → reports
    changes: Counter = field(default_factory=Counter)         # this crawl: new / changed / unchanged / removed
    failures: Counter = field(default_factory=Counter)        # this crawl: reason → failed URLs
    views: int = 0                                            # sum of the current reports' view counts


@dataclass
class CrawlRow:
    crawl_id: str
    started_at: str | None
    finished_at: str | None
    reason: str | None
    runs: int
    changes: Counter


@dataclass
class JobReport:
    job_dir: Path
    crawl_id: str | None
    sites: list[Site]
    crawls: list[CrawlRow]
    failures: list[dict]                                      # this crawl's failures/<id>.jsonl lines
    removed: list[dict]                                       # this crawl's removed lines
    views: dict[str, list[tuple[str, int | None]]]           # url → [(crawl id, views)] for reports with views
    titles: dict[str, str]
    stats: dict
    rendered_urls: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def total_reports(self) -> int:
        return sum(s.reports for s in self.sites)


# What the report shows of a report line. A line carries the report's whole text and statistics
# (tens of KB): holding every line of a 1,000-portal job at once took the crawl process to 1.3 GB
# at the end of the crawl (benchmarks/scale.py), so only these fields are kept, a line at a time.
_REPORT_FIELDS = ("report_year", "views", "agency", "title")
# What the report shows of a change-log line. The line of a new or changed report carries its whole
# record (crawler/extensions/changes.py), so a first crawl's change log is as large as its
# reports.jsonl: read as a list, the 20 MB log of 300 generated portals took 41 MB (the crawl
# process, at the end of the crawl), and it grows with the reports.
_CHANGE_FIELDS = ("url", "change", "reason", "last_seen")


def iter_jsonl(path: Path, warnings: list[str] | None = None) -> Iterator[dict]:
    """The complete JSON lines of `path`, one at a time (a torn last line of a killed run is skipped)."""
    if not path.exists():
        return
    bad = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if isinstance(row, dict):
                yield row
    if bad and warnings is not None:
        warnings.append(f"{path.name}: {bad} unreadable line(s) skipped")


def read_jsonl(path: Path, warnings: list[str] | None = None) -> list[dict]:
    """The complete JSON lines of `path` (a torn last line of a killed run is skipped)."""
    return list(iter_jsonl(path, warnings))


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "?"


def load_job(job_dir: Path, *, crawl_id: str | None = None) -> JobReport:
    warnings: list[str] = []
    current: dict[str, dict] = {}
    for record in iter_jsonl(job_dir / "reports.jsonl", warnings):
        if "url" in record:  # the last line per URL is the current one
            current[record["url"]] = {k: record.get(k) for k in _REPORT_FIELDS}
    stats_path = job_dir / "crawl-stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}

    crawls: list[CrawlRow] = []
    removed_urls: set[str] = set()
    views: dict[str, list[tuple[str, int | None]]] = {}
    if (job_dir / STATE_FILE).exists():
        state = CrawlState(job_dir)
        try:
            for row in state.crawls():
                changes = Counter(e.get("change") for e in iter_jsonl(job_dir / "changes" / f"{row['crawl_id']}.jsonl"))
                crawls.append(CrawlRow(row["crawl_id"], row.get("started_at"), row.get("finished_at"),
                                       row.get("reason"), row.get("runs") or 1, changes))
            for url in current:
                rep = state.report(url)
                if rep is not None and rep.removed_at:
                    removed_urls.add(url)
                history = [(c, v) for c, _at, v in state.views_history(url)]
                if any(v is not None for _c, v in history):
                    views[url] = history
        finally:
            state.close()
    else:
        warnings.append(f"no {STATE_FILE}: no crawl history, change log or view history to show")
    crawl_id = crawl_id or stats.get("gongkai/crawl_id") or (crawls[-1].crawl_id if crawls else None)

    changes = [{k: e.get(k) for k in _CHANGE_FIELDS} for e in iter_jsonl(job_dir / "changes" / f"{crawl_id}.jsonl")
               ] if crawl_id else []
    failures = read_jsonl(job_dir / "failures" / f"{crawl_id}.jsonl") if crawl_id else []
    sites: dict[str, Site] = {}

    def site(host: str) -> Site:
        return sites.setdefault(host, Site(host))

    agencies: dict[str, Counter] = defaultdict(Counter)
    for url, record in current.items():
        if url in removed_urls:
            continue
        s = site(host_of(url))
        s.reports += 1
        s.by_year[record.get("report_year")] += 1
        if isinstance(record.get("views"), int):
            s.views += record["views"]
        if record.get("agency"):
            agencies[s.host][record["agency"]] += 1
    for entry in changes:
        if entry.get("change") in CHANGE_KINDS and entry.get("url"):
            site(host_of(entry["url"])).changes[entry["change"]] += 1
    for entry in failures:
        site(entry.get("site") or host_of(entry.get("url", ""))).failures[entry.get("reason", "other")] += 1
    for host, counts in agencies.items():
        sites[host].agency = counts.most_common(1)[0][0]
    return JobReport(
        job_dir=job_dir, crawl_id=crawl_id,
        sites=sorted(sites.values(), key=lambda s: (-s.reports, s.host)),
        crawls=crawls, failures=failures,
        removed=[e for e in changes if e.get("change") == "removed"],
        views=views, titles={u: r.get("title") or u for u, r in current.items()},
        stats=stats, rendered_urls=list(stats.get("gongkai/browser/rendered_urls") or []),
        warnings=warnings,
    )
