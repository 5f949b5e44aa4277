"""Two crawls of the fixture web into one job directory: revisits, conditional requests, change log.

Between the crawls (tests/fixtureweb/recrawl.py): one report's text changes, one gets a clock and a
bumped view counter (bytes change, report does not), one answers 404, one leaves its list, and one
host starts answering conditional requests with 304.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.revisit import load_exchange
from archive.warcwriter import complete_prefix
from tests.archive_helpers import changes_files, read_jsonl, run_crawl
from tests.fixtureweb import FixtureWeb
from tests.fixtureweb.expected import EXPECTED_REPORTS
from tests.fixtureweb.recrawl import Recrawl

pytestmark = pytest.mark.timeout(240)


def _pick(host: str, n: int = 1) -> list[str]:
    urls = sorted(r["url"] for r in EXPECTED_REPORTS if f"//{host}/" in r["url"])
    return urls[:n]


def _changed_phrase(record: dict) -> str:
    """A run of report text that is sure to be in the page source as is (CJK, no markup)."""
    for para in record["text"].split("\n"):
        run = "".join(ch for ch in para if "\u4e00" <= ch <= "\u9fff")
        if len(run) >= 12 and run[:8] in para:
            return run[:8]
    raise AssertionError(f"no phrase to change in {record['url']}")


def recrawl_scenario(out: Path, crawl: Callable[[FixtureWeb, Path], object]) -> dict:
    """Two crawls of the fixture web into `out` (`crawl(web, out)` runs one and returns its result),
    the web changed between them as the module docstring says; what changed, and the second result."""
    with FixtureWeb() as web:
        recrawl = Recrawl(web)
        recrawl.validators("www.hyq.gov.cn")  # from the start: the first crawl stores the ETags
        crawl(web, out)
        first = {r["url"]: r for r in read_jsonl(out / "reports.jsonl")}
        changed, removed, unlinked = _pick("www.qhq.gov.cn", 3)
        clocked = _pick("www.slx.gov.cn")[0]
        phrase = _changed_phrase(first[changed])
        recrawl.change(changed, phrase, phrase[::-1])
        recrawl.clock(clocked)
        recrawl.remove(removed)
        recrawl.unlink(unlinked)
        web.reset()
        second = crawl(web, out)
        return {"out": out, "first": first, "changed": changed, "removed": removed, "unlinked": unlinked,
                "clocked": clocked, "not_modified": recrawl.not_modified, "second": second}


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> dict:
    return recrawl_scenario(tmp_path_factory.mktemp("recrawl") / "job", run_crawl)


def _state(out: Path) -> sqlite3.Connection:
    db = sqlite3.connect(out / "state.sqlite")
    db.row_factory = sqlite3.Row
    return db


def test_second_crawl_writes_revisits_for_unchanged_pages(job):
    db = _state(job["out"])
    crawls = [r["crawl_id"] for r in db.execute("SELECT crawl_id FROM crawls ORDER BY crawl_id")]
    assert len(crawls) == 2
    assert all(r["finished_at"] for r in db.execute("SELECT finished_at FROM crawls"))
    second = crawls[1]
    # Records of the second crawl for URLs the first crawl also captured, except those we changed.
    mutated = (job["changed"], job["clocked"], job["removed"])
    rows = db.execute(
        "SELECT url, kind, status, payload_digest FROM captures WHERE crawl_id = ? AND url IN "
        "(SELECT url FROM captures WHERE crawl_id != ?)", (second, second)).fetchall()
    rows = [r for r in rows if r["url"] not in mutated]
    # A 3xx is always a full record (archive/revisit.py revisit_allowed: pywb drops a 3xx revisit's
    # body); there must be some, and each must be a response.
    redirects = [r for r in rows if 300 <= r["status"] < 400]
    assert redirects and all(r["kind"] == "response" for r in redirects)
    rows = [r for r in rows if not 300 <= r["status"] < 400]
    revisits = sum(r["kind"] in ("revisit", "not-modified") for r in rows)
    share = revisits / len(rows)
    # A full record where the payload is byte-identical to the first crawl's is a missed revisit;
    # the other full records are pages whose bytes do change on every request (a token in a script).
    first = {(r["url"], r["status"]): r["payload_digest"] for r in db.execute(
        "SELECT url, status, payload_digest FROM captures WHERE crawl_id = ?", (crawls[0],))}
    missed = [r["url"] for r in rows if r["kind"] == "response" and first.get((r["url"], r["status"])) == r["payload_digest"]]
    unchanged = [r for r in rows if r["kind"] != "response" or first.get((r["url"], r["status"])) == r["payload_digest"]]
    print(f"revisit share on the second crawl: {revisits}/{len(rows)} = {share:.1%} of all, "
          f"{revisits}/{len(unchanged)} of the byte-unchanged; 304s: {job['not_modified']}")
    assert not missed and revisits == len(unchanged)
    assert share >= 0.94
    assert job["not_modified"] > 0
    kinds = {r["kind"] for r in db.execute("SELECT kind FROM captures WHERE crawl_id = ?", (second,))}
    assert {"revisit", "not-modified"} <= kinds
    # The changed and the clocked report have new bytes: full records.
    for url in (job["changed"], job["clocked"]):
        last = db.execute("SELECT kind FROM captures WHERE url = ? AND crawl_id = ? AND status = 200",
                          (url, second)).fetchall()
        assert [r["kind"] for r in last] == ["response"], url


def test_revisit_records_are_well_formed(job):
    from warcio.archiveiterator import ArchiveIterator

    files = sorted((job["out"] / "warc").glob("*.warc.gz"))
    assert not list((job["out"] / "warc").glob("*.open"))
    seen = 0
    for path in files:
        assert complete_prefix(path)[2] is None
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "revisit":
                    continue
                seen += 1
                h = record.rec_headers
                assert h.get_header("WARC-Profile") == \
                    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
                for name in ("WARC-Refers-To-Target-URI", "WARC-Refers-To-Date", "WARC-Refers-To",
                             "WARC-Payload-Digest"):
                    assert h.get_header(name), name
                assert record.http_headers is not None and record.http_headers.get_statuscode()
                assert record.raw_stream.read() == b""  # no payload
    assert seen > 50


def test_change_log(job):
    files = changes_files(job["out"])
    assert len(files) == 2
    first = read_jsonl(files[0])
    assert {e["change"] for e in first} == {"new"}
    second = {e["url"]: e for e in read_jsonl(files[1])}
    expected = {r["url"] for r in EXPECTED_REPORTS}
    assert second[job["changed"]]["change"] == "changed"
    assert second[job["changed"]]["report"]["text"] != job["first"][job["changed"]]["text"]
    assert second[job["clocked"]]["change"] == "unchanged"
    assert second[job["removed"]]["change"] == "removed"
    assert second[job["removed"]]["reason"] == "http_404" and second[job["removed"]]["removed_at"]
    assert second[job["unlinked"]]["change"] == "removed"
    assert second[job["unlinked"]]["reason"] == "not_linked"
    mutated = {job["changed"], job["removed"], job["unlinked"]}
    for url in expected - mutated:
        assert second[url]["change"] == "unchanged", (url, second[url])
    # Removed reports stay in the corpus, marked.
    db = _state(job["out"])
    row = db.execute("SELECT removed_at, removed_reason FROM reports WHERE url = ?", (job["removed"],)).fetchone()
    assert row["removed_at"] and row["removed_reason"] == "http_404"
    corpus = {r["url"] for r in read_jsonl(job["out"] / "reports.jsonl")}
    assert {job["removed"], job["unlinked"]} <= corpus
    # The clocked page's bumped counter is in the view history.
    views = [r["views"] for r in db.execute("SELECT views FROM views WHERE url = ? ORDER BY rowid",
                                            (job["clocked"],))]
    assert len(views) == 2 and views[0] != views[1]


def test_pointers_resolve_to_the_page(job):
    """Every change-log pointer (revisits included) gives back a payload: through WARC-Refers-To."""
    out = job["out"]
    second = read_jsonl(changes_files(out)[1])
    resolved = 0
    for entry in second:
        if entry["change"] == "removed":
            continue
        exchange = load_exchange(out, entry["warc_file"], entry["warc_offset"])
        assert exchange.record_id == entry["warc_record_id"]
        assert exchange.payload, entry["url"]
        if exchange.record_type == "revisit":
            assert exchange.refers_to
            resolved += 1
    assert resolved > 20


def test_replay_reproduces_the_crawl(job, tmp_path):
    """`gongkai replay` of the job's WARCs (revisits resolved) gives the live lines but fetched_at."""
    from crawler.cli import main

    out = job["out"]
    replayed = tmp_path / "replay.jsonl"
    assert main(["replay", str(out / "warc"), "--out", str(replayed)]) == 0
    by_url = {r["url"]: r for r in read_jsonl(replayed)}
    # The last capture of each report: the second crawl's line (from the change log) or the first's.
    live = dict(job["first"])
    for entry in read_jsonl(changes_files(out)[1]):
        if entry.get("report"):
            live[entry["url"]] = entry["report"]
        elif entry["change"] == "unchanged":  # same text; the view count is in the log line
            live[entry["url"]] = {**live[entry["url"]], "views": entry["views"]}
    compared = 0
    for url, record in live.items():
        if url in (job["removed"],) or url not in {r["url"] for r in EXPECTED_REPORTS}:
            continue
        got = by_url[url]
        skip = {"fetched_at", "warc_file", "warc_offset", "warc_record_id"}
        assert {k: v for k, v in got.items() if k not in skip} == \
            {k: v for k, v in record.items() if k not in skip}, url
        compared += 1
    assert compared >= len(EXPECTED_REPORTS) - 2
    # A report replayed from a revisit points at the revisit record itself.
    revisit_lines = [r for r in by_url.values() if r["warc_file"] and
                     load_exchange(out, r["warc_file"], r["warc_offset"]).record_type == "revisit"]
    assert revisit_lines


