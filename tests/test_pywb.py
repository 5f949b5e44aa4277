"""Replay in pywb: every capture of two crawls comes back byte-identical in id_ mode, with
pywb looking captures up in OUR index (`gongkai index`'s index.cdxj), and again from the WACZ
(`gongkai export-wacz`, whose index pywb takes as it is); POST captures (Hanweb lists) too.

pywb lives in .venv-pywb/ (scripts/pywb.sh install: pip, first time only; it pins redis==2.10.6 so
it never goes into .venv/). Revisits (identical payload and 304) and gzip-encoded payloads included.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from archive.revisit import load_exchange
from crawler.cli import main
from tests.archive_helpers import ROOT, read_jsonl, run_crawl
from tests.fixtureweb import FixtureWeb
from tests.fixtureweb.recrawl import Recrawl

pytestmark = pytest.mark.timeout(300)
SCRIPT = ROOT / "scripts" / "pywb.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, method: str = "GET", body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    # As a browser asks: a gzip payload must come back as archived, still gzip.
    conn.request(method, path, body=body, headers={"Accept-Encoding": "gzip, deflate", **(headers or {})})
    resp = conn.getresponse()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> Path:
    install = subprocess.run(["bash", str(SCRIPT), "install"], capture_output=True, text=True, timeout=600)
    if install.returncode != 0:
        pytest.fail(f"scripts/pywb.sh install failed:\n{install.stderr[-3000:]}")
    out = tmp_path_factory.mktemp("pywb") / "job"
    with FixtureWeb() as web:
        Recrawl(web).validators("www.hyq.gov.cn")
        run_crawl(web, out)
        web.reset()
        run_crawl(web, out)
    return out


@pytest.fixture(scope="module", params=["index", "wacz"])
def wayback(job, request):
    """pywb on our index.cdxj (scripts/pywb.sh serve), or on the WACZ and its index (serve-wacz)."""
    port = _free_port()
    if request.param == "wacz":
        assert main(["export-wacz", str(job)]) == 0
        command = ["serve-wacz", str(job / f"{job.name}.wacz"), str(port)]
    else:
        command = ["serve", str(job), str(port)]
    # Its log goes to a file: a pipe nobody reads fills after a few hundred requests and pywb,
    # blocked writing its access log, stops answering (the TimeoutErrors of earlier runs).
    log = job.parent / f"wayback-{request.param}.log"
    with log.open("wb") as log_fh:
        proc = subprocess.Popen(["bash", str(SCRIPT), *command], stdout=log_fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if _get(port, "/")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            pytest.fail(f"wayback exited: {log.read_text(errors='replace')[-3000:]}")
    else:
        pytest.fail("wayback did not start")
    _assert_pywb_uses_our_index(job, request.param)
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


def _index_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8").splitlines()


def _assert_pywb_uses_our_index(job: Path, mode: str) -> None:
    """The collection's index is ours, not one pywb rebuilt: same lines (pywb renames the WACZ's
    files when it unpacks them, so for the WACZ only keys, timestamps and offsets are compared)."""
    assert main(["index", str(job), "--out", str(job / "ours.cdxj")]) == 0
    ours = _index_lines(job / "ours.cdxj")
    if mode == "index":
        used = _index_lines(job / "pywb" / "collections" / "gongkai" / "indexes" / "index.cdxj")
        assert used == ours
    else:
        indexes = sorted((job / "pywb-wacz" / "collections" / "gongkai" / "indexes").glob("*.cdx*"))
        used = [line for p in indexes for line in _index_lines(p)]

        def key(line: str) -> tuple:
            urlkey, ts, entry = line.split(" ", 2)
            e = json.loads(entry)
            return urlkey, ts, e["offset"], e["length"]

        assert sorted(map(key, used)) == sorted(map(key, ours))


def test_script_is_idempotent():
    """A second install finds its stamp and installs nothing (asserted by what it does, not how fast)."""
    subprocess.run(["bash", str(SCRIPT), "install"], check=True, capture_output=True, timeout=600)
    venv = ROOT / ".venv-pywb"
    before = {p: p.stat().st_mtime_ns for p in venv.glob(".installed-pywb-*")}
    again = subprocess.run(["bash", str(SCRIPT), "install"], check=True, capture_output=True, text=True, timeout=600)
    assert before and "installing" not in again.stderr
    assert {p: p.stat().st_mtime_ns for p in venv.glob(".installed-pywb-*")} == before


def test_every_capture_replays_byte_identical(job, wayback):
    """Every response and revisit of both crawls, asked as it was fetched (a POST with its body):
    pywb answers with the archived status and payload. Captures that share their key and 14-digit
    timestamp with another (a 503 and its retry in the same second; how many depends on timing) cannot
    be told apart by a Wayback URL: for those, pywb must answer with one of the group's captures."""
    db = sqlite3.connect(job / "state.sqlite")
    posts = {rid: (ctype, body) for _url, _ts, ctype, body, rid in _post_captures(job)}
    captures = []
    for url, warc_file, offset, rid in db.execute("SELECT url, warc_file, warc_offset, warc_record_id FROM captures"):
        archived = load_exchange(job, warc_file, offset)
        ts = "".join(c for c in archived.warc_date if c.isdigit())[:14]
        captures.append((url, ts, rid, archived))
    groups: dict[tuple, list] = {}
    for url, ts, rid, archived in captures:
        groups.setdefault((url, ts, posts.get(rid, (None, b""))[1]), []).append((rid, archived))
    checked = identical = gzip = revisits = same_second = 0
    failures = []
    for (url, ts, _body), group in groups.items():
        rid, archived = group[0]
        if rid in posts:
            ctype, body = posts[rid]
            status, _headers, got = _get(wayback, f"/gongkai/{ts}id_/{url}", "POST", body, {"Content-Type": ctype})
        else:
            status, _headers, got = _get(wayback, f"/gongkai/{ts}id_/{url}")
        if len(group) > 1:  # one URL can name only one of them: it must be one of them, as archived
            same_second += len(group)
            if (status, got) not in {(a.status, a.payload) for _rid, a in group}:
                failures.append((url, ts, "one of", len(group), status, len(got)))
            continue
        checked += 1
        revisits += archived.record_type == "revisit"
        gzip += dict((k.lower(), v) for k, v in archived.headers).get("content-encoding") == "gzip"
        if status == archived.status and got == archived.payload:
            identical += 1
        else:
            failures.append((url, ts, archived.record_type, archived.status, status, len(got), len(archived.payload)))
    print(f"pywb id_ replay: {identical}/{checked} captures byte-identical ({revisits} revisits, {gzip} gzip, "
          f"{len(posts)} POST); {same_second} of {len(captures)} share key and second with another, "
          f"each group answered by one of its captures")
    assert not failures, failures[:5]
    assert checked >= 250 and revisits >= 100 and gzip >= 10 and posts


