"""Issue 9 item 6 on the generated web: reports built as the crawl completes them (the page, its
counter and files requested as pipelines.completion.plan says, then build_report) carry no mojibake,
and every garbled paragraph the generator promises back is in their text.

Records whose text is a file's (an attachment replacing a stub page, or a file-only report) and
records whose text is the page's are tested apart: they reach the one repair by different stages.
"""

from __future__ import annotations

import pytest

from benchmarks.mojibake import build, find_mojibake, title_holds
from pipelines.textnorm import normalize
from pipelines.warnings import MOJIBAKE_LOST, MOJIBAKE_REPAIRED, code_of
from tests.fixtureweb.generated import GeneratedWeb, plan_for

KINDS = ["gbk_shift", "utf8_as_gbk", "latin1", "lost"]


def _seed_of(kind: str, files: bool) -> int:
    """The first portal of that class with a paragraph promised back in a file's text (or a page's)."""
    for s in range(1, 400):
        if plan_for(s).mojibake != kind:
            continue
        if any(r["text_must_contain"] and (r["attachment"] != "none") == files for r in GeneratedWeb([s]).expected_reports()):
            return s
    raise LookupError(kind)


def _check(seed: int, files: bool) -> int:
    gen = GeneratedWeb([seed])
    checked = 0
    for exp in gen.expected_reports():
        if (exp["attachment"] != "none") != files:
            continue
        rec = build(gen, exp)
        assert rec is not None, exp["url"]
        assert find_mojibake(rec["text"]) == [] and find_mojibake(rec["title"]) == [], (exp["url"], find_mojibake(rec["text"]))
        text = normalize(rec["text"])
        missing = [b for b in exp["text_must_contain"] if normalize(b) not in text]
        assert missing == [], (exp["url"], missing)
        checked += len(exp["text_must_contain"])
    return checked


@pytest.mark.parametrize("kind", KINDS)
def test_file_text_is_clean_and_holds_the_repaired_paragraphs(kind: str) -> None:
    assert _check(_seed_of(kind, files=True), files=True) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_page_text_is_clean_and_holds_the_repaired_paragraphs(kind: str) -> None:
    assert _check(_seed_of(kind, files=False), files=False) > 0


def _garbled_title_seed(kind: str) -> int:
    for s in range(1, 400):
        if plan_for(s).mojibake == kind and any(r["title_served"] != r["title"] for r in GeneratedWeb([s]).expected_reports()):
            return s
    raise LookupError(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_a_report_page_served_with_a_garbled_title_gets_the_repaired_title(kind: str) -> None:
    """The heading, <title> and ArticleTitle garbled alike (a mirror's page): the page is still a
    report, its record's title is clean and holds what the garbling left, and the record says so."""
    gen = GeneratedWeb([_garbled_title_seed(kind)])
    checked = 0
    for exp in gen.expected_reports():
        if exp["title_served"] == exp["title"]:
            continue
        rec = build(gen, exp)
        assert rec is not None, (exp["url"], exp["title_served"])
        assert find_mojibake(rec["title"]) == [] and title_holds(rec["title"], exp["title_must_contain"]), \
            (exp["title_served"], rec["title"], exp["title_must_contain"])
        assert any(code_of(w) in (MOJIBAKE_REPAIRED, MOJIBAKE_LOST) and w.startswith("title:") for w in rec["warnings"]), \
            rec["warnings"]
        checked += 1
    assert checked > 0
