"""pipelines/word97.py: a Word 97 file's table marks decide whether LibreOffice is started for its tables."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys

import docx
import pytest

from pipelines import attachment_worker, word97
from pipelines.rules import attachments as rules
from tests.fixtures.attachments.make_fixtures import (
    DOC_TEXT,
    compound_file,
    report_doc,
    table_docx,
    word_streams,
)
from tests.fixtureweb.generated.files import doc_of, docx_of


@pytest.fixture(scope="module")
def libreoffice_docs(tmp_path_factory):
    """Word 97 files as LibreOffice writes them (the format portals serve): one with a table
    (three rows, a header row), one with paragraphs only, converted in one soffice run."""
    assert shutil.which("soffice"), "LibreOffice (soffice) is installed by scripts/setup.sh"
    out = tmp_path_factory.mktemp("word97")
    (out / "table.docx").write_bytes(table_docx())
    (out / "plain.docx").write_bytes(docx_of(("某县2023年政府信息公开工作年度报告", "一、总体情况", "正文" * 400)))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{out}/profile", "--headless", "--norestore",
                    "--convert-to", "doc", "--outdir", str(out), str(out / "table.docx"), str(out / "plain.docx")],
                   check=True, capture_output=True, timeout=300)
    return out / "table.doc", out / "plain.doc"


def test_table_marks_of_libreoffice_documents(libreoffice_docs):
    table, plain = libreoffice_docs
    assert word97.has_tables(str(table)) is True
    assert word97.has_tables(str(plain)) is False


def test_documents_without_tables(tmp_path):
    hand_made = tmp_path / "a.doc"
    hand_made.write_bytes(report_doc())  # one piece of UTF-16 text, streams past the mini-stream cutoff
    generated = tmp_path / "b.doc"
    generated.write_bytes(doc_of(("某县2023年政府信息公开工作年度报告", "一、总体情况", "本年度主动公开政府信息")))
    assert word97.has_tables(str(hand_made)) is False
    assert word97.has_tables(str(generated)) is False


def test_cell_mark_in_the_text_is_a_table(tmp_path):
    path = tmp_path / "cells.doc"
    path.write_bytes(doc_of(("年度报告", "信息内容\x07本年制发件数\x07\x07", "规章\x070\x07\x07")))
    assert word97.has_tables(str(path)) is True


@pytest.mark.parametrize("body", [b"", b"not a compound file" * 40, bytes(4096),
                                  b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), report_doc()[:1500]])
def test_what_it_cannot_read_is_unknown(tmp_path, body):
    path = tmp_path / "x.doc"
    path.write_bytes(body)
    assert word97.has_tables(str(path)) is None


def test_docx_is_unknown(tmp_path):
    path = tmp_path / "x.docx"
    docx.Document().save(str(path))
    assert word97.has_tables(str(path)) is None


@pytest.fixture
def soffice_log(tmp_path, monkeypatch):
    """LibreOffice replaced by a program that notes each call and converts nothing."""
    log = tmp_path / "soffice.log"
    fake = tmp_path / "fake-soffice"
    fake.write_text(f"#!{sys.executable}\nimport sys\nopen({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n")
    fake.chmod(0o755)
    monkeypatch.setattr(rules, "LIBREOFFICE_COMMAND", (str(fake), *rules.LIBREOFFICE_COMMAND[1:]))
    return log


def test_libreoffice_only_for_a_document_with_tables(tmp_path, soffice_log):
    plain = tmp_path / "plain.doc"
    plain.write_bytes(report_doc())
    result = attachment_worker.parse_file(str(plain), rules.DOC, 2 ** 30, 60)
    assert "一千二百条" in result["text"] and result["tables"] == [] and result["warnings"] == []
    assert not soffice_log.exists()

    cells = tmp_path / "cells.doc"
    cells.write_bytes(doc_of(("年度报告", "信息内容\x07本年制发件数\x07\x07")))
    result = attachment_worker.parse_file(str(cells), rules.DOC, 2 ** 30, 60)
    assert soffice_log.read_text().count("\n") == 1
    assert result["warnings"] == ["doc: LibreOffice could not convert the file; tables not read"]


def test_what_it_cannot_tell_still_goes_to_libreoffice(tmp_path, soffice_log):
    # A FIB older than Word 97's (nFib 0x00C0) lays its fields out otherwise: not read, converted as before.
    wd, table = word_streams(DOC_TEXT)
    wd = bytearray(wd)
    struct.pack_into("<H", wd, 2, 0x00C0)
    old = tmp_path / "old.doc"
    old.write_bytes(compound_file([("WordDocument", bytes(wd)), ("1Table", table), ("Data", bytes(4096))]))
    assert word97.has_tables(str(old)) is None
    result = attachment_worker.parse_file(str(old), rules.DOC, 2 ** 30, 60)
    assert "一千二百条" in result["text"]
    assert soffice_log.read_text().count("\n") == 1
