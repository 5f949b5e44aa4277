"""`gongkai`: a thin command line over the crawler, the archive and the pipelines.

    gongkai crawl URL... --out DIR        crawl portals; WARC in DIR/warc/, reports in DIR/reports.jsonl
    gongkai replay WARC... --out FILE     re-extract reports from WARC files, offline
    gongkai stats DIR --format csv --out FILE   template statistics as tidy rows
    gongkai index DIR                     sorted CDXJ index of DIR's WARCs → DIR/index.cdxj
    gongkai export-wacz DIR               the crawl as a WACZ package → DIR/<name>.wacz

Exit codes: 0 done; 1 done but with damage or a crawl that did not finish cleanly; 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import crawler  # noqa: F401  (sets the tldextract offline guard before Scrapy loads)


def _crawl(args: argparse.Namespace) -> int:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("GONGKAI_OUT_DIR", str(args.out), priority="cmdline")
    settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
    for pair in args.set or []:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    holder = process.create_crawler("reports")
    process.crawl(holder, start_urls=",".join(args.urls))
    process.start()
    reason = holder.stats.get_value("finish_reason")
    summary = holder.stats.get_value("gongkai/summary") or {}
    print(f"gongkai: {summary.get('reports', 0)} reports, {summary.get('pages_fetched', 0)} pages "
          f"({reason}); output in {args.out}/ (reports.jsonl, warc/, crawl-stats.json)")
    return 0 if reason == "finished" else 1


def _replay(args: argparse.Namespace) -> int:
    from archive.replay import replay_to_jsonl

    paths: list[Path] = []
    for p in args.warcs:
        paths.extend(sorted(p.rglob("*.warc.gz")) + sorted(p.rglob("*.warc")) if p.is_dir() else [p])
    count, damage = replay_to_jsonl(paths, args.out)
    for d in damage:
        print(f"gongkai: damaged WARC {d.warc_file} at offset {d.offset}: {d.reason}", file=sys.stderr)
    print(f"gongkai: {count} reports from {len(paths)} WARC file(s) → {args.out}")
    return 1 if damage else 0


def _stats(args: argparse.Namespace) -> int:
    from pipelines.stats_export import export_stats

    sources = [args.dir / "reports.jsonl"] if args.dir.is_dir() else [args.dir]
    print(export_stats(sources, args.format, args.out))
    return 0


def _index(args: argparse.Namespace) -> int:
    from archive.index import build_index, warc_files

    out = args.out or args.dir / "index.cdxj"
    paths = warc_files(args.dir)
    count, damage = build_index(paths, out)
    for d in damage:
        print(f"gongkai: damaged WARC {d.warc_file} at offset {d.offset}: {d.reason}", file=sys.stderr)
    print(f"gongkai: {count} index lines from {len(paths)} WARC file(s) → {out}")
    return 1 if damage else 0


def _export_wacz(args: argparse.Namespace) -> int:
    from archive.wacz import export_wacz

    target, damage = export_wacz(args.dir, args.out)
    for d in damage:
        print(f"gongkai: damaged WARC {d.warc_file} at offset {d.offset}: {d.reason}", file=sys.stderr)
    print(f"gongkai: WACZ → {target}")
    return 1 if damage else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongkai", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="crawl portals for annual disclosure reports")
    crawl.add_argument("urls", nargs="+", help="portal home pages or report-column URLs")
    crawl.add_argument("--out", type=Path, required=True, help="output directory of the crawl job")
    crawl.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a setting")
    crawl.add_argument("--log-level", default="INFO")
    crawl.set_defaults(func=_crawl)

    replay = sub.add_parser("replay", help="re-extract reports from WARC files, offline")
    replay.add_argument("warcs", nargs="+", type=Path, help="WARC files or directories of them")
    replay.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    replay.set_defaults(func=_replay)

    index = sub.add_parser("index", help="sorted CDXJ index of a crawl's WARCs (DIR/index.cdxj)")
    index.add_argument("dir", type=Path, help="crawl directory (or a directory of WARC files)")
    index.add_argument("--out", type=Path, help="CDXJ file to write (default DIR/index.cdxj)")
    index.set_defaults(func=_index)

    wacz = sub.add_parser("export-wacz", help="package a crawl as WACZ (DIR/<name>.wacz)")
    wacz.add_argument("dir", type=Path, help="crawl directory")
    wacz.add_argument("--out", type=Path, help="WACZ file to write (default DIR/<name>.wacz)")
    wacz.set_defaults(func=_export_wacz)

    stats = sub.add_parser("stats", help="template statistics of a crawl as tidy rows")
    stats.add_argument("dir", type=Path, help="crawl directory (or a reports.jsonl)")
    stats.add_argument("--format", choices=["csv", "parquet"], default="csv")
    stats.add_argument("--out", type=Path, required=True)
    stats.set_defaults(func=_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "crawl":  # Scrapy configures logging for crawls itself
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
