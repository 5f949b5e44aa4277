"""Clean extracted report text: portal chrome, doc-sharing wrappers, content-farm artefacts.

Input is the serialised container text (one block per line); output joins paragraphs with "\n".
All patterns live in pipelines/rules/boilerplate.py and pipelines/rules/mirror.py.
"""

from __future__ import annotations

import re

from pipelines import mojibake
from pipelines import warnings as W
from pipelines.chinese import to_simplified as _t2s
from pipelines.rules import boilerplate as bp
from pipelines.rules import mirror as mr
from pipelines.rules import vocabulary

_CHROME = [(name, re.compile(p)) for name, p in bp.CHROME_LINES.items()]
_META_KEY = re.compile(bp.META_KEY_RE)
_META_DATE = re.compile(bp.META_DATE_RE)
_FOOTER = [re.compile(p, re.I) for p in bp.FOOTER_MARKERS]
_FOOTER_STRONG = [re.compile(p, re.I) for p in bp.FOOTER_STRONG]
_HEAD_SITE = re.compile(bp.HEAD_SITE_LINE)
_DOCSHARE_MARKERS = [re.compile(p, re.M) for p in vocabulary.DOCSHARE_MARKERS]
_DOCSHARE_LINES = [re.compile(p) for p in bp.DOCSHARE_LINES.values()]
_CHUNK = re.compile(bp.DOCSHARE_CHUNK)
_SEO = re.compile(bp.SEO_WORDS)
_SEO_SEP = re.compile(bp.SEO_SEGMENT_SEP)
_PINYIN = re.compile(mr.PINYIN_AFTER_CJK)
_CJK = vocabulary.CJK_IDEOGRAPHS
_ASCII_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}\d）》”])([,:;!?])|([,:;!?])(?=[{_CJK}“《（])")
_PAREN_CJK = re.compile(rf"\(([^()\n]{{0,40}}[{_CJK}][^()\n]{{0,40}})\)")
_SENTENCE_END = re.compile(r"[。！？；：]$")


def _norm(s: str) -> str:
    return re.sub(r"[\s《》“”\"']", "", s)


# --- portal chrome -------------------------------------------------------------------------


def chrome_rule(line: str) -> str | None:
    """Name of the chrome rule a line matches, or None (report text)."""
    for name, rx in _CHROME:
        if rx.match(line):
            return name
    if len(line) <= bp.META_LINE_MAX:
        keys = len(_META_KEY.findall(line))
        if keys >= 2 or (keys == 1 and _META_DATE.match(line)):
            return "meta-line"
    if len(line) <= bp.FOOTER_LINE_MAX:
        hits = sum(1 for rx in _FOOTER if rx.search(line))
        if hits >= 2 or (hits == 1 and len(line) <= 60 and any(rx.search(line) for rx in _FOOTER_STRONG)):
            return "footer"
    if is_seo_spam(line):
        return "seo-spam"
    return None


def is_seo_spam(line: str) -> bool:
    """Keyword-stuffed lines: short, split into segments by _ | - or spaces, with SEO words.
    A report sentence mentioning 下载 has no such segment shape and is kept."""
    if len(line) > bp.SEO_LINE_MAX or not _SEO.search(line):
        return False
    segments = [s for s in _SEO_SEP.split(line) if s]
    return len(segments) >= 3 or (len(segments) >= 2 and "_" in line) or line.endswith(("_", "|"))


def drop_title_and_header(lines: list[str], titles: list[str]) -> list[str]:
    """Drop the title line and everything above it (site name, clock, column, breadcrumb),
    when the title shows up within the first lines and only short lines precede it."""
    norms = [_norm(t) for t in titles if len(_norm(t)) >= 6]
    if not norms:
        return lines
    for i, line in enumerate(lines[: bp.TITLE_SEARCH_LINES]):
        n = _norm(line)
        if len(n) >= 6 and any(n == t or (len(n) >= 8 and n in t) or (t in n and len(n) <= len(t) + 4)
                               for t in norms):
            if all(len(prev) <= 80 for prev in lines[:i]):
                return lines[i + 1:]
            return lines[:i] + lines[i + 1:]
        if len(line) > 120:  # body prose reached: the title is not up here
            break
    return lines


def strip_chrome(lines: list[str]) -> tuple[list[str], list[str]]:
    kept, fired = [], []
    seen_prose = False
    for line in lines:
        rule = chrome_rule(line)
        if rule is None and not seen_prose and _HEAD_SITE.match(line):
            rule = "site-name"
        if rule:
            fired.append(rule)
            continue
        if len(line) > 30:
            seen_prose = True
        kept.append(line)
    return kept, fired


