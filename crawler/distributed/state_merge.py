"""A distributed job's crawl state, change log and corpus: one of each in DIR, as one process keeps.

Each worker keeps archive/state.py's store in its own DIR/workers/<name>/ (no two processes write
one SQLite file). So that the job's next crawl (`gongkai crawl … --out DIR --workers N` again) asks
conditional requests, writes revisits and logs changes as a one-process re-crawl does — whichever
worker fetched a URL last time — the coordinator:

- before the workers start (`seed_workers`): gives every worker a copy of DIR/state.sqlite and of
  DIR/reports.jsonl, and links every WARC of DIR/warc/ into its warc/ (a revisit's full record and
  a 304's stored body are read from there);
- after they stop (`merge_states`): writes DIR/state.sqlite again — the seed's rows, then each
  worker's new rows (captures and views after the seed's last id, oldest first; pages, fulls and
  reports where a worker saw them last) — as one crawl of the job, under the earliest worker's crawl
  id; DIR/changes/<crawl id>.jsonl — the workers' new/changed/unchanged lines (one per URL), and the
  removals decided once, over the whole job (a worker alone would call every report the other
  worker found "removed"); and DIR/reports.jsonl — the seed's lines, then a line per report that is
  new or changed against its last line (archive/record_digest.py), sorted by URL.

Deterministic: the same worker directories give the same files, whatever order the workers ended in.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

from archive.record_digest import record_digest
from archive.state import STATE_FILE, CrawlState, now_iso

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


def _last_id(db: sqlite3.Connection, table: str, column: str) -> int:
    return db.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}").fetchone()[0]


def _removal_reason(captures: list[sqlite3.Row]) -> str:
    if not captures:
        return "not_linked"
    status = captures[-1]["status"]
    return f"http_{status}" if status >= 400 else "not_a_report"


def merge_states(out: Path, workers: list[Path]) -> dict | None:
    """DIR/state.sqlite and DIR/changes/<crawl id>.jsonl from the seed and `workers`; what was merged."""
    found = [w for w in workers if (w / STATE_FILE).exists()]
    if not found:
        return None
    base_path = out / STATE_FILE
    tmp_dir = out / ".state-merge"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    CrawlState(tmp_dir).close()  # the schema, as archive/state.py makes it today
    db = sqlite3.connect(tmp_dir / STATE_FILE)
    db.row_factory = sqlite3.Row
    base_captures = base_views = 0
    if base_path.exists():
        db.execute("ATTACH DATABASE ? AS base", (str(base_path),))
        for table in _TABLES:
            db.execute(f"INSERT INTO main.{table} SELECT * FROM base.{table}")
        base_captures, base_views = _last_id(db, "base.captures", "id"), _last_id(db, "base.views", "rowid")
        db.commit()
        db.execute("DETACH DATABASE base")
    runs = []  # (worker, its crawl row) for the crawl each worker ran this time
    for worker in found:
        wdb = sqlite3.connect(worker / STATE_FILE)
        wdb.row_factory = sqlite3.Row
        row = wdb.execute("SELECT * FROM crawls ORDER BY crawl_id DESC LIMIT 1").fetchone()
        wdb.close()
        if row is not None:
            runs.append((worker, dict(row)))
    if not runs:
        db.close()
        return None
    ids = sorted({r["crawl_id"] for _, r in runs})
    job_id = ids[0]
    finished = [r for _, r in runs if r["reason"] == "finished"]
    marks = ",".join("?" * len(ids))
    db.execute(f"DELETE FROM crawls WHERE crawl_id IN ({marks})", ids)
    db.execute("INSERT INTO crawls (crawl_id, started_at, finished_at, reason, runs) VALUES (?, ?, ?, ?, ?)",
               (job_id, min(r["started_at"] for _, r in runs),
                max(r["finished_at"] for r in finished) if finished else None,
                "finished" if finished else None, max(r["runs"] for _, r in runs)))
    db.commit()
    new_captures, new_views = [], []
    for worker, _ in runs:
        db.execute("ATTACH DATABASE ? AS w", (str(worker / STATE_FILE),))
        new_captures += [(r["fetched_at"], worker.name, r["id"], tuple(r)[2:]) for r in db.execute(
            "SELECT id, crawl_id, url, fetched_at, status, kind, payload_digest, warc_file, warc_offset, "
            "warc_record_id, request_fp FROM w.captures WHERE id > ?", (base_captures,))]
        new_views += [(r["fetched_at"], worker.name, r["rowid"], (r["url"], r["fetched_at"], r["views"])) for r in db.execute(
            "SELECT rowid, url, fetched_at, views FROM w.views WHERE rowid > ?", (base_views,))]
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
    for *_, values in sorted(new_captures):
        db.execute("INSERT INTO captures (crawl_id, url, fetched_at, status, kind, payload_digest, warc_file, "
                   "warc_offset, warc_record_id, request_fp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (job_id, *values))
    for *_, values in sorted(new_views):
        db.execute("INSERT INTO views (crawl_id, url, fetched_at, views) VALUES (?, ?, ?, ?)", (job_id, *values))
    removals = _removals(db, job_id) if finished else []
    db.commit()
    db.close()
    for path in _sidecars(base_path):
        path.unlink(missing_ok=True)
    (tmp_dir / STATE_FILE).replace(base_path)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    changes = _merge_changes(out, job_id, runs, removals)
    return {"crawl_id": job_id, "finished": bool(finished), "changes": changes}


def _removals(db: sqlite3.Connection, job_id: str) -> list[dict]:
    """Reports of earlier crawls that no worker found this time, marked removed (as crawler/
    extensions/changes.py does for one process); their change-log lines."""
    removed_at, entries = now_iso(), []
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


def _merge_changes(out: Path, job_id: str, runs: list[tuple[Path, dict]], removals: list[dict]) -> dict[str, int]:
    target = out / "changes" / f"{job_id}.jsonl"
    by_url: dict[str, dict] = {}
    sources = [target] + [worker / "changes" / f"{row['crawl_id']}.jsonl" for worker, row in runs]
    for entry in (e for path in sources for e in _read_jsonl(path)):
        if entry.get("change") == "removed" or "url" not in entry:
            continue  # a worker's own removals: it did not see what the others found
        entry["crawl_id"] = job_id
        kept = by_url.get(entry["url"])
        if kept is None or (entry.get("fetched_at") or "") > (kept.get("fetched_at") or ""):
            by_url[entry["url"]] = entry
    lines = [by_url[url] for url in sorted(by_url)] + removals
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), encoding="utf-8")
    tmp.replace(target)
    counts: dict[str, int] = {}
    for entry in lines:
        counts[entry["change"]] = counts.get(entry["change"], 0) + 1
    return counts


def merge_corpus(out: Path, workers: list[Path]) -> tuple[int, int]:
    """DIR/reports.jsonl: its lines so far, then every worker's report that is new or changed
    against the last line of its URL, sorted by URL; (reports in it, lines added)."""
    corpus = out / "reports.jsonl"
    base = _read_jsonl(corpus)
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
