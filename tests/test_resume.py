"""Resume: a crawl killed with SIGKILL continues in the same job directory, losing and repeating
no report; WARCs stay readable; a `.open` file is cut to its last complete record and closed."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from archive.exchange import request_head, response_head
from archive.warcwriter import OPEN_SUFFIX, RotatingWarcWriter, complete_prefix, recover_open_files
from tests.archive_helpers import ROOT, changes_files, crawl_cmd, crawl_env, read_jsonl, run_crawl
from tests.fixtureweb import FixtureWeb
from tests.fixtureweb.expected import EXPECTED_REPORTS
from tests.fixtureweb.recrawl import Recrawl

pytestmark = pytest.mark.timeout(240)


def _captures(out: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{out / 'state.sqlite'}?mode=ro", uri=True, timeout=1)
        return db.execute("SELECT COUNT(*) FROM captures").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_then_resume(tmp_path):
    out = tmp_path / "job"
    with FixtureWeb() as web:
        # Slowed down so the kill lands mid-crawl.
        slow = ["--set", "DOWNLOAD_DELAY=0.1", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
        proc = subprocess.Popen(crawl_cmd(web.start_urls, out, *slow), env=crawl_env(web.proxy_url), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 90
        while _captures(out) < 40 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = _captures(out)
        open_files = list((out / "warc").glob("*" + OPEN_SUFFIX))
        assert open_files, "a killed crawl leaves its WARC open"
        before = len(read_jsonl(out / "reports.jsonl")) if (out / "reports.jsonl").exists() else 0
        assert before < len(EXPECTED_REPORTS)

        web.reset()
        second = run_crawl(web, out)
        assert "finished" in second.stdout
        live_requests = len(web.requests())

    # The .open file was cut to its last complete record and closed; every file reads to its end.
    assert not list((out / "warc").glob("*" + OPEN_SUFFIX))
    for path in (out / "warc").glob("*.warc.gz"):
        end, count, error = complete_prefix(path)
        assert error is None and end == path.stat().st_size and count > 0, path
    db = sqlite3.connect(out / "state.sqlite")
    crawls = db.execute("SELECT crawl_id, finished_at, runs FROM crawls").fetchall()
    assert len(crawls) == 1 and crawls[0][1] and crawls[0][2] == 2  # one crawl, resumed once
    # Continued, not restarted: pages of the killed run were served from its WARCs.
    assert live_requests < 140
    assert _captures(out) > killed_at
    # No report lost or written twice, and the change log says each once.
    urls = [r["url"] for r in read_jsonl(out / "reports.jsonl")]
    assert not [u for u, n in Counter(urls).items() if n > 1]
    assert {r["url"] for r in EXPECTED_REPORTS} <= set(urls)
    logged = [e["url"] for e in read_jsonl(changes_files(out)[0])]
    assert len(logged) == len(set(logged)) and set(urls) <= set(logged)


def _write(writer: RotatingWarcWriter, i: int) -> None:
    body = b"<html>%d</html>" % i * 50
    url = f"http://a.gov.cn/{i}.html"
    writer.write_exchange(url, request_head("GET", url, []), response_head(200, [], len(body)), body)


def test_recover_open_file_truncates_to_last_complete_record(tmp_path):
    writer = RotatingWarcWriter(tmp_path, prefix="t")
    for i in range(3):
        _write(writer, i)
    open_path = next(tmp_path.glob("*" + OPEN_SUFFIX))
    whole = open_path.stat().st_size
    with open(open_path, "ab") as fh:  # a record torn by SIGKILL
        fh.write(b"\x1f\x8b\x08\x00" + os.urandom(200))
    done = recover_open_files(tmp_path)
    final = Path(str(open_path)[: -len(OPEN_SUFFIX)])
    assert done == [(final.name, 204, 7)]  # warcinfo + 3 × (response, request)
    assert final.stat().st_size == whole and complete_prefix(final)[2] is None
    assert recover_open_files(tmp_path) == []  # idempotent


class _FullDisk:
    """A file that takes `room` more bytes, then fails as a full disk does."""

    def __init__(self, fh, room: int) -> None:
        self.fh, self.room = fh, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.fh.write(data[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.fh.write(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)


def test_full_disk_leaves_a_readable_warc(tmp_path):
    writer = RotatingWarcWriter(tmp_path, prefix="t")
    _write(writer, 0)
    good = writer._file.tell()
    writer._file = _FullDisk(writer._file, room=100)
    writer._writer.out = writer._file
    with pytest.raises(OSError) as exc:
        _write(writer, 1)
    assert exc.value.errno == errno.ENOSPC
    writer._file = writer._file.fh
    writer.close()
    path = tmp_path / writer.files_written[0]
    assert path.stat().st_size == good
    assert complete_prefix(path) == (good, 3, None)


def test_kill_between_a_503_and_its_retry_loses_nothing(tmp_path):
    """Killed while a report waits out the backoff after a 503: the resumed crawl asks again rather
    than replaying the archived 503 until its retries run out (how a report used to be lost)."""
    out = tmp_path / "job"
    target = sorted(r["url"] for r in EXPECTED_REPORTS if "//www.hyq.gov.cn/" in r["url"])[0]
    with FixtureWeb() as web:
        Recrawl(web).flaky(target, 1)
        slow_retry = ["--set", "GONGKAI_RETRY_BACKOFF_BASE=30", "--set", "RETRY_TIMES=2"]
        proc = subprocess.Popen(crawl_cmd(web.start_urls, out, *slow_retry), env=crawl_env(web.proxy_url), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not any(r.url == target and r.status == 503 for r in web.requests()):
            assert proc.poll() is None and time.time() < deadline, "the crawl never reached the flaky report"
            time.sleep(0.02)
        time.sleep(0.5)  # the 503 is archived; the retry waits 30 s
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert target not in {r["url"] for r in read_jsonl(out / "reports.jsonl")} \
            if (out / "reports.jsonl").exists() else True
        second = run_crawl(web, out, "--log-level", "INFO")
        assert "resuming crawl " in second.stderr and " pending" in second.stderr
    assert target in {r["url"] for r in read_jsonl(out / "reports.jsonl")}


def test_kill_before_anything_was_journaled_still_crawls_everything(tmp_path):
    """Killed in start-up, after the crawl was begun but before its start requests were journaled:
    the resumed crawl has nothing pending, and must still crawl from its start URLs."""
    from archive.state import CrawlState

    out = tmp_path / "job"
    state = CrawlState(out)
    crawl_id = state.begin()
    state.close()
    with FixtureWeb() as web:
        run = run_crawl(web, out, "--log-level", "INFO")
    assert f"resuming crawl {crawl_id}: 0 pending" in run.stderr
    assert {r["url"] for r in EXPECTED_REPORTS} <= {r["url"] for r in read_jsonl(out / "reports.jsonl")}


def test_frontier_journal_round_trip(tmp_path):
    """What a resumed crawl starts from: the pending rows, in order, requests back whole; done rows
    free their payload; a payload that no longer unpickles is given up (None), never a traceback."""
    from archive.frontier import FrontierJournal, encode_request
    from archive.state import CrawlState

    state = CrawlState(tmp_path)
    state.begin()
    journal = FrontierJournal(state)
    for i in range(3):
        journal.add(f"k{i}", fingerprint=f"f{i}", url=f"http://a/{i}", role="detail", dont_filter=i == 2,
                    request=encode_request({"url": f"http://a/{i}", "meta": {"n": i}}))
    journal.add("broken", fingerprint="fb", url="http://a/b", role=None, dont_filter=False, request=b"junk")
    journal.done("k1")
    state.commit()
    state.close()

    state = CrawlState(tmp_path)
    assert state.begin() and state.resumed
    journal = FrontierJournal(state)
    assert [(e.key, e.request and e.request["meta"]["n"]) for e in journal.pending()] == \
        [("k0", 0), ("k2", 2), ("broken", None)]
    assert journal.keys == {"k0", "k1", "k2", "broken"} and journal.fingerprints == {"f0", "f1", "fb"}
    assert state.db.execute("SELECT request FROM frontier WHERE key = 'k1'").fetchone()[0] is None
    assert journal.counts() == (4, 3)


def test_a_record_archived_but_not_yet_recorded_is_not_fetched_again(tmp_path):
    """Killed between writing a WARC record and committing its row: the resumed crawl finds the
    record at the end of the file the kill left open and answers that page from it."""
    import urllib.request

    from archive.state import CrawlState

    out = tmp_path / "job"
    state = CrawlState(out)
    state.begin()
    state.close()
    start = "http://www.slx.gov.cn/"
    with FixtureWeb() as web:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
        with opener.open(start) as resp:
            body, headers = resp.read(), [(k, v) for k, v in resp.getheaders() if k.lower() != "transfer-encoding"]
        writer = RotatingWarcWriter(out / "warc", prefix="gongkai", relative_to=out)
        writer.write_exchange(start, request_head("GET", start, [("Host", "www.slx.gov.cn")]),
                              response_head(200, headers, len(body)), body)
        assert list((out / "warc").glob("*" + OPEN_SUFFIX))  # the kill: never closed, never recorded
        web.reset()
        run = run_crawl(web, out, "--log-level", "INFO")
        fetched = {r.url for r in web.requests()}
    assert "Resume: recorded http://www.slx.gov.cn/" in run.stderr
    assert start not in fetched
    db = sqlite3.connect(out / "state.sqlite")
    assert db.execute("SELECT COUNT(*) FROM captures WHERE url = ?", (start,)).fetchone()[0] == 1
    assert {r["url"] for r in EXPECTED_REPORTS if "slx.gov.cn" in r["url"]} <= \
        {r["url"] for r in read_jsonl(out / "reports.jsonl")}


def test_unrecorded_captures_are_found_after_the_last_known_one(tmp_path):
    from archive.reconcile import unrecorded_captures

    writer = RotatingWarcWriter(tmp_path, prefix="t")
    offsets = []
    for i in range(4):
        body = b"<html>%d</html>" % i * (i + 1)
        url = f"http://a.gov.cn/{i}.html"
        offsets.append(writer.write_exchange(url, request_head("POST" if i == 3 else "GET", url, []),
                                             response_head(200, [("ETag", f'"{i}"')], len(body)), body,
                                             request_body=b"page=2" if i == 3 else b"").offset)
    path = next(tmp_path.glob("*" + OPEN_SUFFIX))
    assert [c.warc_offset for c in unrecorded_captures(path, -1)] == offsets
    later = unrecorded_captures(path, offsets[1])
    assert [(c.warc_offset, c.url, c.etag) for c in later] == \
        [(offsets[2], "http://a.gov.cn/2.html", '"2"'), (offsets[3], "http://a.gov.cn/3.html", '"3"')]
    assert (later[1].method, later[1].request_body) == ("POST", b"page=2")


def test_a_response_whose_request_record_the_kill_cut_off_is_found_too(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from archive.reconcile import unrecorded_captures

    writer = RotatingWarcWriter(tmp_path, prefix="t")
    _write(writer, 0)
    _write(writer, 1)
    path = next(tmp_path.glob("*" + OPEN_SUFFIX))
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        offsets = []
        for record in records:
            record.raw_stream.read()
            offsets.append((record.rec_type, records.get_record_offset()))
    assert [t for t, _ in offsets] == ["warcinfo", "response", "request", "response", "request"]
    with open(path, "r+b") as fh:  # the kill: the second pair's request never reached the file
        fh.truncate(offsets[-1][1])
    found = unrecorded_captures(path, offsets[1][1])
    assert [(c.url, c.method, c.warc_offset) for c in found] == [("http://a.gov.cn/1.html", "GET", offsets[3][1])]
