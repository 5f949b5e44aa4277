"""Memory at scale: peak RSS of a gongkai crawl against its frontier size, on N generated portals.

Run: .venv/bin/python -m benchmarks.scale [--portals 1000] [--first-seed 5000] [--jobdir] [--max-minutes 30]

The generated fixture web (tests/fixtureweb/generated) renders lazily, so 1,000 portals
(≈ 100 k URLs) cost the server little until crawled. The crawl runs in a child process (the
`reports` spider with crawler/settings.py, exactly as `gongkai crawl` runs it) with one extra
extension, FrontierProbe, which writes once a second: requests queued in the scheduler, requests
in the downloader, pages fetched. The parent samples the RSS of the crawl's whole process family
(the crawl, its extraction workers, their converters, chromium and its driver) from /proc at the
same rate, and prints RSS against frontier size; peak RSS is the figure to hold under 500 MB. The
fixture web is served from this (parent) process and is not counted.

Each sample also splits the family by process kind (benchmarks/family_rss.py's `family`: the crawl
process, extraction workers, chromium, playwright's node driver, attachment converters,
LibreOffice) and sums PSS beside RSS: RSS counts a page shared by N processes N times (chromium's
processes share most of theirs), PSS divides it among them. The table shows both, and the peak is
broken down by kind, so what grows is named.

--jobdir gives the crawl a JOBDIR, so Scrapy keeps its queue on disk (pickled requests) instead
of in memory: the frontier then costs disk, not RSS. --max-minutes stops the crawl (SIGINT, a
clean shutdown) and reports what size it reached.

Reports are scored against the web's expected reports by URL (benchmarks/discovery.py's norm_url),
not counted as lines: the expected reports the crawl did not emit are listed with their portal seed,
sub-site, list and mechanism, so a recall loss at scale names its pages. --keep DIR keeps the crawl's
output (reports.jsonl, WARC, JOBDIR), its stderr and every request the fixture web served
(served.jsonl: method, url, status, time) for diagnosis; --json PATH writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class FrontierProbe:
    """Extension (child side): one JSON line a second to GONGKAI_PROBE_FILE."""

    def __init__(self, crawler) -> None:
        from twisted.internet import task

        self.crawler = crawler
        self.path = crawler.settings.get("GONGKAI_PROBE_FILE")
        self.pages = 0
        self._loop = task.LoopingCall(self.sample)
        from scrapy import signals

        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler) -> FrontierProbe:
        return cls(crawler)

    def response(self, **kwargs) -> None:
        self.pages += 1

    def opened(self, spider=None) -> None:
        self._loop.start(1.0)

    def closed(self, spider=None, reason: str = "") -> None:
        if self._loop.running:
            self._loop.stop()
        self.sample()

    def sample(self) -> None:
        engine = self.crawler.engine
        scheduler = engine.scheduler  # public property since Scrapy 2.13
        queued = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"t": time.time(), "queued": queued, "active": len(engine.downloader.active),
                                 "pages": self.pages}) + "\n")


def child(out: str, probe: str, urls_file: str, jobdir: bool, log_level: str = "WARNING") -> int:
    """The crawl, as `gongkai crawl` runs it, plus the probe."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    import crawler  # noqa: F401  (tldextract offline guard)

    settings = get_project_settings()
    settings.set("GONGKAI_OUT_DIR", out, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    settings.set("GONGKAI_PROGRESS", False, priority="cmdline")
    settings.set("AUTOTHROTTLE_START_DELAY", 0.05, priority="cmdline")
    settings.set("GONGKAI_PROBE_FILE", probe, priority="cmdline")
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "benchmarks.scale.FrontierProbe": 990},
                 priority="cmdline")
    if jobdir:
        settings.set("JOBDIR", str(Path(out) / "jobdir"), priority="cmdline")
    urls = Path(urls_file).read_text(encoding="utf-8").split()
    process = CrawlerProcess(settings)
    holder = process.create_crawler("reports")
    process.crawl(holder, start_urls=",".join(urls))
    process.start()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=5000)
    parser.add_argument("--jobdir", action="store_true", help="disk-backed scheduler queue (Scrapy JOBDIR)")
    parser.add_argument("--max-minutes", type=float, default=30.0)
    parser.add_argument("--keep", metavar="DIR", help="keep the crawl's output, stderr and served requests in DIR")
    parser.add_argument("--json", metavar="PATH", help="write the figures (and the missed reports) as JSON")
    parser.add_argument("--log-level", default="WARNING", help="the crawl's LOG_LEVEL (its stderr goes to --keep)")
    parser.add_argument("--child", nargs=3, metavar=("OUT", "PROBE", "URLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child, jobdir=args.jobdir, log_level=args.log_level)

    from benchmarks.discovery import norm_url
    from benchmarks.family_rss import family  # one /proc walk (RSS, PSS, kind) for every benchmark
    from tests.conftest import proxy_env
    from tests.fixtureweb.generated import GeneratedWeb

    gen = GeneratedWeb(range(args.first_seed, args.first_seed + args.portals))
    with gen.serve() as web, contextlib.ExitStack() as stack:
        if args.keep:
            work = Path(args.keep)
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (work / "urls.txt").write_text("\n".join(gen.start_urls), encoding="utf-8")
        probe = work / "probe.jsonl"
        cmd = [sys.executable, "-m", "benchmarks.scale", "--child", str(work / "job"), str(probe),
               str(work / "urls.txt"), "--log-level", args.log_level] + (["--jobdir"] if args.jobdir else [])
        start = time.time()
        proc = subprocess.Popen(cmd, env=proxy_env(web), cwd=ROOT, stderr=subprocess.PIPE, text=True)
        samples: list[tuple[float, int, int, int, dict[str, int]]] = []  # (t, RSS, PSS, crawl RSS, RSS by kind)
        stderr: list[str] = []
        log = stack.enter_context(open(work / "stderr.log", "w", encoding="utf-8")) if args.keep else None
        reader = threading.Thread(target=_read_stderr, args=(proc.stderr, stderr, log), daemon=True)
        reader.start()
        stopped = False
        while proc.poll() is None:
            samples.append(sample(proc.pid, family))
            if not stopped and time.time() - start > args.max_minutes * 60:
                proc.send_signal(signal.SIGINT)  # Scrapy's clean shutdown
                stopped = True
            time.sleep(1.0)
        wall = time.time() - start
        reader.join(5)
        points = [json.loads(line) for line in probe.read_text().splitlines()] if probe.exists() else []
        served_log = web.requests()
        served = len(served_log)
        if args.keep:
            with open(work / "served.jsonl", "w", encoding="utf-8") as fh:
                for r in served_log:
                    fh.write(json.dumps({"method": r.method, "url": r.url, "status": r.status, "t": r.time}) + "\n")
        del served_log
        lines, emitted = emitted_urls(work / "job" / "reports.jsonl")
    expected = gen.expected_reports()
    missed = [r for r in expected if norm_url(r["url"]) not in emitted]
    found = len(expected) - len(missed)
    print(f"portals: {args.portals} (seeds {args.first_seed}…), queue: {'disk (JOBDIR)' if args.jobdir else 'memory'}, "
          f"cores: {len(os.sched_getaffinity(0))}, load at end: {os.getloadavg()[0]:.1f}")
    print(f"{'stopped after --max-minutes' if stopped else 'finished'} in {wall:.0f} s (exit {proc.returncode}); "
          f"{served} requests served, {lines} report lines; expected reports found: {found} of {len(expected)}")
    kinds = sorted({k for s in samples for k in s[4]} - {"crawl process"})
    print("t s | pages | frontier (queued) | in downloader | RSS family MB | PSS family MB | crawl process MB | "
          + " | ".join(f"{k} MB" for k in kinds))
    step = max(1, len(points) // 20)
    for point in points[::step] + points[-1:]:
        t = point["t"]
        near = min(samples, key=lambda s: abs(s[0] - t)) if samples else (t, 0, 0, 0, {})
        print(f"{t - start:.0f} | {point['pages']} | {point['queued']} | {point['active']} | "
              f"{near[1] / 2**20:.0f} | {near[2] / 2**20:.0f} | {near[3] / 2**20:.0f} | "
              + " | ".join(f"{near[4].get(k, 0) / 2**20:.0f}" for k in kinds))
    peak = max(samples, key=lambda s: s[1]) if samples else (0, 0, 0, 0, {})
    peak_family, peak_pss = peak[1] / 2**20, max((s[2] for s in samples), default=0) / 2**20
    peak_main = max((s[3] for s in samples), default=0) / 2**20
    peak_frontier = max((p["queued"] for p in points), default=0)
    print(f"peak RSS: family {peak_family:.0f} MB (PSS peak {peak_pss:.0f} MB), crawl process {peak_main:.0f} MB; "
          f"peak frontier {peak_frontier} requests; budget 500 MB: {'within' if peak_family <= 500 else 'OVER'}")
    print("at the family's RSS peak: " + " + ".join(
        f"{k} {v / 2**20:.0f} MB" for k, v in sorted(peak[4].items(), key=lambda kv: -kv[1])))
    kind_peaks = {k: max(s[4].get(k, 0) for s in samples) for k in {k for s in samples for k in s[4]}}
    print("each kind's own peak: " + ", ".join(
        f"{k} {v / 2**20:.0f} MB" for k, v in sorted(kind_peaks.items(), key=lambda kv: -kv[1])))
    if missed:
        print(f"missed reports ({len(missed)}): url | seed | site | list | attachment | direct file | mechanism")
        for r in missed:
            print(f"  {r['url']} | {r['seed']} | {r['site']} | {r['list']} | {r['attachment']} | {r['direct_file']} | "
                  + ",".join(f"{k}={v}" for k, v in r["mechanism"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "portals": args.portals, "first_seed": args.first_seed, "jobdir": args.jobdir, "stopped": stopped,
            "wall_s": round(wall), "exit": proc.returncode, "requests_served": served, "report_lines": lines,
            "expected": len(expected), "found": found,
            "peak_family_rss_mb": round(peak_family), "peak_family_at_s": round(peak[0] - start) if samples else None,
            "peak_family_pss_mb": round(peak_pss), "peak_crawl_rss_mb": round(peak_main),
            "peak_frontier": peak_frontier, "kind_peaks_mb": {k: round(v / 2**20) for k, v in kind_peaks.items()},
            "at_peak_mb": {k: round(v / 2**20) for k, v in peak[4].items()},
            "series": [{"t": round(p["t"] - start), "pages": p["pages"], "queued": p["queued"], "active": p["active"],
                        **_near(samples, p["t"])} for p in points[::max(1, len(points) // 200)]],
            "missed": [{k: r[k] for k in ("url", "seed", "site", "list", "attachment", "direct_file", "mechanism")}
                       for r in missed],
        }, ensure_ascii=False, indent=1), encoding="utf-8")
    if proc.returncode not in (0, None) and not stopped:
        print("".join(stderr[-30:]), file=sys.stderr)
    return 0


def _read_stderr(stream, tail: list[str], log) -> None:
    """The crawl's stderr: the last lines kept for an error, all of it to --keep's stderr.log."""
    for line in stream:
        tail.append(line)
        del tail[:-200]
        if log is not None:
            log.write(line)


def emitted_urls(path: Path) -> tuple[int, set[str]]:
    """(lines, normalised URLs) of a reports.jsonl, read a line at a time (lines carry whole texts)."""
    from benchmarks.discovery import norm_url

    lines, urls = 0, set()
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    lines += 1
                    urls.add(norm_url(json.loads(line).get("url", "")))
    return lines, urls


def _near(samples: list, t: float) -> dict[str, int]:
    """The RSS sample nearest time ``t`` (MB)."""
    if not samples:
        return {}
    s = min(samples, key=lambda s: abs(s[0] - t))
    return {"rss_family_mb": round(s[1] / 2**20), "pss_family_mb": round(s[2] / 2**20), "rss_crawl_mb": round(s[3] / 2**20)}


def sample(root: int, family) -> tuple[float, int, int, int, dict[str, int]]:
    """(time, family RSS, family PSS, crawl process RSS, RSS by process kind) of the crawl `root`."""
    members = family(root)
    by_kind: dict[str, int] = {}
    main_rss = 0
    for member in members:
        pid, rss, kind = member[0], member[1], member[3]  # (pid, rss, pss, kind, …)
        kind = "crawl process" if pid == root else kind
        main_rss = rss if pid == root else main_rss
        by_kind[kind] = by_kind.get(kind, 0) + rss
    return (time.time(), sum(m[1] for m in members), sum(m[2] for m in members), main_rss, by_kind)


if __name__ == "__main__":
    sys.exit(main())
