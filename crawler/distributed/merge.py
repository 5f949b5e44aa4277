"""After a distributed crawl: the workers' job directories as one job directory.

- DIR/warc/: a hard link (a copy across file systems) to every finished WARC of every worker; the
  names are unique because each worker writes with its own prefix. A record's `warc_file`
  ("warc/<name>") therefore points at the same bytes from DIR as from DIR/workers/<name>/.
- DIR/reports.jsonl: every worker's lines, one per report URL (the latest fetch wins), sorted by
  URL so two runs that fetched the same things give the same file.
- DIR/index.cdxj: one sorted CDXJ over DIR/warc/ (archive.index.build_index).
- DIR/crawl-stats.json: each worker's counters, and their sums.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from archive.index import build_index, warc_files
from archive.warcwriter import recover_open_files

WORKERS_DIR = "workers"


def worker_dirs(out: Path) -> list[Path]:
    base = out / WORKERS_DIR
    return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


def link_warcs(out: Path) -> list[Path]:
    target = out / "warc"
    target.mkdir(parents=True, exist_ok=True)
    linked = []
    for worker in worker_dirs(out):
        if not (worker / "warc").is_dir():
            continue
        # A killed worker leaves its last file `.open`: every worker has exited now, so close it to
        # its last complete record, as that worker's next start would.
        recover_open_files(worker / "warc")
        for path in warc_files(worker):
            dest = target / path.name
            if not dest.exists():
                try:
                    os.link(path, dest)
                except OSError:
                    shutil.copy2(path, dest)
            linked.append(dest)
    return linked


def merge_reports(out: Path) -> tuple[int, int]:
    """(reports written, duplicate lines dropped)."""
    by_url: dict[str, dict] = {}
    lines = 0
    for worker in worker_dirs(out):
        path = worker / "reports.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                url = record["url"]
            except (ValueError, KeyError, TypeError):
                continue  # a killed worker's torn last line
            lines += 1
            kept = by_url.get(url)
            if kept is None or (record.get("fetched_at") or "") >= (kept.get("fetched_at") or ""):
                by_url[url] = record
    tmp = out / "reports.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        for url in sorted(by_url):
            fh.write(json.dumps(by_url[url], ensure_ascii=False) + "\n")
    tmp.replace(out / "reports.jsonl")
    return len(by_url), lines - len(by_url)


def merge_stats(out: Path) -> dict:
    workers: dict[str, dict] = {}
    for worker in worker_dirs(out):
        path = worker / "crawl-stats.json"
        if path.exists():
            try:
                workers[worker.name] = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
    totals: dict[str, float] = {}
    for stats in workers.values():
        for key, value in stats.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
    merged = {"workers": workers, "totals": totals}
    (out / "crawl-stats.json").write_text(json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True),
                                          encoding="utf-8")
    return merged


def merge_job(out: Path) -> dict:
    """Merge every worker directory of `out`; what was made."""
    linked = link_warcs(out)
    reports, duplicates = merge_reports(out)
    index_lines, damage = build_index(warc_files(out), out / "index.cdxj")
    merge_stats(out)
    return {"warcs": len(linked), "reports": reports, "duplicate_lines": duplicates,
            "index_lines": index_lines, "damage": damage}
