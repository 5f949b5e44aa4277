"""Mojibake classes and the characters that give them away, as data for pipelines/mojibake.py.

Classes (../shared/HAZARDS.md, seed 000, issue 9 item 6):
- GBK shifted by one lost byte: `　（一）組織` read one byte off is `?。ㄒ唬┙M織` — the stand-in for
  the lone byte ('?' or U+FFFD), then misread pairs, ending where the reading falls back into step
  at an ASCII byte (a GBK trail byte 0x40-0x7E shows up as an ASCII letter or sign).
- UTF-8 read as GBK/GB18030: `公开` is `鍏紑`; the pairs land in GBK's extension rows, outside GB2312.
- UTF-8 read as Latin-1/cp1252 (once or twice): `公开` is `å…¬å¼€`, `Ã¥Â…Â¬`.
- U+FFFD runs and 锟斤拷 (U+FFFD's own bytes read as GBK): the bytes are gone; the characters are dropped
  and the record says how many.
"""

# GBK shift: the stand-in, then 1-60 misread characters (ASCII punctuation the mirror folded from full
# width may sit among them), ending at the ASCII trail byte (group 2).
# Or, with a reader that drops an unreadable pair's first byte (Python's), ending at the U+FFFD that
# dropped it: the reading is back in step after it, and the character whose lead byte ends the run is lost.
# (A text that cannot hold U+FFFD — a PDF's CJK font has no glyph for it — shows '?' there: group 3.)
GBK_SHIFT_RUN = r"[?\ufffd]((?:[^\x00-\x7f\ufffd]|[,:;!()]){1,60}?)(?:([\x40-\x7e])|\ufffd|(\?))"
# Lead bytes tried for the lost byte, likeliest first: 0xA1 starts 　 。 、 “ ” 《 》 — the
# characters a paragraph or sentence starts/ends with — 0xA3 the full-width ASCII forms.
LEAD_BYTES = [0xA1, 0xA3] + [b for b in range(0x81, 0xFF) if b not in (0xA1, 0xA3)]
# A shifted run a portal converted to Traditional afterwards: at most this many of its characters are
# tried both ways (2**n readings).
MAX_CONVERTED_IN_RUN = 6
# Of two equally plain re-readings, the one that starts with a sign a clause starts or ends with.
LIKELY_FIRST = "\u3000，。、；：？！（）《》“”‘’【】"
# A run this short after a '?' stand-in that ends at the reader's U+FFFD is taken for shifted even
# without odd characters.
SHORT_SHIFT_RUN = 3

# Characters Chinese prose does not hold but misread GBK pairs often are: bopomofo, box drawing, kana
# (not ・ ー), Greek and Cyrillic letters, pinyin letters with tones (GB2312 rows 4-9).
ODD_CHARS = ("\u3100-\u312f\u31a0-\u31bf\u2500-\u257f\u3041-\u30fa\uff66-\uff9f\u0391-\u03a9\u03b1-\u03c9"
             "\u0401-\u044f\u0451\u0101\u0113\u011b\u012b\u014d\u016b\u01ce\u01d0\u01d2\u01d4\u01d6\u01d8\u01da\u01dc")
# A run of non-ASCII text read as GBK from UTF-8: at least this share of its characters odd or outside
# GB2312 (and not Traditional), and this many characters, before a re-reading is tried.
UTF8_AS_GBK_MIN_ODD_SHARE = 0.25
UTF8_AS_GBK_MIN_CHARS = 2
# The encodings a UTF-8 text was misread as, tried in this order (GB18030 is what readers use for GBK).
GBK_READERS = ("gb18030",)

# Latin-1 / cp1252 read UTF-8: a run of such characters, re-read at most this many times (double encoding).
# What a UTF-8 continuation byte (0x80-0xBF) looks like read as cp1252 / Latin-1.
_CONT = ("\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
         "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\ufffd")
# A run of such characters holding at least one lead byte (0xC2-0xEF: Â-ï) followed by a continuation
# byte; Chinese text's own —— …… “” and no-break spaces never start one.
# A single space inside a run may be a no-break space (0xA0, a continuation byte) that a text
# normaliser folded.
# Inside a run, '?' is a byte a carrier could not hold (a GBK page or an 8-bit Word file has no C1
# control): like U+FFFD, the character it was part of is lost.
LATIN1_RUN = (f"[{_CONT}\u00c0-\u00ff]*[\u00c2-\u00ef](?:[{_CONT}]| )"
              f"(?:[{_CONT}\u00c0-\u00ff]|\\?+(?=[{_CONT}\u00c0-\u00ff])| (?=[{_CONT}\u00c0-\u00ff])| $| (?=[^{_CONT}\u00c0-\u00ff]))*")
LATIN1_MAX_ROUNDS = 3
# A re-reading that lost more than a quarter of its characters (a carrier wrote '?' for every byte it
# could not hold: cp1252's holes 0x81 0x8D 0x8F 0x90 0x9D, often, read twice) is still taken when at
# least this many CJK characters came back: no European text reads into that much Chinese, and the
# mojibake left in place would be worse than the characters it cost.
LATIN1_LOSSY_MIN_CJK = 4

# A re-read candidate is kept only when at least this share of it is plain Chinese (GB2312 after
# Traditional → Simplified, no odd character).
MIN_PLAUSIBLE = 0.8

# Bytes that are gone: U+FFFD runs and U+FFFD's own UTF-8 bytes (EF BF BD) read as GBK.
# A '?' right before U+FFFD is the same loss written twice (a stand-in, then the reader's own).
# 錕斤拷 is 锟斤拷 after a portal's conversion to Traditional.
# A title's character lost to mojibake is taken from its page's clean text when it stands there between
# the same neighbours, one way only: at most FILL_CONTEXT of them a side, at least FILL_MIN_CONTEXT in all.
FILL_CONTEXT = 3
FILL_MIN_CONTEXT = 2
LOST = r"\??\ufffd+|(?:[锟錕]斤拷)+[锟錕]?"
