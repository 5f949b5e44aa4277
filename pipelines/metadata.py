"""Report metadata (title, agency, dates, views, year, kind of source) from a parsed page.

The page is read as *visible lines*: text nodes in document order, broken at block elements, table
cells kept apart by a tab, scripts/styles dropped (a script leaves a marker, so a counter that only a
script fills is recognised as such). Attribute values never count: a TRS template's stale
`alt="时间：2017-11-08"` is not what the reader sees.

Meta lines (发布时间, 来源, 浏览次数) are looked for near the article heading first, because the page
header (`今天是:2024年4月23日`) sits far above it and the report body (`网站浏览量达120万次`) below.
All word lists live in pipelines/rules/metadata.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from pipelines import dates
from pipelines.document import page_title
from pipelines.domains import registered_domain, registered_domain_of_host
from pipelines.rules import metadata as R
from pipelines.rules.report_titles import ANNUAL_REPORT_PATTERNS

# --- compiled once -------------------------------------------------------------------------------

_SCRIPT_MARK = "\x00"  # stands in for a <script> inside a visible line
_CELL_MARK = "\x01"  # end of a table cell while a line is being built

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br center dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody "
    "thead tfoot tr ul ucapcontent ucaptitle caption".split()
)
_CELL_TAGS = frozenset(("td", "th"))
_SKIP_TAGS = frozenset("script style noscript template head select textarea iframe object svg".split())


def _alt(words: list[str]) -> str:
    # Longest first, so 浏览次数 wins over 浏览 in an alternation.
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_SEP = r"[\s:：\t|｜]*"
_STRONG_LABEL_RE = re.compile(rf"({_alt(R.PUBLISH_DATE_LABELS)}){_SEP}$")
_STRONG_ANY_RE = re.compile(rf"({_alt(R.PUBLISH_DATE_LABELS)})\s*[:：]")
_WEAK_LABEL_RE = re.compile(rf"({_alt(R.WEAK_DATE_LABELS)}){_SEP}$")
_SIGNED_LABEL = "成文日期"
_TODAY_RE = re.compile(_alt(R.TODAY_MARKERS))
_META_LINE_RE = re.compile(_alt(R.META_LINE_LABELS))
_COUNTER_RE = re.compile(rf"({_alt(R.COUNTER_LABELS)})\s*[:：]\s*")
_COUNT_VALUE_RE = re.compile(r"\s*(\d[\d,]*(?:\.\d+)?)\s*(人次|次)?")
_COUNT_TAIL_RE = re.compile(R.COUNTER_NOT_COUNT_TAIL)
_PROSE_PREFIX_RE = re.compile(R.COUNTER_PROSE_PREFIX)
# A counter label must open the line or follow a separator, not continue a sentence (网站浏览量：…).
_COUNTER_LEFT_OK = set(" \t|｜'\"‘’“”【】[]()（）/\\·•,，;；:：次") | set("0123456789")
_SOURCE_RE = re.compile(rf"(?:{_alt(R.SOURCE_LABELS)})\s*[:：]\s*")
_SOURCE_STOP_RE = re.compile(rf"\t|\s{{2,}}|[|｜【\[]|(?:19|20)\d{{2}}[-/.年]|\s(?={_alt(R.META_LINE_LABELS)})|(?:{_alt(R.META_LINE_LABELS)})\s*[:：]")
_SOURCE_NOT_AGENCY_RE = re.compile(R.SOURCE_NOT_AGENCY, re.I)
_KV_RE = re.compile(rf"({_alt(R.AGENCY_KV_LABELS)})\s*[:：]?\s*\t?\s*([^\t]+)")
_ORG_SUFFIX_RE = re.compile(R.ORG_SUFFIX)
_ORG_GENERIC_TAIL_RE = re.compile(R.ORG_GENERIC_TAIL)
_SITE_NAME_STRIP_RE = re.compile(R.SITE_NAME_STRIP)
_SITE_NAME_TAIL_RE = re.compile(R.SITE_NAME_TAIL)
_TITLE_SPLIT_RE = re.compile(R.TITLE_SEPARATORS)
_TITLE_CLASS_RE = re.compile(R.TITLE_CLASS_WORDS, re.I)
_TITLE_CLASS_EXCLUDE_RE = re.compile(R.TITLE_CLASS_EXCLUDE, re.I)
_TITLE_ORG_STRIP_RE = re.compile(R.TITLE_ORG_STRIP)
_BREADCRUMB_RE = re.compile(R.BREADCRUMB_MARKERS)
_REPORT_RE = re.compile("|".join(f"(?:{p})" for p in ANNUAL_REPORT_PATTERNS))
_DOCSHARE_RE = re.compile(_alt(R.DOCSHARE_MARKERS))
_OFFICIAL_RE = re.compile("|".join(R.OFFICIAL_MARKERS))
_YEAR_TOKEN = r"(?:(?:19|20)\d{2}|[〇零○ОOo一二三四五六七八九]{4})"
_ORG_BEFORE_YEAR_RE = re.compile(rf"^(.+?){_YEAR_TOKEN}\s*年")
_ORG_AFTER_YEAR_RE = re.compile(rf"^{_YEAR_TOKEN}\s*年度?(.+?)(?:政府|政务)?(?:信息公开|政务公开)")
_BAD_ORG_CHARS_RE = re.compile(r"[:：，,。；;《》“”\"!！?？\d]")
# A 来源 value may name a paper (光明网-《光明日报》) but is never a sentence.
_BAD_SOURCE_CHARS_RE = re.compile(r"[:：，,。；;!！?？]")
_ADMIN_SPLIT_RE = re.compile(rf"(?<=[{R.ADMIN_UNIT}])")
_WS_RE = re.compile(r"\s+")
_PINYIN_RE = re.compile(R.PINYIN_ANNOTATION)
_LABEL_ONLY_RE = re.compile(r"^[^\s:：]{1,3}(?: ?[^\s:：]){0,8}\s*[:：]$")
_LEADING_LABEL_RE = re.compile(rf"^\s*(?:{_alt(R.SOURCE_LABELS + R.AGENCY_KV_LABELS)})\s*[:：]\s*")

_META_NAMES = {
    key: {n.lower() for n in names}
    for key, names in {
        "title": R.META_TITLE, "pubdate": R.META_PUBDATE, "source": R.META_SOURCE,
        "site": R.META_SITE_NAME, "siteid": R.META_SITE_ID, "sitedomain": R.META_SITE_DOMAIN,
    }.items()
}
_DOCSHARE_HOSTS = frozenset(R.DOCSHARE_HOSTS)

# Lines around the heading searched for meta lines: a disclosure key/value table may sit above it.
_WINDOW_BEFORE, _WINDOW_AFTER = 25, 12
_META_LINE_MAX = 200  # longer lines are prose, not a meta strip
_PROSE_MIN = 80  # a line this long (or with a 。) after the heading starts the report body


@dataclass(slots=True)
class _Line:
    text: str  # whitespace folded, cells joined by "\t", script marker kept
    clean: str  # same without the script marker
    link_chars: int  # characters inside <a>
    chars: int  # non-space characters

    @property
    def in_link(self) -> bool:
        return self.chars > 0 and self.link_chars >= self.chars * 0.8


# --- the page as lines ---------------------------------------------------------------------------


def _visible_lines(tree: etree._Element) -> list[_Line]:
    """Visible text lines in document order; never mutates the tree. Iterative: deep broken HTML is fine."""
    lines: list[_Line] = []
    buf: list[str] = []
    link_chars = 0
    link_depth = 0

    def flush() -> None:
        nonlocal buf, link_chars
        if buf:
            raw = "".join(buf)
            cells = [_WS_RE.sub(" ", c).strip() for c in raw.split(_CELL_MARK)]
            text = "\t".join(c for c in cells if c)
            clean = text.replace(_SCRIPT_MARK, "").strip()
            if clean or _SCRIPT_MARK in text:
                lines.append(_Line(text, clean, link_chars, len(clean.replace(" ", "").replace("\t", ""))))
        buf = []
        link_chars = 0

    def add(s: str | None) -> None:
        nonlocal link_chars
        if s:
            buf.append(s)
            if link_depth:
                link_chars += len("".join(s.split()))

    stack: list[tuple[etree._Element, bool]] = [(tree, False)]
    while stack:
        el, closing = stack.pop()
        tag = el.tag
        if closing:
            if tag == "a":
                link_depth -= 1
            if tag in _CELL_TAGS:
                buf.append(_CELL_MARK)
            elif tag in _BLOCK_TAGS:
                flush()
            add(el.tail)
            continue
        if not isinstance(tag, str):  # comment or processing instruction: only its tail is visible
            add(el.tail)
            continue
        tag = tag.lower()
        if tag in _SKIP_TAGS:
            if tag == "script":
                buf.append(_SCRIPT_MARK)
            add(el.tail)
            continue
        if tag in _BLOCK_TAGS:
            flush()
        if tag == "a":
            link_depth += 1
        add(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    flush()
    return lines


def _is_prose(text: str) -> bool:
    return "。" in text or len(text) > _PROSE_MIN


def _merge_labels(lines: list[_Line]) -> list[_Line]:
    """Join a label-only line (`生成日期：`) with the value line after it, as the reader pairs them.

    Div-based key/value blocks put label and value in separate block elements.
    """
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and _LABEL_ONLY_RE.match(line.clean) and not _LABEL_ONLY_RE.match(lines[i + 1].clean):
            nxt = lines[i + 1]
            out.append(_Line(f"{line.text}\t{nxt.text}", f"{line.clean}\t{nxt.clean}",
                             line.link_chars + nxt.link_chars, line.chars + nxt.chars))
            i += 2
            continue
        out.append(line)
        i += 1
    return out


def _meta_tags(tree: etree._Element) -> dict[str, str]:
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


def _squash(s: str) -> str:
    return "".join(s.split())


# --- title ---------------------------------------------------------------------------------------


def _looks_like_site(s: str, site_name: str | None) -> bool:
    sq = _squash(s)
    if site_name and sq == _squash(site_name):
        return True
    return len(sq) <= 16 and not dates.year_of(sq) and bool(_SITE_NAME_TAIL_RE.search(sq))


def _strip_title(doc_title: str, site_name: str | None) -> str:
    """<title> without its site-name part (`X_XX区人民政府`, `X - 网站名`)."""
    parts = [p.strip() for p in _TITLE_SPLIT_RE.split(doc_title) if p and p.strip()]
    if len(parts) > 1:
        kept = [p for p in parts if not _looks_like_site(p, site_name)] or parts[:1]
        for p in kept:
            if _REPORT_RE.search(_squash(p)):
                return p
        return kept[0]
    # An unspaced hyphen before a site name: 报告-XX区人民政府.
    head, sep, tail = doc_title.rpartition("-")
    if sep and head.strip() and _looks_like_site(tail, site_name):
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


def _title(tree: etree._Element, meta: dict[str, str], doc_title: str, lines: list[_Line]) -> str:
    site = meta.get("site")
    if meta.get("title") and not _looks_like_site(meta["title"], site):
        return meta["title"]
    stripped = _strip_title(doc_title, site) if doc_title else ""
    sq_doc, sq_stripped = _squash(doc_title), _squash(stripped)
    best: tuple[float, int, str] | None = None
    for base, order, text, in_link in _heading_candidates(tree):
        sq = _squash(text)
        score = base
        if sq_doc and sq in sq_doc:
            score += 4
        elif len(sq_stripped) >= 4 and sq_stripped in sq:
            # A wrapper holding the heading plus its meta line: good only when little else is in it.
            score += 4 if len(sq) <= len(sq_stripped) * 1.3 else 0
        if dates.find_dates(sq) or _META_LINE_RE.search(sq):
            score -= 3  # headings carry no date or 来源; the meta strip (or its wrapper) does
        if _REPORT_RE.search(sq):
            score += 2
        if _looks_like_site(text, site):
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
        sq = _squash(line.clean)
        if len(sq) <= 60 and not line.in_link and _REPORT_RE.search(sq) and not _BREADCRUMB_RE.search(sq):
            return line.clean
    if stripped and not _looks_like_site(stripped, site):
        return stripped
    if best and best[0] > 0:
        return best[2]
    return stripped


def _title_line(lines: list[_Line], title: str) -> int | None:
    sq_title = _squash(title)
    if len(sq_title) < 4:
        return None
    for i, line in enumerate(lines):
        sq = _squash(line.clean)
        if sq == sq_title or (len(sq) <= len(sq_title) + 20 and sq_title in sq) or (
            len(sq) >= 8 and sq in sq_title and len(sq) >= len(sq_title) * 0.6
        ):
            if not line.in_link:
                return i
    return None


# --- dates ---------------------------------------------------------------------------------------


def _is_today(text: str, start: int) -> bool:
    """A date preceded (closely) by 今天是/当前时间… is the header's clock, never a publish date."""
    return bool(_TODAY_RE.search(text[max(0, start - 12):start])) or "星期" in text[start:start + 20]


