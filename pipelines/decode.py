"""Bytes to text, robustly: strict UTF-8 first, GB2312/GBK as GB18030, then the declared charset."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# Declared Chinese charsets are all decoded as their superset: GB2312 pages routinely hold GBK bytes.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030"}


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def declared_charsets(body: bytes, headers: dict[str, str]) -> list[str]:
    found = []
    m = re.search(r"charset\s*=\s*([\w\-]+)", headers.get("content-type", ""), re.I)
    if m:
        found.append(m.group(1).lower())
    m = _META_CHARSET.search(body[:4096])
    if m:
        found.append(m.group(1).decode("ascii", "replace").lower())
    return [_SUPERSET.get(c, c) for c in found]


def decode_body(body: bytes, headers: dict[str, str]) -> DecodedText:
    """Decode a payload; never trusts one <meta> alone, never raises."""
    try:
        return DecodedText(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates = declared_charsets(body, headers) + ["gb18030"]
    for enc in dict.fromkeys(candidates):
        if enc == "utf-8":
            continue
        try:
            return DecodedText(body.decode(enc), enc)
        except (UnicodeDecodeError, LookupError):
            continue
    text = body.decode("gb18030", errors="replace")
    return DecodedText(text, "gb18030", ["undecodable bytes replaced (no charset decodes the body cleanly)"])
