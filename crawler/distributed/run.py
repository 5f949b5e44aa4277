"""Entry points of a distributed crawl: the coordinator (`gongkai crawl --workers N`) and a worker
(`gongkai worker --redis URL --out DIR`). crawler/cli.py parses the arguments and calls these."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from crawler.distributed.merge import WORKERS_DIR, merge_job, write_worker_file
from crawler.distributed.redis_server import LocalRedis, RedisUnavailable, die_with_parent
from crawler.distributed.scheduler import JobKeys
from crawler.distributed.state_merge import seed_workers

logger = logging.getLogger(__name__)

# The Scrapy components a worker runs on top of the normal crawl (crawler/settings.py).
WORKER_SETTINGS = {
    "SCHEDULER": "crawler.distributed.scheduler.JobScheduler",
    # The job's frontier is the Redis queue and the workers' in-flight hashes: a worker's own journal
    # (archive/frontier.py) would hold as pending every request another worker took.
    "GONGKAI_FRONTIER_JOURNAL": False,
    # N workers drawing N progress lines on one terminal garble it; a per-worker report.html would
    # describe a slice of the job (and costs seconds of CPU each).
    "GONGKAI_PROGRESS": False,
    "GONGKAI_REPORT_HTML": False,
}
WORKER_DOWNLOADER_MIDDLEWARES = {
    # Innermost: a lease is taken last and given back first, before retries decide anything.
    "crawler.distributed.politeness.SharedHostLeases": 990,
    # Outermost for exceptions: sees only failures no middleware retried.
    "crawler.distributed.ack.InflightAckDownloaderMiddleware": 1,
}
WORKER_SPIDER_MIDDLEWARES = {"crawler.distributed.ack.InflightAckSpiderMiddleware": 1}
WORKER_EXTENSIONS = {"crawler.distributed.idle.DistributedJob": 700}


def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def register_job(redis_url: str, urls: list[str]) -> str:
    job = uuid.uuid4().hex[:12]
    server = _redis(redis_url)
    keys = JobKeys(job)
    server.rpush(keys.start_urls, *urls)
    server.sadd("gongkai:jobs", job)
    return job


def find_job(redis_url: str, job: str | None) -> tuple[str, list[str]]:
    server = _redis(redis_url)
    jobs = sorted(j.decode() for j in server.smembers("gongkai:jobs"))
    if job is None:
        if len(jobs) != 1:
            raise SystemExit(f"gongkai worker: {len(jobs)} jobs on this Redis ({', '.join(jobs) or 'none'}); "
                             "name one with --job")
        job = jobs[0]
    urls = [u.decode() for u in server.lrange(JobKeys(job).start_urls, 0, -1)]
    if not urls:
        raise SystemExit(f"gongkai worker: no job {job} on this Redis")
    return job, urls


def clear_job(redis_url: str, job: str) -> None:
    server = _redis(redis_url)
    for key in server.scan_iter(match=JobKeys(job).all_keys_pattern(), count=1000):
        server.delete(key)
    server.srem("gongkai:jobs", job)


def run_worker(redis_url: str, out: Path, *, job: str | None, name: str | None, overrides: list[str],
               log_level: str = "INFO") -> int:
    """One worker: the normal `reports` crawl with the shared scheduler, into DIR/workers/<name>/."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    job, urls = find_job(redis_url, job)
    name = name or f"{socket.gethostname()}-{os.getpid()}"
    worker_out = out / WORKERS_DIR / name
    # The job's state, corpus and WARCs so far, from DIR (on another machine: a copy of the job
    # directory, or nothing): this crawl then asks conditionally and writes revisits.
    seed_workers(out, [worker_out])
    write_worker_file(worker_out, job, name)
    settings = get_project_settings()
    for key, value in WORKER_SETTINGS.items():
        settings.set(key, value, priority="cmdline")
    for setting, extra in (("DOWNLOADER_MIDDLEWARES", WORKER_DOWNLOADER_MIDDLEWARES),
                           ("SPIDER_MIDDLEWARES", WORKER_SPIDER_MIDDLEWARES), ("EXTENSIONS", WORKER_EXTENSIONS)):
        settings.set(setting, {**settings.getdict(setting), **extra}, priority="cmdline")
    settings.set("REDIS_URL", redis_url, priority="cmdline")
    settings.set("GONGKAI_JOB_ID", job, priority="cmdline")
    settings.set("GONGKAI_WORKER_NAME", name, priority="cmdline")
    settings.set("GONGKAI_OUT_DIR", str(worker_out), priority="cmdline")
    settings.set("GONGKAI_WARC_PREFIX", f"{settings.get('GONGKAI_WARC_PREFIX')}-{name}", priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    for pair in overrides:
        key, _, value = pair.partition("=")
        settings.set(key, value, priority="cmdline")
    # An idle worker must notice within a poll what the others queued, not after Scrapy's 5 s heartbeat.
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = settings.getfloat("GONGKAI_DISTRIBUTED_POLL")
    process = CrawlerProcess(settings)
    holder = process.create_crawler("reports")
    process.crawl(holder, start_urls=",".join(urls))
    process.start()
    reason = holder.stats.get_value("finish_reason")
    print(f"gongkai worker {name}: job {job} {reason}; output in {worker_out}/")
    return 0 if reason == "finished" else 1


def run_crawl(urls: list[str], out: Path, workers: int, *, overrides: list[str], log_level: str = "INFO",
              redis_url: str | None = None) -> int:
    """A local Redis, `workers` worker processes, then one merged job directory."""
    local = None
    if redis_url is None:
        try:
            local = LocalRedis().start()
        except RedisUnavailable as exc:
            print(f"gongkai: {exc}", file=sys.stderr)
            return 2
        redis_url = local.url
        print(f"gongkai: redis-server pid {local.pid} on {redis_url} (stopped when the crawl ends)", file=sys.stderr)
    else:
        try:
            _redis(redis_url).ping()
        except Exception as exc:
            print(f"gongkai: cannot reach the Redis at {_without_password(redis_url)}: {exc}", file=sys.stderr)
            return 2
    procs: list[subprocess.Popen] = []
    job = None

    def stop(signum, frame) -> None:  # pass the signal on: workers shut down cleanly
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        out.mkdir(parents=True, exist_ok=True)
        job = register_job(redis_url, urls)
        if local is None:  # a Redis other machines can reach: say how they join (never its password)
            shown = _without_password(redis_url)
            print(f"gongkai: run {job} on {shown}; another machine joins it with "
                  f"`gongkai worker --redis {shown} --job {job} --out DIR`, then `gongkai merge {out} DIR`",
                  file=sys.stderr)
        names = [f"w{n}" for n in range(1, workers + 1)]
        per_worker = max(1, (len(os.sched_getaffinity(0)) + workers - 1) // workers)
        base = [sys.executable, "-m", "crawler.cli", "worker", "--redis", redis_url, "--out", str(out),
                "--job", job, "--log-level", log_level, "--set", f"GONGKAI_EXTRACT_WORKERS={per_worker}"]
        for name in names:
            cmd = base + ["--name", name] + [arg for pair in overrides for arg in ("--set", pair)]
            procs.append(subprocess.Popen(cmd, preexec_fn=die_with_parent))
        codes = [proc.wait() for proc in procs]
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if job is not None:
            try:
                clear_job(redis_url, job)
            except Exception as exc:  # the Redis went away: nothing left to clear
                logger.warning("Could not clear job %s: %s", job, exc)
        if local is not None:
            local.stop()
    merged = merge_job(out, job)
    print(f"gongkai: {workers} workers ({', '.join(f'w{n}: exit {c}' for n, c in enumerate(codes, 1))}); run {job}")
    ok = print_merged(out, merged)
    return 0 if all(c == 0 for c in codes) and ok else 1


def print_merged(out: Path, merged: dict) -> bool:
    """What a merge made, for the user; False if a WARC was damaged."""
    print(f"gongkai: merged {len(merged['workers'])} worker directories ({', '.join(merged['workers'])}): "
          f"{merged['reports']} reports, {merged['warcs']} WARC files, {merged['index_lines']} index lines; "
          f"output in {out}/ (reports.jsonl, warc/, index.cdxj, workers/)")
    if merged["state"]:
        changes = ", ".join(f"{n} {kind}" for kind, n in sorted(merged["state"]["changes"].items())) or "none"
        print(f"gongkai: crawl {merged['state']['crawl_id']} of the job: changes: {changes} "
              f"(state.sqlite, changes/{merged['state']['crawl_id']}.jsonl)")
    for d in merged["damage"]:
        print(f"gongkai: damaged WARC {d.warc_file} at offset {d.offset}: {d.reason}", file=sys.stderr)
    return not merged["damage"]