def _visible_dates(lines: list[_Line]) -> tuple[str | None, str | None, str | None, str | None]:
    """(strong-labelled, weak-labelled, unlabelled on a meta strip, 成文日期) dates, first of each."""
    strong = weak = strip = signed = None
    for line in lines:
        text = line.clean
        if len(text) > _META_LINE_MAX:
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
            if i == 0 and not line.in_link and _META_LINE_RE.search(text) and len(text) <= 120:
                strip = strip or d.iso
    return strong, weak, strip, signed


# --- views ---------------------------------------------------------------------------------------


def _counter(lines: list[_Line]) -> tuple[int | None, str | None]:
    """(count, state) where state is "page", "script", "empty" or None when no counter label is seen."""
    state: str | None = None
    for line in lines:
        text = line.text
        if len(text) > _META_LINE_MAX:
            continue
        for m in _COUNTER_RE.finditer(text):
            pre = text[:m.start()].rstrip(_SCRIPT_MARK)
            if pre and (pre[-1] not in _COUNTER_LEFT_OK or _PROSE_PREFIX_RE.search(pre)):
                continue  # a sentence about 浏览量, not a counter
            rest = text[m.end():]
            if rest.startswith(_SCRIPT_MARK):
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


# --- agency --------------------------------------------------------------------------------------


