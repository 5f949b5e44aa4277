"""Between two crawls of the fixture web: what a real portal does to a job's second crawl.

``Recrawl(web)`` wraps every site of a running ``FixtureWeb`` (it edits no other file of the
fixture web) and can then, per URL or host:

- ``validators(host)``: answer with ETag / Last-Modified and honour If-None-Match /
  If-Modified-Since with a bodiless 304;
- ``change(url, old, new)``: serve the page with a piece of its text replaced;
- ``clock(url)``: stamp a clock and a visit counter into the page on every hit, and bump its
  ``浏览次数`` by the hit count: bytes differ between crawls, the report does not;
- ``remove(url)``: answer 404;
- ``unlink(url)``: drop every link to the URL from every other page (it still answers 200);
- ``flaky(url, times)``: answer 503 to the first ``times`` requests for the URL (then as usual).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin, urlsplit

from .common import Req, Resp, not_found

_HREF = re.compile(r"""(href\s*=\s*)(["'])([^"']*)\2""", re.IGNORECASE)
_VIEWS = re.compile(r"(浏览次数：)(\d+)")
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"


def _decode(body: bytes) -> tuple[str, str]:
    for charset in ("utf-8", "gb18030"):
        try:
            return body.decode(charset), charset
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1"), "latin-1"


def _url(req: Req) -> str:
    query = "&".join(f"{k}={v}" for k, v in req.query.items())
    return f"http://{req.host}{req.path}" + (f"?{query}" if query else "")


class _Wrapped:
    def __init__(self, site, recrawl: Recrawl) -> None:
        self.site = site
        self.hosts = site.hosts
        self.recrawl = recrawl

    def handle(self, req: Req) -> Resp:
        return self.recrawl._handle(self.site, req)


class Recrawl:
    def __init__(self, web) -> None:
        self.web = web
        self.validator_hosts: set[str] = set()
        self.changes: dict[str, list[tuple[str, str]]] = {}
        self.clocks: set[str] = set()
        self.removed: set[str] = set()
        self.unlinked: set[str] = set()
        self.flaky_urls: dict[str, int] = {}
        self.not_modified = 0
        wrapped: dict[int, _Wrapped] = {}
        for host, site in list(web._sites.items()):
            wrapped.setdefault(id(site), _Wrapped(site, self))
            web._sites[host] = wrapped[id(site)]

    # -- what to do ------------------------------------------------------------------------------
    def validators(self, *hosts: str) -> None:
        self.validator_hosts.update(hosts)

    def change(self, url: str, old: str, new: str) -> None:
        self.changes.setdefault(url, []).append((old, new))

    def clock(self, url: str) -> None:
        self.clocks.add(url)

    def remove(self, url: str) -> None:
        self.removed.add(url)

    def unlink(self, url: str) -> None:
        self.unlinked.add(url)

    def flaky(self, url: str, times: int) -> None:
        self.flaky_urls[url] = times

    # -- serving ---------------------------------------------------------------------------------
    def _handle(self, site, req: Req) -> Resp:
        url = _url(req)
        if url in self.removed:
            return not_found()
        if req.hits <= self.flaky_urls.get(url, 0):
            return Resp(status=503, body=b"<html><body><h1>503 Service Unavailable</h1></body></html>")
        resp = site.handle(req)
        if resp.status != 200 or resp.streaming:
            return resp
        body = bytes(resp.body)
        if url in self.changes or url in self.clocks or self.unlinked:
            text, charset = _decode(body)
            for old, new in self.changes.get(url, []):
                text = text.replace(old, new)
            if url in self.clocks:
                text = _VIEWS.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + req.hits}", text)
                stamp = f"<div class=\"clock\">当前时间：{req.hits % 24:02d}:{req.hits % 60:02d}:07 访问量：{req.hits}</div>"
                text = text.replace("</body>", stamp + "</body>", 1)
            if self.unlinked:
                text = _HREF.sub(lambda m: self._unlink(m, url), text)
            body = text.encode(charset)
        resp.body = body
        if req.host in self.validator_hosts:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            resp.headers = [*resp.headers, ("ETag", etag), ("Last-Modified", LAST_MODIFIED)]
            if req.headers.get("if-none-match") == etag or (
                    "if-none-match" not in req.headers and req.headers.get("if-modified-since") == LAST_MODIFIED):
                self.not_modified += 1
                return Resp(status=304, body=b"", content_type=resp.content_type,
                            headers=[("ETag", etag), ("Last-Modified", LAST_MODIFIED)])
        return resp

    def _unlink(self, m: re.Match, page_url: str) -> str:
        target = urljoin(page_url, m.group(3))
        if urlsplit(target)._replace(fragment="").geturl() in self.unlinked:
            return f"{m.group(1)}{m.group(2)}#{m.group(2)}"
        return m.group(0)
