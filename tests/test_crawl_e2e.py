"""End to end: `gongkai crawl` of the fixture web, judged by what a user sees.

The JSON lines, what was requested, the WARC records read back with warcio, the exit code and the
closing stats.
"""

from __future__ import annotations

import gzip
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import GONGKAI, ROOT
from tests.fixtureweb import expected as E


def test_exit_code_and_summary(demo_crawl):
    assert demo_crawl.returncode == 0, demo_crawl.stderr[-3000:]
    assert "reports" in demo_crawl.stdout and str(demo_crawl.out) in demo_crawl.stdout
    summary = demo_crawl.stats()["gongkai/summary"]
    assert summary["reason"] == "finished"
    assert summary["reports"] == len(demo_crawl.reports())


def test_exactly_the_expected_reports(demo_crawl):
    got = [r["url"] for r in demo_crawl.reports()]
    assert len(got) == len(set(got)), "a report was emitted twice"
    # Static HTML reaches EXPECTED_REPORTS; the Hanweb dataproxy endpoint (requested directly, no
    # browser) reaches the JS-only ones too.
    assert set(got) == {r["url"] for r in E.EXPECTED_REPORTS} | {r["url"] for r in E.JS_ONLY_REPORTS}
    assert not set(got) & {p["url"] for p in E.NON_REPORTS}


def test_report_metadata_matches_the_pages(demo_crawl):
    got = {r["url"]: r for r in demo_crawl.reports()}
    wrong = []
    for exp in E.EXPECTED_REPORTS:
        rec = got[exp["url"]]
        for field in ("title", "agency", "publish_date", "report_year"):
            if rec[field] != exp[field]:
                wrong.append((exp["url"], field, rec[field], exp[field]))
        # Counts printed in the page are read from it; counts a script fills come from the
        # counter endpoint and say so.
        if exp["views"] is not None and (rec["views"], rec["views_source"]) != (exp["views"], "page"):
            wrong.append((exp["url"], "views", rec["views"], rec["views_source"], exp["views"]))
        if exp["views"] is None and rec["views"] is not None and not str(rec["views_source"]).startswith("counter"):
            wrong.append((exp["url"], "views", rec["views"], rec["views_source"], None))
    assert not wrong, wrong[:10]
    for rec in got.values():
        assert rec["source_kind"] == "official" and rec["domain"].endswith(".gov.cn")
        assert len(rec["text"]) > 200, rec["url"]


def test_urls_that_must_never_be_requested(demo_crawl):
    requested = demo_crawl.requested_urls
    assert not requested & E.NEVER_REQUESTED
    hosts = {urlsplit(u).hostname for u in requested}
    assert not hosts & E.NEVER_REQUESTED_HOSTS
    for host, prefixes in E.ROBOTS_DISALLOWED.items():
        for url in requested:
            parts = urlsplit(url)
            assert not (parts.hostname == host and parts.path.startswith(tuple(prefixes))), url
    for trap in E.TRAPS:
        hits = [u for u in requested if u.startswith(trap.url_prefix)]
        assert len(hits) < trap.max_requests, (trap.url_prefix, len(hits))
    # robots.txt is read before anything else on each host
    first_by_host: dict[str, str] = {}
    for r in demo_crawl.requests:
        first_by_host.setdefault(urlsplit(r.url).hostname, urlsplit(r.url).path)
    assert all(path == "/robots.txt" for path in first_by_host.values()), first_by_host


def test_session_ids_do_not_duplicate_requests(demo_crawl):
    requested = [r.url for r in demo_crawl.requests if r.method == "GET"]
    report_urls = {r["url"] for r in E.EXPECTED_REPORTS}
    assert not [u for u in requested if ";jsessionid=" in u and "/art/" in u]
    assert len([u for u in requested if u in report_urls]) <= len(report_urls) + 1  # +1: the retried 503


def test_failures_are_logged_counted_and_survived(demo_crawl):
    stats = demo_crawl.stats()
    log = demo_crawl.stderr
    assert stats.get("gongkai/errors/http_404", 0) >= 1
    assert "art_1234_5999.html" in log  # the dead link, named in a log line
    assert stats.get("retry/count", 0) >= 1  # the transient 503, retried and then fetched
    assert any(u.endswith("t20200112_32019.shtml") for u in (r["url"] for r in demo_crawl.reports()))
    huge = E.HUGE_URLS[0] if hasattr(E, "HUGE_URLS") else None
    if huge:
        assert huge in log and stats.get("gongkai/errors", 0) >= 2  # cancelled above DOWNLOAD_MAXSIZE


