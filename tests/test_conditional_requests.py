"""Conditional requests when the stored copy a 304 would stand for cannot be read.

A 304 carries no body: the page's body is the stored capture. If that capture cannot be loaded (the
state names a record that is not there: WARCs moved, a worker's state naming another worker's file),
the 304 is archived as received and the page is asked for again without validators, so the page is
not lost. Here the job's state is pointed at its WARC's warcinfo record instead of the page's response.
"""

from __future__ import annotations

import sqlite3

from tests.one_host_server import Answer, OneHostServer, html_page

HOST = "www.etag-test.gov.cn"
PAGE = f"http://{HOST}/xxgk/page.html"
ETAG = '"v1"'


def _answer(path: str, headers: dict[str, str]) -> Answer:
    if path == "/robots.txt":
        return 404, {}, b""
    if headers.get("if-none-match") == ETAG:
        return 304, {"ETag": ETAG}, b""
    status, extra, body = html_page(path)
    return status, {**extra, "ETag": ETAG}, body


def test_a_304_without_a_readable_stored_copy_is_asked_again_unconditionally(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    out = tmp_path / "job"
    with OneHostServer(_answer) as server:
        assert server.crawl(out, [PAGE]).returncode == 0
        with sqlite3.connect(out / "state.sqlite") as db:
            assert db.execute("UPDATE fulls SET warc_offset = 0 WHERE capture_key = ?", (PAGE,)).rowcount == 1
        run = server.crawl(out, [PAGE])
        asked = [h.get("if-none-match") for path, h in server.requests if path == "/xxgk/page.html"]
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert asked == [ETAG, None], asked  # conditionally, then for the body
    assert "asking again unconditionally" in run.stderr
    with sqlite3.connect(out / "state.sqlite") as db:
        second = db.execute("SELECT crawl_id FROM crawls ORDER BY crawl_id DESC LIMIT 1").fetchone()[0]
        files = {f for (f,) in db.execute("SELECT warc_file FROM captures WHERE crawl_id = ?", (second,))}
    statuses = []
    for name in sorted(files):
        with open(out / name, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == PAGE:
                    statuses.append((record.http_headers.get_statuscode(), b"page.html" in record.content_stream().read()))
    assert statuses == [("304", False), ("200", True)], statuses  # both archived as received
