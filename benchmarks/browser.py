"""What the browser costs: share of pages rendered on a mixed site, and a rendered page against a plain one.

Run: ``.venv/bin/python -m benchmarks.browser [--pages 20]``

1. Crawls the JS fixture site (tests/fixtureweb/site_js.py: JSON-API and POST-dataproxy columns, counter
   scripts, attachments, one browser-only column and one browser-only counter) with the real settings, and
   counts HTML pages fetched against pages rendered (stats ``gongkai/browser/rendered``).
2. Fetches the same report page N times plainly (HTTP through the fixture proxy + lxml parse) and N times
   through chromium (one browser, a new page per fetch, as scrapy-playwright does, waiting for the network to
   settle), measuring wall time and CPU time of this process and all its children (node driver, chromium
   processes: read from /proc, Linux only). Prints both side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler import settings as S  # noqa: E402
from tests.fixtureweb.server import FixtureWeb  # noqa: E402
from tests.fixtureweb.site_js import JS_START_URL, R_RENDER  # noqa: E402

_TICKS = os.sysconf("SC_CLK_TCK")


def _tree_cpu_seconds(root: int) -> float:
    """utime+stime of `root` and every live descendant (and the reaped children they waited for)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        pid = int(entry)
        stats[pid] = fields
        children.setdefault(int(fields[1]), []).append(pid)
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        f = stats.get(pid)
        if f:
            # utime, stime, cutime, cstime (fields 14-17 of stat; here offset by the 2 skipped)
            total += sum(int(x) for x in f[11:15]) / _TICKS
        stack.extend(children.get(pid, []))
    return total


def crawl_share(fw: FixtureWeb) -> dict:
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, http_proxy=fw.proxy_url, HTTP_PROXY=fw.proxy_url, PYTHONPATH=str(ROOT))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", JS_START_URL, "--out", out, "--set",
                        "AUTOTHROTTLE_ENABLED=False", "--log-level", "WARNING"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        wall = time.perf_counter() - t0
        stats = json.loads(Path(out, "crawl-stats.json").read_text())
        stats = stats.get("stats", stats)
    pages = sum(v for k, v in stats.items() if k.startswith("gongkai/pages/") and isinstance(v, int)
                and k.rsplit("/", 1)[1] in ("start", "home", "section", "column", "detail"))
    rendered_n = int(stats.get("gongkai/browser/rendered") or 0)
    # A rendered page is parsed twice (static, then rendered): count it once.
    return {"html_pages": pages - rendered_n, "rendered": int(stats.get("gongkai/browser/rendered") or 0),
            "requests": int(stats.get("downloader/request_count") or 0), "wall": wall}


def plain(url: str, proxy: str, n: int) -> tuple[float, float]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    cpu0, t0 = _tree_cpu_seconds(os.getpid()), time.perf_counter()
    for _ in range(n):
        lxml.html.fromstring(opener.open(url, timeout=30).read())
    return (time.perf_counter() - t0) / n, (_tree_cpu_seconds(os.getpid()) - cpu0) / n


async def rendered(url: str, proxy: str, n: int) -> tuple[float, float, float]:
    from playwright.async_api import async_playwright

    options = {**S.PLAYWRIGHT_LAUNCH_OPTIONS, "proxy": {"server": proxy}}
    async with async_playwright() as pw:
        t_launch = time.perf_counter()
        browser = await pw.chromium.launch(**options)
        launch = time.perf_counter() - t_launch
        context = await browser.new_context()
        cpu0, t0 = _tree_cpu_seconds(os.getpid()), time.perf_counter()
        for _ in range(n):
            page = await context.new_page()
            await page.goto(url, timeout=S.PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT)
            try:
                await page.wait_for_load_state("networkidle", timeout=3000)
            except Exception:  # noqa: BLE001 - a page that never idles is measured as it stands
                pass
            lxml.html.fromstring(await page.content())
            await page.close()
        wall, cpu = (time.perf_counter() - t0) / n, (_tree_cpu_seconds(os.getpid()) - cpu0) / n
        await browser.close()
    return wall, cpu, launch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="fetches of each kind")
    args = parser.parse_args()
    url = R_RENDER[1]
    with FixtureWeb() as fw:
        share = crawl_share(fw)
        p_wall, p_cpu = plain(url, fw.proxy_url, args.pages)
        r_wall, r_cpu, launch = asyncio.run(rendered(url, fw.proxy_url, args.pages))
    print(f"Mixed site {JS_START_URL}: {share['rendered']} of {share['html_pages']} HTML pages rendered "
          f"({100 * share['rendered'] / max(share['html_pages'], 1):.0f}%), {share['requests']} Scrapy requests, "
          f"crawl wall {share['wall']:.1f}s (process start and chromium launch included)")
    print(f"\nOne report page ({url}), {args.pages} fetches each; chromium launch once: {launch * 1000:.0f} ms\n")
    print(f"{'':<22}{'wall ms/page':>14}{'CPU ms/page':>14}")
    print(f"{'plain (HTTP + lxml)':<22}{p_wall * 1000:>14.1f}{p_cpu * 1000:>14.1f}")
    print(f"{'rendered (chromium)':<22}{r_wall * 1000:>14.1f}{r_cpu * 1000:>14.1f}")
    print(f"{'ratio':<22}{r_wall / max(p_wall, 1e-9):>13.0f}×{r_cpu / max(p_cpu, 1e-9):>13.0f}×")


if __name__ == "__main__":
    main()
