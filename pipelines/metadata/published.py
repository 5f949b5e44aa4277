"""Publish date and view count as the page's meta strips show them (发布时间：… 浏览次数：…)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from pipelines import dates
from pipelines.metadata.lines import META_LINE_MAX, META_LINE_RE, SCRIPT_MARK, Line
from pipelines.rules import metadata as R
from pipelines.rules.vocabulary import COUNTER_LABEL, COUNTER_LABEL_AT_END, alternation
from pipelines.textnorm import normalize

_SEP = r"[\s:：\t|｜]*"
_STRONG_LABEL_RE = re.compile(rf"({alternation(R.PUBLISH_DATE_LABELS)}){_SEP}$")
# A line carrying a publish-date label anywhere: chrome, wherever it sits.
STRONG_ANY_RE = re.compile(rf"({alternation(R.PUBLISH_DATE_LABELS)})\s*[:：]")
_WEAK_LABEL_RE = re.compile(rf"({alternation(R.WEAK_DATE_LABELS)}){_SEP}$")
_SIGNED_LABEL = "成文日期"
_TODAY_RE = re.compile(alternation(R.TODAY_MARKERS))

_COUNTER_RE = re.compile(rf"({COUNTER_LABEL})\s*[:：]\s*")
_COUNT_VALUE_RE = re.compile(r"\s*(\d[\d,]*(?:\.\d+)?)\s*(人次|次)?")
_COUNT_TAIL_RE = re.compile(R.COUNTER_NOT_COUNT_TAIL)
_PROSE_PREFIX_RE = re.compile(R.COUNTER_PROSE_PREFIX)
# A counter label must open the line or follow a separator, not continue a sentence (网站浏览量：…).
_COUNTER_LEFT_OK = set(" \t|｜'\"‘’“”【】[]()（）/\\·•,，;；:：次") | set("0123456789")


def _is_today(text: str, start: int) -> bool:
    """A date preceded (closely) by 今天是/当前时间… is the header's clock, never a publish date."""
    return bool(_TODAY_RE.search(text[max(0, start - 12):start])) or "星期" in text[start:start + 20]


def visible_dates(lines: list[Line]) -> tuple[str | None, str | None, str | None, str | None]:
    """(strong-labelled, weak-labelled, unlabelled on a meta strip, 成文日期) dates, first of each."""
    strong = weak = strip = signed = None
    for line in lines:
        text = line.clean
        if len(text) > META_LINE_MAX:
            continue
        found = dates.find_dates(text)
        for i, d in enumerate(found):
            if _is_today(text, d.start):
                continue
            prefix = text[max(0, d.start - 14):d.start]
            m = _STRONG_LABEL_RE.search(prefix)
            if m:
                strong = strong or d.iso
                continue
            m = _WEAK_LABEL_RE.search(prefix)
            if m:
                if m.group(1) == _SIGNED_LABEL:
                    signed = signed or d.iso
                else:
                    weak = weak or d.iso
                continue
            # `2018-02-07 09:33:10 来源: 作者: 编辑:… 点击:` — the strip's first date, no label.
            if i == 0 and not line.in_link and META_LINE_RE.search(text) and len(text) <= 120:
                strip = strip or d.iso
    return strong, weak, strip, signed


def read_counter(lines: list[Line]) -> tuple[int | None, str | None]:
    """(count, state) where state is "page", "script", "empty" or None when no counter label is seen."""
    state: str | None = None
    for line in lines:
        text = line.text
        if len(text) > META_LINE_MAX:
            continue
        for m in _COUNTER_RE.finditer(text):
            pre = text[:m.start()].rstrip(SCRIPT_MARK)
            if pre and (pre[-1] not in _COUNTER_LEFT_OK or _PROSE_PREFIX_RE.search(pre)):
                continue  # a sentence about 浏览量, not a counter
            rest = text[m.end():]
            if rest.startswith(SCRIPT_MARK):
                # Whatever follows is the script's doing (a browser-saved page keeps its output).
                state = "script"
                continue
            v = _COUNT_VALUE_RE.match(rest)
            if v:
                after = rest[v.end():v.end() + 1]
                if "." in v.group(1) or (v.group(2) is None and after and _COUNT_TAIL_RE.match(after)):
                    continue  # 3.5万, 120万, 30%: a statistic
                try:
                    return int(v.group(1).replace(",", "")), "page"
                except ValueError:
                    continue
            state = state or "empty"
    return None, state


_COUNTER_LABEL_AT_END_RE = re.compile(COUNTER_LABEL_AT_END)


def counter_scripts(tree: etree._Element) -> Iterator[etree._Element]:
    """The <script>s in the body placed right after a counter label (`浏览次数：<script>…`): the
    scripts that write a page's view count. Static HTML shows only the label; a rendered DOM shows
    the number the script wrote after itself."""
    for script in tree.xpath("//body//script"):
        before = script.getprevious()
        label = (before.tail if before is not None else script.getparent().text) or ""
        if _COUNTER_LABEL_AT_END_RE.search(normalize(label)):  # 瀏覽量： as 浏览量:
            yield script
