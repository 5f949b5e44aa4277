"""Report metadata (title, agency, dates, views, year, kind of source) from a parsed page.

The page is read as *visible lines* (pipelines/metadata/lines.py). Meta lines (发布时间, 来源,
浏览次数) are looked for near the article heading first, because the page header
(`今天是:2024年4月23日`) sits far above it and the report body (`网站浏览量达120万次`) below.
Each field has its module: title.py, published.py (date and views), agency.py, source_kind.py.
All word lists live in pipelines/rules/metadata.py and pipelines/rules/vocabulary.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from pipelines import dates, mojibake
from pipelines.document import page_title
from pipelines.metadata import agency as A
from pipelines.metadata.lines import META_LINE_RE, Line, is_prose, merge_labels, meta_tags, visible_lines
from pipelines.metadata.published import STRONG_ANY_RE, read_counter, visible_dates
from pipelines.metadata.source_kind import DOCSHARE, OFFICIAL, source_kind, unfarm
from pipelines.metadata.title import TITLE_SPLIT_RE, find_title, looks_like_site, title_line
from pipelines.warnings import (
    COUNTER_BY_SCRIPT,
    DATE_FROM_DOCUMENT,
    DATE_VISIBLE_VS_META,
    YEAR_AFTER_PUBLISH_DATE,
    warning,
)

__all__ = ["PageFacts", "extract_metadata", "page_facts", "page_title_field", "source_kind"]

# Lines around the heading searched for meta lines: a disclosure key/value table may sit above it.
_WINDOW_BEFORE, _WINDOW_AFTER = 25, 12


@dataclass
class PageFacts:
    """What the page itself says, before its report text is known: read once per page.

    Classification (pipelines.report.is_report) needs the title and the record needs all of it;
    both read the same facts, so the visible lines are walked once per page.
    """

    meta: dict[str, str]
    lines: list[Line]
    doc_title: str
    title: str
    at: int | None  # index of the title's line in `lines`
    window: list[Line]  # the meta zone around the heading (or every line, label-merged)
    dates: tuple[str | None, str | None, str | None, str | None]  # strong, weak, strip, signed
    meta_date: str | None
    views: int | None
    counter_state: str | None
    page_text: str
    title_warnings: list[str]  # the mojibake repair of the title (pipelines/mojibake.py), if it did anything


def page_facts(tree: etree._Element) -> PageFacts:
    """The text-independent half of extract_metadata; `tree` is read, never changed."""
    meta = meta_tags(tree)
    lines = visible_lines(tree)
    doc_title = page_title(tree)
    served_title = find_title(tree, meta, doc_title, lines)
    # The visible line is found by the title as served; the record gets it through the one mojibake
    # repair that page text and file titles get (a mirror garbles its headings as it garbles its body).
    # What the repair cannot read back (a lost byte) the page may say clean elsewhere: its 来源 line, body, meta.
    page_text = "\n".join(ln.clean for ln in lines)
    title, title_warnings = mojibake.repair_text(served_title, "title", context="\n".join([page_text, *meta.values()])) \
        if served_title else (served_title, [])

    at = title_line(lines, served_title) if served_title else None
    if at is not None:
        # The meta zone ends where the report's prose starts: nothing below it is chrome.
        end = at + 1
        while end < min(len(lines), at + _WINDOW_AFTER) and not is_prose(lines[end].clean):
            end += 1
        window = merge_labels(lines[max(0, at - _WINDOW_BEFORE):end])
    else:
        window = merge_labels(lines)

    # Publish date: what the page shows beats <meta PubDate> (a CMS migration can re-stamp it).
    strong, weak, strip, signed = visible_dates(window)
    if at is not None and not (strong or weak or strip):
        strong = visible_dates(merge_labels(lines))[0]

    # Views: only from meta strips near the heading, never the report body.
    views, state = read_counter(window if at is not None else [ln for ln in lines if META_LINE_RE.search(ln.clean)])
    if views is None and state is None and at is not None:
        # Some templates print the strip below the body (发布日期：… 点击数：88): a counter sharing a
        # line with a publish-date label is chrome wherever it sits.
        views, state = read_counter([ln for ln in lines if STRONG_ANY_RE.search(ln.clean)])
    return PageFacts(meta, lines, doc_title, title, at, window, (strong, weak, strip, signed),
                     dates.parse_date(meta.get("pubdate")), views, state, page_text, title_warnings)


def page_title_field(facts: PageFacts, url: str) -> str | None:
    """The record's title as extract_metadata(tree, "", url) gives it, from the facts alone."""
    title = facts.title
    if title and source_kind("", url=url, meta=facts.meta, page_text=facts.page_text) != OFFICIAL:
        title = unfarm(title)
    return title or None


