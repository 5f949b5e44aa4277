"""Reports in attachments (pipelines/attachment_report.py through pipelines/report.build_report)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipelines.page import FetchedPage
from pipelines.report import build_report

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "attachments"
TITLE = "某某区人民政府2023年政府信息公开工作年度报告"


def _file(name: str, url: str | None = None, link_text: str | None = None, ctype: str = "application/octet-stream") -> FetchedPage:
    body = (FIXTURES / name).read_bytes()
    return FetchedPage(url=url or f"http://www.x.gov.cn/files/{name}", status=200, headers={"content-type": ctype},
                       body=body, fetched_at="2026-01-01T00:00:00Z", warc_record_id=f"<urn:uuid:{name}>",
                       link_text=link_text)


def _stub(*attachments: FetchedPage, body_text: str = "详见附件。") -> FetchedPage:
    links = "".join(f"<a href='{a.url}'>{TITLE}</a>" for a in attachments)
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title><meta name='ArticleTitle' content='{TITLE}'>"
            f"</head><body><h1>{TITLE}</h1><div class='info'>发布日期：2024-03-01 来源：某某区人民政府办公室</div>"
            f"<div class='TRS_Editor'><p>{body_text}</p><p>附件：{links}</p></div></body></html>")
    page = FetchedPage(url="http://www.x.gov.cn/nb/t20240301_1.html", status=200,
                       headers={"content-type": "text/html; charset=utf-8"}, body=html.encode(),
                       fetched_at="2026-01-01T00:00:00Z", warc_record_id="<urn:uuid:page>")
    page.extra["attachments"] = list(attachments)
    return page


def test_stub_page_takes_its_text_from_the_docx() -> None:
    docx = _file("table.docx")
    record = build_report(_stub(docx))
    assert record is not None and record["title"] == TITLE
    assert record["text_source"] == "attachment" and "行政规范性文件" in record["text"]
    [att] = record["attachments"]
    assert att["url"] == docx.url and att["sha1"] == hashlib.sha1(docx.body).hexdigest()
    assert att["media_type"].endswith("wordprocessingml.document") and att["warc_record_id"] == docx.warc_record_id
    assert record["needs_ocr"] is False


def test_scanned_pdf_is_flagged_not_emitted_as_text() -> None:
    record = build_report(_stub(_file("scanned.pdf")))
    assert record is not None and record["needs_ocr"] is True
    assert record["attachments"][0]["needs_ocr"] is True
    assert any("OCR" in w for w in record["warnings"])


def test_bad_files_leave_the_page_as_it_is() -> None:
    for name in ("corrupt.pdf", "bomb.docx"):
        record = build_report(_stub(_file(name), body_text="本报告正文。" * 80))
        assert record is not None, name
        assert record.get("text_source") in (None, "page") and "本报告正文" in record["text"], name


def test_pdf_linked_from_a_list_is_a_report() -> None:
    record = build_report(_file("chinese.pdf", link_text=TITLE, ctype="application/pdf"))
    assert record is not None and record["title"] == TITLE and record["report_year"] == 2023
    assert "主动公开" in record["text"] and record["attachments"][0]["media_type"] == "application/pdf"
    # The same file under a link text that is no report title is not one.
    assert build_report(_file("chinese.pdf", link_text="附件1", ctype="application/pdf")) is None


def test_counter_answer_fills_views_only_when_the_page_had_none() -> None:
    page = _stub(body_text="本报告正文。" * 80)
    page.extra["counter"] = {"views": 321, "source": "http://www.x.gov.cn/api/views?id=1"}
    record = build_report(page)
    assert record["views"] == 321 and record["views_source"] == "counter:http://www.x.gov.cn/api/views?id=1"


def test_stub_page_takes_its_statistics_from_the_real_pdf() -> None:
    from tests.conftest import SHARED

    pdf = SHARED / "corpus" / "real-reports" / "pdf" / "real-03-huaian-2024.pdf"
    assert pdf.is_file(), f"shared material missing: {pdf}"
    att = FetchedPage(url="http://www.huaian.gov.cn/files/szfgs2024.pdf", status=200,
                      headers={"content-type": "application/pdf"}, body=pdf.read_bytes(),
                      fetched_at="2026-01-01T00:00:00Z", warc_record_id="<urn:uuid:pdf>")
    record = build_report(_stub(att, body_text="三、收到和处理政府信息公开申请情况（详见附件）"))
    assert record is not None and record["text_source"] == "attachment"
    stats = record["statistics"]
    assert stats["applications"]["new"]["total"] == 3119 and stats["review_litigation"]["review"]["total"] == 351
    assert "statistics: tables present but not read" not in record["warnings"]
    assert record["attachments"][0]["tables"] == 4 and record["attachments"][0]["text_source"] == "text_layer"


def test_pdf_linked_from_a_list_has_statistics() -> None:
    from tests.conftest import SHARED

    pdf = SHARED / "corpus" / "real-reports" / "pdf" / "real-02-hongze-2024.pdf"
    page = FetchedPage(url="http://www.hongze.gov.cn/files/hzq2024.pdf", status=200,
                       headers={"content-type": "application/pdf"}, body=pdf.read_bytes(),
                       fetched_at="2026-01-01T00:00:00Z", link_text="淮安市洪泽区人民政府2024年政府信息公开工作年度报告")
    record = build_report(page)
    assert record is not None and record["statistics"]["applications"]["total_handled"]["total"] == 95
    assert [c for c in record["statistics"]["checks"] if not c["ok"]] == []
