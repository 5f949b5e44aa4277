"""Metadata extraction cost per page, side by side with trafilatura's own metadata reader.

The same parsed trees of the real saved pages in ../shared/corpus/public-pages go through
`pipelines.metadata.extract_metadata` and `trafilatura.metadata.extract_metadata` (the baseline:
what the brief's "trafilatura ~21 ms per report page" includes). Printed as ms per page and the
ratio; nothing is asserted — speed is measured here, never in a test.

    .venv/bin/python -m benchmarks.metadata [--rounds N]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

from pipelines import decode, document
from pipelines.metadata import extract_metadata
from tests.shared_material import SHARED

ROOT = Path(__file__).resolve().parent.parent
CORPUS = SHARED / "corpus" / "public-pages"


def _per_page_ms(fn, trees: list, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for tree in trees:
            fn(tree)
        best = min(best, time.process_time() - start)
    return best * 1000 / len(trees)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    files = sorted(CORPUS.rglob("*.html"))
    if not files:
        print(f"no pages under {CORPUS}: the benchmark reads ../shared", file=sys.stderr)
        return 2
    trees = [t for t in (document.parse_html(decode.decode_body(f.read_bytes(), {}).text) for f in files)
             if t is not None]
    from trafilatura.metadata import extract_metadata as trafilatura_metadata

    ours = _per_page_ms(lambda t: extract_metadata(t, "", "https://www.example.com/a.html"), trees, args.rounds)
    # trafilatura may prune the tree it reads: give it a copy (copying is timed apart and subtracted).
    copying = _per_page_ms(copy.deepcopy, trees, args.rounds)
    theirs = _per_page_ms(lambda t: trafilatura_metadata(copy.deepcopy(t)), trees, args.rounds) - copying
    print(f"{len(trees)} saved pages, best of {args.rounds} rounds, CPU time")
    print(f"{'reader':<34}{'ms/page':>10}")
    print(f"{'gongkai pipelines.metadata':<34}{ours:>10.2f}")
    print(f"{'trafilatura.metadata (baseline)':<34}{theirs:>10.2f}")
    print(f"ratio gongkai / trafilatura: {ours / theirs:.2f}" if theirs > 0 else "baseline too fast to measure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
