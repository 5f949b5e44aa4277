"""A server of one test's own, reached as a proxy (http_proxy), that answers what the test says.

For tests that must control one behaviour exactly (how robots.txt answers, a 304): `answer(path,
headers)` returns (status, headers, body); every request is logged as (path, headers). `crawl()`
runs `gongkai crawl` through it as a user would.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import FAST, GONGKAI, ROOT

Answer = tuple[int, dict[str, str], bytes]


def html_page(path: str) -> Answer:
    body = f"<html><head><title>{path}</title></head><body><p>{path}</p></body></html>".encode()
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body


class OneHostServer:
    def __init__(self, answer: Callable[[str, dict[str, str]], Answer]) -> None:
        self.answer = answer
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = urlsplit(self.path).path or "/"
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((path, headers))
                status, extra, body = server.answer(path, headers)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def __enter__(self) -> OneHostServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def crawl(self, out: Path, urls: list[str], *extra: str) -> subprocess.CompletedProcess:
        self.requests.clear()
        proxy = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(out.parent), "http_proxy": proxy, "HTTP_PROXY": proxy}
        return subprocess.run([*GONGKAI, "crawl", *urls, "--out", str(out), *FAST, "--set", "RETRY_TIMES=1",
                               "-q", *extra], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
