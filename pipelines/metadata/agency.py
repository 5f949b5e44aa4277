"""The publishing agency: evidence read from the page, then ordered rules choose among it.

Evidence (`AgencyEvidence`): <meta ContentSource>, a 发布机构 key/value table, a 来源 line, the
signature under the text, the body the title names (and its full spelling elsewhere on the page),
and the site's own name. The evidence is ranked by pipelines/rules/metadata.py AGENCY_SOURCES;
the best one is then refined by `_REFINEMENTS`, in order, the first that applies winning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipelines import dates
from pipelines.metadata.lines import META_LINE_MAX, SCRIPT_MARK, Line, squash
from pipelines.rules import metadata as R
from pipelines.rules.vocabulary import YEAR, YEAR_TOKEN, alternation
from pipelines.warnings import AGENCY_FROM_SITE_NAME, warning

_SOURCE_RE = re.compile(rf"(?:{alternation(R.SOURCE_LABELS)})\s*[:：]\s*")
_META_LINE_ALT = alternation(R.META_LINE_LABELS)
_SOURCE_STOP_RE = re.compile(rf"\t|\s{{2,}}|[|｜【\[]|{YEAR}[-/.年]|\s(?={_META_LINE_ALT})|(?:{_META_LINE_ALT})\s*[:：]")
_SOURCE_NOT_AGENCY_RE = re.compile(R.SOURCE_NOT_AGENCY, re.I)
_KV_RE = re.compile(rf"({alternation(R.AGENCY_KV_LABELS)})\s*[:：]?\s*\t?\s*([^\t]+)")
_ORG_SUFFIX_RE = re.compile(R.ORG_SUFFIX)
_ORG_GENERIC_TAIL_RE = re.compile(R.ORG_GENERIC_TAIL)
_SITE_NAME_STRIP_RE = re.compile(R.SITE_NAME_STRIP)
_TITLE_ORG_STRIP_RE = re.compile(R.TITLE_ORG_STRIP)
_ORG_BEFORE_YEAR_RE = re.compile(rf"^(.+?){YEAR_TOKEN}\s*年")
_ORG_AFTER_YEAR_RE = re.compile(rf"^{YEAR_TOKEN}\s*年度?(.+?)(?:政府|政务)?(?:信息公开|政务公开)")
_BAD_ORG_CHARS_RE = re.compile(r"[:：，,。；;《》“”\"!！?？\d]")
# A 来源 value may name a paper (光明网-《光明日报》) but is never a sentence.
_BAD_SOURCE_CHARS_RE = re.compile(r"[:：，,。；;!！?？]")
_ADMIN_SPLIT_RE = re.compile(rf"(?<=[{R.ADMIN_UNIT}])")
_LEADING_LABEL_RE = re.compile(rf"^\s*(?:{alternation(R.SOURCE_LABELS + R.AGENCY_KV_LABELS)})\s*[:：]\s*")


# --- evidence ------------------------------------------------------------------------------------


def clean_org(s: str | None) -> str | None:
    if not s:
        return None
    s = " ".join(s.replace(SCRIPT_MARK, " ").split())
    s = _LEADING_LABEL_RE.sub("", s).strip(" ·-—:：|")
    if not s or _SOURCE_NOT_AGENCY_RE.match(s) or len(s) > 50:
        return None
    return s


def source_line(lines: list[Line]) -> str | None:
    """The value of a visible 来源：… label."""
    for line in lines:
        text = line.clean
        if len(text) > META_LINE_MAX:
            continue
        for m in _SOURCE_RE.finditer(text):
            rest = text[m.end():]
            stop = _SOURCE_STOP_RE.search(rest)
            value = clean_org(rest[:stop.start()] if stop else rest)
            if value and not _BAD_SOURCE_CHARS_RE.search(value):
                return value
    return None


def kv_agency(lines: list[Line]) -> str | None:
    """The value of a 发布机构 (or kin) key/value pair."""
    for line in lines:
        if len(line.clean) > META_LINE_MAX:
            continue
        m = _KV_RE.search(line.clean)
        if m:
            value = m.group(2)
            stop = _SOURCE_STOP_RE.search(value)
            value = clean_org(value[:stop.start()] if stop else value)
            if value and not _BAD_ORG_CHARS_RE.search(value):
                return value
    return None


def org_like(s: str) -> bool:
    s = s.strip()
    return 2 <= len(s) <= 40 and not _BAD_ORG_CHARS_RE.search(s) and bool(_ORG_SUFFIX_RE.search(s))


def signature(lines: list[str], cjk_only: bool) -> tuple[str | None, str | None]:
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
            if org_like(before):
                return before, d.iso
            continue
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and org_like(lines[j]):
            return lines[j].strip(), d.iso
    return None, None


def title_org(title: str) -> str | None:
    """The body a report title names: 新抚区站前街道2017年… → 新抚区站前街道."""
    sq = squash(title)
    m = _ORG_BEFORE_YEAR_RE.match(sq) or _ORG_AFTER_YEAR_RE.match(sq)
    if not m:
        return None
    org = _TITLE_ORG_STRIP_RE.sub("", m.group(1))
    org = _TITLE_ORG_STRIP_RE.sub("", org)
    return org if org_like(org) else None


def _root(name: str) -> str:
    """站前街道办事处 → 站前: the part that identifies an organisation across spellings."""
    root = _ORG_GENERIC_TAIL_RE.sub("", name)
    return root if len(root) >= 2 else name


def full_name(short: str, doc_title_parts: list[str], page_text: str) -> str | None:
    """The full name of a short form the title uses, spelled out elsewhere on the page.

    The site's own name (a <title> part) is the body's name as it calls itself, taken as is
    (东湖高新区九峰街 → 九峰街道办事处); otherwise the page's fuller spelling extends the title's
    (新抚区站前街道 + 站前街道办事处 → 新抚区站前街道办事处).
    """
    units = [u for u in _ADMIN_SPLIT_RE.split(short) if u]
    last = units[-1] if units else short
    if not last or last[-1] in R.ADMIN_UNIT:
        return None  # a bare place: see the site-name rule
    root = _root(last)
    if len(root) < 2:
        return None
    full_re = re.compile(re.escape(root) + R.ORG_FULL_SUFFIX)
    for part in doc_title_parts:
        sq = squash(part)
        m = full_re.fullmatch(sq)
        if m and len(sq) > len(last):
            return sq
    best = None
    for m in full_re.finditer(page_text):
        if m.group(0).startswith(last) and len(m.group(0)) > len(last) and (best is None or len(m.group(0)) > len(best)):
            best = m.group(0)
    if best:
        return short[: len(short) - len(last)] + best
    return None


@dataclass
class AgencyEvidence:
    """Every place the page names its publisher; field names are those of R.AGENCY_SOURCES."""

    meta_source: str | None = None
    kv_table: str | None = None
    source_line: str | None = None
    signature: str | None = None
    title: str | None = None  # the body the title names (title_org)
    title_full_name: str | None = None  # its full spelling found elsewhere on the page
    site: str | None = None  # the site's own name (<meta SiteName> or a <title> part)

    def ranked(self) -> list[str]:
        """The values present, best source first."""
        return [value for name in R.AGENCY_SOURCES if (value := getattr(self, name))]


# --- rules ---------------------------------------------------------------------------------------
# Each refinement sees the evidence and the best-ranked value; it returns the agency, or None to
# pass. The first that answers wins; with none, the best-ranked value stands.


def _title_spelled_out(ev: AgencyEvidence, chosen: str) -> str | None:
    """The title names the body in short; the page spells it out (站前街道 → 站前街道办事处)."""
    return ev.title_full_name if chosen == ev.title else None


def _bare_place_is_its_government(ev: AgencyEvidence, chosen: str) -> str | None:
    """A bare place (万载县) is not an agency; the place's own government site names it."""
    if chosen != ev.title or chosen[-1] not in R.ADMIN_UNIT or not ev.site:
        return None
    site_org = _SITE_NAME_STRIP_RE.sub("", ev.site)
    return site_org if site_org.startswith(chosen) and org_like(site_org) else None


