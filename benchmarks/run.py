"""`make bench`: every benchmark, one after the other, each printing its side-by-side table."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["benchmarks.quality", "benchmarks.crawl", "benchmarks.browser"]


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
