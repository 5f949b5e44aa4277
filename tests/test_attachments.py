"""Attachment text extraction: formats, sniffing, and the limits that protect the crawl.

Fixtures come from tests/fixtures/attachments/make_fixtures.py (regenerate with that script).
"""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from pathlib import Path

import docx
import pytest

from pipelines import attachments
from pipelines.attachments import clean_text, extract_attachment_text, sniff_media_type
from pipelines.rules import attachments as rules

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- Formats --------------------------------------------------------------------------------------


def test_chinese_pdf_text_layer():
    result = extract_attachment_text(fixture("chinese.pdf"), "http://gov.example.cn/a/report.pdf")
    assert result.media_type == rules.PDF
    assert not result.needs_ocr
    assert result.warnings == []
    lines = result.text.split("\n")
    assert "一、总体情况" in lines  # a heading stays on its own line
    # The paragraph set as three lines comes back as one: broken only by the page width.
    assert ("2023年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
            "进一步加大主动公开力度，全年主动公开政府信息一千二百三十四条。") in lines
    assert "本年度新收申请五十六件。" in lines  # page 2
    assert "(cid:" not in result.text


def test_docx_paragraphs_and_table_rows():
    result = extract_attachment_text(fixture("table.docx"), "http://gov.example.cn/a/report.docx")
    assert result.media_type == rules.DOCX
    assert result.warnings == []
    assert result.text.split("\n") == [
        "某某区人民政府2023年政府信息公开工作年度报告",
        "一、总体情况",
        "本年度，我区持续深化政务公开。",
        "信息内容 | 本年制发件数 | 本年废止件数",
        "规章 | 0 | 0",
        "行政规范性文件 | 12 | 3",
        "二、存在的主要问题及改进情况",
    ]


def test_docx_merged_cells_appear_once():
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "收到和处理政府信息公开申请情况"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "申请人情况"
    table.cell(1, 1).text = "自然人"
    table.cell(1, 2).text = "10"
    table.cell(2, 1).text = "法人"
    table.cell(2, 2).text = "2"
    out = io.BytesIO()
    document.save(out)
    result = extract_attachment_text(out.getvalue(), "http://gov.example.cn/a.docx")
    assert result.text.split("\n") == [
        "收到和处理政府信息公开申请情况",
        "申请人情况 | 自然人 | 10",
        "| 法人 | 2",  # continuation of the vertical merge: empty, the text is on the row above
    ]


def test_doc_via_antiword():
    result = extract_attachment_text(fixture("report.doc"), "http://gov.example.cn/a/report.doc")
    assert result.media_type == rules.DOC
    assert result.warnings == []
    assert result.text.split("\n") == [
        "某某县人民政府2023年政府信息公开工作年度报告", "一、总体情况", "本年度主动公开政府信息一千二百条。"]


def test_wps_is_read_like_doc():
    # Kingsoft WPS 文字 saves .wps as a Word 97 compound file: the same readers apply.
    result = extract_attachment_text(fixture("report.doc"), "http://gov.example.cn/upload/1.wps",
                                     "application/octet-stream")
    assert result.media_type == rules.WPS
    assert "本年度主动公开政府信息一千二百条。" in result.text


def test_doc_falls_back_to_catdoc(monkeypatch, tmp_path):
    # antiword fails (it crashes on some malformed files); catdoc then reads the same file.
    path = tmp_path / "report.doc"
    path.write_bytes(fixture("report.doc"))
    monkeypatch.setattr(rules, "DOC_READERS", (("antiword", ["false"]), rules.DOC_READERS[1]))
    result = attachments._doc_text(str(path), timeout=10)
    assert result["text"].split("\n")[0] == "某某县人民政府2023年政府信息公开工作年度报告"
    assert result["warnings"] == ["doc: antiword failed: no text"]


def test_doc_no_reader_works(monkeypatch, tmp_path):
    path = tmp_path / "x.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    result = attachments._doc_text(str(path), timeout=10)
    assert result["text"] == ""
    assert [w.split(":")[1].strip() for w in result["warnings"]] == ["antiword failed", "catdoc failed"]


