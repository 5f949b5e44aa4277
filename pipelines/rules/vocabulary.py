"""Words and character classes that more than one stage reads, each defined once.

The metadata reader, the text cleaner, the browser decision, change detection and the link sorter
all need to know what a view-counter label, a year or a Chinese character looks like. When each
kept its own list they drifted apart (a label one knew and another did not), so they import these.
"""

from __future__ import annotations

import re


def alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first (so 浏览次数 wins over 浏览)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# --- view counters -------------------------------------------------------------------------------
# Labels of a page's view counter (`浏览次数：1234`, `点击：56次`, `访问量：<b>N</b>`), Traditional
# forms included (content farms serve them).
COUNTER_LABELS = ["浏览次数", "浏览量", "浏览数", "浏览", "点击数", "点击量", "点击率", "点击次数", "点击",
                  "阅读次数", "阅读量", "阅读数", "阅读", "访问量", "访问次数", "访问", "查看次数", "人气",
                  "瀏覽次數", "瀏覽量", "瀏覽數", "瀏覽", "點擊數", "點擊量", "點擊率", "點擊次數", "點擊",
                  "閱讀次數", "閱讀量", "閱讀數", "閱讀", "訪問量", "訪問次數", "訪問", "查看次數"]
COUNTER_LABEL = f"(?:{alternation(COUNTER_LABELS)})"
# A label that ends its text (the count comes next, from a script or an element): `浏览次数：`.
COUNTER_LABEL_AT_END = rf"{COUNTER_LABEL}\s*[:：]?\s*$"

# --- years ---------------------------------------------------------------------------------------
# Plausible years only: a bare 4-digit number elsewhere (an 索引号, a phone number) is no year.
YEAR = r"(?:19[89]\d|20\d{2})"
# Digits of a year written in Chinese numerals (二〇二二); 〇 has look-alikes (○, 零, O, full-width ０).
CN_YEAR_DIGITS = "〇零○ОOo０一二三四五六七八九"
CN_YEAR = f"[{CN_YEAR_DIGITS}]{{4}}"
# Either form, as a title or a source line writes the year a report covers.
YEAR_TOKEN = f"(?:{YEAR}|{CN_YEAR})"

# --- Chinese text --------------------------------------------------------------------------------
# Han ideographs: the basic block, extension A, compatibility ideographs and the supplementary planes.
CJK_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_PUNCTUATION = "\u3000-\u303f"  # 、。〈〉《》「」【】 and the ideographic space
FULLWIDTH_FORMS = "\uff00-\uffef"  # （），：；！？ and full-width letters and digits
# Everything a Chinese text is written with (a character class body: use as f"[{CJK_TEXT}]").
CJK_TEXT = CJK_PUNCTUATION + CJK_IDEOGRAPHS + FULLWIDTH_FORMS

# --- document-sharing sites (天天文库 and its kin) -------------------------------------------------
# Markers in a page or its text. Two must be present: one alone may be a quotation.
DOCSHARE_MARKERS = [
    r"欢迎来到.{1,12}(?:文库|文档|资料|网)", r"由会员上传分享", r"免费在线阅读", r"此文档下载收益归作者所有",
    r"下载积分|文档贡献者|上传者\s*[:：]|VIP专享", r"^浏览记录$", r"天天文库|原创力文档|人人文库|道客巴巴|豆丁网|百度文库",
    r"文档分享平台|本文档由用户提供并上传", r"下载文档到电脑|下载本文档",
]
DOCSHARE_MIN_MARKERS = 2
