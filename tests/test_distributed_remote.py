"""A worker on another machine (crawler/distributed/merge.py): `gongkai crawl --redis URL` on a Redis the
user runs (here the project's own redis-server, as LocalRedis starts it), `gongkai worker` with its own
--out, its directory copied and brought in with `gongkai merge`."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path

from crawler.distributed.redis_server import LocalRedis
from tests.conftest import GONGKAI, ROOT, proxy_env
from tests.test_distributed import stable


def _files(out: Path) -> dict[str, str]:
    """What a merge writes, as text (state.sqlite as its SQL dump)."""
    import sqlite3

    db = sqlite3.connect(out / "state.sqlite")
    dump = "\n".join(db.iterdump())
    db.close()
    found = {"state.sqlite": dump}
    for name in ["reports.jsonl", "index.cdxj", *(f"changes/{p.name}" for p in sorted((out / "changes").glob("*")))]:
        found[name] = (out / name).read_text(encoding="utf-8")
    found["warc/"] = " ".join(sorted(p.name for p in (out / "warc").iterdir()))
    return found


def crawl_with_a_remote_worker(web, out: Path, remote: Path) -> tuple[subprocess.Popen, str, subprocess.CompletedProcess, list]:
    """`gongkai crawl --workers 1 --redis URL` into `out` and, once its run is on the Redis, a
    `gongkai worker` with its own --out `remote` (as on another machine); (coordinator, its stderr,
    the worker, the run's keys left on the Redis)."""
    import redis

    slow = ["--set", "AUTOTHROTTLE_START_DELAY=0.3", "--set", "GONGKAI_RETRY_BACKOFF_BASE=0.2"]
    with LocalRedis() as server:
        coordinator = subprocess.Popen(
            [*GONGKAI, "crawl", *web.start_urls, "--out", str(out), "--workers", "1", "--redis", server.url,
             *slow], env=proxy_env(web), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        client = redis.Redis.from_url(server.url)
        deadline = time.monotonic() + 120
        while not client.smembers("gongkai:jobs") and time.monotonic() < deadline and coordinator.poll() is None:
            time.sleep(0.1)
        worker = subprocess.run([*GONGKAI, "worker", "--redis", server.url, "--out", str(remote), "--name", "r1", *slow],
                                env=proxy_env(web), cwd=ROOT, capture_output=True, text=True, timeout=300)
        _, stderr = coordinator.communicate(timeout=300)
        left = client.keys("gongkai:job:*")
    return coordinator, stderr, worker, left


def test_a_worker_on_another_machine_is_merged_with_gongkai_merge(fixture_web, demo_crawl, tmp_path):
    """A worker with its own --out (as on another machine) joins a crawl shared through a Redis the
    user runs; its directory, copied to the coordinator's, is merged in: the reports of one process,
    one line per report, one index over both workers' WARCs; merging again changes nothing."""
    import shutil

    fixture_web.reset()
    before = len(fixture_web.requests())
    out, remote = tmp_path / "job", tmp_path / "elsewhere"
    coordinator, stderr, worker, left = crawl_with_a_remote_worker(fixture_web, out, remote)
    assert coordinator.returncode == 0, stderr[-3000:]
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert left == []  # the coordinator cleared its run's keys from the user's Redis
    assert "another machine joins it with `gongkai worker" in stderr
    fetched = json.loads((remote / "workers" / "r1" / "crawl-stats.json").read_text(encoding="utf-8"))
    assert fetched.get("downloader/response_count", 0) > 0  # the remote worker really shared the crawl
    alone = stable([json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()])
    assert alone != stable(demo_crawl.reports())  # the coordinator's merge lacks what r1 found

    copy = tmp_path / "copied-from-elsewhere"
    shutil.copytree(remote, copy)  # as scp/rsync would bring it
    # A worker's --out may be a copy of the job directory, with older runs' worker directories in it.
    shutil.copytree(copy / "workers" / "r1", copy / "workers" / "r0")
    (copy / "workers" / "r0" / "worker.json").write_text(json.dumps({"run": "an-older-run", "name": "r0"}))
    merge = subprocess.run([*GONGKAI, "merge", str(out), str(copy)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert merge.returncode == 0, merge.stderr[-3000:]
    assert "merged 2 worker directories (r1, w1)" in merge.stdout
    lines = [json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len({r["url"] for r in lines}), "duplicate report lines"
    assert stable(lines) == stable(demo_crawl.reports())
    for record in lines:
        assert (out / record["warc_file"]).exists(), record["warc_file"]
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    assert {p.name.split("-")[1] for p in warcs} == {"w1", "r1"}
    index = (out / "index.cdxj").read_text(encoding="utf-8").splitlines()
    assert index == sorted(index)
    assert {json.loads(line.split(" ", 2)[2])["filename"] for line in index} == {p.name for p in warcs}
    # Each URL the two fetched is in the job's state once, as one crawl; every report logged once.
    import sqlite3

    db = sqlite3.connect(out / "state.sqlite")
    assert db.execute("SELECT COUNT(*) FROM crawls").fetchone()[0] == 1
    served = Counter(r.url for r in fixture_web.requests()[before:])
    captured = Counter(url for (url,) in db.execute("SELECT url FROM captures"))
    assert set(captured) <= set(served) and captured.keys() & served.keys()
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == len(lines)
    db.close()
    log = [json.loads(line) for p in (out / "changes").glob("*.jsonl") for line in p.read_text().splitlines()]
    assert len(log) == len(lines) and {e["change"] for e in log} == {"new"}

    first = _files(out)
    again = subprocess.run([*GONGKAI, "merge", str(out), str(copy)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _files(out) == first  # idempotent
    bare = subprocess.run([*GONGKAI, "merge", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bare.returncode == 0 and _files(out) == first  # the run merged last, from DIR/workers/ alone


def test_merge_says_what_is_wrong_in_one_line(tmp_path):
    (tmp_path / "job").mkdir()
    (tmp_path / "not-a-worker").mkdir()
    for args, expected in ((["merge", str(tmp_path / "job"), str(tmp_path / "not-a-worker")], "not a worker directory"),
                           (["merge", str(tmp_path / "job")], "0 distributed runs")):
        proc = subprocess.run([*GONGKAI, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_a_recrawl_with_an_unseeded_remote_worker_logs_changes_as_one_process_does(tmp_path_factory):
    """The remote worker starts each crawl without the job's state (its --out is a fresh directory),
    so it calls every report it extracts new; merged, the job's change log judges each against the
    job's state: the one changed report changed, the others unchanged, the 404 and the unlinked one
    removed, and the corpus gains one line."""
    import shutil

    from tests.archive_helpers import changes_files, read_jsonl
    from tests.test_recrawl import recrawl_scenario

    work = tmp_path_factory.mktemp("remote-recrawl")
    runs: list = []

    def crawl(web, out: Path):
        remote = work / f"elsewhere-{len(runs)}"
        coordinator, stderr, worker, _ = crawl_with_a_remote_worker(web, out, remote)
        assert coordinator.returncode == 0 and worker.returncode == 0, stderr[-3000:] + worker.stderr[-3000:]
        shutil.copytree(remote, work / f"copy-{len(runs)}")
        merged = subprocess.run([*GONGKAI, "merge", str(out), str(work / f"copy-{len(runs)}")], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert merged.returncode == 0, merged.stderr[-3000:]
        runs.append(json.loads((remote / "workers" / "r1" / "crawl-stats.json").read_text(encoding="utf-8")))
        return merged

    job = recrawl_scenario(work / "job", crawl)
    out = job["out"]
    assert all(stats.get("gongkai/reports/extracted", 0) for stats in runs)  # r1 extracted reports both times
    files = changes_files(out)
    assert len(files) == 2
    log = {e["url"]: e for e in read_jsonl(files[1])}
    assert log[job["changed"]]["change"] == "changed"
    assert log[job["changed"]]["previous_text_digest"] is not None and "report" in log[job["changed"]]
    assert (log[job["removed"]]["change"], log[job["removed"]]["reason"]) == ("removed", "http_404")
    assert (log[job["unlinked"]]["change"], log[job["unlinked"]]["reason"]) == ("removed", "not_linked")
    others = set(job["first"]) - {job["changed"], job["removed"], job["unlinked"]}
    assert others and {log[url]["change"] for url in others} == {"unchanged"}
    assert all("report" not in log[url] for url in others)
    lines = read_jsonl(out / "reports.jsonl")
    assert [r["url"] for r in lines[len(job["first"]):]] == [job["changed"]]
