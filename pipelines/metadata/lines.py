"""A page as its reader sees it: visible text lines, and its <meta> tags.

Text nodes in document order, broken at block elements, table cells kept apart by a tab,
scripts/styles dropped (a script leaves a marker, so a counter that only a script fills is
recognised as such). Attribute values never count: a TRS template's stale `alt="时间：2017-11-08"`
is not what the reader sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from pipelines.rules import metadata as R
from pipelines.rules.vocabulary import alternation

SCRIPT_MARK = "\x00"  # stands in for a <script> inside a visible line
_CELL_MARK = "\x01"  # end of a table cell while a line is being built

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br center dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody "
    "thead tfoot tr ul ucapcontent ucaptitle caption".split()
)
_CELL_TAGS = frozenset(("td", "th"))
_SKIP_TAGS = frozenset("script style noscript template head select textarea iframe object svg".split())

META_LINE_RE = re.compile(alternation(R.META_LINE_LABELS))
META_LINE_MAX = 200  # longer lines are prose, not a meta strip
_PROSE_MIN = 80  # a line this long (or with a 。) after the heading starts the report body
_WS_RE = re.compile(r"\s+")
_LABEL_ONLY_RE = re.compile(r"^[^\s:：]{1,3}(?: ?[^\s:：]){0,8}\s*[:：]$")

_META_NAMES = {
    key: {n.lower() for n in names}
    for key, names in {
        "title": R.META_TITLE, "pubdate": R.META_PUBDATE, "source": R.META_SOURCE,
        "site": R.META_SITE_NAME, "siteid": R.META_SITE_ID, "sitedomain": R.META_SITE_DOMAIN,
    }.items()
}


@dataclass(slots=True)
class Line:
    text: str  # whitespace folded, cells joined by "\t", script marker kept
    clean: str  # same without the script marker
    link_chars: int  # characters inside <a>
    chars: int  # non-space characters

    @property
    def in_link(self) -> bool:
        return self.chars > 0 and self.link_chars >= self.chars * 0.8


def visible_lines(tree: etree._Element) -> list[Line]:
    """Visible text lines in document order; never mutates the tree. Iterative: deep broken HTML is fine."""
    lines: list[Line] = []
    buf: list[str] = []
    link_chars = 0
    link_depth = 0

    def flush() -> None:
        nonlocal buf, link_chars
        if buf:
            raw = "".join(buf)
            cells = [_WS_RE.sub(" ", c).strip() for c in raw.split(_CELL_MARK)]
            text = "\t".join(c for c in cells if c)
            clean = text.replace(SCRIPT_MARK, "").strip()
            if clean or SCRIPT_MARK in text:
                lines.append(Line(text, clean, link_chars, len(clean.replace(" ", "").replace("\t", ""))))
        buf = []
        link_chars = 0

    def add(s: str | None) -> None:
        nonlocal link_chars
        if s:
            buf.append(s)
            if link_depth:
                link_chars += len("".join(s.split()))

    # lxml's own walk (start/end events in C) instead of a Python stack of (element, closing).
    walker = etree.iterwalk(tree, events=("start", "end", "comment", "pi"))
    skipped = False  # the last start was a skipped element: its end event comes next, ignored
    for event, el in walker:
        if event == "end":
            if skipped:
                skipped = False
                continue
            tag = el.tag
            if tag == "a":
                link_depth -= 1
            if tag in _CELL_TAGS:
                buf.append(_CELL_MARK)
            elif tag in _BLOCK_TAGS:
                flush()
            add(el.tail)
            continue
        if event != "start":  # comment or processing instruction: only its tail is visible
            add(el.tail)
            continue
        tag = el.tag.lower()
        if tag in _SKIP_TAGS:
            if tag == "script":
                buf.append(SCRIPT_MARK)
            add(el.tail)
            walker.skip_subtree()
            skipped = True
            continue
        if tag in _BLOCK_TAGS:
            flush()
        if tag == "a":
            link_depth += 1
        add(el.text)
    flush()
    return lines


def is_prose(text: str) -> bool:
    return "。" in text or len(text) > _PROSE_MIN


def merge_labels(lines: list[Line]) -> list[Line]:
    """Join a label-only line (`生成日期：`) with the value line after it, as the reader pairs them.

    Div-based key/value blocks put label and value in separate block elements.
    """
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and _LABEL_ONLY_RE.match(line.clean) and not _LABEL_ONLY_RE.match(lines[i + 1].clean):
            nxt = lines[i + 1]
            out.append(Line(f"{line.text}\t{nxt.text}", f"{line.clean}\t{nxt.clean}",
                            line.link_chars + nxt.link_chars, line.chars + nxt.chars))
            i += 2
            continue
        out.append(line)
        i += 1
    return out


def meta_tags(tree: etree._Element) -> dict[str, str]:
    """First non-empty content per wanted meta key (names matched case-insensitively)."""
    found: dict[str, str] = {}
    for m in tree.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        content = " ".join((m.get("content") or "").split())
        if not name or not content:
            continue
        for key, names in _META_NAMES.items():
            if name in names and key not in found:
                found[key] = content
    return found


def squash(s: str) -> str:
    return "".join(s.split())
