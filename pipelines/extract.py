"""Report text from a parsed page: container → faithful serialisation → cleaning.

Why not trafilatura on the whole page: it costs ~57 ms a page, pulls in portal chrome on the
table-layout sites, and its precision heuristics drop short report lines ("无。", one-cell table
rows). The CMS container is found from data (pipelines/rules/containers.py); only a deep copy of
that subtree is touched, so the caller's tree (which metadata extraction reads) is never mutated.
Text inside it is serialised node by node, so Word-exported runs (<span lang=EN-US>2017</span>
<span>年</span>, <o:p>, <st1:chsdate>) keep every character. trafilatura is kept as the fallback
for pages where neither a rule nor the density heuristic finds a container.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from pipelines import clean, document
from pipelines import warnings as W
from pipelines.containers import find_container, visible_text_len
from pipelines.page import FetchedPage
from pipelines.rules.containers import (
    CHROME_BLOCK_XPATHS,
    CHROME_TAGS,
    CHROME_TESTS,
    PRUNE_TAGS,
    PRUNE_TESTS,
    PRUNE_XPATHS,
)
from pipelines.rules.vocabulary import CJK_TEXT
from pipelines.tables import aligned_cells, clamp_span, grid_rows

# Elements that start a new line. Everything else (span, font, a, b, o:p, st1:*) is inline.
BLOCK_TAGS = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table thead tbody tfoot section article "
    "header footer nav aside blockquote pre center hr address figure figcaption main form "
    "ucapcontent ucaptitle caption".split())
_PARA = "\u2029"  # marks a block boundary while source whitespace is still being folded
_CJK = CJK_TEXT
# A source line break between two CJK characters is markup wrapping, not a space (Word HTML
# wraps at 80 columns mid-sentence); other whitespace runs fold to one space.
_WRAP_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f\v]*\n[\s]*(?=[{_CJK}])")
_WS = re.compile(r"[ \t\r\n\f\v\xa0]+")
CELL_SEP = " | "


_LOCAL_NAMES: dict[str, str] = {}  # tag as parsed → its local name, lower-cased (a few dozen per crawl)


def _tag(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rsplit("}", 1)[-1].split(":")[-1].lower()
    return name


def _is_layout_table(table: etree._Element) -> bool:
    """Layout tables (old portals put breadcrumb, meta line and body in rows of one table) hold
    other tables or long prose cells; those are read as blocks, not flattened into rows."""
    if table.find(".//table") is not None:
        return True
    # A cell's whole text_content (scripts and whitespace included) bounds its visible length:
    # only a cell longer than 400 that way needs counting.
    return any(len(td.text_content()) > 400 and visible_text_len(td) > 400 for td in _CELLS(table))


def _rows(table: etree._Element) -> list[etree._Element]:
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _table_lines(table: etree._Element) -> list[str]:
    """Rows as 'a | b | c'. Spanned cells are left empty (rowspan carries an empty slot down,
    colspan adds empty slots to the right) so columns stay aligned; trailing empties are cut.
    The spans are resolved by pipelines/tables.py's grid builder, the one the statistics use."""
    spec = [[(" ".join(_block_text(td).split("\n")).strip(), clamp_span(td.get("colspan", "1")),
              clamp_span(td.get("rowspan", "1"))) for td in tr if _tag(td) in ("td", "th")]
            for tr in _rows(table)]
    lines: list[str] = []
    for row in grid_rows(spec, 0, squash_text=False):
        width = max((c.end or 0 for c in row.cells), default=0)
        cells = aligned_cells(row, width)
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            lines.append(CELL_SEP.join(cells))
    return lines


def _walk(el: etree._Element, out: list[str]) -> None:
    tag = _tag(el)
    if tag == "table" and not _is_layout_table(el):
        out.append(_PARA + _PARA.join(_table_lines(el)) + _PARA)
        if el.tail:
            out.append(el.tail)
        return
    block = tag in BLOCK_TAGS or tag in ("td", "th")
    if block:
        out.append(_PARA)
    if el.text and isinstance(el.tag, str):
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            _walk(child, out)
        elif child.tail:  # comments and processing instructions: keep only their tail
            out.append(child.tail)
    if block:
        out.append(_PARA)
    if el.tail:
        out.append(el.tail)


def _block_text(el: etree._Element) -> str:
    """Text of el with one line per block, whitespace folded; el.tail excluded."""
    tag = _tag(el)
    if not len(el) and tag and tag != "table":
        # A leaf (most table cells): what the walk would give, without walking.
        mark = _PARA if tag in BLOCK_TAGS or tag in ("td", "th") else ""
        raw = mark + (el.text or "") + mark
    else:
        out: list[str] = []
        tail, el.tail = el.tail, None
        try:
            _walk(el, out)
        finally:
            el.tail = tail
        raw = "".join(out)
    raw = _WRAP_CJK.sub("", raw)
    lines = (_WS.sub(" ", part).strip(" \u3000") for part in raw.split(_PARA))
    return "\n".join(line for line in lines if line)


