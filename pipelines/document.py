"""Parse a page once; every later stage works on the same lxml tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

from pipelines.decode import decode_body
from pipelines.page import FetchedPage


def parse_html(text: str) -> etree._Element | None:
    """Parse decoded HTML; None when there is nothing to parse (empty or not markup)."""
    if not text or not text.strip():
        return None
    # lxml refuses str input carrying an XML encoding declaration.
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[-1]
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def page_title(tree: etree._Element) -> str:
    """The document's <title>, whitespace folded."""
    titles = tree.xpath("//title/text()")
    return " ".join(" ".join(titles).split())


@dataclass
class ParsedPage:
    text: str  # decoded markup
    encoding: str
    tree: etree._Element | None  # None: nothing parseable
    warnings: list[str]
    # Whether the page names itself a report (pipelines.report.is_report), kept once known:
    # completion and extraction both ask, and the answer is a metadata pass.
    is_report: bool | None = None
    # What the page says of itself before its text is known (pipelines.metadata.page_facts):
    # read by the classification, reused by the record's metadata.
    facts: Any = None


def parse_page(page: FetchedPage) -> ParsedPage:
    """Decode and parse a page once; later calls return the same object."""
    if page.parsed is None:
        decoded = decode_body(page.body, page.headers)
        page.parsed = ParsedPage(decoded.text, decoded.encoding, parse_html(decoded.text), decoded.warnings)
    return page.parsed


# Where a page names itself. Headings inside links or list items are list entries, not the page's
# own title: a home page listing reports must not pass for a report.
_NOT_A_LIST_ENTRY = "[not(ancestor::a) and not(ancestor::li)]"
# One compiled union; headings by name test (cheaper than //*[self::h1 or …] over every element).
_TITLES = etree.XPath(" | ".join([
    "//meta[@name='ArticleTitle' or @name='articletitle' or @property='og:title']/@content",
    "//title",
    *(f"//{tag}{_NOT_A_LIST_ENTRY}" for tag in ("h1", "h2", "h3", "ucaptitle")),
    f"//*[(@class and contains(@class,'title')) or (@id and contains(@id,'title'))]{_NOT_A_LIST_ENTRY}"
    "[not(descendant::li)]",
]))


def own_titles(tree: etree._Element, limit: int = 12) -> list[str]:
    """The page's own title candidates, in document order, whitespace folded."""
    found: list[str] = []
    for node in _TITLES(tree)[: limit * 3]:
        text = node if isinstance(node, str) else node.text_content()
        text = " ".join(str(text).split())
        if text and len(text) <= 200 and text not in found:
            found.append(text)
        if len(found) >= limit:
            break
    return found
