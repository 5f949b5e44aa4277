"""Crawl state of one job directory: DIR/state.sqlite.

Running `gongkai crawl … --out DIR` again into the same DIR is the next crawl of that job; this
database is what makes it so. It keeps, per URL, what the last crawl saw (payload digest, ETag,
Last-Modified, where the last *full* capture is, so a revisit can refer to it), the history of every
capture (status, record kind) and of every report's view count, and one row per crawl.

A crawl that never reached `finish()` (killed, crashed, Ctrl-C) is resumed by the next run rather
than replaced: same crawl id, and URLs it already captured are served from its WARCs instead of
being fetched again (crawler/middlewares/conditional_requests.py).

Writes are batched into one open transaction (WAL, synchronous=NORMAL, so a commit is a write to
the OS, not a disk flush) and committed at `commit()` (the crawl job calls it on a short timer,
GONGKAI_STATE_COMMIT_INTERVAL) and at the end. One connection, one sequence of statements: whatever a
SIGKILL leaves is a prefix of that sequence, so the frontier journal (archive/frontier.py), the
captures and the report digests always agree with each other. A capture row is written only after
its WARC record is flushed, so the state never points at a record that is not in the file; the
captures a kill left unrecorded (at most one batch) sit at the end of the open files, where a resumed
crawl finds and records them before it starts (archive/reconcile.py, crawler/job.py).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

STATE_FILE = "state.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS crawls (
    crawl_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    reason TEXT,
    runs INTEGER NOT NULL DEFAULT 1        -- 1 + how many times it was resumed
);
CREATE TABLE IF NOT EXISTS pages (       -- per capture key (the URL for GET/HEAD)
    url TEXT PRIMARY KEY,
    status INTEGER,
    payload_digest TEXT,                   -- of the payload as received (still Content-Encoded)
    etag TEXT,
    last_modified TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_crawl TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fulls (         -- last full response record per capture key and status:
    capture_key TEXT NOT NULL,             -- what a revisit refers to (per status, so a transient 503
    url TEXT NOT NULL,                     -- does not make the 200 after it look new); the key is
    status INTEGER NOT NULL,               -- capture_key(): URL, or method+URL+sha1(body) for a POST
    payload_digest TEXT NOT NULL,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL,
    warc_date TEXT NOT NULL,               -- its WARC-Date, full precision
    PRIMARY KEY (capture_key, status)
);
CREATE TABLE IF NOT EXISTS captures (      -- status history: one row per archived response
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    crawl_id TEXT NOT NULL,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    kind TEXT NOT NULL,                    -- response | revisit | not-modified
    payload_digest TEXT,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL,
    request_fp TEXT                        -- Scrapy fingerprint of the request (method, URL, body)
);
CREATE INDEX IF NOT EXISTS captures_by_crawl ON captures (crawl_id, url);
CREATE TABLE IF NOT EXISTS reports (
    url TEXT PRIMARY KEY,
    text_digest TEXT NOT NULL,             -- archive/record_digest.py: what "changed" means
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_crawl TEXT NOT NULL,
    removed_at TEXT,                       -- set when a finished crawl no longer finds it
    removed_reason TEXT
);
CREATE TABLE IF NOT EXISTS views (         -- view-count history of report pages
    crawl_id TEXT NOT NULL,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    views INTEGER
);
-- The report reads each report's history (views_history): without it, a scan of the whole table per
-- report, 13 of the 17 s that the report of a 12,400-report job spent reading the job.
CREATE INDEX IF NOT EXISTS views_by_url ON views (url);
"""


def capture_key(method: str, url: str, body: bytes | None = b"") -> str:
    """What identifies one capture of a crawl: the URL for GET/HEAD; for any other method the
    method, URL and SHA-1 of the body, so the pages of a POST list (one URL, bodies p=1, p=2, …)
    are captures of their own (pywb's `__wb_method=post&…` CDXJ key is the same idea)."""
    method = (method or "GET").upper()
    if method in ("GET", "HEAD"):
        return url
    return f"{url}#{method}:{hashlib.sha1(body or b'').hexdigest()}"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PageState:
    url: str
    status: int | None
    payload_digest: str | None
    etag: str | None
    last_modified: str | None
    last_crawl: str


@dataclass(frozen=True)
class FullCapture:
    """The last full response record of a capture key with a given status: what a revisit refers to."""

    capture_key: str
    url: str
    status: int
    payload_digest: str
    warc_file: str
    warc_offset: int
    warc_record_id: str
    warc_date: str


@dataclass(frozen=True)
class Capture:
    crawl_id: str
    url: str
    fetched_at: str
    status: int
    kind: str
    payload_digest: str | None
    warc_file: str
    warc_offset: int
    warc_record_id: str


@dataclass(frozen=True)
class ReportState:
    url: str
    text_digest: str
    first_seen: str
    last_seen: str
    last_crawl: str
    removed_at: str | None
    removed_reason: str | None