def test_crawl_report_shows_the_changes(job):
    """(H4, issue 13) DIR/report.html after the re-crawl: per site what changed and was removed, the
    removed reports with why, both crawls, the views history."""
    from lxml import html as lxml_html

    doc = lxml_html.fromstring((job["out"] / "report.html").read_text(encoding="utf-8"))
    head = [th.text_content().strip() for th in doc.xpath('//table[@id="sites"]/thead//th')]
    rows = {}
    for tr in doc.xpath('//table[@id="sites"]/tbody/tr'):
        cells = [td.text_content().strip() for td in tr.xpath("td")]
        rows[cells[0]] = dict(zip(head, cells, strict=True))
    assert (rows["www.qhq.gov.cn"]["changed"], rows["www.qhq.gov.cn"]["removed"]) == ("1", "2"), rows["www.qhq.gov.cn"]
    assert rows["www.slx.gov.cn"]["changed"] == "0"  # a clock and a counter are not a change
    removed = doc.xpath('//table[@id="removed"]')[0].text_content()
    assert job["removed"] in removed and "http_404" in removed
    assert job["unlinked"] in removed and "not_linked" in removed
    assert len(doc.xpath('//table[@id="crawls"]/tbody/tr')) == 2
    assert doc.xpath('//img[@id="chart-views"]') and doc.xpath('//img[@id="chart-changes"]')


