"""The frontier journal of a crawl: every request the crawl accepted, and whether it is done.

A row is written when a request enters the crawl (before it reaches the scheduler), and marked done
only when what its answer produced is itself durable: the requests it led to have their own rows,
its items went through the pipelines (their JSON lines are written). So after a SIGKILL at any
moment, the pending rows are exactly the work that may not have happened: requests never fetched,
pages whose completion steps (counter, attachments) had not finished, list-endpoint pages whose
next pages were not yet recorded. A resumed crawl (same crawl id, archive/state.py) starts from
them instead of from its start URLs.

Rows live in the job's state.sqlite and go through CrawlState's write batch, so a journal entry, a
capture and a report digest are committed in the order they happened. The request itself is an
opaque payload here (the crawler stores a pickled `Request.to_dict()`); this module knows no Scrapy.
Keys are chosen by the caller so that doing the same work twice gives the same key: a re-run of a
pending page re-yields its links under the keys they already have, and they are not added again.
"""

from __future__ import annotations

import pickle
import zlib
from dataclasses import dataclass
from typing import Any

from archive.state import CrawlState

SCHEMA = """
CREATE TABLE IF NOT EXISTS frontier (
    key TEXT PRIMARY KEY,                  -- stable id of one unit of work (see module docstring)
    crawl_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,             -- of the request: what the duplicate filter compares
    url TEXT NOT NULL,
    role TEXT,                             -- the spider's name for the page kind (trap guard counts)
    dont_filter INTEGER NOT NULL,
    request BLOB,                          -- zlib(pickle(the request as a dict)); NULL once done
                                           -- (or if it could not be pickled)
    done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS frontier_pending ON frontier (crawl_id, done);
"""


@dataclass(frozen=True)
class PendingEntry:
    key: str
    url: str
    request: dict[str, Any] | None  # None: the request could not be stored (logged when added)


def encode_request(request: dict[str, Any]) -> bytes:
    return zlib.compress(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL), 1)


def decode_request(blob: bytes) -> dict[str, Any]:
    return pickle.loads(zlib.decompress(blob))


def _decoded(blob: bytes | None) -> dict[str, Any] | None:
    """The stored request, or None when there is none or it cannot be read back (a class the code
    no longer has): the caller logs it and the entry is given up, never a traceback."""
    if blob is None:
        return None
    try:
        return decode_request(blob)
    except Exception:  # noqa: BLE001 - pickle raises anything a changed codebase makes it raise
        return None


class FrontierJournal:
    """The current crawl's journal; rows of earlier crawls are dropped when a new crawl begins."""

    def __init__(self, state: CrawlState) -> None:
        self.state = state
        self.state.db.executescript(SCHEMA)
        crawl = state.crawl_id
        state.db.execute("DELETE FROM frontier WHERE crawl_id != ?", (crawl,))
        rows = state.db.execute("SELECT key, fingerprint, dont_filter FROM frontier WHERE crawl_id = ?", (crawl,))
        self.keys: set[str] = set()
        self.fingerprints: set[str] = set()  # of rows without dont_filter: the duplicate filter's memory
        for key, fingerprint, dont_filter in rows:
            self.keys.add(key)
            if not dont_filter:
                self.fingerprints.add(fingerprint)

    def add(self, key: str, *, fingerprint: str, url: str, role: str | None, dont_filter: bool,
            request: bytes | None) -> None:
        self.state.write(
            "INSERT OR IGNORE INTO frontier (key, crawl_id, fingerprint, url, role, dont_filter, request) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, self.state.crawl_id, fingerprint, url, role, int(dont_filter), request))
        self.keys.add(key)
        if not dont_filter:
            self.fingerprints.add(fingerprint)

    def done(self, key: str) -> None:
        # The request is never needed again: its space goes back to the database for new rows.
        self.state.write("UPDATE frontier SET done = 1, request = NULL WHERE key = ?", (key,))

    def pending(self) -> list[PendingEntry]:
        """Pending rows in the order they were added (the crawl's own order)."""
        rows = self.state.db.execute(
            "SELECT key, url, request FROM frontier WHERE crawl_id = ? AND done = 0 ORDER BY rowid",
            (self.state.crawl_id,))
        return [PendingEntry(key, url, _decoded(blob)) for key, url, blob in rows]

    def counts(self) -> tuple[int, int]:
        """(rows, pending rows) of the current crawl."""
        total, pending = self.state.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(done = 0), 0) FROM frontier WHERE crawl_id = ?",
            (self.state.crawl_id,)).fetchone()
        return total, pending

    def urls_with_roles(self, roles: frozenset[str]) -> list[str]:
        marks = ",".join("?" * len(roles))
        return [url for (url,) in self.state.db.execute(
            f"SELECT url FROM frontier WHERE crawl_id = ? AND role IN ({marks})",  # noqa: S608 - placeholders
            (self.state.crawl_id, *sorted(roles)))]
