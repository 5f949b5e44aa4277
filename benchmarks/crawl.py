"""Crawl throughput: gongkai against bare Scrapy on the same URLs, at 0 and 50 ms server wait.

Run: .venv/bin/python -m benchmarks.crawl [--portals 60] [--rounds N] [--waits 0,0.05] [--inprocess]
     [--set NAME=VALUE ...]

The web is the generated fixture web (tests/fixtureweb/generated), --portals portals from seed
--first-seed on; --portals 0 is the hand-written fixture web. For each server wait, one round is:
a gongkai crawl of that web (through a proxy that holds
every response `wait` seconds: benchmarks/latency_proxy.py), then bare Scrapy
(benchmarks/baseline_spider.py) fetching exactly the URLs gongkai fetched, through the same proxy.
With --inprocess, also gongkai with GONGKAI_EXTRACT_WORKERS=0 (extraction on the reactor thread,
as before the worker pool), so the pool's effect is a ratio in the same run. Rounds alternate the
systems, so machine noise (2 shared cores) lands on all of them; the ratio is of sums over rounds.

pages/s is requests served (the fixture web's log) over the crawl's span: first to last request,
so interpreter start-up and shutdown are not counted for either. Nor is gongkai's extraction of
pages still waiting when the last request is served (its workers run niced, GONGKAI_EXTRACT_NICE,
and lag on a short-cored box): that time is in the wall column, which is whole process to exit. CPU is user+sys of the crawl
process and its children (extraction workers included: they are joined), from wait4; for gongkai
it is also split into the crawl process's own CPU (the reactor: fetching, WARC writing, the
spider) and its children's (extraction workers, chromium and its driver), read by the process itself
at exit (CRAWL_PROCESS below), so the share that bounds pages/s is a figure of its own.

With --workers-ratio, also at the last server wait: `gongkai crawl --workers 2` (a private
redis-server, two worker processes, merged at the end) against the single-process crawl, rounds
alternated; the span is again first to last request served, so Redis start-up and the merge are
not counted.

Then CPU per report page: build_report against trafilatura.extract on the report pages of the
crawl's own WARCs, alternated in this process, best of 3.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.extraction_cpu import per_page_ms  # noqa: E402
from benchmarks.latency_proxy import LatencyProxy  # noqa: E402
from tests.conftest import FAST, proxy_env  # noqa: E402
from tests.fixtureweb import FixtureWeb  # noqa: E402

SCRAPY = str(ROOT / ".venv" / "bin" / "scrapy")
START_URLS: list[str] = []  # of the web being measured
# --set NAME=VALUE of the command line, for every gongkai crawl (the baseline fetches its URLs).
GONGKAI_SETS: list[str] = []
# `gongkai crawl …` run as `python -c CRAWL_PROCESS FILE crawl …`: the same command, which writes
# its own CPU and its children's (RUSAGE_SELF / RUSAGE_CHILDREN) to FILE as it exits.
CRAWL_PROCESS = """import json, resource, sys
from crawler.cli import main
code = main(sys.argv[2:])
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"self": me.ru_utime + me.ru_stime, "children": kids.ru_utime + kids.ru_stime}, fh)
sys.exit(code)
"""


def measure(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> dict:
    """Run a command; CPU (its own and its waited-for children's) and peak RSS from wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({code}):\n{stderr[-3000:]}")
    return {"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
            "maxrss_mb": usage.ru_maxrss / 1024}


def served(web: FixtureWeb, before: int) -> tuple[list, float]:
    """Requests the web served since `before`, and the span from the first to the last."""
    reqs = web.requests()[before:]
    span = (reqs[-1].time - reqs[0].time) if len(reqs) > 1 else 0.0
    return reqs, max(span, 1e-3)


def run_gongkai(web: FixtureWeb, env: dict, out: Path, *extra: str) -> tuple[dict, list[str]]:
    web.reset()
    before = len(web.requests())
    split = out.with_name(out.name + "-cpu.json")
    sets = [arg for pair in GONGKAI_SETS for arg in ("--set", pair)]
    row = measure([sys.executable, "-c", CRAWL_PROCESS, str(split), "crawl", *START_URLS, "--out", str(out),
                   *FAST, *sets, "-q", *extra], env)
    reqs, span = served(web, before)
    row.update(pages=len(reqs), span=span, **{f"cpu_{k}": v for k, v in json.loads(split.read_text()).items()})
    urls = [r.url for r in reqs if r.method == "GET" and not r.url.endswith("/robots.txt")]
    return row, urls


def baseline_overrides() -> list[str]:
    """FAST's politeness overrides (the start delay), given to the baseline as to gongkai."""
    from benchmarks.baseline_spider import POLITENESS

    pairs = [FAST[i + 1] for i in range(0, len(FAST), 2) if FAST[i] == "--set"]
    return [arg for pair in pairs if pair.partition("=")[0] in POLITENESS for arg in ("-s", pair)]


def run_baseline(web: FixtureWeb, env: dict, urls_file: Path) -> dict:
    web.reset()
    before = len(web.requests())
    # Outside the project directory: inside it, `scrapy runspider` finds scrapy.cfg and loads
    # gongkai's settings (WARC capture, frontier journal, …), and the baseline is no longer bare.
    bare_env = {k: v for k, v in env.items() if k != "SCRAPY_SETTINGS_MODULE"}
    row = measure([SCRAPY, "runspider", str(ROOT / "benchmarks" / "baseline_spider.py"),
                   "-a", f"urls_file={urls_file}", *baseline_overrides()], bare_env, cwd=urls_file.parent)
    reqs, span = served(web, before)
    row.update(pages=len(reqs), span=span)
    return row


def crawl_rounds(web: FixtureWeb, work: Path, wait: float, rounds: int, inprocess: bool) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {"bare scrapy": [], "gongkai": []}  # the first is the baseline
    if inprocess:
        rows["gongkai, extraction in-process"] = []
    with LatencyProxy(web.proxy_url, wait) as proxy:
        env = proxy_env(web)
        env["http_proxy"] = env["HTTP_PROXY"] = proxy.proxy_url
        for n in range(rounds):
            tag = f"w{int(wait * 1000)}r{n}"
            g, urls = run_gongkai(web, env, work / f"{tag}-gongkai")
            rows["gongkai"].append(g)
            urls_file = work / f"{tag}-urls.txt"
            urls_file.write_text("\n".join(urls), encoding="utf-8")
            rows["bare scrapy"].append(run_baseline(web, env, urls_file))
            if inprocess:
                g0, _ = run_gongkai(web, env, work / f"{tag}-inproc", "--set", "GONGKAI_EXTRACT_WORKERS=0")
                rows["gongkai, extraction in-process"].append(g0)
    return rows


def workers_rounds(web: FixtureWeb, work: Path, wait: float, rounds: int) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {"gongkai, 1 process": [], "gongkai --workers 2": []}
    with LatencyProxy(web.proxy_url, wait) as proxy:
        env = proxy_env(web)
        env["http_proxy"] = env["HTTP_PROXY"] = proxy.proxy_url
        for n in range(rounds):
            tag = f"workers-w{int(wait * 1000)}r{n}"
            rows["gongkai, 1 process"].append(run_gongkai(web, env, work / f"{tag}-one")[0])
            rows["gongkai --workers 2"].append(run_gongkai(web, env, work / f"{tag}-two", "--workers", "2")[0])
    return rows


def pages_per_s(rows: list[dict]) -> float:
    return sum(r["pages"] for r in rows) / sum(r["span"] for r in rows)


def print_crawl_table(wait: float, rows: dict[str, list[dict]]) -> None:
    print(f"\n-- server wait {wait * 1000:.0f} ms --")
    print("run | pages | span s | wall s | pages/s | CPU s | CPU ms/page | of which crawl process / children "
          "ms/page | peak RSS MB (main process)")
    for name, runs in rows.items():
        for r in runs:
            per_page = 1000 / max(r["pages"], 1)
            split = (f"{r['cpu_self'] * per_page:.1f} / {r['cpu_children'] * per_page:.1f}"
                     if "cpu_self" in r else "-")
            print(f"{name} | {r['pages']} | {r['span']:.2f} | {r['wall']:.2f} | {r['pages'] / r['span']:.1f} | "
                  f"{r['cpu']:.2f} | {r['cpu'] * per_page:.1f} | {split} | {r['maxrss_mb']:.0f}")
    first = next(iter(rows))
    base = pages_per_s(rows[first])
    for name, runs in rows.items():
        if name != first:
            print(f"{name} / {first}, pages/s: x{pages_per_s(runs) / base:.2f}")


def report_pages(warc_dir: Path) -> list:
    """HTML pages of a crawl's WARCs that build_report turns into a report."""
    from archive.reader import iter_response_pages
    from pipelines.report import build_report, is_html

    pages = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        for page in iter_response_pages(path):
            if page.status == 200 and is_html(page) and build_report(page) is not None:
                page.parsed = None
                pages.append(page)
    return pages


def cpu_per_report_page(pages: list, repeats: int = 3) -> dict[str, float]:
    """Median-free best-of-N CPU ms per page of each system, alternated in this process."""
    import copy

    import trafilatura

    from pipelines.report import build_report

    def gongkai(page) -> None:
        build_report(copy.copy(page))  # a fresh page: its one parse is part of the cost

    def bare_trafilatura(page) -> None:
        trafilatura.extract(page.body, url=page.url, include_tables=True)

    return per_page_ms({"gongkai build_report": gongkai, "trafilatura.extract": bare_trafilatura}, pages, repeats)


@contextlib.contextmanager
def serve(portals: int, first_seed: int):
    if not portals:
        with FixtureWeb() as web:
            START_URLS[:] = web.start_urls
            yield web
        return
    from tests.fixtureweb.generated import GeneratedWeb

    gen = GeneratedWeb(range(first_seed, first_seed + portals))
    START_URLS[:] = gen.start_urls
    with gen.serve() as web:
        yield web


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--waits", default="0,0.05", help="server waits in seconds, comma-separated")
    parser.add_argument("--inprocess", action="store_true", help="also run gongkai with extraction in-process")
    parser.add_argument("--portals", type=int, default=60, help="generated portals (0: the hand-written web)")
    parser.add_argument("--first-seed", type=int, default=2000)
    parser.add_argument("--workers-ratio", action="store_true", help="also --workers 2 against one process")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="gongkai crawl setting, e.g. GONGKAI_BROWSER_ENABLED=False (the static path alone)")
    args = parser.parse_args()
    GONGKAI_SETS[:] = args.set
    waits = [float(w) for w in args.waits.split(",") if w]
    print(f"cores: {len(os.sched_getaffinity(0))}, load average at start: {os.getloadavg()[0]:.1f} "
          "(shared machine: compare the ratios, which are taken side by side)")
    with serve(args.portals, args.first_seed) as web, tempfile.TemporaryDirectory() as tmp:
        print(f"web: {args.portals or 'hand-written'} portals, {len(START_URLS)} start URLs")
        work = Path(tmp)
        first_job = None
        for wait in waits:
            rows = crawl_rounds(web, work, wait, args.rounds, args.inprocess)
            print_crawl_table(wait, rows)
            first_job = first_job or work / f"w{int(wait * 1000)}r0-gongkai"
        if args.workers_ratio:
            print_crawl_table(waits[-1], workers_rounds(web, work, waits[-1], args.rounds))
        pages = report_pages(first_job / "warc")
        costs = cpu_per_report_page(pages)
        print(f"\n-- CPU per report page ({len(pages)} report pages of the crawl's WARCs, best of 3) --")
        for name, ms in costs.items():
            print(f"{name}: {ms:.1f} ms")
        print(f"gongkai / trafilatura: x{costs['gongkai build_report'] / costs['trafilatura.extract']:.2f}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
