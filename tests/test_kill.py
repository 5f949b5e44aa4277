"""A crawl SIGKILLed again and again at random moments, restarted into the same job each time, ends
with exactly what an unkilled crawl of the same web has: every report, no line twice, every WARC
readable to its end, nothing archived twice.

The web is the hand-written fixture web, 江山区 included (browser off: its script-only pages are
then simply not reports, in both crawls), with the hazards that lost reports before: reports only
reachable through a POST list endpoint, reports waiting on a view counter or an attachment, and
(tests/fixtureweb/recrawl.py) a POST-listed report, a counter and an attachment that each answer 503
twice before they answer 200 (with a real backoff between attempts). Kill moments are seeded:
some at a random time after launch (mid start-up, mid WARC recovery), some a random time after a
run has opened its job (mid-crawl), and some just after the web served one of those hazards (a 503
of a flaky URL, a POST list answer, a counter, an attachment): the moments that lost reports before.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warcwriter import OPEN_SUFFIX, complete_prefix
from crawler.settings import RETRY_HTTP_CODES
from tests.archive_helpers import ROOT, crawl_cmd, crawl_env, read_jsonl
from tests.fixtureweb import FixtureWeb
from tests.fixtureweb.expected import JS_ONLY_REPORTS
from tests.fixtureweb.recrawl import Recrawl
from tests.fixtureweb.site_js import DOCX_URL, JS_START_URL

pytestmark = pytest.mark.timeout(240)

SEED = int(os.environ.get("GONGKAI_KILL_SEED", "1111"))  # other seeds: GONGKAI_KILL_SEED=N
KILLS = 12
# Slow enough that the crawl spans the kills: ~10 s of fetching, three retries for the 503s.
PACE = ["--set", "DOWNLOAD_DELAY=0.2", "--set", "RETRY_TIMES=3", "--set", "GONGKAI_RETRY_BACKOFF_BASE=0.5",
        "--set", "GONGKAI_BROWSER_ENABLED=False", "--log-level", "INFO"]
COUNTER = "http://www.hyq.gov.cn/module/visitcount/articlehits.jsp?colid=1234&artid=5161"


def _db(out: Path) -> sqlite3.Connection | None:
    try:
        return sqlite3.connect(f"file:{out / 'state.sqlite'}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return None


def _runs(out: Path) -> int:
    db = _db(out)
    try:
        row = db.execute("SELECT runs FROM crawls ORDER BY crawl_id DESC LIMIT 1").fetchone() if db else None
        return row[0] if row else 0
    except sqlite3.Error:
        return 0
    finally:
        if db:
            db.close()


def _flaky(web: FixtureWeb, urls: list[str]) -> Recrawl:
    recrawl = Recrawl(web)
    for url in urls:
        recrawl.flaky(url, 2)
    return recrawl


def _cmd(web: FixtureWeb, out: Path) -> list[str]:
    return crawl_cmd([*web.start_urls, JS_START_URL], out, *PACE)


def _spawn(web: FixtureWeb, out: Path, log: Path) -> subprocess.Popen:
    with open(log, "w") as fh:
        return subprocess.Popen(_cmd(web, out), env=crawl_env(web.proxy_url), cwd=ROOT,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_hazard(web: FixtureWeb, served: int, proc: subprocess.Popen, urls: set[str]) -> None:
    """Until the web has served (since request number `served`) a 503, a POST or one of `urls`."""
    deadline = time.time() + 20
    while proc.poll() is None and time.time() < deadline:
        for r in web.requests()[served:]:
            if r.status == 503 or r.method == "POST" or r.url in urls:
                return
        time.sleep(0.01)


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the crawl and any worker process it started
    proc.wait()


def _response_records(out: Path) -> tuple[Counter, int]:
    """(captures per (URL, status) of HTTP response/revisit records, records read)."""
    seen: Counter = Counter()
    read = 0
    for path in sorted((out / "warc").glob("*.warc.gz")):
        end, _count, error = complete_prefix(path)
        assert error is None and end == path.stat().st_size, (path, error)
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                read += 1
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type in ("response", "revisit") and record.http_headers is not None:
                    seen[uri, record.http_headers.get_statuscode()] += 1
                record.content_stream().read()
    return seen, read


def test_a_dozen_kills_lose_and_repeat_nothing(tmp_path):
    rng = random.Random(SEED)
    with FixtureWeb() as web:
        # The reference: the same web, the same hazards, never killed.
        js_only = JS_ONLY_REPORTS[0]["url"]
        recrawl = _flaky(web, [js_only, COUNTER, DOCX_URL])
        hazards = {js_only, COUNTER, DOCX_URL}
        ref = subprocess.run(_cmd(web, tmp_path / "ref"), env=crawl_env(web.proxy_url), cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert ref.returncode == 0, ref.stdout[-3000:] + ref.stderr[-3000:]
        expected = {r["url"] for r in read_jsonl(tmp_path / "ref" / "reports.jsonl")}
        assert js_only in expected and len(expected) >= 55

        web.reset()
        out = tmp_path / "job"
        kills, mid_crawl, logs, started = 0, 0, [], time.time()
        while kills < KILLS:
            log = tmp_path / f"run{len(logs)}.log"
            logs.append(log)
            runs, served = _runs(out), len(web.requests())
            proc = _spawn(web, out, log)
            moment = rng.random()
            if moment < 0.2:
                time.sleep(rng.uniform(0.2, 2.0))  # anywhere in start-up
            elif moment < 0.6:
                deadline = time.time() + 30
                while _runs(out) <= runs and proc.poll() is None and time.time() < deadline:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0.05, 1.2))  # mid-crawl
            else:
                _wait_for_hazard(web, served, proc, hazards)
                time.sleep(rng.uniform(0.0, 0.3))  # just after a hazard was served
            if proc.poll() is not None:
                break  # it finished before this kill: that run is the last
            begun = _runs(out) > runs
            _kill(proc)
            kills += 1
            mid_crawl += begun
        if proc.poll() is None or kills == KILLS:
            log = tmp_path / "final.log"
            logs.append(log)
            proc = _spawn(web, out, log)
            proc.wait(timeout=120)
        print(f"{kills} kills ({mid_crawl} after the run had begun its crawl) in {time.time() - started:.1f}s; "
              f"{recrawl.flaky_urls}")
        assert proc.returncode == 0, log.read_text()[-4000:]

    assert kills >= 10 and mid_crawl >= 6, f"only {kills} kills ({mid_crawl} mid-crawl) before the crawl finished"
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    assert "resuming crawl " in text and " pending" in text
    assert "Traceback" not in text, text[text.index("Traceback") - 500:][:3000]

    # Every report of the unkilled crawl, each on one line.
    urls = [r["url"] for r in read_jsonl(out / "reports.jsonl")]
    assert not [u for u, n in Counter(urls).items() if n > 1]
    assert set(urls) == expected, (expected - set(urls), set(urls) - expected)
    # One crawl, resumed once per kill that came after it had begun, finished, nothing pending.
    db = sqlite3.connect(out / "state.sqlite")
    crawls = db.execute("SELECT finished_at, runs FROM crawls").fetchall()
    assert len(crawls) == 1 and crawls[0][0] and mid_crawl < crawls[0][1] <= len(logs)
    assert db.execute("SELECT COUNT(*) FROM frontier WHERE done = 0").fetchone()[0] == 0
    # The change log says each report once.
    changes = [e["url"] for p in sorted((out / "changes").glob("*.jsonl")) for e in read_jsonl(p)]
    assert Counter(changes) == Counter(set(changes)) and set(urls) <= set(changes)
    # Every WARC closed and readable to its end; no page archived twice with the same answer
    # (a 503 or 502 asked again is a new answer; anything else is served from the archive).
    assert not list((out / "warc").glob("*" + OPEN_SUFFIX))
    records, read = _response_records(out)
    twice = {k: n for k, n in records.items() if n > 1 and int(k[1]) not in RETRY_HTTP_CODES}
    assert not twice, twice
    assert read > 250
    subprocess.run([str(ROOT / ".venv" / "bin" / "warcio"), "check", *map(str, (out / "warc").glob("*.warc.gz"))],
                   check=True, capture_output=True)
    print(json.dumps({"kills": kills, "mid_crawl": mid_crawl, "runs": len(logs), "resumed_runs": crawls[0][1] - 1,
                      "reports": len(urls), "records": read}))
