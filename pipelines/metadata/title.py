"""The report's title: <meta ArticleTitle>, else the article heading, else <title> without the site name."""

from __future__ import annotations

import re

from lxml import etree

from pipelines import dates
from pipelines.metadata.lines import META_LINE_RE, Line, squash
from pipelines.rules import metadata as R
from pipelines.rules.report_titles import ANNUAL_REPORT_PATTERNS

TITLE_SPLIT_RE = re.compile(R.TITLE_SEPARATORS)
_SITE_NAME_TAIL_RE = re.compile(R.SITE_NAME_TAIL)
_TITLE_CLASS_RE = re.compile(R.TITLE_CLASS_WORDS, re.I)
_TITLE_CLASS_EXCLUDE_RE = re.compile(R.TITLE_CLASS_EXCLUDE, re.I)
_BREADCRUMB_RE = re.compile(R.BREADCRUMB_MARKERS)
_REPORT_RE = re.compile("|".join(f"(?:{p})" for p in ANNUAL_REPORT_PATTERNS))


def looks_like_site(s: str, site_name: str | None) -> bool:
    sq = squash(s)
    if site_name and sq == squash(site_name):
        return True
    return len(sq) <= 16 and not dates.year_of(sq) and bool(_SITE_NAME_TAIL_RE.search(sq))


def _strip_title(doc_title: str, site_name: str | None) -> str:
    """<title> without its site-name part (`X_XX区人民政府`, `X - 网站名`)."""
    parts = [p.strip() for p in TITLE_SPLIT_RE.split(doc_title) if p and p.strip()]
    if len(parts) > 1:
        kept = [p for p in parts if not looks_like_site(p, site_name)] or parts[:1]
        for p in kept:
            if _REPORT_RE.search(squash(p)):
                return p
        return kept[0]
    # An unspaced hyphen before a site name: 报告-XX区人民政府.
    head, sep, tail = doc_title.rpartition("-")
    if sep and head.strip() and looks_like_site(tail, site_name):
        return head.strip()
    return doc_title.strip()


def _heading_candidates(tree: etree._Element) -> list[tuple[float, int, str, bool]]:
    """(base score, document order, text, inside a link) of elements that may be the article heading."""
    out: list[tuple[float, int, str, bool]] = []
    for order, el in enumerate(tree.iter(tag=etree.Element)):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in R.TITLE_TAGS:
            base = 4.0
        elif tag == "h1":
            base = 2.0
        elif tag == "h2":
            base = 1.5
        elif tag == "h3":
            base = 1.0
        else:
            marks = f"{el.get('class') or ''} {el.get('id') or ''}"
            if not marks.strip() or not _TITLE_CLASS_RE.search(marks) or _TITLE_CLASS_EXCLUDE_RE.search(marks):
                continue
            base = 2.0
        text = " ".join(el.text_content().split())
        if not 4 <= len(text) <= 150:
            continue
        in_link = tag == "a" or any(a.tag == "a" for a in el.iterancestors()) or (
            len(el) == 1 and el[0].tag == "a" and not (el.text or "").strip()
        )
        out.append((base, order, text, in_link))
    return out


def find_title(tree: etree._Element, meta: dict[str, str], doc_title: str, lines: list[Line]) -> str:
    site = meta.get("site")
    if meta.get("title") and not looks_like_site(meta["title"], site):
        return meta["title"]
    stripped = _strip_title(doc_title, site) if doc_title else ""
    sq_doc, sq_stripped = squash(doc_title), squash(stripped)
    best: tuple[float, int, str] | None = None
    for base, order, text, in_link in _heading_candidates(tree):
        sq = squash(text)
        score = base
        if sq_doc and sq in sq_doc:
            score += 4
        elif len(sq_stripped) >= 4 and sq_stripped in sq:
            # A wrapper holding the heading plus its meta line: good only when little else is in it.
            score += 4 if len(sq) <= len(sq_stripped) * 1.3 else 0
        if dates.find_dates(sq) or META_LINE_RE.search(sq):
            score -= 3  # headings carry no date or 来源; the meta strip (or its wrapper) does
        if _REPORT_RE.search(sq):
            score += 2
        if looks_like_site(text, site):
            score -= 6
        if in_link:
            score -= 2
        if best is None or score > best[0]:
            best = (score, order, text)
    if best and best[0] >= 3:
        return best[2]
    if stripped and _REPORT_RE.search(sq_stripped):
        return stripped
    # Table layouts put the heading in a bare <td><font> under a <title> that is only the site name:
    # take the first short line naming a report.
    for line in lines:
        sq = squash(line.clean)
        if len(sq) <= 60 and not line.in_link and _REPORT_RE.search(sq) and not _BREADCRUMB_RE.search(sq):
            return line.clean
    if stripped and not looks_like_site(stripped, site):
        return stripped
    if best and best[0] > 0:
        return best[2]
    return stripped


def title_line(lines: list[Line], title: str) -> int | None:
    """Index of the visible line that is the title (not a link to it), or None."""
    sq_title = squash(title)
    if len(sq_title) < 4:
        return None
    for i, line in enumerate(lines):
        sq = squash(line.clean)
        if sq == sq_title or (len(sq) <= len(sq_title) + 20 and sq_title in sq) or (
            len(sq) >= 8 and sq in sq_title and len(sq) >= len(sq_title) * 0.6
        ):
            if not line.in_link:
                return i
    return None
