"""Shared pieces of the fixture web: the request/response types sites speak, and the report records.

Sites are plain objects with a ``host`` set and a ``handle(req) -> Resp`` method, so the server knows
nothing about pages and the pages know nothing about sockets. Report and non-report pages are declared
as data (``ReportDef``/``PageDef``) that both the renderers and ``expected.py`` read, so what is served
and what a test expects cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

WEEKDAYS = "一二三四五六日"


@dataclass
class Req:
    """One request as a site sees it: host already chosen, ``;jsessionid=`` already stripped."""

    method: str
    host: str
    path: str  # path without query and without ;jsessionid
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    hits: int  # how many times this URL (host + path + query) has been requested, this one included


@dataclass
class Resp:
    """A response before transport concerns (gzip, chunking) are applied by the server.

    ``body`` is bytes, or an iterator of byte chunks for responses too big to hold (the 30 MB page).
    ``content_type`` is sent verbatim: the GBK site deliberately sends no charset.
    """

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "text/html"
    headers: list[tuple[str, str]] = field(default_factory=list)
    gzip_ok: bool = False  # compress when the client says Accept-Encoding: gzip
    chunked: bool = False  # send Transfer-Encoding: chunked instead of Content-Length

    @property
    def streaming(self) -> bool:
        return not isinstance(self.body, bytes | bytearray)


def redirect(status: int, location: str) -> Resp:
    """A bare redirect, as an Apache/IIS would send it."""
    body = f"<html><head><title>{status} Moved</title></head><body><a href=\"{location}\">here</a></body></html>"
    return Resp(status=status, body=body.encode(), headers=[("Location", location)])


def not_found() -> Resp:
    """The 404 every CMS sends: an HTML page, a little chrome, no report."""
    body = (
        "<html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head>"
        "<body><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除。</p><a href=\"/\">返回首页</a></body></html>"
    )
    return Resp(status=404, body=body.encode("utf-8"), content_type="text/html; charset=utf-8")


def esc(text: str) -> str:
    """HTML-escape text for element content and attribute values."""
    return html.escape(text, quote=True)


def stable_int(*parts: object) -> int:
    """A deterministic integer from any values: the seed of every generated number."""
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return int(digest[:12], 16)


def session_id() -> str:
    """A fresh session id per render, like a JSP/ASP.NET server mints for a cookieless visitor."""
    return secrets.token_hex(16).upper()


def today_cn() -> str:
    """The header clock of most portals: today's date, which is never a publish date."""
    d = dt.date.today()
    return f"{d.year}年{d.month}月{d.day}日 星期{WEEKDAYS[d.weekday()]}"


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def publish_date_for(agency: str, year: int, latest_month: int = 3) -> dt.date:
    """When ``agency`` published its report on ``year``: early in the next year, deterministic."""
    h = stable_int("pub", agency, year)
    return dt.date(year + 1, 1 + h % latest_month, 5 + (h // 7) % 23)


@dataclass
class ReportDef:
    """One annual report served somewhere in the fixture web.

    ``url`` is where the report finally answers 200 (after redirects or a meta refresh);
    ``link_url`` is what list pages link to when that differs. ``agency`` is written identically in
    the page's 发布机构/来源/ContentSource and in the signature at the end of the text.
    """

    url: str
    title: str
    agency: str
    publish_date: dt.date
    report_year: int
    kind: str  # "district", "street", "town"
    views: int | None = None  # only when the page prints the count in static HTML
    link_url: str | None = None
    link_text: str | None = None  # shown text in the list when it differs from the title (truncated)
    js_only: bool = False  # reachable only through the Hanweb POST dataproxy
    word_style: bool = False  # body exported from Word: MsoNormal spans around every digit run
    note: str = ""  # which hazard this report carries, for the module docstrings and test messages

    @property
    def listed_url(self) -> str:
        return self.link_url or self.url


@dataclass
class PageDef:
    """A page in or around a report column that is not an annual report (or not a page at all)."""

    url: str
    title: str
    date: dt.date
    kind: str  # "work_report", "budget", "statistics", "notice", "news", "dead", "huge", "private", "draft"
    body: str = ""  # plain text paragraphs separated by newlines


def paragraphs_html(text: str) -> str:
    """Plain paragraphs, one per line, indented the way portal editors do it."""
    return "\n".join(f"<p style=\"text-indent:2em;\">{esc(line)}</p>" for line in text.split("\n") if line)


def chunks(parts: Iterable[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Regroup an iterator of small byte strings into socket-sized writes."""
    buf = bytearray()
    for part in parts:
        buf += part
        if len(buf) >= size:
            yield bytes(buf)
            buf.clear()
    if buf:
        yield bytes(buf)


ROBOTS_DEFAULT = "User-agent: *\nDisallow: /manager/\nDisallow: /search/\n"
