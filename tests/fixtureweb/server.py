"""The fixture web's server: one local HTTP forward proxy that is also the origin of every fake host.

Crawlers reach it through ``http_proxy=http://127.0.0.1:PORT``, so requests arrive in absolute form
(``GET http://www.qhq.gov.cn/ HTTP/1.1``); origin-form requests are routed by their ``Host`` header. A host
no site serves answers 502, as a proxy does when DNS fails. CONNECT answers 405: every site is http-only.

Transport behaviour is decided here, not by the pages: gzip when a site allows it and the client asks,
``Transfer-Encoding: chunked`` when a site asks for it (and for streamed bodies), ``Content-Length``
otherwise. Every request is logged with the status served, so tests can assert what a crawler did and
did not fetch. The stdlib only: it starts in milliseconds and threads per connection.

Run standalone: ``python -m tests.fixtureweb.server --port 8899``.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from .common import Req, Resp
from .site_aspnet import AspNetSite
from .site_hanweb import HanwebSite
from .site_js import JsSite
from .site_misc import MiscSite
from .site_trs import TrsSite

START_URLS = ["http://www.qhq.gov.cn/", "http://www.hyq.gov.cn/", "http://www.slx.gov.cn/"]
_JSESSIONID = re.compile(r";jsessionid=[^?#/]*", re.IGNORECASE)
_CHUNK = 16 * 1024
_ASSETS = (".css", ".js", ".gif", ".png", ".jpg", ".ico")
_GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def _asset(path: str) -> Resp:
    """Stylesheets, scripts and images the page chrome references: empty but present, for browsers."""
    if path.endswith(".css"):
        return Resp(body=b"/* fixture */\n", content_type="text/css")
    if path.endswith(".js"):
        return Resp(body=b"/* fixture */\n", content_type="application/javascript")
    return Resp(body=_GIF, content_type="image/gif")


class Site(Protocol):
    hosts: tuple[str, ...]

    def handle(self, req: Req) -> Resp: ...


@dataclass
class LoggedRequest:
    """One request as received: ``url`` is absolute and exactly as requested (session ids included)."""

    method: str
    url: str
    headers: dict[str, str]
    status: int
    time: float = field(default_factory=time.time)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fixture: FixtureWeb


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # idle keep-alive connections give their thread back
    _server_name = "Apache"

    def version_string(self) -> str:
        return self._server_name

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the fixture keeps its own log; stderr noise would drown test output

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_CONNECT(self) -> None:
        self.server.fixture._log(LoggedRequest("CONNECT", self.path, dict(self.headers), 405))
        self.close_connection = True
        self.send_response(405, "CONNECT not supported: sites are http-only")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    # -- the one request path ---------------------------------------------------------------------
    def _serve(self) -> None:
        fixture = self.server.fixture
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if self.path.lower().startswith("http://"):
            url = self.path
            parts = urlsplit(url)
        else:
            host_header = self.headers.get("Host", "")
            url = f"http://{host_header}{self.path}"
            parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = _JSESSIONID.sub("", parts.path) or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        key = f"{host}{path}?{parts.query}"
        hits = fixture._hit(key)
        site = fixture._sites.get(host)
        if site is None and fixture._resolve is not None:
            site = fixture._resolve(host)
        if site is None:
            resp = Resp(status=200, body=fixture._index_page(), content_type="text/html; charset=utf-8") \
                if host in ("127.0.0.1", "localhost") else \
                Resp(status=502, body=f"<html><body><h1>502 Bad Gateway</h1><p>Cannot resolve host {host}</p></body></html>"
                     .encode(), content_type="text/html")
        else:
            req = Req(method=self.command, host=host, path=path, query=query, body=body,
                      headers={k.lower(): v for k, v in self.headers.items()}, hits=hits)
            try:
                resp = site.handle(req)
            except Exception:  # a fixture bug must show as a 500, not a hung connection
                traceback.print_exc(file=sys.stderr)
                resp = Resp(status=500, body=b"<html><body>500 Internal Server Error</body></html>")
        if resp.status == 404 and path.endswith(_ASSETS):
            resp = _asset(path)
        fixture._log(LoggedRequest(self.command, url, dict(self.headers) if fixture.keep_headers else {}, resp.status))
        try:
            self._send(resp)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True  # the client gave up (a size limit, a cancelled download)

    def _send(self, resp: Resp) -> None:
        headers = [(k, v) for k, v in resp.headers if k.lower() != "server"]
        self._server_name = next((v for k, v in resp.headers if k.lower() == "server"), "Apache/2.2.15 (Unix)")
        head_only = self.command == "HEAD"
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        for k, v in headers:
            self.send_header(k, v)
        if resp.streaming:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if not head_only:
                for piece in resp.body:  # type: ignore[union-attr]
                    if piece:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            return
        payload = bytes(resp.body)  # type: ignore[arg-type]
        if resp.gzip_ok and resp.status == 200 and "gzip" in self.headers.get("Accept-Encoding", "").lower():
            payload = gzip.compress(payload, compresslevel=6, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        if resp.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if not head_only:
                for i in range(0, len(payload), _CHUNK):
                    piece = payload[i:i + _CHUNK]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if not head_only:
                self.wfile.write(payload)


class FixtureWeb:
    """The whole fake web behind one proxy port; start it, point ``http_proxy`` at ``proxy_url``, crawl."""

    start_urls: list[str] = list(START_URLS)

    def __init__(self, port: int = 0, sites: Iterable[Site] | None = None,
                 resolve: Callable[[str], Site | None] | None = None, start_urls: list[str] | None = None,
                 keep_headers: bool = True) -> None:
        """The hand-written sites by default; ``sites``/``resolve``/``start_urls`` serve another web
        (tests/fixtureweb/generated: hosts resolved lazily, so a thousand portals cost nothing idle).
        ``keep_headers=False`` logs requests without their headers (large benchmark crawls)."""
        self._port = port
        self._resolve = resolve
        self.keep_headers = keep_headers
        if start_urls is not None:
            self.start_urls = list(start_urls)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._log_entries: list[LoggedRequest] = []
        self._hits: Counter[str] = Counter()
        self._sites: dict[str, Site] = {}
        for site in (sites if sites is not None else (TrsSite(), HanwebSite(), AspNetSite(), MiscSite(), JsSite())):
            for host in site.hosts:
                self._sites[host] = site

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FixtureWeb:
        """Bind 127.0.0.1 and serve in a daemon thread; returns self so ``FixtureWeb().start()`` chains."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.fixture = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fixtureweb", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting and close the listening socket; open keep-alive threads are daemons."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FixtureWeb is not started")
        return self._server.server_address[1]

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hosts(self) -> list[str]:
        return sorted(self._sites)

    # -- what happened ---------------------------------------------------------------------------
    def requests(self) -> list[LoggedRequest]:
        """Every request received, in order of arrival."""
        with self._lock:
            return list(self._log_entries)

    def requested_urls(self) -> set[str]:
        return {r.url for r in self.requests()}

    def reset(self) -> None:
        """Forget the log and per-URL state (so the transient 503 fails once more)."""
        with self._lock:
            self._log_entries.clear()
            self._hits.clear()

    def _log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log_entries.append(entry)

    def _hit(self, key: str) -> int:
        with self._lock:
            self._hits[key] += 1
            return self._hits[key]

    def _index_page(self) -> bytes:
        links = "".join(f"<li><a href=\"{u}\">{u}</a></li>" for u in self.start_urls)
        return (f"<html><head><meta charset=\"utf-8\"><title>fixture web</title></head><body>"
                f"<p>Use me as an HTTP proxy. Start URLs:</p><ul>{links}</ul></body></html>").encode()


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C, for poking at the sites with a browser or curl."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8899)
    args = parser.parse_args(argv)
    web = FixtureWeb(args.port).start()
    print(f"proxy: {web.proxy_url}")
    print("export http_proxy=" + web.proxy_url)
    for url in web.start_urls:
        print(f"start: {url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()


if __name__ == "__main__":
    main()
