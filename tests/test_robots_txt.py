"""robots.txt, end to end: what the crawl asked a server for, and what it said about the rest.

A small proxy-style server of its own (one host, robots.txt answering late or failing) so each test
controls exactly how robots.txt behaves; `gongkai crawl` reaches it through http_proxy like every crawl.
Start URLs of one host are all requested at once, so they all wait for the host's robots.txt: the
case where Scrapy 2.19's middleware let every waiter after the first through.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.one_host_server import Answer, OneHostServer, html_page

HOST = "www.robots-test.gov.cn"
OPEN = [f"http://{HOST}/", f"http://{HOST}/open/a.html", f"http://{HOST}/open/b.html"]
PRIVATE = [f"http://{HOST}/private/c.html", f"http://{HOST}/private/d.html", f"http://{HOST}/private/e.html"]
RULES = b"User-agent: *\nDisallow: /private/\n"


class RobotsServer(OneHostServer):
    """robots.txt answers as `robots` says (status, body, delay); every page 200."""

    def __init__(self) -> None:
        self.robots: tuple[int, bytes, float] = (200, RULES, 0.0)
        super().__init__(self._answer)

    def _answer(self, path: str, headers: dict[str, str]) -> Answer:
        if path != "/robots.txt":
            return html_page(path)
        status, body, delay = self.robots
        time.sleep(delay)
        return status, {"Content-Type": "text/plain"}, body


def failures(out: Path) -> dict[str, dict]:
    lines = [json.loads(line) for f in sorted((out / "failures").glob("*.jsonl")) for line in f.read_text().splitlines()]
    return {entry["url"]: entry for entry in lines}


@pytest.fixture
def server():
    with RobotsServer() as web:
        yield web


def test_requests_that_wait_for_robots_txt_all_obey_it(server, tmp_path):
    server.robots = (200, RULES, 1.0)  # late: every start request is waiting for it
    run = server.crawl(tmp_path / "job", OPEN + PRIVATE)
    assert run.returncode == 0, run.stderr[-2000:]
    assert not [p for p in server.paths if p.startswith("/private/")], server.paths
    assert {urlsplit(u).path for u in OPEN} <= set(server.paths)
    filed = failures(tmp_path / "job")
    assert all(filed[u]["reason"] == "robots" for u in PRIVATE), filed


def test_an_unreachable_robots_txt_means_the_host_is_not_crawled(server, tmp_path):
    server.robots = (503, b"<html><body>busy</body></html>", 0.0)
    run = server.crawl(tmp_path / "job", OPEN + PRIVATE)
    assert set(server.paths) == {"/robots.txt"}, server.paths  # asked (and retried), nothing else
    assert run.returncode == 1  # no start URL was crawled: the exit code says so
    assert "Traceback" not in run.stderr
    # One line for the host; then the failure log's line for each page, saying why.
    warnings = [line for line in run.stderr.splitlines() if "not crawling the host" in line]
    assert len(warnings) == 1 and "HTTP 503" in warnings[0], run.stderr[-2000:]
    filed = failures(tmp_path / "job")
    assert {u: (filed[u]["reason"], filed[u]["status"]) for u in OPEN + PRIVATE} == \
        dict.fromkeys(OPEN + PRIVATE, ("http_5xx", 503))
    assert all("robots.txt unreachable" in filed[u]["detail"] for u in OPEN)


def test_a_missing_robots_txt_allows_everything(server, tmp_path):
    server.robots = (404, b"not found", 0.0)
    run = server.crawl(tmp_path / "job", OPEN + PRIVATE)
    assert run.returncode == 0, run.stderr[-2000:]
    assert {urlsplit(u).path for u in OPEN + PRIVATE} <= set(server.paths)


def test_a_recrawl_uses_the_archived_robots_txt_while_the_live_one_is_unreachable(server, tmp_path):
    out = tmp_path / "job"
    server.robots = (200, RULES, 0.0)
    assert server.crawl(out, OPEN + PRIVATE).returncode == 0
    server.robots = (502, b"bad gateway", 0.0)
    run = server.crawl(out, OPEN + PRIVATE)
    assert run.returncode == 0, run.stderr[-2000:]
    assert not [p for p in server.paths if p.startswith("/private/")], server.paths
    assert {urlsplit(u).path for u in OPEN} <= set(server.paths)
    assert "using the copy this job archived before" in run.stderr
