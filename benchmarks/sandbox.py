"""CPU of the script sandbox (pipelines/script_sandbox.py): per page it runs on, and the check on every page.

Run: ``.venv/bin/python -m benchmarks.sandbox --seeds 1000-1199``

Fetches every page of the generated portals' report columns' reports (tests/fixtureweb/generated,
through the fixture proxy) and, per page, times (process CPU, best of --runs):
- `applies` — the check every page the spider plans pays;
- on the pages it applies to (those with a static counter endpoint marked: the crawl asks those
  directly): the sandbox to its fixed point (evaluations until nothing is wanted,
  each round answered from the fixture web as the crawl would fetch it), and the number it read
  against the number the page shows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines import endpoints, script_sandbox  # noqa: E402
from pipelines.document import parse_page  # noqa: E402
from pipelines.page import FetchedPage  # noqa: E402
from tests.fixtureweb.generated import GeneratedWeb, plan_for  # noqa: E402
from tests.fixtureweb.generated import mechanisms as M  # noqa: E402
from tests.fixtureweb.generated.site import seed_of_host  # noqa: E402


def _seeds(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def _fetch(opener, url: str) -> tuple[int, bytes, str]:
    try:
        with opener.open(url, timeout=60) as r:
            return r.status, r.read(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("content-type", "")
    except (urllib.error.URLError, TimeoutError):
        return 0, b"", ""


def _cpu(fn, runs: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1000-1199")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    seeds = [s for s in _seeds(args.seeds) if plan_for(s).counter != "none"]
    gen = GeneratedWeb(seeds)
    check_ms: list[float] = []
    run_ms: dict[str, list[float]] = {}
    evaluations: dict[str, list[int]] = {}
    right: dict[str, list[bool]] = {}
    with gen.serve() as web:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
        for exp in gen.expected_reports():
            status, body, ctype = _fetch(opener, exp["url"])
            page = FetchedPage(url=exp["url"], status=status, headers={"content-type": ctype}, body=body,
                               fetched_at="2026-01-01T00:00:00Z")
            tree = parse_page(page).tree
            ms, applies = _cpu(lambda page=page, tree=tree: script_sandbox.applies(page, tree), args.runs)
            check_ms.append(ms)
            if not applies:
                continue
            seed = seed_of_host(urlsplit(exp["url"]).hostname or "")
            plan = plan_for(seed)
            kind = plan.counter + (f"/{M.counter_variant(seed, plan.counter)}" if plan.counter == "rendered" else "")
            # A counter the static reading finds is asked directly: the crawl never runs the sandbox on it.
            kind += " (static)" if endpoints.counter_url(page.url, tree) else ""
            answers: dict = {}

            def fixed_point(page=page, tree=tree, answers=answers) -> tuple[int, int | None]:
                answers.clear()
                for n in range(1, 5):
                    outcome = script_sandbox.evaluate(page, tree, answers)
                    if not outcome.calls:
                        return n, outcome.views
                    for key, call in outcome.calls:
                        answers[key] = script_sandbox.answer_of(*_fetch(opener, call.url))
                return n, None

            ms, (n, views) = _cpu(fixed_point, args.runs)
            run_ms.setdefault(kind, []).append(ms)
            evaluations.setdefault(kind, []).append(n)
            right.setdefault(kind, []).append(views == exp["views"])
    print(f"report pages: {len(check_ms)} of {len(seeds)} portals; `applies` check: "
          f"median {statistics.median(check_ms):.3f} ms CPU, max {max(check_ms):.3f} ms")
    print("(static): the crawl asks its endpoint directly and never runs the sandbox; shown for comparison")
    print(f"{'counter kind':<30}{'pages':>6}{'evals/page':>12}{'CPU ms/page (median)':>22}{'max':>8}{'views right':>13}")
    for kind in sorted(run_ms):
        print(f"{kind:<30}{len(run_ms[kind]):>6}{statistics.mean(evaluations[kind]):>12.2f}"
              f"{statistics.median(run_ms[kind]):>22.1f}{max(run_ms[kind]):>8.1f}"
              f"{sum(right[kind]) / len(right[kind]):>13.3f}")


if __name__ == "__main__":
    main()
