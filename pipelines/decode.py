"""Bytes to text, robustly: strict UTF-8 first, GB2312/GBK as GB18030, then detection.

No single declaration is trusted: portals (and the tools that saved their pages) lie both ways.
GNE's 163/qq/people pages declare gb2312 over UTF-8 bytes; trafilatura's archive.org page declares
utf-8 over GBK. So a declared charset is only used when the bytes decode under it strictly, and a
clean strict UTF-8 decode beats any declaration (random GBK text is almost never valid UTF-8).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from pipelines import warnings as W
from pipelines.rules.vocabulary import CJK_TEXT

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# Declared Chinese charsets are all decoded as their superset: GB2312 pages routinely hold GBK bytes.
_SUPERSET = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "cp936": "gb18030", "euc-cn": "gb18030", "big5": "big5hkscs", "utf8": "utf-8",
}
# Single-byte charsets decode any byte string, so a "clean" decode under them proves nothing.
_SINGLE_BYTE = {"latin_1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _canonical(name: str) -> str | None:
    name = _SUPERSET.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(body: bytes, headers: dict[str, str]) -> list[str]:
    """Charsets named by the Content-Type header and the first <meta>, canonical codec names."""
    found = []
    m = re.search(r"charset\s*=\s*[\"']?([\w\-]+)", headers.get("content-type", ""), re.I)
    if m:
        found.append(m.group(1))
    m = _META_CHARSET.search(body[:16384])
    if m:
        found.append(m.group(1).decode("ascii", "replace"))
    out = []
    for name in found:
        canon = _canonical(name)
        if canon and canon not in out:
            out.append(canon)
    return out


def looks_binary(body: bytes) -> bool:
    """True for payloads that are not text at all (PDF, images, zip served as text/html)."""
    head = body[:2048]
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return True
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return False  # UTF-16 legitimately carries NULs
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    return bool(head) and (b"\x00" in head or controls / len(head) > 0.1)


_CJK_CHAR = re.compile(f"[{CJK_TEXT}]")
# Letters: neither ASCII nor whitespace (\s of a str pattern is exactly str.isspace).
_LETTER = re.compile(r"[^\x00-\x7f\s]")


def _cjk_ratio(text: str) -> float:
    letters = "".join(_LETTER.findall(text[:20000]))  # counted by regex: a Python loop per character cost ~5 ms a page
    if not letters:
        return 1.0
    return len(_CJK_CHAR.findall(letters)) / len(letters)


def decode_body(body: bytes, headers: dict[str, str]) -> DecodedText:
    """Decode a payload; never trusts one declaration alone, never raises."""
    warnings: list[str] = []
    if not body:
        return DecodedText("", "utf-8", [W.warning(W.EMPTY_BODY, "empty body")])
    if looks_binary(body):
        warnings.append(W.warning(W.BINARY_BODY, "body looks binary (not text), decoded lossily"))
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return DecodedText(body.decode(enc, errors="replace"), enc, warnings)
    declared = declared_charsets(body, headers)
    try:
        text = body.decode("utf-8")
        if declared and declared[0] != "utf-8" and declared[-1] != "utf-8" and not body.isascii():
            warnings.append(W.warning(W.CHARSET_MISDECLARED,
                                      f"declared charset {declared[0]} but body is valid UTF-8; decoded as UTF-8"))
        return DecodedText(text, "utf-8", warnings)
    except UnicodeDecodeError:
        pass
    # Multi-byte declarations first, then GB18030 (the likeliest for a Chinese portal).
    candidates = [c for c in declared if c not in _SINGLE_BYTE and c != "utf-8"] + ["gb18030"]
    for enc in dict.fromkeys(candidates):
        try:
            text = body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        # A strict decode can still be the wrong charset (e.g. Big5 bytes read as GB18030);
        # mostly-CJK output is the sanity check.
        if _cjk_ratio(text) < 0.6:
            continue
        if declared and enc not in declared:
            warnings.append(W.warning(W.CHARSET_MISDECLARED,
                                      f"declared charset {declared[0]} does not decode the body; decoded as {enc}"))
        return DecodedText(text, enc, warnings)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
    except Exception:  # detection is best effort; fall through to a lossy decode
        best = None
    if best is not None and best.encoding:
        enc = _canonical(best.encoding) or best.encoding
        warnings.append(W.warning(W.CHARSET_DETECTED,
                                  f"charset detected as {enc} (no declared charset decodes the body cleanly)"))
        return DecodedText(str(best), enc, warnings)
    text = body.decode("gb18030", errors="replace")
    warnings.append(W.warning(W.UNDECODABLE_BYTES, "undecodable bytes replaced (no charset decodes the body cleanly)"))
    return DecodedText(text, "gb18030", warnings)
