"""Statistics from every form a report takes, on generated reports (tests/fixtures/report_forms.py)
and on a scan of a real page. benchmarks/statistics.py runs the same on many more seeds."""

from __future__ import annotations

import io
import zipfile

import pytest

from pipelines import pdf_tables
from pipelines.attachments import extract_attachment_text
from pipelines.page import FetchedPage
from pipelines.report import build_report
from pipelines.rules import attachments as rules
from pipelines.rules import statistics_labels as L
from pipelines.statistics import parse_statistics
from pipelines.stats_build import flat_cells
from tests.conftest import SHARED
from tests.fixtures import ofd_files, report_forms

# Seeds of each template, outside what the code was developed against (1–8).
SEED_2019, SEED_2021 = 21, 23


def _wrong(stats: dict | None, report: report_forms.Report) -> dict:
    got = flat_cells(stats)
    return {k: (got.get(k, "missing"), v) for k, v in report.cells.items() if got.get(k, "missing") != v}


def _as_linked_file(path, title: str, html: bool = False) -> dict:
    page = FetchedPage(url=f"http://www.example.gov.cn/gk/{path.name}", status=200,
                       headers={"content-type": "text/html; charset=utf-8" if html else "application/octet-stream"},
                       body=path.read_bytes(), fetched_at="2026-01-01T00:00:00Z", link_text=title)
    record = build_report(page)
    assert record is not None
    return record


def test_seeds_cover_both_templates():
    assert report_forms.make_report(SEED_2019).template == "2019"
    assert report_forms.make_report(SEED_2021).template == "2021"


@pytest.mark.parametrize("seed", [SEED_2019, SEED_2021])
@pytest.mark.parametrize("form", ["html", "text", "docx"])
def test_quick_forms_read_every_cell(tmp_path, seed, form):
    report = report_forms.make_report(seed)
    path = report_forms.render(report, form, tmp_path)
    if form == "text":  # doc-sharing text: every table row flattened to one line
        stats, warnings = parse_statistics(None, path.read_text(encoding="utf-8"))
    else:
        record = _as_linked_file(path, report.title, html=form == "html")
        stats, warnings = record["statistics"], record["warnings"]
        if form == "docx":
            assert record["text_source"] == "attachment" and record["attachments"][0]["tables"] == 3
    assert _wrong(stats, report) == {}
    assert stats["template"] == report.template
    assert [c for c in stats["checks"] if not c["ok"]] == [] and not [w for w in warnings if "check failed" in w]


@pytest.fixture(scope="module")
def office_files(tmp_path_factory):
    assert report_forms.have_libreoffice(), "LibreOffice (soffice) is installed by scripts/setup.sh"
    out = tmp_path_factory.mktemp("forms")
    report = report_forms.make_report(SEED_2021)
    return report, {form: report_forms.render(report, form, out) for form in ("pdf", "doc")}


def test_ruled_pdf_with_table_broken_over_pages(office_files):
    report, files = office_files
    tables, _ = pdf_tables.ruled_tables(str(files["pdf"]))
    assert any(t.continues for t in tables)  # table 三 runs over a page break
    record = _as_linked_file(files["pdf"], report.title)
    assert record["attachments"][0]["text_source"] == "text_layer"
    assert _wrong(record["statistics"], report) == {}
    assert "三、收到和处理政府信息公开申请情况" in record["text"].split("\n")


def test_doc_tables_by_libreoffice(office_files):
    report, files = office_files
    record = _as_linked_file(files["doc"], report.title)
    assert record["attachments"][0]["media_type"] == rules.DOC
    assert _wrong(record["statistics"], report) == {}


def test_scan_of_a_real_page_is_ocred_into_statistics(tmp_path):
    """Page 4 of the real Hongze 2023 report (its review table), printed to an image-only PDF."""
    src = SHARED / "corpus" / "real-reports" / "pdf" / "real-01-hongze-2023.pdf"
    assert src.is_file(), f"shared material missing: {src}"
    scan = report_forms.scan_of_page(src, 3, tmp_path)
    result = extract_attachment_text(scan.read_bytes(), "http://www.hongze.gov.cn/nb2023-scan.pdf")
    assert result.text_source == "ocr" and not result.needs_ocr
    assert result.ocr_confidence is not None and result.ocr_confidence > rules.OCR_MIN_CONFIDENCE
    stats, warnings = parse_statistics(None, result.text, result.tables)
    assert stats["review_litigation"] == {
        "review": {"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0},
        "litigation_direct": dict.fromkeys(L.REVIEW_MEASURES, 0),
        "litigation_after_review": {"upheld": 5, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }
    assert [c["rule"] for c in stats["checks"] if not c["ok"]] == [
        "review_litigation.review: results sum to total", "review_litigation.litigation_after_review: results sum to total"]
    assert "10 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 5 | 0 | 0 | 0 | 0" in result.text.split("\n")


def test_scan_with_ocr_off_needs_ocr(tmp_path, monkeypatch):
    src = SHARED / "corpus" / "real-reports" / "pdf" / "real-02-hongze-2024.pdf"
    scan = report_forms.scan_of_page(src, 0, tmp_path)
    monkeypatch.setenv(rules.OCR_ENV, "off")
    result = extract_attachment_text(scan.read_bytes(), "http://www.hongze.gov.cn/nb2024-scan.pdf")
    assert result.needs_ocr and result.text == "" and result.text_source is None
    assert result.warnings[-2:] == ["pdf: no text layer on 1 pages (1 images): needs OCR", "ocr: off"]


def test_an_ofd_attachment_is_read_into_text_and_statistics(tmp_path):
    report = report_forms.make_report(7303)
    path = tmp_path / "nb.ofd"
    ofd_files.to_ofd(report, path)
    result = extract_attachment_text(path.read_bytes(), "http://www.x.gov.cn/files/nb2023.ofd")
    assert result.media_type == rules.OFD and result.text_source == "ofd" and result.warnings == []
    assert report.title in result.text
    stats, _ = parse_statistics(None, result.text, result.tables)
    got = flat_cells(stats)
    assert {k: got.get(k) for k in report.cells} == report.cells


def test_a_broken_ofd_is_flagged_not_dropped():
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as zf:
        zf.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        zf.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    result = extract_attachment_text(body.getvalue(), "http://www.x.gov.cn/files/nb2023.ofd")
    assert result.media_type == rules.OFD and result.text == ""
    assert len(result.warnings) == 1 and result.warnings[0].startswith("ofd: cannot read the document: ")


def test_tables_present_but_not_read_is_a_warning():
    text = ("某某区2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
            "（表格为图片，见附件）\n四、政府信息公开行政复议、行政诉讼情况\n无。")
    assert parse_statistics(None, text) == (None, [L.TABLES_NOT_READ_WARNING])