def test_scanned_pdf_needs_ocr():
    result = extract_attachment_text(fixture("scanned.pdf"), "http://gov.example.cn/scan.pdf")
    assert result.needs_ocr
    assert result.text == ""
    assert any("needs OCR" in w for w in result.warnings)


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body,url", [
    (fixture("corrupt.pdf"), "http://x.cn/a.pdf"),
    (b"%PDF-1.7\n" + bytes(range(256)) * 20, "http://x.cn/a.pdf"),
    (fixture("table.docx")[:5000], "http://x.cn/a.docx"),  # truncated DOCX
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + bytes(2000), "http://x.cn/a.doc"),
    (os.urandom(3000), "http://x.cn/a.pdf"),
])
def test_corrupt_files_warn_and_do_not_raise(body, url):
    result = extract_attachment_text(body, url)
    assert result.text == ""
    assert result.warnings
    assert not result.needs_ocr


def test_zip_bomb_refused_before_any_parsing(monkeypatch):
    def no_worker(*args, **kwargs):
        raise AssertionError("a zip bomb must not reach the parser")

    monkeypatch.setattr(attachments, "_run_worker", no_worker)
    result = extract_attachment_text(fixture("bomb.docx"), "http://x.cn/a.docx")
    assert result.media_type == rules.DOCX
    assert result.text == ""
    assert "zip bomb" in result.warnings[0]


