"""A crawl shared by worker processes through Redis (crawler/distributed/): the project's own
redis-server, started and stopped by gongkai; the fixture web through http_proxy."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from scrapy import Request, Spider
from warcio.archiveiterator import ArchiveIterator

from crawler.distributed.redis_server import LocalRedis
from crawler.distributed.scheduler import INFLIGHT_META, JobKeys, JobScheduler, requeue_worker
from tests.conftest import FAST, GONGKAI, ROOT, CrawlRun, proxy_env, run_crawl

# Fields that differ between two fetches of the same report (and the WARC a worker wrote it to).
VOLATILE = {"fetched_at", "warc_file", "warc_record_id", "warc_offset", "views", "views_source"}


def stable(records: list[dict]) -> dict[str, dict]:
    return {r["url"]: {k: v for k, v in r.items() if k not in VOLATILE} for r in records}


def redis_left_running(stderr: str) -> list[str]:
    """The redis-server this crawl said it started, if it still runs or left its socket behind."""
    started = re.findall(r"redis-server pid (\d+) on unix://(\S+)", stderr)
    assert started, "the crawl did not say which redis-server it started"
    left = []
    for pid, sock in started:
        try:
            os.kill(int(pid), 0)
            left.append(f"pid {pid} alive")
        except ProcessLookupError:
            pass
        if Path(sock).parent.exists():
            left.append(f"{Path(sock).parent} left behind")
    return left


class _Spider(Spider):
    name = "t"

    def parse(self, response):
        return None


def _scheduler(url: str, job: str, worker: str) -> JobScheduler:
    import redis

    sched = JobScheduler(redis.Redis.from_url(url), JobKeys(job), worker)
    spider = _Spider()
    spider.settings = type("S", (), {"getbool": staticmethod(lambda name, default=False: False)})()
    sched.open(spider)
    return sched


def test_jobs_on_one_redis_keep_their_own_fingerprints_and_queues():
    with LocalRedis() as server:
        first, second = _scheduler(server.url, "job1", "a"), _scheduler(server.url, "job2", "b")
        request = Request("http://www.qhq.gov.cn/xxgk/", callback=_Spider().parse)
        assert first.enqueue_request(request)
        assert not first.enqueue_request(request.copy())  # a duplicate within the job
        assert second.enqueue_request(request.copy())  # the second job is not blocked by the first
        assert len(first) == 1 and len(second) == 1


def test_a_popped_request_is_in_flight_until_acked_and_a_dead_workers_return_to_the_queue():
    import redis

    with LocalRedis() as server:
        sched = _scheduler(server.url, "job", "w1")
        for n in range(3):
            sched.enqueue_request(Request(f"http://www.qhq.gov.cn/{n}.html", callback=_Spider().parse,
                                          meta={"role": "detail", "n": n}))
        taken = sched.next_request()
        assert taken.meta[INFLIGHT_META] and taken.meta["role"] == "detail"
        client = redis.Redis.from_url(server.url)
        keys = JobKeys("job")
        assert client.hlen(keys.inflight("w1")) == 1 and len(sched) == 2
        assert requeue_worker(client, keys, "w1") == 1  # as if w1 had been killed
        assert client.hlen(keys.inflight("w1")) == 0 and len(sched) == 3
        urls = {sched.next_request().url for _ in range(3)}
        assert taken.url in urls


@pytest.fixture(scope="module")
def two_worker_crawl(fixture_web, tmp_path_factory) -> CrawlRun:
    fixture_web.reset()
    return run_crawl(fixture_web, tmp_path_factory.mktemp("dist") / "job", "--workers", "2")


def test_two_workers_give_the_reports_of_one_process(two_worker_crawl, demo_crawl):
    run = two_worker_crawl
    assert run.returncode == 0, run.stderr[-3000:]
    assert not redis_left_running(run.stderr), "gongkai left its redis-server running"
    lines = (run.out / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    urls = [json.loads(line)["url"] for line in lines]
    assert len(urls) == len(set(urls)), "duplicate report lines"
    assert stable(run.reports()) == stable(demo_crawl.reports())
    # Each worker fetched part of it, so the queue really was shared.
    stats = json.loads((run.out / "crawl-stats.json").read_text(encoding="utf-8"))
    fetched_by = {name: s.get("downloader/response_count", 0) for name, s in stats["workers"].items()}
    assert set(fetched_by) == {"w1", "w2"} and all(fetched_by.values()), fetched_by
    # No URL is fetched twice through the shared dupefilter (robots.txt: once per worker and host).
    fetched = Counter(r.url for r in run.requests if r.method == "GET" and not r.url.endswith("/robots.txt"))
    single = Counter(r.url for r in demo_crawl.requests if r.method == "GET" and not r.url.endswith("/robots.txt"))
    assert {u for u, n in fetched.items() if n > single.get(u, 0)} == set()


def test_two_workers_write_valid_warcs_and_one_index(two_worker_crawl):
    run = two_worker_crawl
    warcs = sorted((run.out / "warc").glob("*.warc.gz"))
    prefixes = {p.name.split("-")[1] for p in warcs}
    assert prefixes == {"w1", "w2"}, [p.name for p in warcs]  # one WARC series per worker
    check = subprocess.run([str(ROOT / ".venv" / "bin" / "warcio"), "check", *map(str, warcs)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    responses = 0
    for path in warcs:
        with open(path, "rb") as fh:
            responses += sum(1 for rec in ArchiveIterator(fh) if rec.rec_type in ("response", "revisit"))
    index = (run.out / "index.cdxj").read_text(encoding="utf-8").splitlines()
    assert index == sorted(index) and len(index) >= responses
    names = {json.loads(line.split(" ", 2)[2])["filename"] for line in index}
    assert names == {p.name for p in warcs}
    # Every report points at a record that exists in DIR/warc/.
    for record in run.reports():
        assert (run.out / record["warc_file"]).exists(), record["warc_file"]


@pytest.mark.xfail(strict=False, reason="known defect (issue 12, open): in 1 of 4 CI rehearsals a report "
                   "in flight on the killed worker (cgjd 2019) never came back; not yet diagnosed")
def test_a_killed_worker_loses_nothing(fixture_web, demo_crawl, tmp_path):
    """SIGKILL one worker mid-crawl: its in-flight requests return to the queue, the other finishes."""
    fixture_web.reset()
    before = len(fixture_web.requests())
    out = tmp_path / "job"
    coordinator = subprocess.Popen(
        [*GONGKAI, "crawl", *fixture_web.start_urls, "--out", str(out), "--workers", "2", *FAST,
         "--set", "GONGKAI_DISTRIBUTED_HEARTBEAT_TTL=2", "--set", "AUTOTHROTTLE_START_DELAY=0.3"],
        env=proxy_env(fixture_web), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        time.sleep(0.1)
        if len(fixture_web.requests()) - before < 25:
            continue
        found = subprocess.run(["pgrep", "-P", str(coordinator.pid), "-f", "worker .* --name w2"], capture_output=True, text=True)
        if found.stdout.split():
            victim = int(found.stdout.split()[0])
            os.kill(victim, signal.SIGKILL)
    stdout, stderr = coordinator.communicate(timeout=240)
    assert victim is not None, "worker w2 never started"
    assert coordinator.returncode == 1  # a worker died: said so
    assert "w2: exit -9" in stdout
    assert not redis_left_running(stderr)
    lines = (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len({json.loads(line)["url"] for line in lines})
    got = stable([json.loads(line) for line in lines])
    assert got == stable(demo_crawl.reports()), stderr[-3000:]


def test_worker_without_a_job_says_so(tmp_path):
    with LocalRedis() as server:
        proc = subprocess.run([*GONGKAI, "worker", "--redis", server.url, "--out", str(tmp_path / "w")],
                              capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode != 0
    assert "0 jobs on this Redis" in proc.stderr and "Traceback" not in proc.stderr