def _records(path: Path):
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            yield record, record.content_stream().read()


def test_every_warc_file_reads_and_is_closed(demo_crawl):
    files = sorted((demo_crawl.out / "warc").iterdir())
    assert files and all(f.name.endswith(".warc.gz") for f in files), [f.name for f in files]
    kinds: dict[str, int] = {}
    for f in files:
        first = True
        for record, _ in _records(f):
            if first:
                assert record.rec_type == "warcinfo"
                first = False
            kinds[record.rec_type] = kinds.get(record.rec_type, 0) + 1
            if record.rec_type == "response":
                assert record.rec_headers.get_header("WARC-Payload-Digest", "").startswith("sha1:")
    assert kinds["response"] >= len(demo_crawl.reports()) and kinds["request"] >= kinds["response"] - kinds.get("revisit", 0)


def test_warc_holds_robots_redirects_and_errors_as_received(demo_crawl):
    statuses: dict[int, int] = {}
    urls = set()
    for f in (demo_crawl.out / "warc").iterdir():
        for record, _payload in _records(f):
            if record.rec_type != "response":
                continue
            urls.add(record.rec_headers.get_header("WARC-Target-URI"))
            status = int(record.http_headers.get_statuscode())
            statuses[status] = statuses.get(status, 0) + 1
            head = record.http_headers
            assert head.get_header("Transfer-Encoding") is None
            # Content-Length names the stored (possibly still gzip) payload's length.
            raw = record.raw_stream
            assert head.get_header("Content-Length") is not None
            if head.get_header("Content-Encoding") == "gzip":
                statuses["gzip"] = statuses.get("gzip", 0) + 1
    assert {301, 302, 404, 503} <= set(statuses), statuses
    assert statuses.get("gzip", 0) > 0
    assert any(u.endswith("/robots.txt") for u in urls)
    del raw


def test_each_json_line_points_at_its_response_record(demo_crawl, fixture_web):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": fixture_web.proxy_url}))
    for rec in demo_crawl.reports():
        with open(demo_crawl.out / rec["warc_file"], "rb") as fh:
            fh.seek(rec["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Record-ID") == rec["warc_record_id"]
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == rec["url"]
            head = record.http_headers
            raw = record.raw_stream.read()
            assert int(head.get_header("Content-Length")) == len(raw)
            body = gzip.decompress(raw) if head.get_header("Content-Encoding") == "gzip" else raw
        # What the server sends for that URL now (pages are deterministic but for the header's
        # today-date, which does not change within a test run).
        with opener.open(urllib.request.Request(rec["url"], headers={"Accept-Encoding": "identity"})) as resp:
            assert resp.read() == body, rec["url"]


def test_template_reports_carry_checked_statistics(demo_crawl):
    with_tables = 0
    for rec in demo_crawl.reports():
        stats = rec["statistics"]
        if rec["report_year"] < 2019:
            assert stats is None or stats["template"] is None, rec["url"]  # prose reports
            continue
        with_tables += 1
        # The 2019 template until the 2020 reports, the revised 2021 one after.
        assert stats["template"] == ("2019" if rec["report_year"] <= 2020 else "2021"), rec["url"]
        assert stats["checks"] and all(check["ok"] for check in stats["checks"]), (rec["url"], stats["checks"])
        apps = stats["applications"]
        assert apps["new"]["total"] is not None and apps["total_handled"]["total"] is not None


def test_stats_command_writes_rows_pandas_reads(demo_crawl, tmp_path):
    import pandas as pd

    out = tmp_path / "stats.csv"
    proc = subprocess.run([*GONGKAI, "stats", str(demo_crawl.out), "--format", "csv", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert {"url", "agency", "report_year", "table", "row", "column", "value"} <= set(frame.columns)
    assert frame["url"].nunique() == sum(1 for r in demo_crawl.reports() if r["statistics"])
    # Prose reports contribute the one number they state: applications received.
    prose = frame[frame["report_year"] < 2019]
    assert set(prose["row"]) <= {"new"} and set(prose["column"]) <= {"total"}


def test_every_line_has_the_documented_fields(demo_crawl):
    import json

    schema = json.loads((ROOT / "docs" / "jsonl-schema.json").read_text(encoding="utf-8"))
    kinds = set(schema["properties"]["source_kind"]["enum"])
    for rec in demo_crawl.reports():
        assert set(schema["required"]) <= set(rec), rec["url"]
        assert rec["source_kind"] in kinds and rec["fetched_at"].endswith("Z")
        assert rec["publish_date"] is None or len(rec["publish_date"]) == 10
