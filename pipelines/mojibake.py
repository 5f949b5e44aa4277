"""One mojibake repair for every text a report is made of: page body, attachment text, title.

Mojibake is text whose bytes were read with the wrong table somewhere upstream (a content farm's
copy, a converter, a server). What can be re-read is re-read; what is gone is dropped and counted:

1. UTF-8 read as Latin-1/cp1252, once or twice (`å…¬å¼€` → 公开): the run re-encoded and read as UTF-8.
2. UTF-8 read as GBK/GB18030 (`鍏紑` → 公开): a run crowded with characters outside GB2312 and odd
   ones (kana, box drawing) re-encoded as GB18030 and read as UTF-8.
3. GBK shifted by one lost byte (`?。ㄒ唬┙M織` → `　（一）組織`, seed 000): the garbled run re-encoded
   as GBK with the lost lead byte put back (the likeliest of the 126 that gives plain Chinese).
4. U+FFFD runs and 锟斤拷: the bytes are gone; the characters are removed.

A run is re-read only when it holds characters Chinese prose does not (pipelines/rules/mojibake.py
ODD_CHARS, or CJK outside GB2312 that is not Traditional) and the re-reading is plain Chinese, so
real text — Simplified or Traditional — is left as it is (tests/test_mojibake.py runs the repair
over ../shared's real pages and seed texts and asserts nothing changes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from pipelines import warnings as W
from pipelines.chinese import to_simplified
from pipelines.rules import mojibake as R
from pipelines.rules.mirror import _TONE as PINYIN_LETTERS  # the mirror's pinyin vocabulary, defined there
from pipelines.rules.mirror import FULLWIDTH
from pipelines.rules.vocabulary import CJK_IDEOGRAPHS, CJK_PUNCTUATION, FULLWIDTH_FORMS
from pipelines.textnorm import simplified_sources, traditional_chars

_GBK_SHIFT = re.compile(R.GBK_SHIFT_RUN)
_LATIN1 = re.compile(R.LATIN1_RUN)
_LATIN1_LEAD = re.compile("[\u00c2-\u00ef]")  # no Latin-1 run without one
_TWO_BYTE_LEADS = frozenset(chr(c) for c in range(0xC2, 0xE0))  # Â-ß: a UTF-8 lead wanting one continuation
_ODD = re.compile(f"[{R.ODD_CHARS}]")
_NON_ASCII_RUN = re.compile(rf"[^\x00-\x7f\s\u3000]{{{R.UTF8_AS_GBK_MIN_CHARS},}}")
_CJK = re.compile(f"[{CJK_IDEOGRAPHS}]")
_CJK_TEXT = re.compile(f"[{CJK_IDEOGRAPHS}{CJK_PUNCTUATION}{FULLWIDTH_FORMS}]")  # 〔2017〕: punctuation too
_LOST = re.compile(R.LOST)
_FFFD_RUN = re.compile("\ufffd{2,}")
_FULLWIDTH_FORMS = frozenset(FULLWIDTH.values())
# CJK text next, maybe after a mirror's pinyin annotation of the character the trail byte ends (F(xiàn)將).
_THEN_CJK = re.compile(rf"(?:\([a-z{PINYIN_LETTERS}]{{1,7}}\))?[{CJK_IDEOGRAPHS}]")
# Every class leaves a non-ASCII character: an ASCII text is returned untouched at once.
_SUSPECT = re.compile(r"[^\x00-\x7f]")
# One side of a lost character, when the other is unknown, is enough to fill it only when it is all
# ideographs: with a year's digits in it ("3年度", a lost ）after it) it found "年度我" in the body.
_ONE_SIDE = re.compile(f"[{CJK_IDEOGRAPHS}]{{{R.FILL_MIN_CONTEXT},}}")


@lru_cache(maxsize=1)
def _gb2312() -> frozenset[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


@lru_cache(maxsize=65536)
def _odd(ch: str) -> bool:
    """A character a Chinese text does not hold: ODD_CHARS, or CJK outside GB2312 that is not Traditional."""
    if _ODD.match(ch):
        return True
    return bool(_CJK.match(ch)) and ch not in _gb2312() and ch not in traditional_chars()


@lru_cache(maxsize=1)
def _odd_any() -> re.Pattern:
    """One character class of every odd character (ODD_CHARS, and the BMP's CJK outside GB2312 that is
    not Traditional), so a clean page is scanned in C; built once per process (~27,000 characters)."""
    gb, traditional = _gb2312(), traditional_chars()
    ranges, start, prev = [], None, None
    for cp in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00)):
        if chr(cp) in gb or chr(cp) in traditional:
            continue
        if prev is not None and cp == prev + 1:
            prev = cp
            continue
        if start is not None:
            ranges.append(f"{chr(start)}-{chr(prev)}")
        start = prev = cp
    if start is not None:
        ranges.append(f"{chr(start)}-{chr(prev)}")
    return re.compile(f"[{R.ODD_CHARS}{''.join(ranges)}\U00020000-\U0002ffff]")


def _odd_chars(text: str) -> frozenset[str]:
    """The odd characters of ``text``."""
    return frozenset(_odd_any().findall(text))


def _has_odd(s: str) -> bool:
    return any(_odd(c) for c in s if ord(c) > 0x7F)


def plausible(s: str) -> float:
    """Share of ``s``'s non-ASCII characters that are plain Chinese: GB2312 after Traditional →
    Simplified, not odd. 1.0 for pure ASCII."""
    wide = [c for c in s if ord(c) > 0x7F]
    if not wide:
        return 1.0
    t2s = to_simplified()
    simple = t2s("".join(wide)) if t2s else "".join(wide)
    gb = _gb2312()
    return sum(1 for c in simple if c in gb and not _ODD.match(c)) / max(len(simple), 1)


def common_share(s: str) -> float:
    """Share of ``s``'s non-ASCII characters among GB2312's common ones (level 1, rows 0xB0-0xD7, and
    the punctuation rows 0xA1 and 0xA3) after Traditional → Simplified: breaks ties between readings."""
    wide = "".join(c for c in s if ord(c) > 0x7F)
    if not wide:
        return 1.0
    t2s = to_simplified()
    common = 0
    for c in (t2s(wide) if t2s else wide):
        try:
            lead = c.encode("gb2312")[0]
        except UnicodeEncodeError:
            continue
        common += lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xD7
    return common / len(wide)


@dataclass
class Repairs:
    """What one pass did: runs re-read (by class) and characters dropped as lost."""

    latin1: int = 0
    utf8_as_gbk: int = 0
    gbk_shift: int = 0
    lost: int = 0

    @property
    def reread(self) -> int:
        return self.latin1 + self.utf8_as_gbk + self.gbk_shift


def _latin1_bytes(s: str, nbsp: bool = False) -> bytes | None:
    out = bytearray()
    for c in s:
        if nbsp and c == " ":
            out.append(0xA0)
            continue
        if c in "\ufffd?":
            out.append(0xFF)  # never part of UTF-8: the character it was in comes back as U+FFFD
            continue
        try:
            out += c.encode("cp1252")
        except UnicodeEncodeError:
            if ord(c) > 0xFF:
                return None
            else:
                out.append(ord(c))  # cp1252's five holes (0x81, 0x8D, …) come through as Latin-1
    return bytes(out)


def _reread_latin1(run: str) -> str | None:
    text = run
    for _ in range(R.LATIN1_MAX_ROUNDS):
        # U+FFFD stands for a byte cp1252 has no character for: the character it was part of is lost.
        # A space is read as itself and as a folded no-break space: the reading with fewer losses wins.
        readings = [_FFFD_RUN.sub("\ufffd", raw.decode("utf-8", errors="replace"))
                    for raw in dict.fromkeys(_latin1_bytes(text, nbsp) for nbsp in (False, " " in text)) if raw is not None]
        if not readings:
            break
        text = min(readings, key=lambda r: r.count("\ufffd"))
        if not _LATIN1.fullmatch(text):
            break
    kept = text.replace("\ufffd", "")
    # Only a reading into Chinese (or, whole, into pinyin letters: 態(tÃ i) is 態(tài)) is taken: a
    # European word's é or ï next to a space stays as written.
    pinyin = text == kept and all(c in PINYIN_LETTERS for c in kept if ord(c) > 0x7F)
    lossy = text.count("\ufffd") > len(kept) // 4 + 1
    if text == run or not (_CJK_TEXT.search(kept) or pinyin) or _LATIN1.search(kept) or plausible(kept) < R.MIN_PLAUSIBLE \
            or (lossy and len(_CJK.findall(kept)) < R.LATIN1_LOSSY_MIN_CJK):
        return None
    return text


def _reread_utf8(run: str, min_odd_share: float = R.UTF8_AS_GBK_MIN_ODD_SHARE) -> str | None:
    odd = sum(1 for c in run if _odd(c) or c == "\ufffd")
    if odd < min_odd_share * len(run):
        return None
    for reader in R.GBK_READERS:
        # The reader gives U+FFFD for a byte no GB18030 sequence starts with (0x80: in UTF-8 a
        # continuation byte, put back) or for a lead byte whose next byte cannot follow it (an ASCII
        # byte: that U+FFFD ends the run, and the lead byte, one of 63, is lost).
        raw = b"".join((b"\x80" if i + 1 < len(run) else b"\xff") if c == "\ufffd" else c.encode(reader, errors="replace")
                       for i, c in enumerate(run))
        # A lost byte breaks one character into several U+FFFD: one stand-in for each character lost.
        text = _FFFD_RUN.sub("\ufffd", raw.decode("utf-8", errors="replace"))
        kept = text.replace("\ufffd", "")
        if kept and plausible(kept) >= R.MIN_PLAUSIBLE and not _has_odd(kept) \
                and text.count("\ufffd") <= len(kept) // 4 + 1:
            return text
    return None


def _reread_shift(body: str, trail: str) -> str | None:
    """The run read in step with a lost lead byte put back; without ``trail`` the run's last byte is
    the lead of a character whose trail byte the reader dropped: that character comes back as U+FFFD."""
    raw_body = "".join(FULLWIDTH.get(c, c) for c in body)
    try:
        raw = raw_body.encode("gbk") + trail.encode("ascii")
    except UnicodeEncodeError:
        return None
    if not trail:
        raw = raw[:-1]
    best, best_score = None, 0.0
    for lead in R.LEAD_BYTES:
        try:
            cand = (bytes((lead,)) + raw).decode("gbk")
        except UnicodeDecodeError:
            continue
        score = plausible(cand) + (0.01 if cand[:1] in R.LIKELY_FIRST else 0.0)
        if score > best_score + 1e-9:
            best, best_score = cand, score
        if score > 1.0:
            break
    if best is None or best_score < R.MIN_PLAUSIBLE:
        return None
    return best if trail else best + "\ufffd"


def _as_served(body: str) -> Iterator[str]:
    """The run as served, then the runs it may have been before a portal converted it to Traditional
    (OpenCC's s2t read backwards, textnorm.simplified_sources), likeliest first: misread pairs are
    mostly GB2312 (Simplified) characters, so every convertible character taken back, then all but
    one, … (only some: misread 幹 闆 may be Traditional themselves)."""
    yield body
    sources = simplified_sources()
    places = [(i, sources[c]) for i, c in enumerate(body) if c in sources][:R.MAX_CONVERTED_IN_RUN]
    if not places:
        return
    for mask in sorted(range(1, 2 ** len(places)), key=lambda m: -m.bit_count()):
        chosen = [(i, alts) for bit, (i, alts) in enumerate(places) if mask >> bit & 1]
        for picks in product(*(alts for _, alts in chosen)):
            chars = list(body)
            for (i, _), pick in zip(chosen, picks, strict=True):
                chars[i] = pick
            yield "".join(chars)


def repair(text: str, keep_lost: bool = False) -> tuple[str, Repairs]:
    """``text`` with every mojibake run re-read or removed, and what was done. Never raises.
    ``keep_lost``: a lost character is left as one U+FFFD (for fill_lost), not removed."""
    done = Repairs()
    if not text or not _SUSPECT.search(text):
        return text, done
    original = text
    odd: frozenset[str] = frozenset()

    def odd_in(s: str) -> bool:
        return not odd.isdisjoint(s)

    def latin1(m: re.Match) -> str:
        fixed = _reread_latin1(m.group(0))
        if m.group(0)[-1] in _TWO_BYTE_LEADS and (m.end() == len(m.string) or m.string[m.end()] in "\r\n"):
            # A run ending a line on a lead byte: its continuation may have been a no-break space
            # (0xA0), which a text normaliser strips at the end of a line (报告 read twice ends Å + 0xA0).
            nbsp = _reread_latin1(m.group(0) + "\u00a0")
            if nbsp is not None and (fixed is None or nbsp.count("\ufffd") < fixed.count("\ufffd")):
                fixed = nbsp
        if fixed is None:
            return m.group(0)
        done.latin1 += 1
        return fixed

    def utf8(m: re.Match) -> str:
        run = m.group(0)
        if not odd_in(run):
            return run
        fixed = _reread_utf8(run)
        if fixed is None:
            return run
        done.utf8_as_gbk += 1
        return fixed

    def beside(m: re.Match) -> str:
        # In a text shown to be UTF-8 read as GBK, a run of characters all common in GBK is re-read
        # too when its bytes are whole UTF-8 (a lost byte may end it): 骞村害 is 年度, cut from the
        # repaired run before it by a lost byte and a year's digits (…报告锛�2023骞村害锛�). Plain
        # Chinese as GBK bytes is almost never valid UTF-8, and this pass runs only on a text that had
        # a run re-read already.
        run = m.group(0)
        fixed = _reread_utf8(run, min_odd_share=0.0)
        if fixed is None or fixed == run or "\ufffd" in fixed.removesuffix("\ufffd"):
            return run
        done.utf8_as_gbk += 1
        return fixed

    def shift(m: re.Match) -> str:
        body, trail = m.group(1), m.group(2) or ""
        # A run is only taken for shifted when it holds odd characters, or is nothing but folded
        # punctuation glued between CJK text by an ASCII letter (作?,F現將: 。現 read one byte off).
        folded = all(c in FULLWIDTH or c in _FULLWIDTH_FORMS for c in body) and _THEN_CJK.match(m.string, m.end())
        # ('�主�' is two lost characters around a kept one: only a '?' stand-in makes a short run a shift.)
        short = not trail and not m.group(3) and len(body) <= R.SHORT_SHIFT_RUN and m.group(0)[0] == "?"
        if not odd_in(body) and not folded and not short:
            return m.group(0)  # '?' before plain text (是否?是的A): not a shifted run
        # A portal may have converted the garbled run to Traditional after the fact: try it as served, then in Simplified.
        best, best_score = None, (-1.0, -1.0)
        for candidate in _as_served(body):
            reading = _reread_shift(candidate, trail)
            if reading is None:
                continue
            kept = reading.rstrip("\ufffd")
            score = (plausible(kept), common_share(kept))
            if score > best_score:
                best, best_score = reading, score
            if score == (1.0, 1.0):
                break
        if best is None:
            return m.group(0)
        done.gbk_shift += 1
        return best

    def lost(m: re.Match) -> str:
        n = m.group(0).lstrip("?")
        count = len(n) if n.startswith("\ufffd") else max(1, len(n) // 3)  # 锟斤拷: one U+FFFD per 1.5 characters
        done.lost += count
        return "\ufffd" * count if keep_lost else ""

    try:
        # Each pass only where it can apply: a page's text is thousands of characters, mostly clean.
        if _LATIN1_LEAD.search(text):
            text = _LATIN1.sub(latin1, text)
        odd = _odd_chars(text)
        if odd:
            text = _NON_ASCII_RUN.sub(utf8, text)
            if done.utf8_as_gbk:
                text = _NON_ASCII_RUN.sub(beside, text)
            odd = _odd_chars(text)
        if "?" in text or "\ufffd" in text:
            text = _GBK_SHIFT.sub(shift, text)
        if "\ufffd" in text or "斤拷" in text:
            text = _LOST.sub(lost, text)
    except Exception:  # a repair must never cost the record; the text stays as it was
        return original, Repairs()
    return text, done


def fill_lost(text: str, context: str) -> tuple[str, int]:
    """``text`` (lost characters standing as U+FFFD) with each lost character that ``context`` — the
    same page, clean where the title is not (a 来源 line, the body naming the agency, a meta tag) —
    holds between the same neighbours, and only one way; the others removed. And how many came back.
    Filled left to right: a character filled is a neighbour of the next."""
    # Only the context's clean lines: the garbled heading itself (锟斤拷理局) would answer 拷.
    context = "\n".join(ln for ln in context.splitlines() if not _LOST.search(ln) and not _odd_chars(ln))
    chars, filled = list(text), 0
    for i, ch in enumerate(chars):
        if ch != "\ufffd":
            continue
        # Neighbours up to the next character lost (U+FFFD ahead, NUL behind: one not found).
        left = re.split("[\ufffd\x00]", "".join(chars[max(0, i - R.FILL_CONTEXT):i]))[-1]
        right = "".join(chars[i + 1:i + 1 + R.FILL_CONTEXT]).partition("\ufffd")[0]
        chars[i] = "\x00"  # not found: removed below
        for before, after in ((left, right), (left, ""), ("", right)):
            if len(before) + len(after) < R.FILL_MIN_CONTEXT:
                continue
            if not (before and after) and not _ONE_SIDE.fullmatch(before or after):
                continue
            found = set(re.findall(re.escape(before) + f"([{CJK_IDEOGRAPHS}])" + re.escape(after), context))
            if len(found) == 1:
                chars[i], filled = found.pop(), filled + 1
                break
    return "".join(chars).replace("\x00", ""), filled


def repair_text(text: str, where: str = "text", context: str | None = None) -> tuple[str, list[str]]:
    """``repair`` with its outcome as record warnings (codes MOJIBAKE_REPAIRED, MOJIBAKE_LOST).
    With ``context`` (a short text such as a title, and its page's clean text), characters lost
    to mojibake are first looked for there (fill_lost)."""
    fixed, done = repair(text, keep_lost=context is not None)
    if context is not None and "\ufffd" in fixed:
        fixed, filled = fill_lost(fixed, context)
        done.lost -= filled
    else:
        filled = 0
    warnings: list[str] = []
    if filled:
        warnings.append(W.warning(W.MOJIBAKE_REPAIRED, f"{where}: {filled} characters lost to mojibake read from the page's clean text"))
    if done.reread:
        parts = ", ".join(f"{n} {name}" for name, n in (("GBK byte-shift", done.gbk_shift),
                                                        ("UTF-8 read as GBK", done.utf8_as_gbk),
                                                        ("UTF-8 read as Latin-1", done.latin1)) if n)
        warnings.append(W.warning(W.MOJIBAKE_REPAIRED, f"{where}: mojibake runs re-read ({parts})"))
    if done.lost:
        warnings.append(W.warning(W.MOJIBAKE_LOST, f"{where}: {done.lost} undecodable characters removed (U+FFFD, 锟斤拷)"))
    return fixed, warnings
