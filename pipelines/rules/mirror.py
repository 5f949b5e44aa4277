"""Artefacts of content-farm mirrors (seed 000), as data for pipelines/clean.py.

The mirror took a Simplified report, converted it to Traditional with the pinyin of each converted
character in parentheses (區(qū)委), encoded it as GBK, lost one byte (so a run of characters was read
one byte off: `　（一）組織` became `?。ㄒ唬┙M織`), and folded full-width punctuation to ASCII.
"""

from pipelines.rules.vocabulary import CJK_IDEOGRAPHS

_TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# Pinyin in parentheses right after a CJK character (or the ASCII letter a mojibake run left); a tone mark is required so that
# 条例(试行), (一), (Word) or (a) never match.
PINYIN_AFTER_CJK = rf"(?<=[{CJK_IDEOGRAPHS}A-Za-z])\((?=[a-z{_TONE}]*[{_TONE}])[a-z{_TONE}]{{1,7}}\)"
# This many annotations make a text a converter's output (one could be a language note).
MIN_PINYIN_ANNOTATIONS = 3

# ASCII punctuation the mirror folded from full width, restored next to CJK text.
FULLWIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