def _clean_org(s: str | None) -> str | None:
    if not s:
        return None
    s = " ".join(s.replace(_SCRIPT_MARK, " ").split())
    s = _LEADING_LABEL_RE.sub("", s).strip(" ·-—:：|")
    if not s or _SOURCE_NOT_AGENCY_RE.match(s) or len(s) > 50:
        return None
    return s


def _source_line(lines: list[_Line]) -> str | None:
    for line in lines:
        text = line.clean
        if len(text) > _META_LINE_MAX:
            continue
        for m in _SOURCE_RE.finditer(text):
            rest = text[m.end():]
            stop = _SOURCE_STOP_RE.search(rest)
            value = _clean_org(rest[:stop.start()] if stop else rest)
            if value and not _BAD_SOURCE_CHARS_RE.search(value):
                return value
    return None


def _kv_agency(lines: list[_Line]) -> str | None:
    for line in lines:
        if len(line.clean) > _META_LINE_MAX:
            continue
        m = _KV_RE.search(line.clean)
        if m:
            value = m.group(2)
            stop = _SOURCE_STOP_RE.search(value)
            value = _clean_org(value[:stop.start()] if stop else value)
            if value and not _BAD_ORG_CHARS_RE.search(value):
                return value
    return None


def _org_like(s: str) -> bool:
    s = s.strip()
    return 2 <= len(s) <= 40 and not _BAD_ORG_CHARS_RE.search(s) and bool(_ORG_SUFFIX_RE.search(s))


