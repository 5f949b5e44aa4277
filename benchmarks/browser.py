"""What the browser costs a crawl: memory of the process family, CPU, wall, and whether it left the scope.

Run: ``.venv/bin/python -m benchmarks.browser [--seeds 2,3,5,8 | 1000-1039] [--runs browser] [--json out.json]``

The same crawl of generated portals (tests/fixtureweb/generated/, seeds whose lists are browser-only
with pager clicks, and counters of every kind) twice, side by side:

- **browser**: the crawl as shipped (crawler/settings.py);
- **no browser** (baseline): the same crawl with GONGKAI_BROWSER_ENABLED=False; what it cannot reach
  (the browser-only lists) it does not find;

and both again with extraction in the crawl process (GONGKAI_EXTRACT_WORKERS=0), which separates the
extraction workers' memory from the browser's.

For each: pages fetched, renders, reports found against the portals' expected reports, wall seconds,
CPU seconds of the whole process tree (os.wait4: the crawler and every descendant it reaped: node
driver, chromium, extraction workers), **peak family RSS** (the sum of resident memory of the
crawler and all its descendants, sampled from /proc every 50 ms; shared pages are counted once per
process, as `ps` would) and peak family PSS (shared pages divided among their users: what the family
really holds), and requests the fixture web saw for hosts outside the portals' registered domains.
At the browser run's peak the family is broken down by process kind, and each kind's own peak (its
members summed, at any moment) is printed too: what a kind costs when it runs, whether or not it
coincided with the others; and how long LibreOffice and chromium were up at once (the two large
children, which the crawl keeps apart: pipelines/memory.py), with the family's peak while they were.

`--runs` picks some of the four runs (browser, nobrowser, browser-inline, nobrowser-inline); ratios
are printed for the pairs that ran.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.discovery import parse_seeds  # noqa: E402
from benchmarks.family_rss import MB, FamilySampler, summary_lines  # noqa: E402
from tests.fixtureweb.generated import GeneratedWeb  # noqa: E402


def run_crawl(gen: GeneratedWeb, browser: bool, extra: tuple[str, ...] = (), stderr_to: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp, gen.serve(keep_headers=False) as web:
        out = Path(tmp) / "job"
        env = dict(os.environ, http_proxy=web.proxy_url, HTTP_PROXY=web.proxy_url, no_proxy="", NO_PROXY="",
                   PYTHONPATH=str(ROOT))
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", *gen.start_urls, "--out", str(out),
               "--set", "AUTOTHROTTLE_ENABLED=False", "--set", f"GONGKAI_BROWSER_ENABLED={browser}",
               "--log-level", "WARNING", *extra]  # a later --log-level wins
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        sampler = FamilySampler(proc.pid).start()
        stderr = proc.stderr.read() if proc.stderr else b""
        if stderr_to is not None:
            stderr_to.write_bytes(stderr)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        wall = time.perf_counter() - t0
        stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8")) if (out / "crawl-stats.json").exists() else {}
        stats = stats.get("stats", stats)
        found = set()
        if (out / "reports.jsonl").exists():
            found = {json.loads(line)["url"] for line in (out / "reports.jsonl").open(encoding="utf-8")}
        outside = gen.out_of_scope(web.requests())
    expected = {r["url"] for r in gen.expected_reports()}
    return {"browser": browser, "exit": proc.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            **sampler.figures(),
            "browser_stats": {k.removeprefix("gongkai/browser/"): v for k, v in stats.items()
                              if k.startswith(("gongkai/browser/", "playwright/browser_count"))
                              and not isinstance(v, list | dict) and "/aborted/" not in k},
            "pages": int(stats.get("downloader/response_count") or 0),
            "renders": int(stats.get("gongkai/browser/rendered") or 0),
            "pager_clicks": int(stats.get("gongkai/browser/pager_clicks") or 0),
            "browser_requests": int(stats.get("gongkai/browser/fetched_by_scrapy") or 0),
            "browser_aborted": sum(int(v) for k, v in stats.items() if k.startswith("gongkai/browser/aborted/")),
            "recall": len(found & expected) / max(1, len(expected)), "expected": len(expected),
            "missing": sorted(expected - found), "settings": list(extra),
            "out_of_scope": [q.url for q in outside], "stderr_tail": stderr.decode("utf-8", "replace")[-2000:]}


RUNS = {"browser": (True, ()), "nobrowser": (False, ()),
        "browser-inline": (True, ("--set", "GONGKAI_EXTRACT_WORKERS=0")),
        "nobrowser-inline": (False, ("--set", "GONGKAI_EXTRACT_WORKERS=0"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="2,3,5,8", help="generated portals: 2,3,5,8 or 1000-1039")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"which runs, comma-separated ({', '.join(RUNS)})")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a crawl setting for every run (to measure a tunable), repeatable")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--log", type=Path, metavar="PREFIX",
                        help="keep each crawl's log (INFO) as PREFIX.RUN.log, to see what the browser and memory did")
    args = parser.parse_args()
    common = tuple(arg for pair in args.set for arg in ("--set", pair))
    names = [n.strip() for n in args.runs.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown or not names:
        parser.error(f"--runs: unknown {unknown}; choose from {', '.join(RUNS)}")
    gen = GeneratedWeb(parse_seeds(args.seeds))
    mechanisms = sorted({gen.plan(s).list_mechanism for s in gen.seeds})
    logging = ("--log-level", "INFO") if args.log else ()
    rows = {name: run_crawl(gen, browser=RUNS[name][0], extra=(*common, *RUNS[name][1], *logging),
                            stderr_to=Path(f"{args.log}.{name}.log") if args.log else None) for name in names}
    mb = MB
    first = next(iter(rows.values()))
    print(f"Generated portals {args.seeds} (list mechanisms: {', '.join(mechanisms)}), "
          f"{first['expected']} expected reports\n")
    print(f"{'':<18}{'pages':>7}{'renders':>9}{'clicks':>8}{'recall':>8}{'wall s':>8}{'CPU s':>7}"
          f"{'peak RSS MB':>13}{'peak PSS MB':>13}{'off-scope':>10}")
    for name, row in rows.items():
        print(f"{name:<18}{row['pages']:>7}{row['renders']:>9}"
              f"{row['pager_clicks']:>8}{row['recall']:>8.2f}{row['wall_s']:>8.1f}{row['cpu_s']:>7.1f}"
              f"{row['peak_rss'] / mb:>13.0f}{row['peak_pss'] / mb:>13.0f}{len(row['out_of_scope']):>10}")
    for on_name, off_name in (("browser", "nobrowser"), ("browser-inline", "nobrowser-inline")):
        if on_name in rows and off_name in rows:
            on, off = rows[on_name], rows[off_name]
            print(f"{'ratio ' + on_name:<18}{'':>7}{'':>9}{'':>8}{'':>8}"
                  f"{on['wall_s'] / max(off['wall_s'], 1e-9):>7.2f}×{on['cpu_s'] / max(off['cpu_s'], 1e-9):>6.2f}×"
                  f"{on['peak_rss'] / max(off['peak_rss'], 1):>12.2f}×{on['peak_pss'] / max(off['peak_pss'], 1):>12.2f}×")
    print("-inline: GONGKAI_EXTRACT_WORKERS=0, extraction in the crawl process, no worker processes")
    if common:
        print(f"every run with {' '.join(args.set)}")
    for name, row in rows.items():
        print(f"\n{name}: missing {row['missing']}; {row['browser_requests']} requests fetched by Scrapy for "
              f"chromium, {row['browser_aborted']} aborted (offsite, robots, skipped types)")
        for line in summary_lines(row):
            print(f"  {line}")
        print(f"  browser: {', '.join(f'{k} {v}' for k, v in sorted(row['browser_stats'].items()))}")
        if row["exit"] != 0:
            print(f"  crawl exited {row['exit']}:\n{row['stderr_tail']}")
        for url in row["out_of_scope"][:10]:
            print(f"  out of scope: {url}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