def _title_names_a_lower_body(ev: AgencyEvidence, chosen: str) -> str | None:
    """A street office's (or a department's) own report on its district's site: the body the title
    names beats the district, whichever source spells it out best."""
    if not ev.title or chosen == ev.title:
        return None
    rest = _more_specific(ev.title, chosen)
    if not rest:
        return None
    root = _root(rest)
    for spelled in (ev.kv_table, ev.source_line, ev.signature):
        if spelled and root in spelled:
            return spelled
    return ev.title_full_name or ev.title


def _more_specific(named: str, agency: str) -> str | None:
    """The part of `named` below `agency`'s place (街道 under 区), or None when not more specific.

    西峰区人民政府 vs 西峰区肖金镇 → 肖金镇; 西峰区人民政府 vs 西峰区 → None.
    """
    place = _ORG_GENERIC_TAIL_RE.sub("", squash(agency))
    units = [u for u in _ADMIN_SPLIT_RE.split(place) if u]
    last = units[-1] if units else place
    if not last or last not in named:
        return None
    rest = named.split(last, 1)[1]
    if len(rest) < 2 or squash(agency).find(rest) >= 0:
        return None
    return rest


_REFINEMENTS: tuple[Callable[[AgencyEvidence, str], str | None], ...] = (
    _title_spelled_out, _bare_place_is_its_government, _title_names_a_lower_body,
)


def choose_agency(ev: AgencyEvidence, warnings: list[str]) -> str | None:
    if ev.meta_source and ev.site and squash(ev.meta_source) == squash(ev.site):
        ev.meta_source = None  # the website's own name is the last resort, below
    ranked = ev.ranked()
    if not ranked:
        if ev.site:
            warnings.append(warning(AGENCY_FROM_SITE_NAME, "agency taken from the site name"))
            return _SITE_NAME_STRIP_RE.sub("", ev.site) or ev.site
        return None
    chosen = ranked[0]
    for rule in _REFINEMENTS:
        refined = rule(ev, chosen)
        if refined:
            return refined
    return chosen
