"""Sort a page's links by what they lead to (section, column, list page, report), applying crawler/rules/discovery.py.

Reading the links and telling files apart is pipelines/links.py (page completion needs it in
replay too); re-exported here so the spider has one module to ask. Pure functions over an lxml
tree, so they are tested without a crawl.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler import settings as defaults
from crawler.rules import discovery as rules
from pipelines.classify import is_annual_report_title, is_candidate_link_text
from pipelines.links import Link, is_attachment, is_skipped_resource, page_links
from pipelines.rules.vocabulary import YEAR
from pipelines.textnorm import normalize
from pipelines.urls import canonical_url

__all__ = [
    "Link", "page_links", "is_attachment", "is_skipped_resource", "is_section_link", "is_column_link",
    "is_subcolumn_link", "is_candidate_report", "is_subsite_link", "looks_like_article", "directory_of",
    "pagination_links", "script_redirect",
]


def _compile(patterns: list[str]) -> list[re.Pattern]:
    return [re.compile(p, re.I) for p in patterns]


_SECTION_TEXT = _compile(rules.SECTION_LINK_TEXTS)
_SECTION_URL = _compile(rules.SECTION_URL_PATTERNS)
_COLUMN_TEXT = _compile(rules.COLUMN_LINK_TEXTS)
_COLUMN_URL = _compile(rules.COLUMN_URL_PATTERNS)
_SUBCOLUMN_TEXT = _compile(rules.SUBCOLUMN_LINK_TEXTS)
_SUBSITE_TEXT = _compile(rules.SUBSITE_LINK_TEXTS)
_NEXT_TEXT = _compile(rules.NEXT_PAGE_TEXTS)
_SCRIPT_PAGINATION = [(re.compile(r["pattern"]), r["page_name"]) for r in rules.SCRIPT_PAGINATION]
_JS_PAGE = re.compile(rules.JS_PAGE_LINK, re.I)
_SCRIPT_REDIRECT = re.compile(rules.SCRIPT_REDIRECT_PATTERN)
_PAGE_PARAMS = set(rules.PAGE_QUERY_PARAMS)
_YEAR = re.compile(YEAR)


def _any(patterns: list[re.Pattern], value: str) -> bool:
    # One normalisation for every text rule (Traditional → Simplified, full-width, no spaces):
    # 政府信息公開 and 下一頁 match the rules written as 政府信息公开 and 下一页. Paths pass unchanged.
    value = normalize(value)
    return any(p.search(value) for p in patterns)


def is_section_link(link: Link) -> bool:
    return _any(_SECTION_TEXT, link.text) or _any(_SECTION_URL, link.path)


def is_column_link(link: Link) -> bool:
    if is_annual_report_title(link.text) and _YEAR.search(normalize(link.text)):
        return False  # a report itself, not the column
    return _any(_COLUMN_TEXT, link.text) or (_any(_COLUMN_URL, link.path) and not looks_like_article(link.path))


def is_subcolumn_link(link: Link, column_url: str) -> bool:
    """A list page below the column: same directory tree, not an article, or named like a sub-list
    on the same host (Hanweb's sub-columns are sibling /col/colN/ folders: 街道办事处, 区直部门)."""
    col_dir = directory_of(column_url)
    inside = link.url.startswith(col_dir) and link.url != column_url
    named = link.url != column_url and link.host == Link(column_url, "").host and _any(_SUBCOLUMN_TEXT, link.text)
    return (inside or named) and not looks_like_article(link.path) and not is_attachment(link)


def is_candidate_report(link: Link) -> bool:
    return is_candidate_link_text(link.text)


def is_subsite_link(link: Link) -> bool:
    return _any(_SUBSITE_TEXT, link.text)


_ARTICLE_PATH = re.compile(rules.ARTICLE_URL_PATTERN, re.I)


def looks_like_article(path: str) -> bool:
    """A CMS article URL (TRS t<date>_<id>, Hanweb art_<col>_<id>, …), not a list page."""
    return bool(_ARTICLE_PATH.search(path))


def directory_of(url: str) -> str:
    """The URL of the directory a page sits in: the scope of a column's list pages."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def pagination_links(tree: etree._Element, url: str, links: list[Link], raw_text: str,
                     max_pages: int = defaults.GONGKAI_MAX_SCRIPT_PAGES) -> list[str]:
    """Other pages of the same list: 下一页 links, ?page=N links, script-only page counts (up to
    `max_pages`; the spider passes its setting)."""
    found: list[str] = []
    list_dir = directory_of(url)
    for link in links:
        if _any(_NEXT_TEXT, link.text) or _same_list_other_page(url, link.url):
            found.append(link.url)
    for a in tree.xpath("//a[starts-with(normalize-space(@href), 'javascript')]"):
        m = _JS_PAGE.search(a.get("href").strip())
        if m:
            found.append(_with_page_param(url, int(m.group(1))))
    for pattern, page_name in _SCRIPT_PAGINATION:
        for m in pattern.finditer(raw_text):
            count = min(int(m.group("count")), max_pages)
            for n in range(1, count):
                found.append(urljoin(list_dir, page_name.format(prefix=m.group("prefix"), ext=m.group("ext"), n=n)))
    return list(dict.fromkeys(canonical_url(u) for u in found))


def _same_list_other_page(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    if (a.netloc, a.path) != (b.netloc, b.path) or not b.query:
        return False
    qa = {k.lower(): v for k, v in parse_qsl(a.query)}
    qb = {k.lower(): v for k, v in parse_qsl(b.query)}
    changed = {k for k in qa.keys() | qb.keys() if qa.get(k) != qb.get(k)}
    return bool(changed) and changed <= _PAGE_PARAMS


def _with_page_param(url: str, page: int) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    names = [k for k, _ in pairs if k.lower() in _PAGE_PARAMS]
    name = names[0] if names else "page"
    pairs = [(k, v) for k, v in pairs if k != name] + [(name, str(page))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


def script_redirect(raw_text: str, url: str) -> str | None:
    """Target of a tiny page that only redirects by script (location.replace(…))."""
    # The pattern has no literal prefix, so `re` tries it at every offset: ask for its word first.
    if len(raw_text) > rules.SCRIPT_REDIRECT_MAX_PAGE_SIZE or "location" not in raw_text:
        return None
    m = _SCRIPT_REDIRECT.search(raw_text)
    return canonical_url(urljoin(url, m.group(1))) if m else None
