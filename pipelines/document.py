"""Parse a page once; every later stage works on the same lxml tree."""

from __future__ import annotations

from dataclasses import dataclass

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


def parse_page(page: FetchedPage) -> ParsedPage:
    """Decode and parse a page once; later calls return the same object."""
    if page.parsed is None:
        decoded = decode_body(page.body, page.headers)
        page.parsed = ParsedPage(decoded.text, decoded.encoding, parse_html(decoded.text), decoded.warnings)
    return page.parsed
