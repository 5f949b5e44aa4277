"""CPU per report page: gongkai's build_report against trafilatura.extract, side by side.

Run: .venv/bin/python -m benchmarks.extraction_cpu [--seeds 3000-3039] [--rounds 3] [--profile N]

Pages: the HTML report pages of generated portals --seeds (tests/fixtureweb/generated, rendered
without a socket: the bytes and Content-Type a crawl would receive), and the real saved pages in
../shared/corpus/public-pages. Those are not annual reports, so build_report would stop at the
classification; they go through report.html_record, the record path build_report takes after
it (text, metadata, statistics), so the real pages' text path is measured too.

Each system reads the raw bytes, so decoding and parsing are part of both costs (trafilatura is
handed the body, as in benchmarks/crawl.py). The two are alternated in this process, best of
--rounds, CPU time (time.process_time). Printed: ms per page and the ratio gongkai/trafilatura —
compare the ratio, taken side by side on a shared machine; nothing is asserted.

--profile N prints cProfile's top N functions (cumulative) of build_report over the generated pages.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.page import FetchedPage  # noqa: E402
from tests.shared_material import SHARED  # noqa: E402

PUBLIC = SHARED / "corpus" / "public-pages"


def _seed_range(spec: str) -> range:
    first, _, last = spec.partition("-")
    return range(int(first), int(last or first) + 1)


def generated_report_pages(seeds: range) -> list[FetchedPage]:
    """Each expected HTML report of the portals, fetched from the generator (redirects followed)."""
    from tests.fixtureweb.common import Req
    from tests.fixtureweb.generated import GeneratedWeb

    gen = GeneratedWeb(seeds)
    pages = []
    for rec in gen.expected_reports():
        if rec["direct_file"]:
            continue
        url = rec["url"]
        for _ in range(5):
            parts = urlsplit(url)
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            resp = gen.handle(Req("GET", parts.hostname or "", parts.path, query, b"", {}, 1))
            location = dict((k.lower(), v) for k, v in resp.headers).get("location")
            if resp.status in (301, 302, 303, 307, 308) and location:
                url = location if "://" in location else f"{parts.scheme}://{parts.netloc}{location}"
                continue
            break
        body = resp.body if isinstance(resp.body, bytes) else b"".join(resp.body)
        if resp.status == 200 and resp.content_type.startswith("text/html"):
            pages.append(FetchedPage(url=url, status=200, headers={"content-type": resp.content_type}, body=body,
                                     fetched_at="2026-12-02T00:00:00Z", link_text=rec["title"]))
    return pages


def public_pages() -> list[FetchedPage]:
    return [FetchedPage(url=f"https://example.gov.cn/{i}.html", status=200, headers={"content-type": "text/html"},
                        body=path.read_bytes(), fetched_at="2026-12-02T00:00:00Z")
            for i, path in enumerate(sorted(PUBLIC.rglob("*.html")))]


def fresh(page: FetchedPage) -> FetchedPage:
    """A copy without its parse: the one parse is part of the cost measured."""
    page = copy.copy(page)
    page.parsed = None
    return page


def per_page_ms(systems: dict, pages: list, rounds: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, fn in systems.items():
            t0 = time.process_time()
            for page in pages:
                fn(page)
            ms = 1000 * (time.process_time() - t0) / max(len(pages), 1)
            best[name] = min(best.get(name, ms), ms)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="3000-3039", help="generated portals, FIRST-LAST")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N of build_report")
    args = parser.parse_args()
    import trafilatura

    from pipelines.report import build_report, html_record

    generated = generated_report_pages(_seed_range(args.seeds))
    public = public_pages()
    if not public:
        print(f"no pages under {PUBLIC}: the benchmark reads ../shared", file=sys.stderr)
        return 2
    generated = [p for p in generated if build_report(fresh(p)) is not None]

    def bare_trafilatura(page: FetchedPage) -> None:
        trafilatura.extract(page.body, url=page.url, include_tables=True)

    print(f"cores: {len(os.sched_getaffinity(0))}, load average at start: {os.getloadavg()[0]:.1f}; "
          f"best of {args.rounds}, CPU ms per page")
    for label, pages, ours in (
            (f"generated report pages, seeds {args.seeds}", generated, lambda p: build_report(fresh(p))),
            ("real saved pages (public-pages), record path", public, lambda p: html_record(fresh(p)))):
        costs = per_page_ms({"gongkai": ours, "trafilatura.extract": bare_trafilatura}, pages, args.rounds)
        print(f"{label} ({len(pages)}): gongkai {costs['gongkai']:.1f}, trafilatura {costs['trafilatura.extract']:.1f},"
              f" ratio x{costs['gongkai'] / costs['trafilatura.extract']:.2f}")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for page in generated:
            build_report(fresh(page))
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
