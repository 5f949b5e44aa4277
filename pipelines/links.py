"""A parsed page's links, and which of them are files (rules in pipelines/rules/links.py).

Pure functions over an lxml tree. The crawl sorts these links further by what they lead to
(crawler/links.py); page completion (pipelines/completion.py) needs only this much, live and in
replay alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from pipelines.rules import links as rules
from pipelines.urls import canonical_url

_EMBEDDED = re.compile(rules.EMBEDDED_RECORD_PATTERN)
_SPACES = re.compile(r"\s+")
_ATTACHMENT_EXTENSIONS = tuple(rules.ATTACHMENT_EXTENSIONS)
_SKIP_EXTENSIONS = tuple(rules.SKIP_EXTENSIONS)


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


def is_attachment(link: Link) -> bool:
    return link.path.lower().endswith(_ATTACHMENT_EXTENSIONS)


def is_skipped_resource(link: Link) -> bool:
    return link.path.lower().endswith(_SKIP_EXTENSIONS)