# --- POST lists: one URL, one capture per body -----------------------------------------------------
def test_two_post_bodies_to_one_url_are_two_captures(tmp_path):
    from archive.state import CrawlState, capture_key

    state = CrawlState(tmp_path)
    state.begin()
    url = "http://www.x.gov.cn/dynlist/q"
    p1, p2 = capture_key("POST", url, b"c=1&p=1"), capture_key("POST", url, b"c=1&p=2")
    assert p1 != p2 and capture_key("GET", url) == url and capture_key("post", url, b"c=1&p=1") == p1
    for n, key in enumerate((p1, p2)):
        state.record_capture(url, status=200, kind="response", fetched_at="2026-01-01T00:00:00Z",
                             payload_digest=f"sha1:{n}", warc_file="w.warc.gz", warc_offset=n,
                             warc_record_id=f"<urn:uuid:{n}>", key=key)
    assert state.full_capture(p1).payload_digest == "sha1:0"
    assert state.full_capture(p2).payload_digest == "sha1:1"
    assert state.full_capture(url) is None  # a GET of the URL has no capture


def test_state_with_url_keyed_fulls_is_migrated(tmp_path):
    from archive.state import CrawlState

    db = sqlite3.connect(tmp_path / "state.sqlite")
    db.executescript("""CREATE TABLE fulls (url TEXT NOT NULL, status INTEGER NOT NULL, payload_digest TEXT NOT NULL,
        warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, warc_record_id TEXT NOT NULL,
        warc_date TEXT NOT NULL, PRIMARY KEY (url, status));
        INSERT INTO fulls VALUES ('http://a/', 200, 'sha1:X', 'w.warc.gz', 7, '<urn:uuid:1>', '2026-01-01T00:00:00Z');""")
    db.close()
    full = CrawlState(tmp_path).full_capture("http://a/")
    assert (full.capture_key, full.payload_digest, full.warc_offset) == ("http://a/", "sha1:X", 7)


@pytest.fixture(scope="module")
def post_job(tmp_path_factory) -> Path:
    """Two crawls of a generated portal whose report list only a browser draws, by POSTs to one URL."""
    from tests.fixtureweb.generated import GeneratedWeb, plan_for

    assert plan_for(3).list_mechanism == "browser_only"
    out = tmp_path_factory.mktemp("postlist") / "job"
    gen = GeneratedWeb([3])
    with gen.serve() as web:
        run_crawl(web, out, timeout=240)
        run_crawl(web, out, timeout=240)
    return out


def test_second_crawl_revisits_every_unchanged_post_page(post_job):
    from warcio.archiveiterator import ArchiveIterator

    db = _state(post_job)
    first, second = [r["crawl_id"] for r in db.execute("SELECT crawl_id FROM crawls ORDER BY crawl_id")]
    posts = {}  # crawl -> {request body: (kind, payload digest)}
    for path in sorted((post_job / "warc").glob("*.warc.gz")):
        bodies = {}
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                h = rec.rec_headers
                if rec.rec_type == "request" and rec.http_headers.protocol == "POST":
                    bodies[h.get_header("WARC-Concurrent-To")] = rec.content_stream().read()
        for rid, body in bodies.items():
            row = db.execute("SELECT crawl_id, kind, payload_digest FROM captures WHERE warc_record_id = ?",
                             (rid,)).fetchone()
            posts.setdefault(row["crawl_id"], {})[body] = (row["kind"], row["payload_digest"])
    assert len(posts[first]) >= 2, "the browser-only list was not paged by POSTs to one URL"
    assert all(kind == "response" for kind, _ in posts[first].values())  # one capture per body
    unchanged = [b for b, (_, d) in posts[second].items() if posts[first].get(b, (None, None))[1] == d]
    assert len(unchanged) >= 2
    assert [b for b in unchanged if posts[second][b][0] != "revisit"] == []
