"""OFD (GB/T 33190) reports: text and template statistics read with easyofd (pipelines/ofd_text.py),
on OFD files written from generated reports of both templates (tests/fixtures/ofd_files.py)."""

from __future__ import annotations

import importlib.util
import sys
import zipfile

import pytest

from pipelines import ofd_text
from pipelines.rules import attachments as rules
from pipelines.statistics import parse_statistics
from pipelines.stats_build import flat_cells
from tests.fixtures import ofd_files, report_forms
from tests.fixtures.scoring import bigram_f1


@pytest.fixture(autouse=True)
def _easyofd_installed():
    if importlib.util.find_spec("easyofd") is None:  # loud, never a skip: pyproject.toml installs it
        pytest.fail("easyofd is not installed (pyproject.toml lists it; run scripts/setup.sh)")


@pytest.mark.parametrize("seed", [7301, 7302])  # one report of each template (checked below)
def test_a_generated_ofd_gives_its_text_and_every_cell(tmp_path, seed, capfd):
    report = report_forms.make_report(seed)
    path = tmp_path / "report.ofd"
    ofd_files.to_ofd(report, path)
    result = ofd_text.ofd_result(str(path))
    assert result["text_source"] == "ofd" and result["warnings"] == []
    assert bigram_f1(result["text"], report_forms.gold_text(report)) >= 0.99
    stats, _ = parse_statistics(None, result["text"], result["tables"])
    assert stats["template"] == report.template
    got = flat_cells(stats)
    assert {k: got.get(k) for k in report.cells} == report.cells
    assert all(c["ok"] for c in stats["checks"])
    out, _ = capfd.readouterr()
    assert out == ""  # the worker answers on stdout: easyofd's prints must not reach it


def test_both_templates_are_covered():
    assert {report_forms.make_report(s).template for s in (7301, 7302)} == {"2019", "2021"}


def test_an_ofd_without_text_objects_says_so(tmp_path):
    path = tmp_path / "blank.ofd"
    ofd_files._write(path, "空白", [ofd_files._Page()])
    result = ofd_text.ofd_result(str(path))
    assert result["text"] == ""
    assert result["warnings"] == ["ofd: no text objects (an image-only OFD is not OCRed)"]


def test_a_broken_ofd_is_one_warning_not_a_traceback(tmp_path, capfd):
    path = tmp_path / "broken.ofd"
    with zipfile.ZipFile(path, "w") as zf:  # the main part and an empty document: no DocBody, no pages
        zf.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        zf.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    result = ofd_text.ofd_result(str(path))
    assert result["text"] == "" and result["tables"] == []
    assert len(result["warnings"]) == 1 and result["warnings"][0].startswith("ofd: cannot read the document: ")
    assert capfd.readouterr().out == ""


def test_without_easyofd_the_report_is_flagged(tmp_path, monkeypatch):
    path = tmp_path / "r.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    monkeypatch.setitem(sys.modules, "easyofd.ofd", None)  # as if the package were not installed
    result = ofd_text.ofd_result(str(path))
    assert result["text"] == "" and result["text_source"] is None
    assert result["warnings"] == [rules.OFD_WARNING]


def test_glyph_advances_expand_the_g_shorthand():
    # GB/T 33190: `g 3 2.5` is three advances of 2.5; a short list repeats its last advance
    assert ofd_text._advances("g 3 2.5 1", 6, 3.0) == [2.5, 2.5, 2.5, 1.0, 1.0]
    assert ofd_text._advances("", 3, 3.5) == [3.5, 3.5]
