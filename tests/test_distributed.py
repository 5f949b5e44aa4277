"""A crawl shared by worker processes through Redis (crawler/distributed/): the project's own
redis-server, started and stopped by gongkai; the fixture web through http_proxy."""

from __future__ import annotations

import asyncio
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

    def attachment_failed(self, failure):  # as ReportsSpider.step_failed: the page goes on without it
        yield {"url": "http://cgjd.hyq.gov.cn/art/2020/1/19/art_3301_9019.html"}
        yield Request("http://cgjd.hyq.gov.cn/col/col3301/index_2.html", callback=self.parse)


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


def _worker_parts(url: str, job: str, worker: str):
    """A worker's scheduler and in-flight trackers on a real Redis, outside a running engine."""
    import redis
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(_Spider, {"REDIS_URL": url, "GONGKAI_JOB_ID": job, "GONGKAI_WORKER_NAME": worker})
    spider = _Spider()
    spider.settings = crawler.settings
    sched = JobScheduler(redis.Redis.from_url(url), JobKeys(job), worker, signals=crawler.signals)
    sched.open(spider)
    return crawler, spider, sched


def _scrape(crawler, spider, sched, response, output) -> list[bool]:
    """Hand `output` to Scrapy's own parallel consumer of callback output, as its scraper does
    (scrapy.core.scraper: the whole output is pulled into a queue, then requests are scheduled and
    items processed on later turns of the loop). For each request and item, whether the response's
    request was still in flight at the moment it was queued or left the pipelines."""
    from scrapy import signals
    from scrapy.utils.asyncio import _parallel_asyncio

    from crawler.distributed.offload import Offload

    keys = JobKeys(sched.keys.job)
    held: list[bool] = []

    async def process(out, source) -> None:
        await asyncio.sleep(0)
        Offload.of(crawler).flush()  # an ack already sent has reached Redis
        held.append(bool(sched.server.hlen(keys.inflight(sched.worker))))
        if isinstance(out, Request):
            sched.enqueue_request(out)
        else:
            crawler.signals.send_catch_log(signals.item_scraped, item=out, response=source, spider=spider)

    asyncio.run(_parallel_asyncio(output, 8, process, response))
    return held


def test_a_page_stays_in_flight_until_every_request_and_item_it_yielded_is_safe():
    """A worker killed after a list page's callback has run but before the reports it links are in
    Redis must not lose them: the page stays in flight until the last one is queued."""
    from scrapy.http import HtmlResponse

    from crawler.distributed.ack import InflightAckSpiderMiddleware
    from crawler.distributed.offload import Offload

    with LocalRedis() as server:
        crawler, spider, sched = _worker_parts(server.url, "job", "w1")
        middleware = InflightAckSpiderMiddleware(crawler)
        sched.enqueue_request(Request("http://cgjd.hyq.gov.cn/col/col3301/index.html", callback=spider.parse))
        page = sched.next_request()
        response = HtmlResponse(page.url, body=b"<html></html>", request=page)

        async def callback():
            yield {"url": page.url}  # the list page itself, to the pipelines
            for n in range(20):  # more than the scraper's queue holds (2 x CONCURRENT_ITEMS)
                yield Request(f"http://cgjd.hyq.gov.cn/art/2020/1/19/art_3301_{9000 + n}.html",
                              callback=spider.parse, meta=dict(page.meta))  # a copy of the page's meta

        held = _scrape(crawler, spider, sched, response, middleware.process_spider_output_async(response, callback()))
        assert held == [True] * 21, held
        Offload.of(crawler).flush()
        assert sched.server.hlen(JobKeys("job").inflight("w1")) == 0  # and acked once they all are
        assert len(sched) == 20


def test_a_failed_download_stays_in_flight_until_its_errbacks_output_is_safe():
    """Scrapy hands an errback's output to the scraper without spider middlewares: a report page
    whose attachment failed is yielded there, and must not be lost with a killed worker either."""
    from twisted.python.failure import Failure

    from crawler.distributed.ack import InflightAckDownloaderMiddleware
    from crawler.distributed.offload import Offload

    with LocalRedis() as server:
        crawler, spider, sched = _worker_parts(server.url, "job", "w1")
        middleware = InflightAckDownloaderMiddleware(crawler)

        sched.enqueue_request(Request("http://cgjd.hyq.gov.cn/a.pdf", callback=spider.parse,
                                      errback=spider.attachment_failed))
        attachment = sched.next_request()
        assert middleware.process_exception(attachment, TimeoutError("timed out")) is None
        failure = Failure(TimeoutError("timed out"))
        held = _scrape(crawler, spider, sched, failure, attachment.errback(failure))
        assert held == [True, True], held
        Offload.of(crawler).flush()
        assert sched.server.hlen(JobKeys("job").inflight("w1")) == 0
        assert attachment.errback == spider.attachment_failed  # put back: the request may travel again