def extract_metadata(tree: etree._Element, text: str, url: str, facts: PageFacts | None = None) -> dict:
    """Title, agency, publish_date, views, report_year and source_kind of one report page.

    `tree` is the page parsed once by pipelines/document.py (read, never changed); `text` is the
    cleaned report text, or "" when it is not known yet (then everything comes from the tree).
    `facts`, when given, are page_facts(tree) already read (by the classification).
    """
    f = facts if facts is not None else page_facts(tree)
    warnings: list[str] = list(f.title_warnings)
    meta, lines, doc_title, title, at, window = f.meta, f.lines, f.doc_title, f.title, f.at, f.window
    strong, weak, strip, signed = f.dates
    meta_date = f.meta_date
    text_lines = text.splitlines()[-15:] if text else []
    sig_agency, sig_date = A.signature(text_lines, cjk_only=False) if text_lines else (None, None)
    if not sig_agency:
        after_title = lines[at + 1:] if at is not None else lines
        sig_agency, tree_sig_date = A.signature([ln.clean for ln in after_title if not ln.in_link], cjk_only=True)
        sig_date = sig_date or tree_sig_date
    visible = strong or weak or strip
    publish_date = visible or meta_date or signed or sig_date
    if visible and meta_date and visible != meta_date:
        warnings.append(warning(DATE_VISIBLE_VS_META,
                                f"visible date {visible} differs from meta PubDate {meta_date}; kept the visible one"))
    if publish_date and not (visible or meta_date):
        warnings.append(warning(DATE_FROM_DOCUMENT, "publish_date from the document's own date (成文日期 or signature)"))

    views, state = f.views, f.counter_state
    if state == "script":
        warnings.append(warning(COUNTER_BY_SCRIPT, "view counter filled by a script: not read"))

    page_text = f.page_text
    named = A.title_org(title) if title else None
    full_name = None
    if named:
        doc_parts = [p for p in TITLE_SPLIT_RE.split(doc_title) if p]
        doc_parts += [doc_title.rpartition("-")[2], meta.get("site", "")]
        full_name = A.full_name(named, doc_parts, page_text + "\n" + text)
    # Without <meta SiteName>, the <title> part naming the site stands in for it.
    site_alt = next((p.strip() for p in TITLE_SPLIT_RE.split(doc_title) if p and looks_like_site(p, None)), None)
    evidence = A.AgencyEvidence(
        meta_source=A.clean_org(meta.get("source")), kv_table=A.kv_agency(window), source_line=A.source_line(window),
        signature=sig_agency, title=named, title_full_name=full_name, site=meta.get("site") or site_alt,
    )
    agency = A.choose_agency(evidence, warnings)
    if agency:  # read from the same page as the title: the same repair
        agency, agency_warnings = mojibake.repair_text(agency, "agency")
        warnings.extend(agency_warnings)

    kind = source_kind(text, url=url, meta=meta, page_text=page_text, warnings=warnings)
    if kind != OFFICIAL:
        # Farms serve a mainland report in Traditional (with pinyin); the record keeps its own script.
        # Official pages are left alone: t2s would rewrite real names (乾县 → 干县).
        title, agency = unfarm(title), unfarm(agency)

    report_year = dates.year_of(title) if title else None
    if report_year is None and publish_date and kind != DOCSHARE:
        # Reports appear early in the next year. A docshare date is an upload date: no guess from it.
        report_year = int(publish_date[:4]) - 1
    elif report_year and publish_date and report_year > int(publish_date[:4]):
        warnings.append(warning(YEAR_AFTER_PUBLISH_DATE, f"report year {report_year} after publish date {publish_date}"))

    return {
        "title": title or None,
        "agency": agency,
        "publish_date": publish_date,
        "views": views,
        "views_source": "page" if views is not None else None,
        "report_year": report_year,
        "source_kind": kind,
        "warnings": warnings,
    }
