"""Parse a page once; every later stage works on the same lxml tree."""

from __future__ import annotations

import lxml.html
from lxml import etree


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
