"""After a distributed crawl: the workers' job directories as one job directory.

The coordinator merges when its workers stop. A worker on another machine (`gongkai worker --redis
URL --out DIR2`) writes DIR2/workers/<name>/; copy that directory (or DIR2) to the coordinator's
machine and `gongkai merge DIR COPY...` brings it in (`import_workers`) and merges the run again:
the same files as if every worker had run beside the coordinator. Each worker directory names its
run (the Redis job id) in worker.json; a merge takes the worker directories of one run.

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
from crawler.distributed.state_merge import BASE_DIR, merge_base, merge_corpus, merge_states

WORKERS_DIR = "workers"
WORKER_FILE = "worker.json"  # {"run": Redis job id, "name": worker name}


class MergeError(Exception):
    """Worker directories that cannot be merged as asked: one line for the user."""


def write_worker_file(worker: Path, run: str, name: str) -> None:
    worker.mkdir(parents=True, exist_ok=True)
    (worker / WORKER_FILE).write_text(json.dumps({"run": run, "name": name}), encoding="utf-8")


def worker_run(worker: Path) -> str | None:
    try:
        return json.loads((worker / WORKER_FILE).read_text(encoding="utf-8"))["run"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def worker_dirs(out: Path, run: str) -> list[Path]:
    """The job's worker directories of the distributed run `run`, by name."""
    base = out / WORKERS_DIR
    return sorted(p for p in base.iterdir() if p.is_dir() and worker_run(p) == run) if base.is_dir() else []


def last_run(out: Path) -> str:
    """The run to merge when none is named: the one merged last, or the only one there is."""
    marker = out / BASE_DIR / "run"
    if marker.exists():
        return marker.read_text(encoding="utf-8").strip()
    base = out / WORKERS_DIR
    runs = sorted({r for p in base.iterdir() if (r := worker_run(p))}) if base.is_dir() else []
    if len(runs) != 1:
        raise MergeError(f"{len(runs)} distributed runs in {base} ({', '.join(runs) or 'none'}); name one with --run")
    return runs[0]


def _sources(path: Path) -> list[Path]:
    """A worker directory, or a worker's --out directory (its workers/*/)."""
    if (path / WORKER_FILE).exists():
        return [path]
    found = sorted(p for p in (path / WORKERS_DIR).glob("*") if (p / WORKER_FILE).exists())
    if not found:
        raise MergeError(f"{path}: not a worker directory (no {WORKER_FILE}, no {WORKERS_DIR}/*/{WORKER_FILE})")
    return found


def import_workers(out: Path, paths: list[Path], run: str | None = None) -> str:
    """Copy worker directories from elsewhere (another machine's, copied here) into DIR/workers/;
    the run they are of. A worker's --out directory may also hold older runs' worker directories (a
    copy of the job directory): only the run's are taken — `run`, else the one DIR merged last, else
    the only one there is. A WARC that DIR/warc/ holds already (the job's earlier files a worker was
    seeded with) is linked from there, not copied."""
    named = [p for p in paths if (p / WORKER_FILE).exists()]
    found = [s for path in paths for s in _sources(path)]
    if run is None:
        runs = {worker_run(s) for s in named} or {worker_run(s) for s in found}
        marker = out / BASE_DIR / "run"
        merged = marker.read_text(encoding="utf-8").strip() if marker.exists() else None
        if len(runs) > 1 and merged in runs:
            runs = {merged}
        if len(runs) != 1:
            raise MergeError(f"the worker directories are of {len(runs)} distributed runs ({', '.join(sorted(runs))}); "
                             "name one with --run")
        run = runs.pop()
    if any(worker_run(s) != run for s in named):
        raise MergeError(f"{', '.join(str(s) for s in named if worker_run(s) != run)}: a worker of another run than {run}")
    sources = [s for s in found if worker_run(s) == run]
    if not sources:
        raise MergeError(f"no worker directory of run {run} in {', '.join(map(str, paths))}")
    for src in sources:
        dest = out / WORKERS_DIR / src.name
        if dest.exists() and dest.resolve() == src.resolve():
            continue
        if dest.exists() and worker_run(dest) != run:
            # The same name in an earlier run (a machine's worker joins every crawl as itself): its
            # directory goes once its WARCs are in DIR/warc/ (merged then); never before.
            if any(not (out / "warc" / w.name).exists() for w in warc_files(dest)) \
                    or any((dest / "warc").glob("*.open")):
                raise MergeError(f"{dest} holds a worker of another run that was never merged; "
                                 f"merge it first (gongkai merge {out} --run {worker_run(dest)})")
            shutil.rmtree(dest)
        for path in sorted(src.rglob("*")):
            target = dest / path.relative_to(src)
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            known = out / "warc" / path.name
            if path.parent == src / "warc" and known.exists() and known.stat().st_size == path.stat().st_size:
                path = known
            if target.exists() and target.stat().st_size == path.stat().st_size \
                    and target.stat().st_mtime >= path.stat().st_mtime:
                continue
            target.unlink(missing_ok=True)
            _link_or_copy(path, target)
    return run


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


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
                _link_or_copy(path, dest)
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


def merge_job(out: Path, run: str) -> dict:
    """Merge the worker directories of the distributed run `run` into the job directory `out`;
    what was made."""
    workers = worker_dirs(out, run)
    linked = link_warcs(out, workers)
    base = merge_base(out, run, workers)
    state = merge_states(out, workers, base)
    reports, added = merge_corpus(out, workers, base)
    index_lines, damage = build_index(warc_files(out), out / "index.cdxj")
    merge_stats(out, workers)
    return {"workers": [w.name for w in workers], "warcs": len(linked), "reports": reports, "lines_added": added,
            "index_lines": index_lines, "damage": damage, "state": state}