def _signature(lines: list[str], cjk_only: bool) -> tuple[str | None, str | None]:
    """(agency, date) from a report's closing lines: an agency name, then a date-only line."""
    for i in range(len(lines) - 1, 0, -1):
        line = lines[i].strip()
        if not line or len(line) > 40:
            continue
        found = dates.find_dates(line)
        if len(found) != 1 or (cjk_only and "年" not in line[found[0].start:found[0].end]):
            continue
        d = found[0]
        before = line[:d.start].strip()
        after = line[d.end:].strip()
        if after:
            continue
        if before:  # "XX街道办事处 2019年2月28日" on one line
            if _org_like(before):
                return before, d.iso
            continue
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and _org_like(lines[j]):
            return lines[j].strip(), d.iso
    return None, None


def _title_org(title: str) -> str | None:
    """The body a report title names: 新抚区站前街道2017年… → 新抚区站前街道."""
    sq = _squash(title)
    m = _ORG_BEFORE_YEAR_RE.match(sq) or _ORG_AFTER_YEAR_RE.match(sq)
    if not m:
        return None
    org = _TITLE_ORG_STRIP_RE.sub("", m.group(1))
    org = _TITLE_ORG_STRIP_RE.sub("", org)
    return org if _org_like(org) else None


def _root(name: str) -> str:
    """站前街道办事处 → 站前: the part that identifies an organisation across spellings."""
    root = _ORG_GENERIC_TAIL_RE.sub("", name)
    return root if len(root) >= 2 else name


def _more_specific(title_org: str, agency: str) -> str | None:
    """The part of `title_org` below `agency`'s place (街道 under 区), or None when not more specific.

    西峰区人民政府 vs 西峰区肖金镇 → 肖金镇; 西峰区人民政府 vs 西峰区 → None.
    """
    place = _ORG_GENERIC_TAIL_RE.sub("", _squash(agency))
    units = [u for u in _ADMIN_SPLIT_RE.split(place) if u]
    last = units[-1] if units else place
    if not last or last not in title_org:
        return None
    rest = title_org.split(last, 1)[1]
    if len(rest) < 2 or _squash(agency).find(rest) >= 0:
        return None
    return rest


