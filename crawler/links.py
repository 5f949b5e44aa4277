"""Read a parsed page's links and sort them by what they lead to, applying crawler/rules/discovery.py.

Pure functions over an lxml tree, so they are tested without a crawl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from crawler.rules import discovery as rules
from crawler.urls import canonical_url
from pipelines.classify import is_annual_report_title, is_candidate_link_text


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
_EMBEDDED = re.compile(rules.EMBEDDED_RECORD_PATTERN)
_SCRIPT_REDIRECT = re.compile(rules.SCRIPT_REDIRECT_PATTERN)
_PAGE_PARAMS = set(rules.PAGE_QUERY_PARAMS)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Link:
    url: str
    text: str  # title attribute if longer than the (often truncated) anchor text

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def _any(patterns: list[re.Pattern], value: str) -> bool:
    return any(p.search(value) for p in patterns)


def _anchor_text(a: etree._Element) -> str:
    text = _SPACES.sub("", a.text_content() or "")
    title = _SPACES.sub("", a.get("title") or "")
    # Lists cut long titles ("…年度报…"); the title attribute usually has the whole one.
    return title if len(title) > len(text.rstrip(".…")) else text


def _base_url(tree: etree._Element, url: str) -> str:
    base = tree.xpath("//base/@href")
    return urljoin(url, base[0].strip()) if base else url


def _anchors(tree: etree._Element) -> list[etree._Element]:
    return tree.xpath("//a[@href]")


def page_links(tree: etree._Element, url: str) -> list[Link]:
    """Every followable http(s) link of the page, canonical, in document order, deduplicated.

    Includes links that sit in the static HTML inside script data (Hanweb's <datastore>).
    """
    base = _base_url(tree, url)
    seen: set[str] = set()
    links: list[Link] = []

    def add(href: str, text: str) -> None:
        href = (href or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            return
        absolute = canonical_url(urljoin(base, href))
        if not absolute.startswith(("http://", "https://")) or absolute in seen:
            return
        seen.add(absolute)
        links.append(Link(absolute, text))

    for a in _anchors(tree):
        add(a.get("href"), _anchor_text(a))
    for script in tree.xpath("//script[not(@src)]/text()"):
        for fragment in _EMBEDDED.findall(script):
            try:
                sub = lxml.html.fragment_fromstring(fragment, create_parent="div")
            except (etree.ParserError, ValueError):
                continue
            for a in _anchors(sub):
                add(a.get("href"), _anchor_text(a))
    return links


def is_section_link(link: Link) -> bool:
    return _any(_SECTION_TEXT, link.text) or _any(_SECTION_URL, link.path)


def is_column_link(link: Link) -> bool:
    if is_annual_report_title(link.text) and re.search(r"(19|20)\d{2}", link.text):
        return False  # a report itself, not the column
    return _any(_COLUMN_TEXT, link.text) or (_any(_COLUMN_URL, link.path) and not looks_like_article(link.path))


def is_subcolumn_link(link: Link, column_url: str) -> bool:
    """A list page below the column: same directory tree, not an article, or named like a sub-list."""
    col_dir = directory_of(column_url)
    inside = link.url.startswith(col_dir) and link.url != column_url
    return inside and not looks_like_article(link.path) and not is_attachment(link)


def is_candidate_report(link: Link) -> bool:
    return is_candidate_link_text(link.text)


def is_subsite_link(link: Link) -> bool:
    return _any(_SUBSITE_TEXT, link.text)


def is_attachment(link: Link) -> bool:
    return link.path.lower().endswith(tuple(rules.ATTACHMENT_EXTENSIONS))


def is_skipped_resource(link: Link) -> bool:
    return link.path.lower().endswith(tuple(rules.SKIP_EXTENSIONS))


_ARTICLE_PATH = re.compile(rules.ARTICLE_URL_PATTERN, re.I)


def looks_like_article(path: str) -> bool:
    """A CMS article URL (TRS t<date>_<id>, Hanweb art_<col>_<id>, …), not a list page."""
    return bool(_ARTICLE_PATH.search(path))


def directory_of(url: str) -> str:
    """The URL of the directory a page sits in: the scope of a column's list pages."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def pagination_links(tree: etree._Element, url: str, links: list[Link], raw_text: str) -> list[str]:
    """Other pages of the same list: 下一页 links, ?page=N links, script-only page counts."""
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
            count = min(int(m.group("count")), rules.MAX_SCRIPT_PAGES)
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
    if len(raw_text) > rules.SCRIPT_REDIRECT_MAX_PAGE_SIZE:
        return None
    m = _SCRIPT_REDIRECT.search(raw_text)
    return canonical_url(urljoin(url, m.group(1))) if m else None