class CrawlState:
    """The job's SQLite state. One connection, used from the reactor thread only."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.out_dir / STATE_FILE
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._migrate()
        self.crawl_id: str | None = None
        self.resumed = False

    def _migrate(self) -> None:
        """Bring a job directory written by an earlier version up to this schema."""
        columns = {row["name"] for row in self.db.execute("PRAGMA table_info(captures)")}
        if "request_fp" not in columns:
            self.db.execute("ALTER TABLE captures ADD COLUMN request_fp TEXT")
        self.db.execute("CREATE INDEX IF NOT EXISTS captures_by_request ON captures (crawl_id, request_fp)")
        self.db.execute("CREATE INDEX IF NOT EXISTS captures_by_file ON captures (warc_file, warc_offset)")
        columns = {row["name"] for row in self.db.execute("PRAGMA table_info(fulls)")}
        if "capture_key" not in columns:
            # Before POST bodies were part of the key, fulls was keyed by (url, status). The primary
            # key changes, so the table is rebuilt; old rows keep their URL as key (what a GET
            # asks for; an old POST row then never matches a POST again and is simply re-captured).
            self.db.executescript("""
                BEGIN;
                ALTER TABLE fulls RENAME TO fulls_by_url;
                CREATE TABLE fulls (capture_key TEXT NOT NULL, url TEXT NOT NULL, status INTEGER NOT NULL,
                    payload_digest TEXT NOT NULL, warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL,
                    warc_record_id TEXT NOT NULL, warc_date TEXT NOT NULL, PRIMARY KEY (capture_key, status));
                INSERT INTO fulls SELECT url, url, status, payload_digest, warc_file, warc_offset,
                    warc_record_id, warc_date FROM fulls_by_url;
                DROP TABLE fulls_by_url;
                COMMIT;""")

    def write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        """Run one write inside the open batch (opened on demand); `commit()` makes it durable."""
        # Asked of the connection, not remembered: an executescript (a schema) commits the batch.
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
        return self.db.execute(sql, params)

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.commit()
        self.db.close()

    # -- crawls ----------------------------------------------------------------------------------
    def begin(self, *, resume: bool = True) -> str:
        """Start the next crawl, or resume the last one when it never finished."""
        last = self.db.execute("SELECT * FROM crawls ORDER BY crawl_id DESC LIMIT 1").fetchone()
        if resume and last is not None and last["finished_at"] is None:
            self.crawl_id, self.resumed = last["crawl_id"], True
            self.db.execute("UPDATE crawls SET runs = runs + 1 WHERE crawl_id = ?", (self.crawl_id,))
            return self.crawl_id
        self.commit()
        if last is not None and last["finished_at"] is None:
            # Not resuming: close the abandoned crawl so it is never resumed later either.
            self.db.execute("UPDATE crawls SET finished_at = ?, reason = 'abandoned' WHERE crawl_id = ?",
                            (now_iso(), last["crawl_id"]))
        crawl_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # Two crawls in the same second (tests): the id must stay unique and sort by time.
        n = 1
        base = crawl_id
        while self.db.execute("SELECT 1 FROM crawls WHERE crawl_id = ?", (crawl_id,)).fetchone():
            n += 1
            crawl_id = f"{base}-{n}"
        self.db.execute("INSERT INTO crawls (crawl_id, started_at) VALUES (?, ?)", (crawl_id, now_iso()))
        self.crawl_id, self.resumed = crawl_id, False
        return crawl_id

    def finish(self, reason: str) -> None:
        self.write("UPDATE crawls SET finished_at = ?, reason = ? WHERE crawl_id = ?",
                   (now_iso(), reason, self.crawl_id))
        self.commit()

    def crawls(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM crawls ORDER BY crawl_id")]

    # -- pages and captures ----------------------------------------------------------------------
    def page(self, url: str) -> PageState | None:
        """The latest state of a capture key (`capture_key()`; a GET's key is its URL)."""
        row = self.db.execute(
            "SELECT url, status, payload_digest, etag, last_modified, last_crawl FROM pages WHERE url = ?",
            (url,)).fetchone()
        return PageState(**dict(row)) if row else None

    def full_capture(self, key: str, status: int = 200) -> FullCapture | None:
        """The last full capture of `key` (`capture_key()`: a GET's key is its URL) with `status`."""
        row = self.db.execute("SELECT * FROM fulls WHERE capture_key = ? AND status = ?", (key, status)).fetchone()
        return FullCapture(**dict(row)) if row else None

    def record_capture(
        self, url: str, *, status: int, kind: str, fetched_at: str, payload_digest: str | None,
        warc_file: str, warc_offset: int, warc_record_id: str, warc_date: str | None = None,
        etag: str | None = None, last_modified: str | None = None, request_fp: str | None = None,
        key: str | None = None,
    ) -> None:
        """One archived response: history row, and the page's latest state.

        `kind` is "response" (a full record: it becomes the URL's full capture for its status),
        "revisit" or "not-modified" (a revisit written for a 304). A full capture's validators
        replace the old ones; a revisit keeps the old ones unless the server sent new ones.
        `key` is the request's `capture_key()` (default: the URL, as for a GET): the full capture and
        the page state are kept per key, the history row per URL. Batched like every other write
        (not a commit per capture: that was a WAL write per response on the reactor thread); a kill
        before the batch is committed leaves the record at the end of its WARC file, where a resumed
        crawl records it (archive/reconcile.py) instead of fetching and archiving it a second time.
        """
        crawl = self.crawl_id
        key = key or url
        full = kind == "response"
        short = fetched_at[:19] + "Z"
        self.write(
            "INSERT INTO captures (crawl_id, url, fetched_at, status, kind, payload_digest, warc_file, "
            "warc_offset, warc_record_id, request_fp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (crawl, url, short, status, kind, payload_digest, warc_file, warc_offset, warc_record_id,
             request_fp))
        if full and payload_digest:
            self.write(
                "INSERT OR REPLACE INTO fulls (capture_key, url, status, payload_digest, warc_file, "
                "warc_offset, warc_record_id, warc_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, url, status, payload_digest, warc_file, warc_offset, warc_record_id, warc_date or fetched_at))
        self.write(
            """INSERT INTO pages (url, status, payload_digest, etag, last_modified, first_seen, last_seen,
                   last_crawl) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET
                   status = excluded.status, payload_digest = excluded.payload_digest,
                   etag = COALESCE(excluded.etag, CASE WHEN ? THEN NULL ELSE pages.etag END),
                   last_modified = COALESCE(excluded.last_modified,
                                            CASE WHEN ? THEN NULL ELSE pages.last_modified END),
                   last_seen = excluded.last_seen, last_crawl = excluded.last_crawl""",
            (key, status, payload_digest, etag, last_modified, short, short, crawl, full, full))

    def captures_in_crawl(self, url: str, crawl_id: str | None = None) -> list[Capture]:
        rows = self.db.execute(
            "SELECT crawl_id, url, fetched_at, status, kind, payload_digest, warc_file, warc_offset, "
            "warc_record_id FROM captures WHERE crawl_id = ? AND url = ? ORDER BY id",
            (crawl_id or self.crawl_id, url))
        return [Capture(**dict(r)) for r in rows]

    def last_capture_of_request(self, request_fp: str) -> Capture | None:
        """The latest capture in the current crawl of the request with this fingerprint."""
        row = self.db.execute(
            "SELECT crawl_id, url, fetched_at, status, kind, payload_digest, warc_file, warc_offset, "
            "warc_record_id FROM captures WHERE crawl_id = ? AND request_fp = ? ORDER BY id DESC LIMIT 1",
            (self.crawl_id, request_fp)).fetchone()
        return Capture(**dict(row)) if row else None

    def capture_counts(self, crawl_id: str | None = None) -> dict[str, int]:
        rows = self.db.execute("SELECT kind, COUNT(*) FROM captures WHERE crawl_id = ? GROUP BY kind",
                               (crawl_id or self.crawl_id,))
        return {kind: n for kind, n in rows}

    def status_history(self, url: str) -> list[tuple[str, str, int, str]]:
        """(crawl id, fetched at, status, kind) of every capture of `url`, oldest first."""
        return [tuple(r) for r in self.db.execute(
            "SELECT crawl_id, fetched_at, status, kind FROM captures WHERE url = ? ORDER BY id", (url,))]

    # -- reports ---------------------------------------------------------------------------------
    def report(self, url: str) -> ReportState | None:
        row = self.db.execute("SELECT * FROM reports WHERE url = ?", (url,)).fetchone()
        return ReportState(**dict(row)) if row else None

    def update_report(self, url: str, text_digest: str, seen_at: str) -> None:
        self.write(
            """INSERT INTO reports (url, text_digest, first_seen, last_seen, last_crawl) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET text_digest = excluded.text_digest,
                   last_seen = excluded.last_seen, last_crawl = excluded.last_crawl,
                   removed_at = NULL, removed_reason = NULL""",
            (url, text_digest, seen_at, seen_at, self.crawl_id))

    def reports_not_seen(self) -> list[ReportState]:
        """Reports still in the corpus (not removed) that the current crawl has not seen."""
        rows = self.db.execute("SELECT * FROM reports WHERE removed_at IS NULL AND last_crawl != ? ORDER BY url",
                               (self.crawl_id,))
        return [ReportState(**dict(r)) for r in rows]

    def mark_removed(self, url: str, removed_at: str, reason: str) -> None:
        self.write("UPDATE reports SET removed_at = ?, removed_reason = ? WHERE url = ?",
                        (removed_at, reason, url))

    def add_views(self, url: str, fetched_at: str, views: int | None) -> None:
        self.write("INSERT INTO views (crawl_id, url, fetched_at, views) VALUES (?, ?, ?, ?)",
                        (self.crawl_id, url, fetched_at, views))

    def views_history(self, url: str) -> list[tuple[str, str, int | None]]:
        return [tuple(r) for r in self.db.execute(
            "SELECT crawl_id, fetched_at, views FROM views WHERE url = ? ORDER BY rowid", (url,))]
