"""Discovery on portals no rule was written against: recall, precision, views per mechanism, live vs replay.

Run: ``.venv/bin/python -m benchmarks.discovery --seeds 1000-1039``

1. Serves the generated fixture web (tests/fixtureweb/generated) for the seeds, one portal per seed,
   through the fixture proxy on a free 127.0.0.1 port.
2. Runs ``gongkai crawl`` with every portal's home page as start URLs, as a new user would, and samples
   the RSS of the crawl's process family (the crawler and every child: node driver, chromium, workers,
   sandbox, converters) from /proc every 50 ms (benchmarks/family_rss.py, as benchmarks/browser.py does):
   the peak, what was up at it, and the seconds spent over 600 MB with the kinds up then.
3. Runs ``gongkai replay`` of the crawl's own WARCs.
4. Scores both against the portals' expected reports: recall, precision (an emitted line that is no
   expected report, or a second line for one, is a false positive), views accuracy (share of the
   reports whose page shows a number that were emitted with exactly that number), per mechanism
   (list mechanism, counter, CMS family, charset, script, attachments, pagination), side by side;
   requests to hosts out of scope (from the fixture server's log); and live = replay per report
   (text, views, statistics).

``--json FILE`` also writes every figure, and the misses, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.family_rss import MB, FamilySampler, summary_lines  # noqa: E402
from tests.fixtureweb.generated import GeneratedWeb  # noqa: E402
from tests.fixtureweb.generated.site import seed_of_host  # noqa: E402

GONGKAI = [str(ROOT / ".venv" / "bin" / "gongkai")] if (ROOT / ".venv" / "bin" / "gongkai").exists() \
    else [sys.executable, "-m", "crawler.cli"]
# As the tests run crawls: AutoThrottle on, started faster than for a real portal.
FAST = ["--set", "AUTOTHROTTLE_START_DELAY=0.05", "--set", "GONGKAI_RETRY_BACKOFF_BASE=0.2"]
DIMENSIONS = ("list", "counter", "family", "charset", "script", "attachments", "pagination")


def parse_seeds(spec: str) -> list[int]:
    seeds: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            seeds.extend(range(int(a), int(b) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def norm_url(url: str) -> str:
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, (parts.hostname or "").lower(), parts.path or "/", query, ""))


def run(cmd: list[str], env: dict[str, str], sample_rss: bool = False,
        keep_log: Path | None = None) -> tuple[int, float, dict, str]:
    """Run ``cmd``; returns exit code, wall seconds, the family's memory figures (benchmarks/family_rss.py;
    empty unless ``sample_rss``), stderr tail. ``keep_log``: the whole stderr is written there too."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        sampler = FamilySampler(proc.pid).start() if sample_rss else None
        code = proc.wait()
        if sampler is not None:
            sampler.stop()
        err.seek(0)
        whole = err.read()
        if keep_log is not None:
            keep_log.write_bytes(whole)
        tail = whole[-4000:].decode("utf-8", "replace")
    return code, time.monotonic() - start, sampler.figures() if sampler else {}, tail


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(gen: GeneratedWeb, lines: list[dict]) -> dict:
    """Recall / precision / views accuracy, overall and per mechanism value."""
    expected = {norm_url(r["url"]): r for r in gen.expected_reports()}
    emitted: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        emitted[norm_url(line.get("url", ""))].append(line)
    buckets: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count(rec: dict, field: str, n: int = 1) -> None:
        buckets[("all", "all")][field] += n
        for dim in DIMENSIONS:
            buckets[(dim, rec["mechanism"][dim])][field] += n

    misses, wrong_views, false_pos = [], [], []
    for url, rec in expected.items():
        count(rec, "expected")
        got = emitted.get(url, [])
        if got:
            count(rec, "found")
            count(rec, "emitted_true")
            if len(got) > 1:
                count(rec, "emitted_false", len(got) - 1)
        else:
            misses.append(url)
        if rec["views"] is not None:
            count(rec, "views_shown")
            if got and got[0].get("views") == rec["views"]:
                count(rec, "views_right")
            else:
                wrong_views.append((url, rec["views"], got[0].get("views") if got else "missing",
                                    got[0].get("views_source") if got else None))
    plans = {s: gen.plan(s) for s in gen.seeds}
    for url, got in emitted.items():
        if url in expected:
            continue
        seed = seed_of_host(urlsplit(url).hostname or "")
        plan = plans.get(seed)
        mech = _plan_mechanism(plan) if plan else {d: "?" for d in DIMENSIONS}
        for _ in got:
            count({"mechanism": mech}, "emitted_false")
        false_pos.append((url, got[0].get("title")))
    table = {}
    for key, b in buckets.items():
        tp, fp = b["emitted_true"], b["emitted_false"]
        table[key] = {
            "expected": b["expected"], "found": b["found"],
            "recall": b["found"] / b["expected"] if b["expected"] else None,
            "precision": tp / (tp + fp) if tp + fp else None,
            "views": b["views_right"] / b["views_shown"] if b["views_shown"] else None, "views_shown": b["views_shown"],
        }
    # Text hazards of issue 9 item 6: related-links blocks in a report's text, mojibake left in it.
    leaks = [url for url, rec in expected.items() if emitted.get(url)
             and any(m in (emitted[url][0].get("text") or "") for m in rec["text_must_not_contain"])]
    mojibake = [url for url, rec in expected.items() if emitted.get(url) and "\ufffd" in (emitted[url][0].get("text") or "")]
    return {"table": table, "misses": misses, "wrong_views": wrong_views, "false_positives": false_pos,
            "related_leaks": leaks, "mojibake": mojibake}


