"""robots.txt, end to end: what the crawl asked a server for, and what it said about the rest.

A small proxy-style server of its own (one host, robots.txt answering late or failing) so each test
controls exactly how robots.txt behaves; `gongkai crawl` reaches it through http_proxy like every crawl.
Start URLs of one host are all requested at once, so they all wait for the host's robots.txt: the
case where Scrapy 2.19's middleware let every waiter after the first through.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import FAST, GONGKAI, ROOT

HOST = "www.robots-test.gov.cn"
OPEN = [f"http://{HOST}/", f"http://{HOST}/open/a.html", f"http://{HOST}/open/b.html"]
PRIVATE = [f"http://{HOST}/private/c.html", f"http://{HOST}/private/d.html", f"http://{HOST}/private/e.html"]
RULES = b"User-agent: *\nDisallow: /private/\n"


class RobotsServer:
    """Answers every proxied GET: robots.txt as `robots` says (status, body, delay), pages with 200."""

    def __init__(self) -> None:
        self.robots: tuple[int, bytes, float] = (200, RULES, 0.0)
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = urlsplit(self.path).path or "/"
                server.paths.append(path)
                if path == "/robots.txt":
                    status, body, delay = server.robots
                    time.sleep(delay)
                    ctype = "text/plain"
                else:
                    status, ctype = 200, "text/html; charset=utf-8"
                    body = f"<html><head><title>{path}</title></head><body><p>{path}</p></body></html>".encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RobotsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def crawl(self, out: Path, urls: list[str]) -> subprocess.CompletedProcess:
        self.paths.clear()
        proxy = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(out.parent), "http_proxy": proxy, "HTTP_PROXY": proxy}
        return subprocess.run([*GONGKAI, "crawl", *urls, "--out", str(out), *FAST, "--set", "RETRY_TIMES=1",
                               "-q"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)


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
