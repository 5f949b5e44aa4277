"""`gongkai`: a thin command line over the crawler, the archive and the pipelines.

    gongkai crawl URL... --out DIR        crawl portals; WARC in DIR/warc/, reports in DIR/reports.jsonl
    gongkai report DIR                    DIR/report.html: per site, per year, changes, failures
    gongkai replay WARC... --out FILE     re-extract reports from WARC files, offline
    gongkai stats DIR --out FILE          template statistics as tidy rows (CSV or Parquet)
    gongkai index DIR                     sorted CDXJ index of DIR's WARCs → DIR/index.cdxj
    gongkai export-wacz DIR               the crawl as a WACZ package → DIR/<name>.wacz
    gongkai worker --redis URL --out DIR  join a distributed crawl (`crawl --workers N [--redis URL]`)
    gongkai merge DIR [WORKER_DIR...]     merge a distributed crawl's worker directories into DIR

Exit codes: 0 done; 1 done but with damage, a crawl that did not finish cleanly, or a crawl whose
every start URL failed; 2 usage error (checked before anything is created or fetched).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import crawler  # noqa: F401  (sets the tldextract offline guard before Scrapy loads)

EXAMPLES = """\
examples:
  gongkai crawl http://www.qhq.gov.cn/ --out jobs/qinghe          first crawl of a district portal
  gongkai crawl http://www.qhq.gov.cn/ --out jobs/qinghe          next month: the re-crawl (or resume)
  gongkai crawl http://a.gov.cn/ http://b.gov.cn/xxgk/ndbg/ --out jobs/ab -q   two start URLs, quiet
  gongkai report jobs/qinghe                                      rebuild jobs/qinghe/report.html
  gongkai replay jobs/qinghe/warc --out replayed.jsonl            re-extract offline from the WARCs
  gongkai stats jobs/qinghe --out stats.parquet                   statistics, format from the extension
"""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
STATS_FORMATS = {".csv": "csv", ".parquet": "parquet"}


class UsageError(Exception):
    """Bad input found before anything ran: one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit 2), not the whole usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


# -- input checks: all before Scrapy starts, so a bad invocation creates nothing ------------------
def check_start_url(url: str) -> str:
    parts = urlsplit(url)
    if "://" not in url:
        raise UsageError(f"start URL {url!r} has no scheme; did you mean http://{url.lstrip('/')} ?")
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"start URL {url!r}: only http:// and https:// URLs can be crawled")
    if not parts.hostname:
        raise UsageError(f"start URL {url!r} has no host name")
    return url


def check_writable_dir(path: Path, option: str = "--out") -> Path:
    """`path` is, or can be created as, a directory we may write in (nothing is created here)."""
    if path.exists():
        if not path.is_dir():
            raise UsageError(f"{option} {path} is a file, not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {path}: directory is not writable")
        return path
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: cannot create it, {parent} is not writable")
    return path


def check_output_file(path: Path, option: str = "--out") -> Path:
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory; name the file to write")
    check_writable_dir(path.absolute().parent, f"{option} {path}:")
    return path


def check_existing_dir(path: Path) -> Path:
    if not path.exists():
        raise UsageError(f"{path}: no such directory")
    if not path.is_dir():
        raise UsageError(f"{path} is a file; give the crawl directory")
    return path


def warc_paths(paths: list[Path]) -> list[Path]:
    """The WARC/ARC files named or found under `paths` (a job directory means its warc/); a missing
    path or none at all is a usage error."""
    from archive.integrity import archive_files

    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p}: no such file or directory")
        found.extend(archive_files(p))
    if not found:
        raise UsageError(f"no WARC files (*.warc, *.warc.gz, *.arc, *.arc.gz) in {', '.join(map(str, paths))}")
    return found


