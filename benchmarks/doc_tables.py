"""Statistics from the generated web's Word 97 attachments that carry tables (the LibreOffice path).

Run: ``.venv/bin/python -m benchmarks.doc_tables --seeds 1000-1039``

A DOC with table cell marks is read by converting it with LibreOffice (pipelines/word97.py,
pipelines/office_text.py); no other generated file takes that path. For every expected report of
the seeds whose DOC carries the template's tables (tests/fixtureweb/generated/files.py), the record
is built offline as the crawl completes it (benchmarks.mojibake.build) and its cells are compared
with the same report's tables read as the HTML grid a portal page publishes them in. Prints reports,
cells exact, and the time spent per report.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.discovery import parse_seeds
from benchmarks.mojibake import build
from pipelines.document import parse_html
from pipelines.statistics import parse_statistics
from pipelines.stats_build import flat_cells
from pipelines.word97 import has_tables
from tests.fixtureweb.generated import GeneratedWeb, plan_for, portal_content
from tests.fixtureweb.generated.content import body_lines
from tests.fixtureweb.generated.files import build_docs, doc_path, tables_html
from tests.fixtureweb.generated.site import to_traditional
from tests.fixtureweb.texts import render_plain, report_blocks


def _served_lines(plan, item) -> tuple[str, ...]:
    lines = body_lines(plan, item)
    return tuple(to_traditional(x) for x in lines) if plan.script == "traditional" else tuple(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seeds", default="1000-1039")
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    gen = GeneratedWeb(seeds)
    todo = []
    for seed in seeds:
        plan, items = plan_for(seed), portal_content(seed).items
        by_url = {exp["url"]: exp for exp in gen.expected_reports(seed)}
        for exp in by_url.values():
            item = next(it for it in items.values() if it.is_report and it.title == exp["title"] and it.site == exp["site"]
                        and it.date.isoformat() == exp["publish_date"])
            html = tables_html(plan, item, _served_lines(plan, item))
            if html:
                todo.append((exp, plan, item, html))
    build_docs([html for *_, html in todo])
    reports = exact = ok = n = marked = cell_marks = 0
    spent = 0.0
    for exp, plan, item, html in todo:
        cell_marks += has_tables(str(doc_path(html))) is True
        blocks = report_blocks(item.agency or plan.name, item.year or plan.years[0], "district", item.date)
        want = flat_cells(parse_statistics(parse_html(f"<html><body>{render_plain(blocks)}</body></html>"), "")[0])
        started = time.monotonic()
        rec = build(gen, exp)
        spent += time.monotonic() - started
        attachments = (rec or {}).get("attachments") or []
        marked += any(a.get("url", "").endswith(".doc") for a in attachments) or exp["direct_file"]
        got = flat_cells((rec or {}).get("statistics"))
        good = sum(got.get(k) == v for k, v in want.items())
        reports += 1
        ok, n, exact = ok + good, n + len(want), exact + (good == len(want) > 0)
        if good != len(want):
            misses = [f"{k}: {got.get(k, 'missing')!r} (want {v!r})" for k, v in want.items() if got.get(k) != v][:5]
            print(f"  seed {exp['seed']} {exp['url']}: {good}/{len(want)} " + "; ".join(misses), file=sys.stderr)
    print(f"seeds {args.seeds}: {reports} reports whose DOC carries tables ({cell_marks} with table cell marks; {marked} records with the DOC read)")
    print(f"cells exact: {ok}/{n}; reports all exact: {exact}/{reports}; {spent / max(reports, 1):.1f} s/report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
