"""Plain-text normalisation shared by every attachment reader (PDF, OCR, DOCX, DOC/WPS).

`clean_text` unifies line ends and spaces and (for text whose lines were broken by a page width)
joins width-broken CJK lines; `tidy_spaces` removes the spaces that justified layouts leave between
CJK characters and around full-width punctuation (`号 ， 邮编 ：` -> `号，邮编：`).
"""

from __future__ import annotations

import re

from pipelines.rules.vocabulary import CJK_IDEOGRAPHS as _CJK

_CJK_CHAR = re.compile(f"[{_CJK}]")
_SPACE_RUN = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u200b-\u200d\ufeff]")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_CJK_SPACE_RUN = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")
# A line may continue on the next if it ends in a CJK character or mid-sentence punctuation;
# 。！？；： and closing brackets end it.
_JOINABLE_END = re.compile(f"[{_CJK}，、（《“‘]$")
_FULL_LINE_SHARE = 0.8  # a line at least this share of its block's longest line ran to the margin
_MIN_BLOCK_WIDTH = 10  # blocks of short lines (tables, lists) are never joined


def clean_text(text: str, *, pdf: bool = False) -> str:
    """Minimal cleaning: unify line ends and spaces, strip lines, drop control characters.

    DOCX/DOC text keeps one paragraph per line, with no blank lines. PDF text keeps one blank line
    between pdfminer's text boxes (roughly paragraphs) and between pages.

    For PDFs also: drop single spaces between CJK characters (justified text comes out "政 府"),
    and join a line to the next when it was broken only by the page width — the line ends in a
    CJK character or ，、, the next starts with a CJK character, and the line is nearly as long as
    the longest in its block (so short headings like "一、总体情况" are never glued to the
    paragraph below). Blocks are pdfminer text boxes, separated by blank lines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n")]
    if pdf:
        lines = [_SPACE_BETWEEN_CJK.sub("", line) for line in lines]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    if pdf:
        blocks = [_join_broken_lines(block) for block in blocks]
    separator = "\n\n" if pdf else "\n"
    return separator.join("\n".join(block) for block in blocks if block)


def _join_broken_lines(block: list[str]) -> list[str]:
    if not block:
        return block
    width = max(len(line) for line in block)
    if width < _MIN_BLOCK_WIDTH:
        return block
    out = [block[0]]
    previous = block[0]  # the raw previous line: out[-1] grows as lines are joined
    for line in block[1:]:
        if (len(previous) >= _FULL_LINE_SHARE * width and _JOINABLE_END.search(previous)
                and _CJK_CHAR.match(line)):
            out[-1] += line
        else:
            out.append(line)
        previous = line
    return out

# Full-width punctuation and CJK symbols: no space belongs next to them in Chinese text.
_FULLWIDTH = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026\u2014\u00b7"
CJK_OR_FULLWIDTH = re.compile(f"[{_CJK}{_FULLWIDTH}]")
_SPACE_NEXT_TO_FULLWIDTH = re.compile(f"[ \t\u00a0\u3000]+(?=[{_FULLWIDTH}])|(?<=[{_FULLWIDTH}])[ \t\u00a0\u3000]+")


def tidy_spaces(text: str) -> str:
    """No spaces between CJK characters or next to full-width punctuation; one space elsewhere."""
    out = []
    for line in text.split("\n"):
        line = _SPACE_RUN.sub(" ", line).strip()
        line = _SPACE_NEXT_TO_FULLWIDTH.sub("", line)
        line = _CJK_SPACE_RUN.sub("", line)
        out.append(line)
    return "\n".join(out)
