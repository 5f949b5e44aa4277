"""Report text from a parsed page. (First version: trafilatura on the whole page.)"""

from __future__ import annotations

import trafilatura
from lxml import etree


def extract_text(tree: etree._Element, url: str) -> tuple[str, list[str]]:
    """Return (text, warnings). Never raises."""
    warnings: list[str] = []
    try:
        text = trafilatura.extract(tree, url=url, include_tables=True, favor_precision=True) or ""
    except Exception as exc:  # trafilatura raises assorted errors on odd trees
        warnings.append(f"trafilatura failed: {exc!r}")
        text = ""
    if not text.strip():
        warnings.append("no text extracted")
    return text.strip(), warnings