def parse_set(pairs: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for pair in pairs or []:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            raise UsageError(f"--set {pair!r}: expected NAME=VALUE")
        out.append((name.strip(), value))
    return out


# -- commands -------------------------------------------------------------------------------------
def _crawl(args: argparse.Namespace) -> int:
    urls = [check_start_url(u) for u in args.urls]
    out = check_writable_dir(args.out)
    overrides = parse_set(args.set)
    level = args.log_level or ("WARNING" if args.quiet else "DEBUG" if args.verbose else "INFO")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: at least 1")
    if args.workers > 1 or args.redis:  # crawler/distributed/: N worker processes on one Redis, one merged job
        from crawler.distributed.run import run_crawl

        return run_crawl(urls, out, args.workers, overrides=[f"{n}={v}" for n, v in overrides], log_level=level,
                         redis_url=args.redis)

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.extensions.crawl_summary import summary_line

    settings = get_project_settings()
    settings.set("GONGKAI_OUT_DIR", str(out), priority="cmdline")
    settings.set("LOG_LEVEL", level, priority="cmdline")
    if args.quiet:
        settings.set("GONGKAI_PROGRESS", False, priority="cmdline")
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    holder = process.create_crawler("reports")
    process.crawl(holder, start_urls=",".join(urls))
    process.start()
    if getattr(process, "bootstrap_failed", False) or holder.stats is None:
        print("gongkai: the crawl could not start (see the log above)", file=sys.stderr)
        return 1
    summary = holder.stats.get_value("gongkai/summary")
    if not summary:
        print("gongkai: the crawl stopped before it began (see the log above)", file=sys.stderr)
        return 1
    resumed = " (resumed)" if summary.get("resumed") else ""
    print(f"gongkai: crawl {summary['crawl_id']}{resumed} {summary['reason']}: {summary_line(summary)}")
    print(f"gongkai: {out}/report.html · reports.jsonl · warc/ · failures/{summary['crawl_id']}.jsonl")
    if summary.get("all_start_urls_failed"):
        print(f"gongkai: every start URL failed ({', '.join(summary['start_urls_failed'])}); nothing was crawled",
              file=sys.stderr)
        return 1
    if summary["reason"] != "finished":
        print(f"gongkai: the crawl did not finish ({summary['reason']}); run the same command again to resume it",
              file=sys.stderr)
        return 1
    return 0


def _worker(args: argparse.Namespace) -> int:
    from crawler.distributed.run import run_worker

    overrides = [f"{n}={v}" for n, v in parse_set(args.set)]
    return run_worker(args.redis, check_writable_dir(args.out), job=args.job, name=args.name, overrides=overrides,
                      log_level=args.log_level)


def _merge(args: argparse.Namespace) -> int:
    out = check_writable_dir(args.dir)
    for path in args.workers:
        check_existing_dir(path)
    from crawler.distributed.merge import MergeError, import_workers, last_run, merge_job
    from crawler.distributed.run import print_merged

    try:
        run = import_workers(out, args.workers, args.run) if args.workers else args.run or last_run(out)
    except MergeError as exc:
        raise UsageError(str(exc)) from None
    merged = merge_job(out, run)
    if not merged["workers"]:
        raise UsageError(f"{out}: no worker directory of run {run}")
    return 0 if print_merged(out, merged) else 1


def _report(args: argparse.Namespace) -> int:
    job = check_existing_dir(args.dir)
    if not any((job / name).exists() for name in ("reports.jsonl", "state.sqlite", "crawl-stats.json")):
        raise UsageError(f"{job} is not a crawl directory (no reports.jsonl, state.sqlite or crawl-stats.json)")
    if args.out is not None:
        check_output_file(args.out)
    from crawler.crawl_report import write_report

    print(f"gongkai: crawl report → {write_report(job, out=args.out)}")
    return 0


def _damage_exit(damage: list) -> int:
    """One stderr line per damaged place the WARC reader skipped; exit 1 if there was any."""
    for d in damage:
        print(f"gongkai: damaged WARC {d.warc_file} at offset {d.offset}: {d.reason}", file=sys.stderr)
    return 1 if damage else 0


def _replay(args: argparse.Namespace) -> int:
    paths = warc_paths(args.warcs)
    check_output_file(args.out)
    from archive.replay import replay_to_jsonl

    count, damage = replay_to_jsonl(paths, args.out)
    code = _damage_exit(damage)
    print(f"gongkai: {count} reports from {len(paths)} WARC file(s) → {args.out}")
    return code


def _stats(args: argparse.Namespace) -> int:
    if not args.dir.exists():
        raise UsageError(f"{args.dir}: no such file or directory")
    source = args.dir / "reports.jsonl" if args.dir.is_dir() else args.dir
    if not source.is_file():
        raise UsageError(f"{args.dir}: no reports.jsonl in this directory")
    check_output_file(args.out)
    by_suffix = STATS_FORMATS.get(args.out.suffix.lower())
    fmt = args.format or by_suffix or "csv"
    if by_suffix and by_suffix != fmt:
        raise UsageError(f"--format {fmt} but --out {args.out} ends in {args.out.suffix}; make them agree")
    if fmt == "parquet":
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            raise UsageError("Parquet output needs pyarrow: pip install 'gongkai[parquet]' (or --format csv)")
    from pipelines.stats_export import export_stats

    print(export_stats([source], fmt, args.out))
    return 0


def _index(args: argparse.Namespace) -> int:
    paths = warc_paths([check_existing_dir(args.dir)])
    job = args.dir
    from archive.index import build_index
    out = args.out or job / "index.cdxj"
    check_output_file(out)
    count, damage = build_index(paths, out)
    code = _damage_exit(damage)
    print(f"gongkai: {count} index lines from {len(paths)} WARC file(s) → {out}")
    return code


def _export_wacz(args: argparse.Namespace) -> int:
    job = check_existing_dir(args.dir)
    if args.out is not None:
        check_output_file(args.out)
    from archive.wacz import export_wacz

    target, damage = export_wacz(job, args.out)
    code = _damage_exit(damage)
    print(f"gongkai: WACZ → {target}")
    return code


def _version() -> str:
    try:
        return metadata.version("gongkai")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _dir_command(sub, name: str, func, help_text: str, dir_help: str, out_help: str) -> None:
    """A subcommand over one job directory with an optional --out file (report, index, export-wacz)."""
    command = sub.add_parser(name, help=help_text)
    command.add_argument("dir", type=Path, help=dir_help)
    command.add_argument("--out", type=Path, help=out_help)
    command.set_defaults(func=func)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gongkai", description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"gongkai {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = sub.add_parser(
        "crawl", help="crawl portals for annual disclosure reports", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Crawl portals to their annual-report columns. Running it again with the same --out is the "
                    "next crawl of that job (or resumes one that did not finish).",
        epilog="examples:\n  gongkai crawl http://www.qhq.gov.cn/ --out jobs/qinghe\n"
               "  gongkai crawl http://www.qhq.gov.cn/xxgk/ndbg/ --out jobs/qinghe -q --set DOWNLOAD_DELAY=1\n"
               "exit codes: 0 finished (failed URLs are listed in DIR/report.html); 1 every start URL failed, "
               "or the crawl was interrupted (run it again to resume); 2 usage error")
    crawl.add_argument("urls", nargs="+", help="portal home pages or report-column URLs (http:// or https://)")
    crawl.add_argument("--out", type=Path, required=True, help="output directory of the crawl job")
    crawl.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a setting (crawler/settings.py)")
    noise = crawl.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="warnings and the summary only; no progress line")
    noise.add_argument("-v", "--verbose", action="store_true", help="debug log")
    crawl.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, help="Scrapy log level (default INFO)")
    crawl.add_argument("--workers", type=int, default=1, metavar="N",
                       help="N worker processes sharing one queue through a local redis-server (crawler/distributed/)")
    crawl.add_argument("--redis", metavar="URL",
                       help="share the crawl through this Redis (redis://host:port/0) instead of a private one, "
                            "so workers on other machines can join (`gongkai worker`)")
    crawl.set_defaults(func=_crawl)

    worker = sub.add_parser("worker", help="join a distributed crawl running on a Redis server")
    worker.add_argument("--redis", required=True, help="the crawl's Redis URL (redis://host:port/0, unix:///path)")
    worker.add_argument("--out", type=Path, required=True, help="job directory; this worker writes DIR/workers/NAME/")
    worker.add_argument("--job", help="job id (needed only when the Redis holds more than one job)")
    worker.add_argument("--name", help="worker name (default host-pid)")
    worker.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a setting (crawler/settings.py)")
    worker.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, default="INFO")
    worker.set_defaults(func=_worker)

    merge = sub.add_parser("merge", help="merge a distributed crawl's worker directories (copied from other machines)",
                           description="Bring worker directories into the job directory DIR and merge the run "
                                       "again: reports.jsonl, state.sqlite, changes/, warc/, index.cdxj. The same "
                                       "directories give the same files, however often it is run.")
    merge.add_argument("dir", type=Path, help="the coordinator's job directory (gongkai crawl --out DIR)")
    merge.add_argument("workers", nargs="*", type=Path,
                       help="a worker's --out directory or one of its workers/NAME/ directories, copied here")
    merge.add_argument("--run", help="the distributed run (Redis job id) to merge, when DIR holds several")
    merge.set_defaults(func=_merge)

    _dir_command(sub, "report", _report, "write the crawl report DIR/report.html",
                 "crawl directory", "HTML file to write (default DIR/report.html)")

    replay = sub.add_parser("replay", help="re-extract reports from WARC files, offline")
    replay.add_argument("warcs", nargs="+", type=Path, help="WARC/ARC files or directories of them")
    replay.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    replay.set_defaults(func=_replay)

    _dir_command(sub, "index", _index, "sorted CDXJ index of a crawl's WARCs (DIR/index.cdxj)",
                 "crawl directory (or a directory of WARC files)", "CDXJ file to write (default DIR/index.cdxj)")
    _dir_command(sub, "export-wacz", _export_wacz, "package a crawl as WACZ (DIR/<name>.wacz)",
                 "crawl directory", "WACZ file to write (default DIR/<name>.wacz)")

    stats = sub.add_parser("stats", help="template statistics of a crawl as tidy rows")
    stats.add_argument("dir", type=Path, help="crawl directory (or a reports.jsonl)")
    stats.add_argument("--format", choices=["csv", "parquet"],
                       help="default: from the --out extension (.csv, .parquet), else csv")
    stats.add_argument("--out", type=Path, required=True)
    stats.set_defaults(func=_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command not in ("crawl", "worker"):  # Scrapy configures logging for crawls itself
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"gongkai {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gongkai {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