def _post_captures(job: Path) -> list[tuple[str, str, str, bytes, bytes]]:
    """(url, timestamp, content type, request body, archived payload) of every POST capture."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    for path in sorted((job / "warc").glob("*.warc.gz")):
        requests, responses = {}, {}
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                h = record.rec_headers
                if record.rec_type == "request" and record.http_headers.protocol == "POST":
                    requests[h.get_header("WARC-Concurrent-To")] = (
                        record.http_headers.get_header("Content-Type") or "", record.content_stream().read())
                elif record.rec_type in ("response", "revisit"):
                    responses[h.get_header("WARC-Record-ID")] = (h.get_header("WARC-Target-URI"),
                                                                 h.get_header("WARC-Date"), h)
        for rid, (ctype, body) in requests.items():
            if rid in responses:
                url, date, _h = responses[rid]
                ts = "".join(c for c in date if c.isdigit())[:14]
                found.append((url, ts, ctype, body, rid))
    return found


def test_post_captures_replay(job, wayback):
    """Hanweb-style lists fetched by POST: pywb finds them by their __wb_method=post key."""
    posts = _post_captures(job)
    assert posts, "the fixture web's POST lists were not crawled"
    db = sqlite3.connect(job / "state.sqlite")
    misses = []
    for url, ts, ctype, body, rid in posts:
        warc_file, offset = db.execute("SELECT warc_file, warc_offset FROM captures WHERE warc_record_id = ?",
                                       (rid,)).fetchone()
        archived = load_exchange(job, warc_file, offset)
        status, _headers, got = _get(wayback, f"/gongkai/{ts}id_/{url}", "POST", body, {"Content-Type": ctype})
        if status != 200 or got != archived.payload:
            misses.append((url, ts, status))
    print(f"pywb POST replay: {len(posts) - len(misses)}/{len(posts)} byte-identical")
    assert not misses, misses[:5]


def test_memento_timegate_lists_both_crawls(job, wayback):
    url = read_jsonl(job / "reports.jsonl")[0]["url"]
    status, _headers, body = _get(wayback, f"/gongkai/cdx?output=json&url={url}")
    assert status == 200
    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    assert len(lines) >= 2