# --- doc-sharing wrappers ------------------------------------------------------------------


def is_docshare(text: str) -> bool:
    return sum(1 for rx in _DOCSHARE_MARKERS if rx.search(text)) >= vocabulary.DOCSHARE_MIN_MARKERS


def unwrap_docshare(lines: list[str]) -> tuple[list[str], list[str]]:
    """Remove the wrapper lines and rejoin numbered page chunks (which cut mid-sentence)."""
    warnings = [W.warning(W.DOCSHARE_WRAPPER, "doc-sharing wrapper removed")]
    lines = [ln for ln in lines if not any(rx.match(ln) for rx in _DOCSHARE_LINES)]
    out: list[str] = []
    expected = 1
    chunks = 0
    for line in lines:
        m = _CHUNK.match(line)
        if m and int(m.group(1)) == expected:
            expected += 1
            chunks += 1
            body = line[m.end():]
            if out and chunks > 1 and not _SENTENCE_END.search(out[-1]):
                out[-1] += body  # the chunk boundary fell mid-sentence
            else:
                out.append(body)
        else:
            out.append(line)
    if chunks:
        warnings.append(W.warning(W.DOCSHARE_CHUNKS,
                                  f"doc-sharing page chunks rejoined ({chunks}); text may be a partial preview"))
    # The sharing site flattened paragraphs into spaces: a space between CJK text is a break.
    split: list[str] = []
    for line in out:
        split.extend(p for p in re.split(rf"(?<=[{_CJK}。；：）)”》])\s+(?=[{_CJK}（(“《\d一二三四五六七八九十])", line) if p)
    return split, warnings


# --- content-farm mirrors ------------------------------------------------------------------


def is_mirror(text: str) -> bool:
    return len(_PINYIN.findall(text)) >= mr.MIN_PINYIN_ANNOTATIONS


def repair_mojibake(text: str) -> tuple[str, int]:
    """The one mojibake repair (pipelines/mojibake.py); the count of runs re-read."""
    fixed, done = mojibake.repair(text)
    return fixed, done.reread


def repair_mirror(text: str) -> tuple[str, list[str]]:
    """Undo a content farm's conversion: pinyin, Traditional, ASCII punctuation (its mojibake is
    repaired before, by pipelines/mojibake.py, as every text's is)."""
    warnings = [W.warning(W.MIRROR_PINYIN, "content-farm mirror: pinyin annotations removed")]
    text = _PINYIN.sub("", text)
    t2s = _t2s()
    if t2s:
        text = t2s(text)
        warnings.append(W.warning(W.MIRROR_SIMPLIFIED, "content-farm mirror: converted back to Simplified"))
    else:
        warnings.append(W.warning(W.MIRROR_NO_CONVERTER,
                                  "content-farm mirror: no Traditional→Simplified converter installed (opencc)"))
    text = _PAREN_CJK.sub(r"（\1）", text)
    text = _ASCII_PUNCT_NEAR_CJK.sub(lambda m: mr.FULLWIDTH[m.group(1) or m.group(2)], text)
    return text, warnings


# --- the whole pass ------------------------------------------------------------------------


def clean_text(text: str, titles: list[str] | tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """Return (clean text, warnings). Paragraphs joined with "\n"; never raises on odd input."""
    warnings: list[str] = []
    lines = [ln.strip(" \u3000\t\xa0") for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if is_docshare(text):
        lines, w = unwrap_docshare(lines)
        warnings += w
    repaired, w = mojibake.repair_text("\n".join(lines))  # every page's text, once, before any rule reads it
    if w:
        lines = [ln.strip(" \u3000") for ln in repaired.split("\n") if ln.strip(" \u3000")]
        warnings += w
    mirrored = is_mirror(text)
    if mirrored:
        repaired, w = repair_mirror("\n".join(lines))
        lines = [ln.strip(" \u3000") for ln in repaired.split("\n") if ln.strip(" \u3000")]
        warnings += w
    titles = list(titles)
    t2s = _t2s()
    if t2s and mirrored:
        titles += [t2s(_PINYIN.sub("", t)) for t in titles]
    lines = drop_title_and_header(lines, titles)
    lines, _fired = strip_chrome(lines)
    return "\n".join(lines), warnings
