"""`make bench`: every benchmark, one after the other, each printing its side-by-side table."""

from __future__ import annotations

import importlib
import sys

# benchmarks.scale is left out: its 1,000-portal run takes a quarter of an hour (README).
BENCHMARKS = ["benchmarks.quality", "benchmarks.metadata", "benchmarks.archive_read", "benchmarks.statistics",
              "benchmarks.discovery", "benchmarks.crawl", "benchmarks.browser"]


def main() -> int:
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            print(f"== {name}: not available ({exc})")
            continue
        print(f"\n== {name} ==", flush=True)
        sys.argv = [name]
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