def _scan(tags: list[str], tests: list[str]) -> etree.XPath:
    """The prune rules as one compiled xpath relative to the container: the tags, and one scan of
    the copy for all attribute tests. Removing that set in document order leaves the same text as
    removing rule by rule: a node inside an already removed subtree is removed from that detached
    subtree, and tails move to the same place whichever sibling goes first."""
    return etree.XPath(" | ".join([f".//{t}" for t in tags] + [".//*[" + " or ".join(f"({t})" for t in tests) + "]"]))


_CELLS = etree.XPath(".//td|.//th")
_PRUNE = _scan(PRUNE_TAGS, PRUNE_TESTS)
_PRUNE_GENERIC = _scan(PRUNE_TAGS + CHROME_TAGS, PRUNE_TESTS + CHROME_TESTS)


def _prune(el: etree._Element, xpath: etree.XPath) -> None:
    for node in xpath(el):
        if node is el:
            continue
        parent = node.getparent()
        if parent is None:
            continue
        # Keep the tail: it is text that follows the removed element in the same paragraph.
        if node.tail:
            prev = node.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + node.tail
            else:
                parent.text = (parent.text or "") + node.tail
        parent.remove(node)


def serialize(container: etree._Element, *, generic: bool = False) -> str:
    """Text of a container: a deep copy is pruned of scripts/hidden/share widgets (and, for a
    generic container, of header/footer/nav blocks), then read block by block."""
    work = copy.deepcopy(container)
    _prune(work, _PRUNE_GENERIC if generic else _PRUNE)
    return _block_text(work)


def page_titles(tree: etree._Element) -> list[str]:
    """Candidate titles of the page (meta ArticleTitle, og:title, <title>, first h1), so the
    cleaner can drop the title line and whatever chrome precedes it inside the body."""
    xps = ("//meta[@name='ArticleTitle']/@content", "//meta[@property='og:title']/@content",
           "//title//text()", "//h1//text()", "//ucaptitle//text()")
    found: list[str] = []
    for xp in xps:
        try:
            val = " ".join("".join(tree.xpath(xp)).split())
        except etree.XPathError:
            continue
        if val and val not in found:
            found.append(val)
    return found


def _trafilatura(el: etree._Element, url: str) -> str:
    import trafilatura

    try:
        return trafilatura.extract(copy.deepcopy(el), url=url, include_tables=True, favor_precision=True,
                                   prune_xpath=PRUNE_XPATHS + CHROME_BLOCK_XPATHS) or ""
    except Exception:  # trafilatura raises assorted errors on odd trees
        return ""


def extract_text(tree: etree._Element, url: str) -> tuple[str, list[str]]:
    """Return (clean text, warnings). Never raises, never mutates tree."""
    warnings: list[str] = []
    try:
        container, how = find_container(tree)
        raw = serialize(container, generic=how in ("densest", "none")) if container is not None else ""
        if len(raw) < 20:
            fallback = _trafilatura(tree, url)
            if len(fallback) > len(raw):
                raw, how = fallback, "trafilatura"
    except Exception as exc:  # a malformed tree must not stop the crawl
        warnings.append(W.warning(W.EXTRACTION_FAILED, f"extraction failed: {exc!r}"))
        raw, how = "", "error"
        container = None
    if container is not None and not raw.strip() and container.xpath(".//img"):
        warnings.append(W.warning(W.IMAGE_ONLY, "image-only page: report text is in images, not extracted"))
    try:
        text, clean_warnings = clean.clean_text(raw, titles=page_titles(tree))
    except Exception as exc:
        warnings.append(W.warning(W.CLEANING_FAILED, f"cleaning failed: {exc!r}"))
        text, clean_warnings = raw, []
    warnings += clean_warnings
    if not text.strip():
        warnings.append(W.warning(W.NO_TEXT, "no text extracted"))
    return text, warnings


def extract_page_text(page: FetchedPage) -> tuple[str, list[str]]:
    """decode → parse → extract → clean, for any page: the text and warnings build_report records."""
    parsed = document.parse_page(page)  # the page's one parse, shared with every other stage
    if parsed.tree is None:
        return "", parsed.warnings + [W.warning(W.NO_TEXT, "no text extracted: page is empty or not markup")]
    text, warnings = extract_text(parsed.tree, page.url)
    return text, parsed.warnings + warnings