def test_a_worker_taken_for_dead_after_a_stall_rejoins_and_its_real_death_still_returns_its_work():
    """A reactor that stalls past the heartbeat TTL (a loaded machine) gets its worker taken for dead
    though it lives: its requests go back (fetched twice, never lost), and its next beat puts it back
    in the job, so that when it really dies later, what it holds then goes back too."""
    from crawler.distributed.idle import DistributedJob

    ttl = {"GONGKAI_DISTRIBUTED_HEARTBEAT_TTL": 0.2}
    with LocalRedis() as server:
        crawler1, _, sched1 = _worker_parts(server.url, "job", "w1")
        crawler2, spider, sched2 = _worker_parts(server.url, "job", "w2")
        for crawler in (crawler1, crawler2):
            crawler.settings.frozen = False
            crawler.settings.setdict(ttl, priority="cmdline")
            crawler.stats = type("Stats", (), {"inc_value": lambda self, *a, **k: None})()
        w1, w2 = DistributedJob(crawler1), DistributedJob(crawler2)
        for n in range(2):
            sched1.enqueue_request(Request(f"http://cgjd.hyq.gov.cn/art/{n}.html", callback=spider.parse))
        w1.heartbeat()
        w2.heartbeat()
        first = sched2.next_request()
        time.sleep(0.3)  # w2 stalls: its beat expires
        assert w1.requeue_dead() == {"w2": 1}
        w2.heartbeat()  # it was alive after all
        held = {sched2.next_request().url, sched2.next_request().url}
        assert first.url in held and len(sched2) == 0
        w1.heartbeat()
        time.sleep(0.3)  # now w2 is killed
        assert w1.requeue_dead() == {"w2": 2}
        assert {sched1.next_request().url for _ in range(2)} == held


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
    deadline = time.monotonic() + 180  # a loaded CI box starts two workers slowly
    while victim is None and time.monotonic() < deadline:
        time.sleep(0.1)
        # Mid-crawl, and w2 is working: it has archived a response (a kill during its start-up
        # would leave it nothing in flight to lose).
        if len(fixture_web.requests()) - before < 25 or not any((out / "workers" / "w2" / "warc").glob("*.warc*")):
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
    # The kill came while w2 held work, and the survivor put it back in the queue.
    assert re.search(r"Worker w2 stopped beating: [1-9]\d* of its requests went back to the queue", stderr), stderr[-3000:]
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


@pytest.fixture(scope="module")
def two_worker_recrawl(tmp_path_factory) -> dict:
    """Two `--workers 2` crawls into one job directory, the web changed between them as in
    tests/test_recrawl.py (one report changed, one clocked, one 404, one unlinked, 304s on one host)."""
    from tests.archive_helpers import run_crawl as crawl_ok
    from tests.test_recrawl import recrawl_scenario

    job = recrawl_scenario(tmp_path_factory.mktemp("dist-recrawl") / "job",
                           lambda web, out: crawl_ok(web, out, "--workers", "2", timeout=300))
    return {**job, "stdout": job["second"].stdout}


def test_a_two_worker_recrawl_revisits_and_logs_changes_as_one_process_does(two_worker_recrawl):
    """Whichever worker fetched a URL the first time, the second crawl asks it conditionally, writes
    a revisit for an unchanged payload, and the job's one change log and state say what changed."""
    import sqlite3

    from tests.archive_helpers import changes_files, read_jsonl
    from tests.fixtureweb.expected import EXPECTED_REPORTS

    job, out = two_worker_recrawl, two_worker_recrawl["out"]
    db = sqlite3.connect(out / "state.sqlite")
    db.row_factory = sqlite3.Row
    crawls = [r["crawl_id"] for r in db.execute("SELECT crawl_id, finished_at FROM crawls ORDER BY crawl_id")
              if r["finished_at"]]
    assert len(crawls) == 2, [dict(r) for r in db.execute("SELECT * FROM crawls")]
    first, second = crawls
    mutated = (job["changed"], job["clocked"], job["removed"])
    rows = [r for r in db.execute(
        "SELECT url, kind, status, payload_digest FROM captures WHERE crawl_id = ? AND url IN "
        "(SELECT url FROM captures WHERE crawl_id = ?)", (second, first)) if r["url"] not in mutated
        and not 300 <= r["status"] < 400]
    before = {(r["url"], r["status"]): r["payload_digest"] for r in db.execute(
        "SELECT url, status, payload_digest FROM captures WHERE crawl_id = ?", (first,))}
    missed = [r["url"] for r in rows if r["kind"] == "response" and before.get((r["url"], r["status"])) == r["payload_digest"]]
    assert rows and not missed, missed  # a byte-identical payload written in full: a missed revisit
    assert sum(r["kind"] in ("revisit", "not-modified") for r in rows) >= 0.9 * len(rows)
    assert job["not_modified"] > 0  # conditional requests were sent, and answered 304
    # Both workers fetched in the second crawl: so each revisited some of what the other had fetched.
    assert {r["warc_file"].split("-")[1] for r in db.execute(
        "SELECT warc_file FROM captures WHERE crawl_id = ? AND kind != 'response'", (second,))} == {"w1", "w2"}

    files = changes_files(out)
    assert [f.stem for f in files] == [first, second]
    entries = read_jsonl(files[1])
    log = {e["url"]: e for e in entries}
    assert len(log) == len(entries)  # one line per report
    assert log[job["changed"]]["change"] == "changed"
    assert log[job["clocked"]]["change"] == "unchanged"
    assert (log[job["removed"]]["change"], log[job["removed"]]["reason"]) == ("removed", "http_404")
    assert (log[job["unlinked"]]["change"], log[job["unlinked"]]["reason"]) == ("removed", "not_linked")
    for url in {r["url"] for r in EXPECTED_REPORTS} - {job["changed"], job["removed"], job["unlinked"]}:
        assert log[url]["change"] == "unchanged", (url, log[url])
    # The corpus: the first crawl's lines, then one line for the one changed report.
    lines = read_jsonl(out / "reports.jsonl")
    assert [r["url"] for r in lines[len(job["first"]):]] == [job["changed"]]
    assert lines[-1]["text"] != job["first"][job["changed"]]["text"]
    views = [r["views"] for r in db.execute("SELECT views FROM views WHERE url = ? ORDER BY rowid", (job["clocked"],))]
    assert len(views) == 2 and views[0] != views[1]

