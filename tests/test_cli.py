"""`gongkai` as a user meets it: usage errors, exit codes, the closing summary, Ctrl-C and resume,
the progress line on a terminal. Every command runs as a subprocess, as a user or a cron job runs it."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import FAST, GONGKAI, ROOT, proxy_env, run_crawl


def gongkai(*args: str, cwd: Path, env: dict | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*GONGKAI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def tree(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


# -- usage errors: one line, exit 2, nothing created -----------------------------------------------
USAGE_ERRORS = {
    "start URL without a scheme": (["crawl", "www.qhq.gov.cn", "--out", "job"], "no scheme"),
    "start URL of another scheme": (["crawl", "ftp://www.qhq.gov.cn/", "--out", "job"], "http"),
    "--out is a file": (["crawl", "http://www.qhq.gov.cn/", "--out", "afile"], "is a file"),
    "--out below a file": (["crawl", "http://www.qhq.gov.cn/", "--out", "afile/job"], "is a file"),
    "unknown option": (["crawl", "http://www.qhq.gov.cn/", "--out", "job", "--depth", "3"], "unrecognized"),
    "unknown log level": (["crawl", "http://www.qhq.gov.cn/", "--out", "job", "--log-level", "verbose"],
                          "invalid choice"),
    "--set without =": (["crawl", "http://www.qhq.gov.cn/", "--out", "job", "--set", "DOWNLOAD_DELAY"], "NAME=VALUE"),
    "-q with -v": (["crawl", "http://www.qhq.gov.cn/", "--out", "job", "-q", "-v"], "not allowed"),
    "stats of a missing dir": (["stats", "missing", "--out", "s.csv"], "no such"),
    "stats format and extension disagree": (["stats", "jobdir", "--out", "x.parquet", "--format", "csv"], "agree"),
    "stats --out is a directory": (["stats", "jobdir", "--out", "jobdir"], "directory"),
    "replay of a missing path": (["replay", "missing", "--out", "r.jsonl"], "no such"),
    "replay of a directory without WARCs": (["replay", "emptydir", "--out", "r.jsonl"], "no WARC"),
    "index of a missing dir": (["index", "missing"], "no such"),
    "index of a dir without WARCs": (["index", "emptydir"], "no WARC"),
    "report of a missing dir": (["report", "missing"], "no such"),
    "report of a dir that is no crawl": (["report", "emptydir"], "not a crawl directory"),
    "no command": ([], "required"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_error_is_one_line_exit_2_and_creates_nothing(case, tmp_path):
    argv, words = USAGE_ERRORS[case]
    (tmp_path / "afile").write_text("not a directory")
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "jobdir").mkdir()
    (tmp_path / "jobdir" / "reports.jsonl").write_text("")
    before = tree(tmp_path)
    proc = gongkai(*argv, cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert words in lines[0], lines[0]
    assert tree(tmp_path) == before, "a usage error created files"


def test_version_and_examples_in_help(tmp_path):
    version = gongkai("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("gongkai 0."), version
    helptext = gongkai("--help", cwd=tmp_path).stdout
    assert "examples:" in helptext and "gongkai crawl http://" in helptext and "report" in helptext
    crawl_help = gongkai("crawl", "--help", cwd=tmp_path).stdout
    assert "examples:" in crawl_help and "exit codes" in crawl_help and "-q" in crawl_help


# -- crawl exit codes -----------------------------------------------------------------------------
def test_crawl_whose_only_start_url_is_unreachable_exits_1(tmp_path):
    """A cron job must see a crawl that reached nothing: connection refused on a closed local port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    out = tmp_path / "job"
    proc = gongkai("crawl", f"http://127.0.0.1:{port}/", "--out", str(out), *FAST, "--set", "RETRY_TIMES=0",
                   cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 1, (proc.stdout, proc.stderr[-3000:])
    assert "every start URL failed" in proc.stderr and "Traceback" not in proc.stderr
    failures = [json.loads(line) for f in (out / "failures").glob("*.jsonl") for line in f.read_text().splitlines()]
    assert [(f["url"], f["reason"]) for f in failures] == [(f"http://127.0.0.1:{port}/", "connection")]
    assert (out / "report.html").exists()


def test_crawl_with_some_failures_exits_0_and_files_them_by_reason(demo_crawl):
    assert demo_crawl.returncode == 0
    assert "failures:" in demo_crawl.stdout and "report.html" in demo_crawl.stdout
    crawl_id = demo_crawl.stats()["gongkai/crawl_id"]
    failures = [json.loads(line) for line in
                (demo_crawl.out / "failures" / f"{crawl_id}.jsonl").read_text(encoding="utf-8").splitlines()]
    by_reason: dict[str, set[str]] = {}
    for f in failures:
        by_reason.setdefault(f["reason"], set()).add(f["url"])
    # The fixture web's hazards, each under its own reason (tests/fixtureweb/__init__.py).
    assert "http://www.hyq.gov.cn/art/2015/3/30/art_1234_5999.html" in by_reason["http_4xx"]
    assert "http://ljz.hyq.gov.cn/" in by_reason["http_5xx"]
    assert any(u.endswith("/bigreport.html") for u in by_reason["too_large"])
    assert any("/private/" in u for u in by_reason["robots"])
    assert "other" not in by_reason, by_reason.get("other")
    # A robots exclusion is what the site asked for: logged, not warned about. The dead sub-site's
    # robots.txt (a 502) is a failure: one warning that its host is not crawled, and its page filed.
    assert "Excluded by robots.txt" in demo_crawl.stderr
    warned = [line for line in demo_crawl.stderr.splitlines() if "WARNING" in line and "robots" in line]
    assert not [line for line in warned if "Excluded" in line or "/private/" in line], warned
    assert [line for line in warned if "not crawling the host" in line] == [
        line for line in warned if "robots.txt unreachable (HTTP 502): http://ljz.hyq.gov.cn/robots.txt" in line]
    assert len([line for line in warned if "not crawling the host" in line]) == 1, warned


def test_ctrl_c_says_run_again_and_the_rerun_resumes(fixture_web, tmp_path):
    fixture_web.reset()
    out = tmp_path / "job"
    start = fixture_web.start_urls[:1]
    before = len(fixture_web.requests())
    proc = subprocess.Popen([*GONGKAI, "crawl", *start, "--out", str(out), *FAST,
                             "--set", "DOWNLOAD_DELAY=0.2", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"],
                            cwd=ROOT, env=proxy_env(fixture_web), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 60
    while len(fixture_web.requests()) - before < 8 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, (stdout, stderr[-3000:])
    assert "run the same command again to resume" in stderr, stderr[-2000:]
    assert "Traceback" not in stderr
    # The same command again, quiet: it says it resumed, and nothing but warnings reach the log.
    again = run_crawl(fixture_web, out, "-q", urls=start)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "(resumed) finished" in again.stdout, again.stdout
    assert " INFO: " not in again.stderr


# -- a re-crawl on a terminal: the progress line and what the summary says --------------------------
@pytest.fixture(scope="module")
def recrawl_on_a_terminal(demo_crawl, fixture_web, tmp_path_factory) -> tuple[int, str, Path]:
    """The demo job crawled again, its output going to a pseudo-terminal as it does for a person."""
    job = tmp_path_factory.mktemp("recrawl") / "job"
    shutil.copytree(demo_crawl.out, job)
    fixture_web.reset()
    primary, replica = pty.openpty()
    proc = subprocess.Popen([*GONGKAI, "crawl", *fixture_web.start_urls, "--out", str(job), *FAST],
                            cwd=ROOT, env={**proxy_env(fixture_web), "COLUMNS": "120", "TERM": "xterm"},
                            stdin=replica, stdout=replica, stderr=replica, close_fds=True)
    os.close(replica)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([primary], [], [], 180)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(primary)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace"), job


def test_recrawl_says_what_is_new(recrawl_on_a_terminal, demo_crawl):
    """Re-crawling an unchanged web says 0 new, all unchanged (it used to say "59 reports")."""
    returncode, screen, _job = recrawl_on_a_terminal
    assert returncode == 0, screen[-3000:]
    n = len({r["url"] for r in demo_crawl.reports()})
    assert f"(0 new, 0 changed, {n} unchanged, 0 removed)" in screen, screen[-2000:]


def test_progress_line_on_a_terminal_only(recrawl_on_a_terminal, demo_crawl, fixture_web):
    # Not a terminal (the demo crawl's stderr is a pipe): no live line, no terminal escapes.
    assert "in flight" not in demo_crawl.stderr and "\x1b[" not in demo_crawl.stderr
    _returncode, screen, _job = recrawl_on_a_terminal
    live = [line for line in screen.splitlines() if "in flight" in line]
    assert live, screen[-3000:]
    assert any("reports" in line and "queue" in line and "failures" in line for line in live)
    below = screen.split("in flight", 1)[1]
    for start in fixture_web.start_urls:
        assert start.split("/")[2] in below, f"no per-site counts for {start} under the live line"


# -- what the job directory holds matches what docs/output.md and docs/jsonl-schema.json say ---------
def test_every_line_has_every_documented_field(demo_crawl):
    import jsonschema

    schema = json.loads((ROOT / "docs" / "jsonl-schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    reports = demo_crawl.reports()
    assert reports
    for record in reports:
        assert set(schema["properties"]) <= set(record), (record["url"], set(schema["properties"]) - set(record))
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, (record["url"], errors[:3])
    documented = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    for name in schema["properties"]:
        assert f"| `{name}` |" in documented, f"{name} is in the schema but not in docs/output.md"


def test_unchanged_recrawl_appends_nothing_to_reports_jsonl(recrawl_on_a_terminal, demo_crawl):
    """docs/output.md#across-crawls: a re-crawl of an unchanged web appends nothing; last line per URL current."""
    returncode, screen, job = recrawl_on_a_terminal
    assert returncode == 0, screen[-2000:]
    lines = (job / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(demo_crawl.reports())


def test_readme_and_docs_point_only_inside_the_repository():
    """A reader of a clean checkout must be able to open every file the docs name."""
    import re

    outside = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text) + re.findall(r"`([.\w/-]+\.md)`", text)
        for target in targets:
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            path = (doc.parent / target).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                outside.append(f"{doc.relative_to(ROOT)} → {target}")
    assert not outside, outside


def test_every_kind_of_failure_gets_its_reason():
    """What crawler/extensions/failures.py files each of Scrapy's failures under (the crawl tests see
    robots, 4xx, 5xx, too_large and connection; these are the ones the fixture web cannot cause)."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadTimeoutError,
        IgnoreRequest,
    )
    from scrapy.http import Request, Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import error as twisted_error
    from twisted.python.failure import Failure

    from crawler.extensions.failures import failure_reason

    request = Request("http://www.example.gov.cn/a.html")
    cases = {
        "timeout": DownloadTimeoutError("Getting http://www.example.gov.cn/a.html took longer than 60 seconds."),
        "dns": CannotResolveHostError("DNS lookup failed: no results for hostname lookup: www.example.gov.cn."),
        "connection": twisted_error.ConnectionRefusedError(),
        "too_large": DownloadCancelledError(""),
        "robots": IgnoreRequest("Forbidden by robots.txt"),
        "redirects": IgnoreRequest("max redirections reached"),
        "http_4xx": HttpError(Response(request.url, status=403, request=request), "Ignoring non-200 response"),
        "http_5xx": HttpError(Response(request.url, status=503, request=request), "Ignoring non-200 response"),
    }
    for reason, exc in cases.items():
        failure = Failure(exc)
        failure.request = request
        assert failure_reason(failure)[0] == reason, (reason, failure_reason(failure))
    offsite = Failure(IgnoreRequest("Filtered offsite request to 'www.baidu.com'"))
    assert failure_reason(offsite)[0] is None  # not a failure: the crawl's own scope
