"""Mojibake a generated report carries (issue 9 item 6), made the way it is made in the wild.

A portal's ``plan.mojibake`` names the class; each report of that portal gets 1-3 paragraphs garbled,
chosen (with the place in the line and the stand-in character) by the report's own random stream:

- ``gbk_shift``: the GBK bytes lose one byte at a full-width character (　 ， 。 （ …, the byte a
  paragraph or clause starts with) and are read one byte off until an ASCII byte puts the reading back
  in step; the lost byte shows as '?' or U+FFFD (seed 000's ``?。ㄒ唬┙M織``).
- ``utf8_as_gbk``: the paragraph's UTF-8 bytes read as GB18030 (``鍏紑``).
- ``latin1``: its UTF-8 bytes read as cp1252, once or twice (``å…¬å¼€``, ``Ã¥Â…Â¬``).
- ``lost``: 1-3 characters replaced by U+FFFD or 锟斤拷 (the bytes are gone).

``garble`` also says what a repair must give back: each garbled paragraph as it was (from the shifted
character on, for a shift), or with the lost characters taken out; a paragraph whose garbling
destroyed bytes (a U+FFFD the reader emitted) is not promised back, only free of mojibake.
"""

from __future__ import annotations

import random
import re

MOJIBAKE = ("none", "gbk_shift", "utf8_as_gbk", "latin1", "lost")
MOJIBAKE_WEIGHTS = (5, 2, 1, 1, 1)
_CJK = re.compile("[\u4e00-\u9fff]")
_C1 = re.compile("[\u0080-\u009f]")
_MAX_RUN = 60  # the repair reads runs of at most this many characters
# What one byte off makes of GBK text: bopomofo, box drawing, kana, pinyin letters (GB2312 rows 4-9).
_ODD = re.compile("[\u3100-\u312f\u2500-\u257f\u3041-\u30fa\u0101-\u01dc\u0391-\u03c9\u0401-\u0451]")
# A content farm's pinyin annotations (seed 000) are its own artefact, removed with the mirror's other ones.
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")


def _shift(line: str, rng: random.Random, stand_ins: tuple[str, ...] = ("?", "\ufffd"),
           replaced: str = "\ufffd") -> tuple[str, list[str]] | None:
    """``line`` with one lost byte at a full-width character, read on by Python's GBK reader (an
    unreadable pair gives U+FFFD for its first byte, and the reading is back in step after it)."""
    try:
        raw = line.encode("gbk")
    except UnicodeEncodeError:
        return None
    starts, offset = [], 0
    for i, ch in enumerate(line):
        width = len(ch.encode("gbk"))
        if width == 2 and raw[offset] in (0xA1, 0xA3):
            starts.append((i, offset))
        offset += width
    rng.shuffle(starts)
    for i, off in starts:
        read = raw[off + 1:].decode("gbk", errors="replace").replace("\ufffd", replaced)
        m = re.match(rf"([^\x00-\x7f\ufffd]{{0,{_MAX_RUN - 1}}}?)(?:([\x40-\x7e])|{re.escape(replaced)})", read)
        if not m:
            continue
        run, trail = m.group(1), m.group(2)
        stand_in = rng.choice(stand_ins)
        if (not run and replaced == "?") or (run and not _ODD.search(run) and (trail or len(run) > 3 or stand_in != "?"
                                                                             or replaced == "?")):
            continue  # read one byte off, yet plain text (or a bare '??'): nobody could tell, so not promised back
        served = line[:i] + stand_in + read
        # The lost byte was a lead byte: which full-width sign it began is a guess; what follows is
        # read back, except (when the reading ended at a U+FFFD) the character whose trail byte went.
        if trail or not run:
            return served, [line[i + 1:]]
        lost = _char_at(line, off + 2 * len(run))
        return served, [line[i + 1:lost], line[lost + 1:]]
    return None


def _char_at(line: str, byte: int) -> int:
    offset = 0
    for i, ch in enumerate(line):
        offset += len(ch.encode("gbk"))
        if offset > byte:
            return i
    return len(line)


def _utf8_as_gbk(line: str, rng: random.Random) -> tuple[str, list[str]]:
    served = line.encode("utf-8").decode("gb18030", errors="replace")
    whole = "\ufffd" not in served and served.encode("gb18030") == line.encode("utf-8")
    return served, [line] if whole else []