def _agency(
    meta: dict[str, str], kv: str | None, source: str | None, sig: str | None, title_org: str | None,
    full_name: str | None, site_alt: str | None, warnings: list[str],
) -> str | None:
    site = meta.get("site") or site_alt
    content_source = _clean_org(meta.get("source"))
    if content_source and site and _squash(content_source) == _squash(site):
        content_source = None  # the website's own name is the last resort, below
    ordered = [c for c in (content_source, kv, source, sig, title_org) if c]
    if not ordered:
        if site:
            warnings.append("agency taken from the site name")
            return _SITE_NAME_STRIP_RE.sub("", site) or site
        return None
    chosen = ordered[0]
    if chosen == title_org and full_name:
        return full_name
    if chosen == title_org and title_org[-1] in R.ADMIN_UNIT and site:
        # A bare place (万载县) is not an agency; the place's own government site names it.
        site_org = _SITE_NAME_STRIP_RE.sub("", site)
        if site_org.startswith(title_org) and _org_like(site_org):
            return site_org
    if title_org and chosen != title_org:
        rest = _more_specific(title_org, chosen)
        if rest:
            # A street office's (or a department's) own report on its district's site: the body the
            # title names beats the district, whichever source spells it out best.
            root = _root(rest)
            for c in (kv, source, sig):
                if c and root in c:
                    return c
            return full_name or title_org
    return chosen


def _complete(title_org: str, doc_title_parts: list[str], page_text: str) -> str | None:
    """The full name of a short form the title uses, spelled out elsewhere on the page.

    The site's own name (a <title> part) is the body's name as it calls itself, taken as is
    (东湖高新区九峰街 → 九峰街道办事处); otherwise the page's fuller spelling extends the title's
    (新抚区站前街道 + 站前街道办事处 → 新抚区站前街道办事处).
    """
    units = [u for u in _ADMIN_SPLIT_RE.split(title_org) if u]
    last = units[-1] if units else title_org
    if not last or last[-1] in R.ADMIN_UNIT:
        return None  # a bare place: see the site-name rule
    root = _root(last)
    if len(root) < 2:
        return None
    full_re = re.compile(re.escape(root) + R.ORG_FULL_SUFFIX)
    for part in doc_title_parts:
        sq = _squash(part)
        m = full_re.fullmatch(sq)
        if m and len(sq) > len(last):
            return sq
    best = None
    for m in full_re.finditer(page_text):
        if m.group(0).startswith(last) and len(m.group(0)) > len(last) and (best is None or len(m.group(0)) > len(best)):
            best = m.group(0)
    if best:
        return title_org[: len(title_org) - len(last)] + best
    return None


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str] | None:
    try:
        from opencc import OpenCC

        return OpenCC("t2s").convert
    except Exception:  # optional dependency: without it a farm's Traditional title stays as served
        return None


def _unfarm(s: str | None) -> str | None:
    """Undo a content farm's Traditional conversion and pinyin annotations in a short field."""
    if not s:
        return s
    s = _PINYIN_RE.sub("", s)
    conv = _t2s()
    return conv(s) if conv else s


# --- source kind ---------------------------------------------------------------------------------


def _host_matches(host: str, names: str) -> bool:
    wanted = {registered_domain_of_host(n.strip().lower()) for n in re.split(r"[,\s;]+", names) if n.strip()}
    return not wanted or registered_domain_of_host(host) in wanted


def _source_kind(url: str, meta: dict[str, str], page_text: str, text: str, warnings: list[str]) -> str:
    host = (urlsplit(url).hostname or "").lower()
    if host and (host in _DOCSHARE_HOSTS or registered_domain(url) in _DOCSHARE_HOSTS):
        return "docshare"
    if host and any(host.endswith(s) or host == s.lstrip(".") for s in R.OFFICIAL_HOST_SUFFIXES):
        return "official"
    if _DOCSHARE_RE.search(page_text) or (text and _DOCSHARE_RE.search(text)):
        return "docshare"
    site_id = re.sub(r"\D", "", meta.get("siteid", ""))
    if len(site_id) >= 6 or _OFFICIAL_RE.search(page_text):
        # A content farm that copies a government page copies its 网站标识码 too: check the host.
        if host and meta.get("sitedomain") and not _host_matches(host, meta["sitedomain"]):
            warnings.append(f"site id of {meta['sitedomain']} served from {host}: treated as a mirror")
            return "mirror"
        return "official"
    return "mirror"


