"""A distributed job's crawl state, change log and corpus: one of each in DIR, as one process keeps.

Each worker keeps archive/state.py's store in its own DIR/workers/<name>/ (no two processes write
one SQLite file). So that the job's next crawl (`gongkai crawl … --out DIR --workers N` again) asks
conditional requests, writes revisits and logs changes as a one-process re-crawl does — whichever
worker fetched a URL last time:

- before it starts (`seed_workers`, run by each worker for itself): a worker gets a copy of
  DIR/state.sqlite and of DIR/reports.jsonl, and a link to every WARC of DIR/warc/ in its warc/ (a
  revisit's full record and a 304's stored body are read from there). A worker on another machine
  gets them from its own --out DIR: a copy of the job directory, or nothing (it then fetches in full);
- at the merge (`merge_states`, `merge_corpus`): the base is DIR as it was before the run's first
  merge (`merge_base`, kept in DIR/.merge-base/); DIR/state.sqlite is written again — the base's
  rows, then each worker's rows of the crawl it ran (captures and views, oldest first; pages, fulls
  and reports where a worker saw them last) — as one crawl of the job, under the earliest worker's
  crawl id; DIR/changes/<crawl id>.jsonl — one new/changed/unchanged line per URL, judged against
  the base (a worker that started without the job's state calls every report new), and the
  removals decided once, over the whole job (a worker alone would call every report the other
  worker found "removed"); and DIR/reports.jsonl — the base's lines, then a line per report that is
  new or changed against its last line (archive/record_digest.py), sorted by URL.

Deterministic and idempotent: the same worker directories give the same files, whatever order the
workers ended in, and merging again with one more worker directory (from another machine) gives
what one merge of all of them gives.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

from archive.record_digest import record_digest
from archive.state import STATE_FILE, CrawlState

_TABLES = ("crawls", "pages", "fulls", "captures", "reports", "views")


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _link(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def seed_workers(out: Path, workers: list[Path]) -> None:
    """Start each worker directory from the job's merged state, corpus and WARCs."""
    state, corpus = out / STATE_FILE, out / "reports.jsonl"
    for worker in workers:
        worker.mkdir(parents=True, exist_ok=True)
        for path in [worker / STATE_FILE, *_sidecars(worker / STATE_FILE)]:
            path.unlink(missing_ok=True)  # a stale WAL must never be replayed onto the new copy
        if state.exists():
            shutil.copy2(state, worker / STATE_FILE)
        if corpus.exists():
            shutil.copy2(corpus, worker / "reports.jsonl")
        if (out / "warc").is_dir():
            (worker / "warc").mkdir(exist_ok=True)
            for path in sorted((out / "warc").iterdir()):
                if path.is_file() and not (worker / "warc" / path.name).exists():
                    _link(path, worker / "warc" / path.name)


BASE_DIR = ".merge-base"  # the job directory as it was before a distributed run's first merge


def merge_base(out: Path, run: str, workers: list[Path]) -> Path:
    """DIR/.merge-base/: state.sqlite, reports.jsonl and the change log of a resumed crawl as they
    were before the first merge of the distributed run `run` (its Redis job id) — taken then, kept
    for every later merge of the same run, so merging again (a remote worker's directory brought in
    later) starts from the same base and gives the same files."""
    base = out / BASE_DIR
    marker = base / "run"
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == run:
        return base
    ids = {row["crawl_id"] for _, row in _runs(workers, _base_finished(out))}
    tmp = out / f"{BASE_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "changes").mkdir(parents=True)
    if (out / STATE_FILE).exists():  # sqlite's backup: consistent even if a WAL is beside it
        src, dst = sqlite3.connect(out / STATE_FILE), sqlite3.connect(tmp / STATE_FILE)
        src.backup(dst)
        src.close()
        dst.close()
    if (out / "reports.jsonl").exists():
        shutil.copy2(out / "reports.jsonl", tmp / "reports.jsonl")
    for crawl_id in ids:  # a resumed crawl's log so far
        if (out / "changes" / f"{crawl_id}.jsonl").exists():
            shutil.copy2(out / "changes" / f"{crawl_id}.jsonl", tmp / "changes" / f"{crawl_id}.jsonl")
    marker = tmp / "run"
    marker.write_text(run, encoding="utf-8")
    shutil.rmtree(base, ignore_errors=True)
    tmp.rename(base)
    return base