def _plan_mechanism(plan) -> dict:
    from tests.fixtureweb.generated.plan import choices_of

    return choices_of(plan)


def live_vs_replay(live: list[dict], replay: list[dict]) -> tuple[int, list[tuple[str, str]]]:
    """How many live reports the replay reproduces exactly (text, views, statistics), and the rest."""
    by_url = {norm_url(r["url"]): r for r in replay}
    same, differ = 0, []
    for rec in live:
        other = by_url.get(norm_url(rec["url"]))
        if other is None:
            differ.append((rec["url"], "missing in replay"))
            continue
        fields = [f for f in ("text", "views", "statistics") if rec.get(f) != other.get(f)]
        if fields:
            differ.append((rec["url"], ",".join(fields)))
        else:
            same += 1
    return same, differ


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.3f}"


def print_table(live: dict, replay: dict) -> None:
    print(f"{'mechanism':<34}{'reports':>8} | {'live: recall':>12} {'prec':>6} {'views':>6} | "
          f"{'replay: recall':>14} {'prec':>6} {'views':>6}")
    keys = sorted(live["table"], key=lambda k: (k != ("all", "all"), DIMENSIONS.index(k[0]) if k[0] in DIMENSIONS else -1, k[1]))
    for key in keys:
        a, b = live["table"][key], replay["table"].get(key, {})
        name = "ALL" if key == ("all", "all") else f"{key[0]}={key[1]}"
        print(f"{name:<34}{a['expected']:>8} | {_fmt(a['recall']):>12} {_fmt(a['precision']):>6} {_fmt(a['views']):>6} | "
              f"{_fmt(b.get('recall')):>14} {_fmt(b.get('precision')):>6} {_fmt(b.get('views')):>6}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="1000-1039", help="portal seeds: 1000-1039 or 1,2,5-9")
    parser.add_argument("--out", type=Path, help="work directory (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="write all figures and misses here")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="crawl setting override")
    parser.add_argument("--log", type=Path, help="keep the crawl's log (INFO) here: what the browser and memory did")
    parser.add_argument("--show", type=int, default=15, help="misses / wrong views / false positives to list")
    args = parser.parse_args(argv)
    gen = GeneratedWeb(parse_seeds(args.seeds))
    work = args.out or Path(tempfile.mkdtemp(prefix="gongkai-discovery-"))
    job = work / "job"
    replay_out = work / "replay.jsonl"
    with gen.serve(keep_headers=False) as web:
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy", "all_proxy")}
        env["http_proxy"] = env["HTTP_PROXY"] = web.proxy_url
        sets = [x for pair in args.set for x in ("--set", pair)]
        code, wall, memory, err = run([*GONGKAI, "crawl", *gen.start_urls, "--out", str(job), *FAST, *sets,
                                    "--log-level", "INFO" if args.log else "WARNING"], env, sample_rss=True,
                                   keep_log=args.log)
        requests = web.requests()
    rcode, rwall, _, rerr = run([*GONGKAI, "replay", str(job / "warc"), "--out", str(replay_out)], env)
    live_lines, replay_lines = read_jsonl(job / "reports.jsonl"), read_jsonl(replay_out)
    live, replay = score(gen, live_lines), score(gen, replay_lines)
    leaks = gen.out_of_scope(requests)
    same, differ = live_vs_replay(live_lines, replay_lines)
    print(f"seeds {args.seeds}: {len(gen.seeds)} portals, {len(gen.expected_reports())} expected reports; "
          f"crawl exit {code}, {wall:.0f} s, {len(requests)} requests, peak family RSS {memory['peak_rss'] / MB:.0f} MB; "
          f"replay exit {rcode}, {rwall:.0f} s")
    for line in summary_lines(memory):
        print(f"  {line}")
    print_table(live, replay)
    print(f"requests to hosts out of scope: {len(leaks)}"
          + (f" ({', '.join(sorted({urlsplit(r.url).hostname or '' for r in leaks}))})" if leaks else ""))
    print(f"live = replay: {same}/{len(live_lines)} live lines identical in text, views, statistics")
    print(f"text: related-links block in {len(live['related_leaks'])} reports; U+FFFD in {len(live['mojibake'])} reports")
    for title, rows in (("missed", live["misses"]), ("wrong views (url, expected, got, source)", live["wrong_views"]),
                        ("false positives", live["false_positives"]), ("live != replay", differ),
                        ("U+FFFD in text", live["mojibake"])):
        if rows:
            print(f"-- {title}: {len(rows)}")
            for row in rows[:args.show]:
                print("   ", row)
    if code not in (0, 1) or not live_lines:
        print(err, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({
            "seeds": gen.seeds, "crawl_exit": code, "crawl_wall_s": wall, "peak_family_rss": memory["peak_rss"], "family_memory": memory,
            "requests": len(requests), "out_of_scope": [r.url for r in leaks],
            "live": {**live, "table": {f"{k[0]}={k[1]}": v for k, v in live["table"].items()}},
            "replay": {**replay, "table": {f"{k[0]}={k[1]}": v for k, v in replay["table"].items()}},
            "live_equals_replay": same, "live_differs": differ,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