# --- entry point ---------------------------------------------------------------------------------


def extract_metadata(tree: etree._Element, text: str, url: str) -> dict:
    """Title, agency, publish_date, views, report_year and source_kind of one report page.

    `tree` is the page parsed once by pipelines/document.py (read, never changed); `text` is the
    cleaned report text, or "" when it is not known yet (then everything comes from the tree).
    """
    warnings: list[str] = []
    meta = _meta_tags(tree)
    lines = _visible_lines(tree)
    doc_title = page_title(tree)
    title = _title(tree, meta, doc_title, lines)

    at = _title_line(lines, title) if title else None
    if at is not None:
        # The meta zone ends where the report's prose starts: nothing below it is chrome.
        end = at + 1
        while end < min(len(lines), at + _WINDOW_AFTER) and not _is_prose(lines[end].clean):
            end += 1
        window = _merge_labels(lines[max(0, at - _WINDOW_BEFORE):end])
    else:
        window = _merge_labels(lines)

    # Publish date: what the page shows beats <meta PubDate> (a CMS migration can re-stamp it).
    strong, weak, strip, signed = _visible_dates(window)
    if at is not None and not (strong or weak or strip):
        strong = _visible_dates(_merge_labels(lines))[0]
    meta_date = dates.parse_date(meta.get("pubdate"))
    text_lines = text.splitlines()[-15:] if text else []
    sig_agency, sig_date = _signature(text_lines, cjk_only=False) if text_lines else (None, None)
    if not sig_agency:
        after_title = lines[at + 1:] if at is not None else lines
        sig_agency, tree_sig_date = _signature([ln.clean for ln in after_title if not ln.in_link], cjk_only=True)
        sig_date = sig_date or tree_sig_date
    visible = strong or weak or strip
    publish_date = visible or meta_date or signed or sig_date
    if visible and meta_date and visible != meta_date:
        warnings.append(f"visible date {visible} differs from meta PubDate {meta_date}; kept the visible one")
    if publish_date and not (visible or meta_date):
        warnings.append("publish_date from the document's own date (成文日期 or signature)")

    # Views: only from meta strips near the heading, never the report body.
    views, state = _counter(window if at is not None else [ln for ln in lines if _META_LINE_RE.search(ln.clean)])
    if views is None and state is None and at is not None:
        # Some templates print the strip below the body (发布日期：… 点击数：88): a counter sharing a
        # line with a publish-date label is chrome wherever it sits.
        views, state = _counter([ln for ln in lines if _STRONG_ANY_RE.search(ln.clean)])
    if state == "script":
        warnings.append("view counter filled by a script: not read")

    page_text = "\n".join(ln.clean for ln in lines)
    title_org = _title_org(title) if title else None
    full_name = None
    if title_org:
        doc_parts = [p for p in _TITLE_SPLIT_RE.split(doc_title) if p]
        doc_parts += [doc_title.rpartition("-")[2], meta.get("site", "")]
        full_name = _complete(title_org, doc_parts, page_text + "\n" + text)
    # Without <meta SiteName>, the <title> part naming the site stands in for it.
    site_alt = next((p.strip() for p in _TITLE_SPLIT_RE.split(doc_title) if p and _looks_like_site(p, None)), None)
    agency = _agency(meta, _kv_agency(window), _source_line(window), sig_agency, title_org, full_name,
                     site_alt, warnings)

    source_kind = _source_kind(url, meta, page_text, text, warnings)
    if source_kind != "official":
        # Farms serve a mainland report in Traditional (with pinyin); the record keeps its own script.
        # Official pages are left alone: t2s would rewrite real names (乾县 → 干县).
        title, agency = _unfarm(title), _unfarm(agency)

    report_year = dates.year_of(title) if title else None
    if report_year is None and publish_date and source_kind != "docshare":
        # Reports appear early in the next year. A docshare date is an upload date: no guess from it.
        report_year = int(publish_date[:4]) - 1
    elif report_year and publish_date and report_year > int(publish_date[:4]):
        warnings.append(f"report year {report_year} after publish date {publish_date}")

    return {
        "title": title or None,
        "agency": agency,
        "publish_date": publish_date,
        "views": views,
        "views_source": "page" if views is not None else None,
        "report_year": report_year,
        "source_kind": source_kind,
        "warnings": warnings,
    }