def _removal_reason(captures: list[sqlite3.Row]) -> str:
    if not captures:
        return "not_linked"
    status = captures[-1]["status"]
    return f"http_{status}" if status >= 400 else "not_a_report"


def _runs(workers: list[Path], base_finished: set[str]) -> list[tuple[Path, dict]]:
    """(worker, the crawl it ran this time) for every worker that ran one: its last crawl row, unless
    that is a crawl the base already holds as finished (a worker that died before it began)."""
    runs = []
    for worker in workers:
        if not (worker / STATE_FILE).exists():
            continue
        wdb = sqlite3.connect(worker / STATE_FILE)
        wdb.row_factory = sqlite3.Row
        row = wdb.execute("SELECT * FROM crawls ORDER BY crawl_id DESC LIMIT 1").fetchone()
        wdb.close()
        if row is not None and row["crawl_id"] not in base_finished:
            runs.append((worker, dict(row)))
    return runs


def _base_finished(base: Path) -> set[str]:
    if not (base / STATE_FILE).exists():
        return set()
    db = sqlite3.connect(base / STATE_FILE)
    try:
        return {r[0] for r in db.execute("SELECT crawl_id FROM crawls WHERE finished_at IS NOT NULL")}
    finally:
        db.close()


def merge_states(out: Path, workers: list[Path], base: Path) -> dict | None:
    """DIR/state.sqlite and DIR/changes/<crawl id>.jsonl from the base (merge_base) and what
    `workers` did; what was merged. The same worker directories give the same files, in whatever
    order the workers ended and however often it is run."""
    runs = _runs(workers, _base_finished(base))
    if not runs:
        return None
    ids = sorted({r["crawl_id"] for _, r in runs})
    job_id = ids[0]
    previous = (base / "merged").read_text(encoding="utf-8").strip() if (base / "merged").exists() else None
    tmp_dir = out / ".state-merge"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    CrawlState(tmp_dir).close()  # the schema, as archive/state.py makes it today
    db = sqlite3.connect(tmp_dir / STATE_FILE)
    db.row_factory = sqlite3.Row
    marks = ",".join("?" * len(ids))
    if (base / STATE_FILE).exists():
        db.execute("ATTACH DATABASE ? AS base", (str(base / STATE_FILE),))
        for table in _TABLES:
            db.execute(f"INSERT INTO main.{table} SELECT * FROM base.{table}")
        db.commit()
        db.execute("DETACH DATABASE base")
        for table in ("crawls", "captures", "views"):  # a resumed crawl: the workers hold it whole
            db.execute(f"DELETE FROM {table} WHERE crawl_id IN ({marks})", ids)
    # What the job knew of each report before this crawl: the workers' change lines are judged on it
    # (a worker that started without the job's state calls every report new).
    before = {r["url"]: dict(r) for r in db.execute("SELECT url, text_digest, removed_at, last_crawl FROM reports")}
    finished = [r for _, r in runs if r["reason"] == "finished"]
    finished_at = max(r["finished_at"] for r in finished) if finished else None
    db.execute("INSERT INTO crawls (crawl_id, started_at, finished_at, reason, runs) VALUES (?, ?, ?, ?, ?)",
               (job_id, min(r["started_at"] for _, r in runs), finished_at,
                "finished" if finished else None, max(r["runs"] for _, r in runs)))
    db.commit()
    captures, views = set(), set()  # sets: seeded copies of a resumed crawl's rows are one row
    for worker, _ in runs:
        db.execute("ATTACH DATABASE ? AS w", (str(worker / STATE_FILE),))
        captures |= {tuple(r) for r in db.execute(
            "SELECT url, fetched_at, status, kind, payload_digest, warc_file, warc_offset, warc_record_id, "
            f"request_fp FROM w.captures WHERE crawl_id IN ({marks})", ids)}
        views |= {tuple(r) for r in db.execute(
            f"SELECT url, fetched_at, views FROM w.views WHERE crawl_id IN ({marks})", ids)}
        # Where this worker saw a URL last (a later sighting by another worker wins below).
        for r in db.execute(f"SELECT * FROM w.pages WHERE last_crawl IN ({marks})", ids):
            db.execute("""INSERT INTO main.pages VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET
                status = excluded.status, payload_digest = excluded.payload_digest, etag = excluded.etag,
                last_modified = excluded.last_modified, last_seen = excluded.last_seen,
                last_crawl = excluded.last_crawl WHERE excluded.last_seen >= pages.last_seen""",
                       (*tuple(r)[:7], job_id))
        db.execute("""INSERT INTO main.fulls SELECT * FROM w.fulls WHERE true ON CONFLICT(capture_key, status) DO UPDATE SET
            url = excluded.url, payload_digest = excluded.payload_digest, warc_file = excluded.warc_file,
            warc_offset = excluded.warc_offset, warc_record_id = excluded.warc_record_id,
            warc_date = excluded.warc_date WHERE excluded.warc_date > fulls.warc_date""")
        for r in db.execute(f"SELECT * FROM w.reports WHERE last_crawl IN ({marks})", ids):
            db.execute("""INSERT INTO main.reports (url, text_digest, first_seen, last_seen, last_crawl)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET text_digest = excluded.text_digest,
                last_seen = excluded.last_seen, last_crawl = excluded.last_crawl, removed_at = NULL,
                removed_reason = NULL WHERE reports.last_crawl != excluded.last_crawl
                OR excluded.last_seen >= reports.last_seen""",
                       (r["url"], r["text_digest"], r["first_seen"], r["last_seen"], job_id))
        db.commit()
        db.execute("DETACH DATABASE w")
    for values in sorted(captures, key=_order):
        db.execute("INSERT INTO captures (crawl_id, url, fetched_at, status, kind, payload_digest, warc_file, "
                   "warc_offset, warc_record_id, request_fp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (job_id, *values))
    for values in sorted(views, key=_order):
        db.execute("INSERT INTO views (crawl_id, url, fetched_at, views) VALUES (?, ?, ?, ?)", (job_id, *values))
    removals = _removals(db, job_id, finished_at) if finished else []
    db.commit()
    db.close()
    for path in _sidecars(out / STATE_FILE):
        path.unlink(missing_ok=True)
    (tmp_dir / STATE_FILE).replace(out / STATE_FILE)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    if previous and previous != job_id:  # an earlier merge of this run named the crawl otherwise
        (out / "changes" / f"{previous}.jsonl").unlink(missing_ok=True)
    changes = _merge_changes(out, base, job_id, runs, removals, before, set(ids))
    (base / "merged").write_text(job_id, encoding="utf-8")
    return {"crawl_id": job_id, "finished": bool(finished), "changes": changes}


def _order(values: tuple) -> tuple[str, str]:
    return values[1] or "", repr(values)  # by fetched_at; ties by the whole row


def _removals(db: sqlite3.Connection, job_id: str, removed_at: str) -> list[dict]:
    """Reports of earlier crawls that no worker found this time, marked removed (as crawler/
    extensions/changes.py does for one process) when the crawl finished; their change-log lines."""
    entries = []
    for report in db.execute("SELECT * FROM reports WHERE removed_at IS NULL AND last_crawl != ? ORDER BY url",
                             (job_id,)).fetchall():
        captures = db.execute("SELECT status, warc_file, warc_offset, warc_record_id FROM captures "
                              "WHERE crawl_id = ? AND url = ? ORDER BY id", (job_id, report["url"])).fetchall()
        why, last = _removal_reason(captures), (captures[-1] if captures else None)
        db.execute("UPDATE reports SET removed_at = ?, removed_reason = ? WHERE url = ?", (removed_at, why, report["url"]))
        entries.append({"crawl_id": job_id, "url": report["url"], "change": "removed", "removed_at": removed_at,
                        "reason": why, "last_seen": report["last_seen"], "text_digest": report["text_digest"],
                        "warc_file": last["warc_file"] if last else None,
                        "warc_offset": last["warc_offset"] if last else None,
                        "warc_record_id": last["warc_record_id"] if last else None})
    return entries


def _read_jsonl(path: Path) -> list[dict]:
    records = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a killed worker's torn last line
    return records


def _judged(entry: dict, before: dict | None, records: dict[tuple[str, str], dict]) -> dict:
    """A worker's change line judged against what the job knew before this crawl."""
    digest = entry.get("text_digest")
    change = "new" if before is None else "unchanged" if before["text_digest"] == digest else "changed"
    entry = {**entry, "change": change, "previous_text_digest": before["text_digest"] if before else None}
    entry.pop("previously_removed_at", None)
    if before is not None and before["removed_at"]:
        entry["previously_removed_at"] = before["removed_at"]
    if change == "unchanged":
        entry.pop("report", None)
    elif "report" not in entry and (entry["url"], digest) in records:
        entry["report"] = records[(entry["url"], digest)]
    return entry


def _merge_changes(out: Path, base: Path, job_id: str, runs: list[tuple[Path, dict]], removals: list[dict],
                   before: dict[str, dict], ids: set[str]) -> dict[str, int]:
    target = out / "changes" / f"{job_id}.jsonl"
    by_url: dict[str, dict] = {}
    sources = [base / "changes" / f"{job_id}.jsonl"] + [worker / "changes" / f"{row['crawl_id']}.jsonl"
                                                        for worker, row in runs]
    for entry in (e for path in sources for e in _read_jsonl(path)):
        if entry.get("change") == "removed" or "url" not in entry:
            continue  # a worker's own removals: it did not see what the others found
        entry["crawl_id"] = job_id
        kept = by_url.get(entry["url"])
        if kept is None or (entry.get("fetched_at") or "") > (kept.get("fetched_at") or ""):
            by_url[entry["url"]] = entry
    records = {(r["url"], record_digest(r)): r for worker, _ in runs
               for r in _read_jsonl(worker / "reports.jsonl") if "url" in r}
    # A URL a resumed crawl logged before its restart keeps its line; any other is judged again.
    lines = [by_url[url] if before.get(url, {}).get("last_crawl") in ids else
             _judged(by_url[url], before.get(url), records) for url in sorted(by_url)] + removals
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), encoding="utf-8")
    tmp.replace(target)
    counts: dict[str, int] = {}
    for entry in lines:
        counts[entry["change"]] = counts.get(entry["change"], 0) + 1
    return counts


def merge_corpus(out: Path, workers: list[Path], base_dir: Path) -> tuple[int, int]:
    """DIR/reports.jsonl: the base's lines, then every worker's report that is new or changed
    against the last line of its URL, sorted by URL; (reports in it, lines added)."""
    corpus = out / "reports.jsonl"
    base = _read_jsonl(base_dir / "reports.jsonl")
    last = {r["url"]: record_digest(r) for r in base if "url" in r}
    fresh: dict[str, dict] = {}
    for worker in workers:
        for record in _read_jsonl(worker / "reports.jsonl"):
            if "url" not in record:
                continue
            if last.get(record["url"]) == record_digest(record):
                continue
            kept = fresh.get(record["url"])
            if kept is None or (record.get("fetched_at") or "") >= (kept.get("fetched_at") or ""):
                fresh[record["url"]] = record
    tmp = out / "reports.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in base + [fresh[url] for url in sorted(fresh)]:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(corpus)
    return len(set(last) | set(fresh)), len(fresh)
