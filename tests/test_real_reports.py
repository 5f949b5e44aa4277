"""The three real WPS-made PDF reports in ../shared: every printed template cell, and the text.

Expected values were read by a person from the page images (tests/fixtures/real_reports/README.md),
never from gongkai's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.attachments import extract_attachment_text
from pipelines.statistics import parse_statistics
from pipelines.stats_build import flat_cells
from tests.conftest import SHARED
from tests.fixtures.scoring import bigram_f1, expected_cells

FIX = Path(__file__).parent / "fixtures" / "real_reports"
PDFS = SHARED / "corpus" / "real-reports" / "pdf"
NAMES = ["real-01-hongze-2023", "real-02-hongze-2024", "real-03-huaian-2024"]
REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")


@pytest.fixture(scope="module")
def read() -> dict:
    assert PDFS.is_dir(), f"shared material missing: {PDFS}"
    out = {}
    for name in NAMES:
        result = extract_attachment_text((PDFS / f"{name}.pdf").read_bytes(), f"http://www.hongze.gov.cn/{name}.pdf")
        out[name] = (result, *parse_statistics(None, result.text, result.tables))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_every_printed_cell_is_exact(read, name):
    exp = json.loads((FIX / f"{name}.cells.json").read_text(encoding="utf-8"))
    result, stats, warnings = read[name]
    assert result.text_source == "text_layer" and not result.needs_ocr
    got = flat_cells(stats)
    want = expected_cells(exp)
    wrong = {k: (got.get(k, "missing"), v) for k, v in want.items() if got.get(k, "missing") != v}
    assert wrong == {}
    assert len(want) == len(got)  # and nothing read that is not printed


@pytest.mark.parametrize("name", NAMES)
def test_failed_checks_are_the_printed_contradictions(read, name):
    exp = json.loads((FIX / f"{name}.cells.json").read_text(encoding="utf-8"))
    _, stats, warnings = read[name]
    failed = [c["rule"] for c in stats["checks"] if not c["ok"]]
    assert failed == exp["failed_checks"]
    # Every identity was checked, none skipped: a row sum per row of table 三, two column identities
    # per column, a result sum per review group.
    assert len(stats["checks"]) == len(exp["applications"]) + 2 * 7 + 3
    assert [w for w in warnings if not w.startswith("check failed")] == []


@pytest.mark.parametrize("name", NAMES)
def test_text_matches_an_independent_reading(read, name):
    result, _, _ = read[name]
    gold = (FIX / f"{name}.text.txt").read_text(encoding="utf-8")
    assert bigram_f1(result.text, gold) >= 0.99
    lines = result.text.split("\n")
    assert not [line for line in lines if line.strip(" -") .isdigit()]  # no page numbers
    assert "号，邮编：" in result.text or name != "real-01-hongze-2023"  # no spaces around full-width marks
    assert "一、总体情况" in lines  # a heading keeps its line; paragraphs are joined
    assert len(lines) < 120