def test_zip_declaring_huge_total_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
    body = bytearray(out.getvalue())
    # Forge the central directory's uncompressed size to 4 GB: the sizes are declared, not checked.
    central = body.rindex(b"PK\x01\x02")
    body[central + 24:central + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    assert "zip bomb" in (attachments.zip_bomb_check(bytes(body)) or "")


def test_body_over_max_bytes_refused():
    body = fixture("chinese.pdf")
    result = extract_attachment_text(body, "http://x.cn/a.pdf", max_bytes=1000)
    assert result.text == ""
    assert result.media_type == rules.PDF
    assert "over the 1000-byte limit" in result.warnings[0]


def test_not_an_attachment():
    result = extract_attachment_text(b"<html><body>404</body></html>", "http://x.cn/a.pdf", "text/html")
    assert result == attachments.AttachmentText("", "", False, [
        "attachment: not a PDF, DOC, DOCX or WPS file (text/html)"])


# --- Limits on the worker -------------------------------------------------------------------------


def test_timeout_kills_worker_and_its_children(monkeypatch, tmp_path):
    pidfile = tmp_path / "child.pid"
    # The child would sleep for an hour: a timeout that does not kill it hangs the test until
    # pytest-timeout fails it (no wall-clock assertion needed).
    slow = ("import subprocess, sys; p = subprocess.Popen(['sleep', '3600']); "
            "open(sys.argv[1], 'w').write(str(p.pid)); p.wait()")
    monkeypatch.setattr(attachments, "_worker_command",
                        lambda path, media_type, timeout: [sys.executable, "-c", slow, str(pidfile)])
    result = extract_attachment_text(fixture("chinese.pdf"), "http://x.cn/a.pdf", timeout=1.5)
    assert result.text == ""
    assert result.warnings == ["attachment: parsing stopped after the 1.5 s timeout"]
    grandchild = int(pidfile.read_text())
    for _ in range(50):  # the orphaned `sleep` is reaped by init shortly after SIGKILL
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the worker's child outlived the timeout")


def test_memory_limit_turns_runaway_parse_into_warning(monkeypatch):
    greedy = ("from pipelines.attachments import _limit_memory; _limit_memory(300 * 2**20); "
              "b = bytearray(2 * 2**30)")
    monkeypatch.setattr(attachments, "_worker_command",
                        lambda path, media_type, timeout: [sys.executable, "-c", greedy])
    result = extract_attachment_text(fixture("chinese.pdf"), "http://x.cn/a.pdf")
    assert result.text == ""
    assert result.warnings[0].startswith("attachment: worker failed (exit 1) MemoryError")


def test_worker_crash_is_a_warning(monkeypatch):
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    monkeypatch.setattr(attachments, "_worker_command",
                        lambda path, media_type, timeout: [sys.executable, "-c", crash])
    result = extract_attachment_text(fixture("chinese.pdf"), "http://x.cn/a.pdf")
    assert result.warnings == ["attachment: worker failed (killed by signal 11)"]


# --- Sniffing -------------------------------------------------------------------------------------


def test_pdf_served_as_html_is_a_pdf():
    body = fixture("chinese.pdf")
    assert sniff_media_type(body, "http://x.cn/download.jsp?id=7", "text/html; charset=utf-8") == rules.PDF
    result = extract_attachment_text(body, "http://x.cn/download.jsp?id=7", "text/html")
    assert "一、总体情况" in result.text


@pytest.mark.parametrize("body,url,content_type,expected", [
    (b"junk\r\n%PDF-1.4 ...", "http://x.cn/a", "", rules.PDF),  # junk before the signature
    (b"<!DOCTYPE html><html>not found</html>", "http://x.cn/a.pdf", "application/pdf", None),
    (b"\xef\xbb\xbf<html>", "http://x.cn/a.doc", "", None),
    (b"", "http://x.cn/a.pdf", "application/pdf", None),
    (b"\x00\x01binary", "http://x.cn/a.PDF", "", rules.PDF),  # no signature: the name decides
    (b"\x00\x01binary", "http://x.cn/get?id=1", "application/msword", rules.DOC),
    (b"\x00\x01binary", "http://x.cn/a.zip", "application/zip", None),
])
def test_sniff(body, url, content_type, expected):
    assert sniff_media_type(body, url, content_type) == expected


def test_sniff_containers():
    docx_body = fixture("table.docx")
    assert sniff_media_type(docx_body, "http://x.cn/f", "application/octet-stream") == rules.DOCX
    assert sniff_media_type(docx_body, "http://x.cn/a.wps", "") == rules.DOCX  # WPS saved as DOCX
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff_media_type(out.getvalue(), "http://x.cn/a.docx", "") is None  # an .xlsx
    doc_body = fixture("report.doc")
    assert sniff_media_type(doc_body, "http://x.cn/f", "") == rules.DOC
    assert sniff_media_type(doc_body, "http://x.cn/f", "application/kswps") == rules.WPS
    xls_like = doc_body.replace("WordDocument".encode("utf-16-le"), "Workbook\0\0\0\0".encode("utf-16-le"))
    assert sniff_media_type(xls_like, "http://x.cn/a.doc", "") is None


# --- Cleaning -------------------------------------------------------------------------------------


def test_clean_text_joins_only_width_broken_cjk_lines():
    text = ("一、总体情况\n"
            "本机关坚持以公开为常态、不公开为例外，进一步加\n"
            "大主动公开力度，全年主动公开政府信息一千二百条\n"
            "。\n\n"
            "二、主动公开情况\n"
            "1.规章情况\n"
            "本年度新制定规章零件。本年度废止规章零件，现行\n"
            "有效规章二十件。")
    assert clean_text(text, pdf=True).split("\n") == [
        "一、总体情况",
        "本机关坚持以公开为常态、不公开为例外，进一步加大主动公开力度，全年主动公开政府信息一千二百条",
        "。",  # punctuation starts no join: rare, and safer left alone
        "",
        "二、主动公开情况",
        "1.规章情况",
        "本年度新制定规章零件。本年度废止规章零件，现行有效规章二十件。",
    ]


def test_clean_text_spaces_and_controls():
    assert clean_text("政 府　信息\u00a0 公开\x00\r\n\r\n\r\n第二段\f第三页", pdf=True) == \
        "政府信息公开\n\n第二段\n\n第三页"
    assert clean_text("  第一段  \n\n\n第二段\t表格 ") == "第一段\n第二段 表格"
    assert clean_text("Annual report 2023\nof the county") == "Annual report 2023\nof the county"


def test_antiword_table_rows_become_pipe_rows():
    out = "标题\n|信息内容   |本年新制作数量|\n|规章       |0             |\n|           |              |\n"
    assert attachments._antiword_tables(out).split("\n") == [
        "标题", "信息内容 | 本年新制作数量", "规章 | 0", ""]
