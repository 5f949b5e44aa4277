"""Replay in pywb: every report page of two crawls comes back byte-identical in id_ mode.

pywb lives in .venv-pywb/ (scripts/pywb.sh install: pip, first time only; it pins redis==2.10.6 so
it never goes into .venv/). Revisits (identical payload and 304) and gzip-encoded payloads included.
"""

from __future__ import annotations

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
from tests.archive_helpers import ROOT, read_jsonl, run_crawl
from tests.fixtureweb import FixtureWeb
from tests.fixtureweb.recrawl import Recrawl

pytestmark = pytest.mark.timeout(300)
SCRIPT = ROOT / "scripts" / "pywb.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    # As a browser asks: a gzip payload must come back as archived, still gzip.
    conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate"})
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


@pytest.fixture(scope="module")
def wayback(job):
    port = _free_port()
    proc = subprocess.Popen(["bash", str(SCRIPT), "serve", str(job), str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if _get(port, "/")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            pytest.fail(f"wayback exited: {proc.stdout.read().decode()[-3000:]}")
    else:
        pytest.fail("wayback did not start")
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


def test_script_is_idempotent_and_quick():
    subprocess.run(["bash", str(SCRIPT), "install"], check=True, capture_output=True, timeout=600)
    start = time.time()
    subprocess.run(["bash", str(SCRIPT), "install"], check=True, capture_output=True, timeout=60)
    assert time.time() - start < 5


def test_every_report_replays_byte_identical(job, wayback):
    db = sqlite3.connect(job / "state.sqlite")
    reports = {r["url"] for r in read_jsonl(job / "reports.jsonl")}
    checked = identical = gzip = revisits = 0
    failures = []
    for url in sorted(reports):
        for warc_file, offset in db.execute(
                "SELECT warc_file, warc_offset FROM captures WHERE url = ? AND status = 200", (url,)):
            archived = load_exchange(job, warc_file, offset)
            ts = "".join(c for c in archived.warc_date if c.isdigit())[:14]
            status, headers, body = _get(wayback, f"/gongkai/{ts}id_/{url}")
            checked += 1
            revisits += archived.record_type == "revisit"
            gzip += dict((k.lower(), v) for k, v in archived.headers).get("content-encoding") == "gzip"
            if status == 200 and body == archived.payload:
                identical += 1
            else:
                failures.append((url, ts, status, len(body), len(archived.payload)))
    print(f"pywb id_ replay: {identical}/{checked} byte-identical ({revisits} revisits, {gzip} gzip)")
    assert not failures, failures[:5]
    assert checked >= 2 * 50 and revisits >= 40 and gzip >= 10


def test_memento_timegate_lists_both_crawls(job, wayback):
    url = read_jsonl(job / "reports.jsonl")[0]["url"]
    status, _headers, body = _get(wayback, f"/gongkai/cdx?output=json&url={url}")
    assert status == 200
    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    assert len(lines) >= 2
