"""Crawl cost: gongkai's full crawl of the fixture web against bare Scrapy fetching the same URLs.

Run: .venv/bin/python -m benchmarks.crawl [--rounds N]

Both run side by side in one invocation, each as its own process through the same fixture web,
so the figures are ratios on the same machine at the same moment. Reported per run: pages, wall
seconds, CPU seconds (user+sys of the crawl process and its children), CPU ms per page, peak RSS,
and for gongkai alone the offline extraction cost (`gongkai replay` of the crawl's own WARCs).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import FAST, GONGKAI, proxy_env  # noqa: E402
from tests.fixtureweb import FixtureWeb  # noqa: E402


def _measure(cmd: list[str], env: dict[str, str]) -> dict:
    """Run a command; its own CPU time and peak RSS from wait4 (not the max over all children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{cmd[:3]} failed ({code}):\n{stderr[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def run_once(web: FixtureWeb, work: Path, n: int) -> tuple[dict, dict, dict]:
    env = proxy_env(web)
    out = work / f"job{n}"
    web.reset()
    before = len(web.requests())
    g = _measure([*GONGKAI, "crawl", *web.start_urls, "--out", str(out), *FAST], env)
    urls = [r.url for r in web.requests()[before:] if r.method == "GET" and not r.url.endswith("/robots.txt")]
    g["pages"] = len(web.requests()) - before
    urls_file = work / f"urls{n}.txt"
    urls_file.write_text("\n".join(urls), encoding="utf-8")

    web.reset()
    before = len(web.requests())
    b = _measure([str(ROOT / ".venv" / "bin" / "scrapy"), "runspider", str(ROOT / "benchmarks" / "baseline_spider.py"),
                  "-a", f"urls_file={urls_file}"], env)
    b["pages"] = len(web.requests()) - before

    r = _measure([*GONGKAI, "replay", str(out / "warc"), "--out", str(work / f"replay{n}.jsonl")], env)
    r["reports"] = sum(1 for _ in open(work / f"replay{n}.jsonl", encoding="utf-8"))
    return g, b, r


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with FixtureWeb() as web, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            rows.append(run_once(web, Path(tmp), n))
    print("run | pages | wall s | CPU s | CPU ms/page | peak RSS MB")
    for name, idx in (("bare scrapy (baseline)", 1), ("gongkai crawl", 0)):
        for g in (row[idx] for row in rows):
            print(f"{name} | {g['pages']} | {g['wall']:.2f} | {g['cpu']:.2f} | {1000 * g['cpu'] / max(g['pages'], 1):.1f} | {g['maxrss_mb']:.0f}")
    cpu_ratio = sum(r[0]["cpu"] for r in rows) / max(sum(r[1]["cpu"] for r in rows), 1e-9)
    wall_ratio = sum(r[0]["wall"] for r in rows) / max(sum(r[1]["wall"] for r in rows), 1e-9)
    rss_ratio = max(r[0]["maxrss_mb"] for r in rows) / max(max(r[1]["maxrss_mb"] for r in rows), 1e-9)
    print(f"gongkai / baseline: CPU x{cpu_ratio:.2f}, wall x{wall_ratio:.2f}, peak RSS x{rss_ratio:.2f}")
    for r in rows:
        print(f"offline extraction (gongkai replay): {r[2]['reports']} reports, CPU {r[2]['cpu']:.2f}s "
              f"= {1000 * r[2]['cpu'] / max(r[2]['reports'], 1):.0f} ms/report incl. start-up, wall {r[2]['wall']:.2f}s")
    print(f"pages/s (gongkai, wall): {sum(r[0]['pages'] for r in rows) / sum(r[0]['wall'] for r in rows):.1f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