def _windows_1252(raw: bytes) -> str:
    """As browsers and Windows read windows-1252: its five unassigned bytes become U+0081 etc."""
    return "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes((b,)).decode("cp1252") for b in raw)


def _latin1(line: str, rng: random.Random) -> tuple[str, list[str]]:
    served = line
    for _ in range(rng.choice((1, 1, 2))):
        served = _windows_1252(served.encode("utf-8"))
    # cp1252's five holes come out as C1 controls, which a carrier (a GBK page, a Word text run, a
    # text extractor) writes as '?' or drops: the characters they were part of are gone.
    return served, [] if _C1.search(served) else [line]


def _lost(line: str, rng: random.Random, marks: tuple[str, ...] = ("\ufffd", "锟斤拷")) -> tuple[str, list[str]]:
    chars = list(line)
    places = [i for i, c in enumerate(chars) if _CJK.match(c)]
    kept = list(chars)
    for i in sorted(rng.sample(places, min(len(places), rng.randint(1, 3))), reverse=True):
        chars[i] = rng.choice(marks)
        kept[i] = ""
    return "".join(chars), ["".join(kept)]


_CLASSES = {"gbk_shift": _shift, "utf8_as_gbk": _utf8_as_gbk, "latin1": _latin1, "lost": _lost}
# A PDF's text is written in a CJK font (Adobe-GB1): what it cannot show (Latin-1 letters, private-use
# characters, U+FFFD) never reaches its text layer, so only GBK-borne classes are garbled there, and
# the reader's U+FFFD is written '?'.
_IN_PDF = {"gbk_shift": lambda line, rng: _shift(line, rng, ("?",), "?"), "lost": lambda line, rng: _lost(line, rng, ("锟斤拷",))}


def garble(kind: str, lines: list[str], rng: random.Random, pdf: bool = False) -> tuple[list[str], list[str]]:
    """(lines as served, texts the repaired report must contain). Line 0 (the title) is never garbled."""
    classes = _IN_PDF if pdf else _CLASSES
    if kind not in classes:
        return lines, []
    out, promised = list(lines), []
    # Lines that are garbled already (seed 000 carries its own shifted runs) are left as they are.
    candidates = [i for i, line in enumerate(lines)
                  if i and len(line) >= 8 and _CJK.search(line) and not re.search(r"[?\ufffd]", line) and not _ODD.search(line)]
    rng.shuffle(candidates)
    done, wanted = 0, rng.randint(1, 3)
    for i in candidates:
        if done == wanted:
            break
        result = classes[kind](lines[i], rng)
        if result is None:
            continue
        out[i], back = result
        done += 1
        promised.extend(_PINYIN.sub("", b) for b in back if len(b) >= 2)
    return out, promised


# A report page's title is garbled on a share of a garbling portal's report pages (its heading, <title>
# and ArticleTitle, as a mirror garbles them together); the list linking it keeps the clean title.
TITLE_GARBLED_SHARE = 3  # one report page in this many


def garble_title(kind: str, title: str, agency: str, rng: random.Random) -> tuple[str, list[str]] | None:
    """(title as served, the pieces the repaired title must hold, in order), or None when ``kind``
    leaves this title as it is. A GBK shift loses the full-width sign it struck (which one it was is a
    guess); lost characters are taken from the agency's name only: lost in the words that make it a
    report (年度报告), the page no longer names itself one, a hazard this class does not model."""
    if kind == "gbk_shift":
        result = _shift(title, rng)
        if result is None:
            return None
        served, back = result
        at = next(i for i, (a, b) in enumerate(zip(served, title, strict=False)) if a != b)
        return served, [p for p in (title[:at], *back) if p]
    if kind == "utf8_as_gbk":
        return _utf8_as_gbk(title, rng)
    if kind == "latin1":
        return _latin1(title, rng)
    if kind == "lost":
        start = title.find(agency) if agency else -1
        if start < 0 or len(agency) < 3:
            return None
        places = [start + i for i, c in enumerate(agency) if _CJK.match(c)]
        lost = sorted(rng.sample(places, min(len(places), rng.randint(1, 3))))
        served = "".join(rng.choice(("\ufffd", "锟斤拷")) if i in lost else c for i, c in enumerate(title))
        # What is left between the lost characters (a repair may find them on the page: then it holds more).
        pieces = re.split("\x00", "".join("\x00" if i in lost else c for i, c in enumerate(title)))
        return served, [p for p in pieces if p]
    return None
