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
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.discovery import parse_seeds  # noqa: E402
from pipelines import memory  # noqa: E402
from tests.fixtureweb.generated import GeneratedWeb  # noqa: E402

SAMPLE_SECONDS = 0.05
# Issue 9's bound on the family (crawler/settings.py's GONGKAI_FAMILY_RSS_BUDGET_MB): the time spent over
# it is printed with the kinds that were up then (each holding at least OVER_MEMBER bytes).
BUDGET = 600 * 2 ** 20
OVER_MEMBER = 10 * 2 ** 20


def _kind(cmdline: str) -> str:
    if (browser := memory.browser_kind(cmdline)) is not None:
        return browser
    if not cmdline.strip():
        return "no command line (starting or exiting)"
    if "crawler.cli" in cmdline:
        return "crawler"
    if "script_sandbox" in cmdline:  # the script sandbox's own child (an extraction pool of one)
        return "script sandbox"
    if "extract_pool" in cmdline or "multiprocessing" in cmdline:  # python -c "…crawler.extract_pool…"
        return "extraction workers"
    if "pipelines.attachments" in cmdline:
        return "attachment converters (python)"
    if "soffice" in cmdline or "oosplash" in cmdline:
        return "libreoffice"
    return "other children (tesseract, antiword, …)"


def family(root: int) -> list[tuple[int, int, int, str, str]]:
    """(pid, rss, pss, kind, command line) of `root` and every live descendant: the crawl's own
    family reading (pipelines/memory.py), with each member's PSS beside its RSS."""
    out = []
    for member in memory.family(root):
        try:
            pss = next((int(line.split()[1]) * 1024 for line in Path(f"/proc/{member.pid}/smaps_rollup")
                        .read_text().splitlines() if line.startswith("Pss:")), 0)
        except OSError:
            continue  # exited while we looked
        out.append((member.pid, member.rss, pss, _kind(member.cmdline), member.cmdline[:200]))
    return out


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
        peak: dict = {"rss": 0, "pss": 0, "at_peak": [], "by_kind_max": defaultdict(int), "kind_peak_members": {},
                      "together": 0, "together_peak": 0, "samples": 0, "over": defaultdict(float)}
        done = threading.Event()

        def sample() -> None:
            last = time.monotonic()
            while not done.is_set():
                members = family(proc.pid)
                rss, pss = sum(m[1] for m in members), sum(m[2] for m in members)
                if rss > peak["rss"]:
                    peak.update(rss=rss, at_peak=members)
                peak["pss"] = max(peak["pss"], pss)
                now: dict[str, int] = defaultdict(int)
                for m in members:
                    now[m[3]] += m[1]
                peak["samples"] += 1
                now_t = time.monotonic()
                if rss > BUDGET:  # which kinds were up while the family was over the bound, and how long
                    peak["over"][" + ".join(sorted(k for k in now if now[k] >= OVER_MEMBER))] += now_t - last
                if "chromium" in now and "libreoffice" in now:  # the pair issue 9's bound cannot hold
                    peak["together"] += now_t - last
                    peak["together_peak"] = max(peak["together_peak"], rss)
                for kind, value in now.items():
                    if value > peak["by_kind_max"][kind]:
                        peak["by_kind_max"][kind] = value
                        peak["kind_peak_members"][kind] = [(rss, cmd) for _p, rss, _s, k, cmd in members if k == kind]
                last = now_t
                time.sleep(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stderr = proc.stderr.read() if proc.stderr else b""
        if stderr_to is not None:
            stderr_to.write_bytes(stderr)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        wall = time.perf_counter() - t0
        stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8")) if (out / "crawl-stats.json").exists() else {}
        stats = stats.get("stats", stats)
        found = set()
        if (out / "reports.jsonl").exists():
            found = {json.loads(line)["url"] for line in (out / "reports.jsonl").open(encoding="utf-8")}
        outside = gen.out_of_scope(web.requests())
    expected = {r["url"] for r in gen.expected_reports()}
    by_kind: dict[str, int] = defaultdict(int)
    for _pid, rss, _pss, kind, _cmd in peak["at_peak"]:
        by_kind[kind] += rss
    return {"browser": browser, "exit": proc.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss": peak["rss"], "peak_pss": peak["pss"], "peak_by_kind": dict(by_kind),
            "kind_peaks": dict(peak["by_kind_max"]),
            "libreoffice_beside_chromium_s": peak["together"],
            "libreoffice_beside_chromium_peak_rss": peak["together_peak"], "samples": peak["samples"],
            "over_budget_s": sum(peak["over"].values()),
            "over_budget_by_kinds": dict(sorted(peak["over"].items(), key=lambda kv: -kv[1])),
            "processes_at_peak": len(peak["at_peak"]),
            "members_at_peak": [{"pid": pid, "kind": kind, "rss": rss, "pss": pss, "cmdline": cmd}
                                for pid, rss, pss, kind, cmd in peak["at_peak"]],
            "kind_peak_members": peak["kind_peak_members"],
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


def _by_kind(kinds: dict[str, int]) -> str:
    return " + ".join(f"{kind} {rss / 2 ** 20:.0f} MB" for kind, rss in sorted(kinds.items(), key=lambda kv: -kv[1]))


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
    mb = 2 ** 20
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
        print(f"  at the family's RSS peak ({row['processes_at_peak']} processes): {_by_kind(row['peak_by_kind'])}")
        print(f"  each kind's own peak: {_by_kind(row['kind_peaks'])}")
        print(f"  LibreOffice beside chromium: {row['libreoffice_beside_chromium_s']:.2f} s of samples, family "
              f"peak then {row['libreoffice_beside_chromium_peak_rss'] / mb:.0f} MB ({row['samples']} samples)")
        over = "; ".join(f"{kinds} {seconds:.1f} s" for kinds, seconds in list(row["over_budget_by_kinds"].items())[:4])
        print(f"  over {BUDGET / mb:.0f} MB: {row['over_budget_s']:.1f} s{' (' + over + ')' if over else ''}")
        print(f"  browser: {', '.join(f'{k} {v}' for k, v in sorted(row['browser_stats'].items()))}")
        if row["exit"] != 0:
            print(f"  crawl exited {row['exit']}:\n{row['stderr_tail']}")
        for url in row["out_of_scope"][:10]:
            print(f"  out of scope: {url}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
