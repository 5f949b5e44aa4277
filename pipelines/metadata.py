"""Report metadata from a parsed page. (First version: meta tags and the title.)"""

from __future__ import annotations

import re

from lxml import etree

from pipelines.document import page_title


def _meta(tree: etree._Element, name: str) -> str | None:
    values = tree.xpath(f"//meta[@name='{name}']/@content")
    return values[0].strip() if values and values[0].strip() else None


def extract_metadata(tree: etree._Element, text: str, url: str) -> dict:
    title = _meta(tree, "ArticleTitle") or page_title(tree)
    pub = _meta(tree, "PubDate")
    date = None
    if pub:
        m = re.search(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})", pub)
        if m:
            date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    year_m = re.search(r"((?:19|20)\d{2})\s*年", title or "")
    report_year = int(year_m.group(1)) if year_m else (int(date[:4]) - 1 if date else None)
    return {
        "title": title,
        "agency": _meta(tree, "ContentSource"),
        "publish_date": date,
        "views": None,
        "report_year": report_year,
        "source_kind": "official" if ".gov.cn" in url else "mirror",
    }
