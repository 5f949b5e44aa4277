"""After a distributed crawl: the workers' job directories as one job directory.

- DIR/warc/: a hard link (a copy across file systems) to every finished WARC of every worker; the
  names are unique because each worker writes with its own prefix. A record's `warc_file`
  ("warc/<name>") therefore points at the same bytes from DIR as from DIR/workers/<name>/.
- DIR/reports.jsonl, DIR/state.sqlite, DIR/changes/<crawl id>.jsonl: the job's corpus, crawl state
  and change log, as one process keeps them across crawls (state_merge.py: the workers start from
  them and are merged back into them, deterministically).
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
from crawler.distributed.state_merge import merge_corpus, merge_states

WORKERS_DIR = "workers"


def worker_dirs(out: Path, names: list[str] | None = None) -> list[Path]:
    """The job's worker directories: those named, or every one there is."""
    base = out / WORKERS_DIR
    if names is not None:
        return [base / name for name in sorted(names) if (base / name).is_dir()]
    return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


def link_warcs(out: Path, workers: list[Path]) -> list[Path]:
    target = out / "warc"
    target.mkdir(parents=True, exist_ok=True)
    linked: dict[str, Path] = {}
    for worker in workers:
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
            linked[path.name] = dest  # a worker's warc/ also links the job's earlier files (seed)
    return sorted(linked.values())


def merge_stats(out: Path, workers: list[Path]) -> dict:
    stats_by_worker: dict[str, dict] = {}
    for worker in workers:
        path = worker / "crawl-stats.json"
        if path.exists():
            try:
                stats_by_worker[worker.name] = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
    totals: dict[str, float] = {}
    for stats in stats_by_worker.values():
        for key, value in stats.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
    merged = {"workers": stats_by_worker, "totals": totals}
    (out / "crawl-stats.json").write_text(json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True),
                                          encoding="utf-8")
    return merged


def merge_job(out: Path, names: list[str] | None = None) -> dict:
    """Merge the worker directories `names` (default: all) of `out`; what was made."""
    workers = worker_dirs(out, names)
    linked = link_warcs(out, workers)
    reports, added = merge_corpus(out, workers)
    state = merge_states(out, workers)
    index_lines, damage = build_index(warc_files(out), out / "index.cdxj")
    merge_stats(out, workers)
    return {"warcs": len(linked), "reports": reports, "lines_added": added, "index_lines": index_lines,
            "damage": damage, "state": state}
