"""Scanned tables: numbers read again cell by cell and checked against the template's arithmetic
(pipelines/ocr_cells.py); row labels a scan garbled still keep their row (statistics.fuzzy_row)."""

from __future__ import annotations

import shutil

import pytest

from pipelines import ocr_cells
from pipelines.pdf_tables import PageTable, merged_specs
from pipelines.statistics import parse_statistics
from pipelines.stats_build import flat_cells
from pipelines.stats_rows import by_enumerator, fuzzy_row, proactive_text

NEW = "一、本年新收政府信息公开申请数量"
COLS = ["natural_person", "commercial", "research", "public_interest", "legal_services", "other_org", "total"]


def _digit_image(text: str):
    """What a scanned cell holding `text` looks like once its rules are cut off (grey, 200 dpi)."""
    import numpy as np
    import pymupdf

    with pymupdf.open() as doc:
        page = doc.new_page(width=60, height=18)
        page.insert_text((24, 13), text, fontsize=10.5)
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width).copy()


def _one_row_table(read: list[str]) -> PageTable:
    cells = {(0, 0): [NEW, 1, 1]}
    for k, text in enumerate(read, start=1):
        cells[(0, k)] = [text, 1, 1]
    return PageTable(0, (0, 0, 500, 20), cells, (1, 8), [float(x) for x in range(0, 540, 60)])


def _row(table: PageTable) -> dict:
    stats, _ = parse_statistics(None, "", merged_specs([table]))
    cells = flat_cells(stats)
    return {c: cells[f"applications.new.{c}"] for c in COLS}, [c["ok"] for c in stats["checks"]]


def _require_tesseract() -> None:
    if shutil.which("tesseract") is None:  # loud, never a skip: scripts/setup.sh installs it
        pytest.fail("tesseract is not installed (scripts/setup.sh installs tesseract-ocr-chi-sim)")


def test_a_doubled_digit_is_read_again_and_the_row_adds_up():
    _require_tesseract()
    printed = ["3", "0", "1", "0", "0", "0", "4"]
    montage_read = ["3", "0", "1", "0", "0", "0", "44"]  # chi_sim over the montage: a lone 4 as 44
    table = _one_row_table(montage_read)
    cells = [ocr_cells.NumberCell(table.cells[(0, k)], _digit_image(t)) for k, t in enumerate(printed, start=1)]
    assert _row(table)[1] == [False]
    warnings: list[str] = []
    ocr_cells.settle(cells, [table], {0: 842.0}, warnings)
    row, checks = _row(table)
    assert row == dict(zip(COLS, [3, 0, 1, 0, 0, 0, 4], strict=True))
    assert checks == [True]
    assert warnings == ["ocr: 1 number cells read again one by one; the template's arithmetic holds"]


def test_numbers_that_do_not_add_up_stay_as_printed():
    """The arithmetic only chooses between readings: a report whose own numbers are wrong keeps them."""
    _require_tesseract()
    printed = ["2", "0", "3", "0", "0", "0", "6"]  # 2 + 3 is not 6
    table = _one_row_table(list(printed))
    cells = [ocr_cells.NumberCell(table.cells[(0, k)], _digit_image(t)) for k, t in enumerate(printed, start=1)]
    warnings: list[str] = []
    ocr_cells.settle(cells, [table], {0: 842.0}, warnings)
    row, checks = _row(table)
    assert row == dict(zip(COLS, [2, 0, 3, 0, 0, 0, 6], strict=True))
    assert checks == [False]
    assert warnings == []


def test_read_cells_reads_each_image_by_itself():
    _require_tesseract()
    numbers = ["7", "0", "15", "208", "4", "1"]
    assert ocr_cells.read_cells([_digit_image(n) for n in numbers], []) == numbers


@pytest.mark.parametrize(("label", "path"), [
    ("属于程性信息", ("denied", "process_information")),  # OCR lost 四类过
    ("属于国家秘", ("denied", "state_secret")),
    ("本机关不掌握相关政府信", ("unable", "not_held")),
    ("结转下年度继续办", ("carried_forward",)),
    ("要求行政机关确认或重新出具已获取", ("not_processed", "confirm_or_reissue")),
])
def test_a_garbled_row_label_keeps_its_row(label, path):
    assert fuzzy_row(label, {}) == path


@pytest.mark.parametrize("label", ["予以公", "其他情形", "本单位自行统计的数量", "合计"])
def test_labels_not_near_one_template_row_are_not_guessed(label):
    assert fuzzy_row(label, {}) is None


def test_a_row_already_read_is_not_matched_again():
    assert fuzzy_row("属于国家秘", {("denied", "state_secret"): {}}) is None


def test_garbled_label_in_a_scanned_grid_keeps_its_numbers():
    spec = [
        [("申请人情况", 8, 1)],
        [("三、本年度办理结果", 1, 3), ("（三）不予公开", 1, 3), ("5.属于三类内部事务信息", 1, 1),
         *[(v, 1, 1) for v in "1000001"]],
        [("6.属于程性信息", 1, 1), *[(v, 1, 1) for v in "2010003"]],
        [("7.属于行政执法案卷", 1, 1), *[(v, 1, 1) for v in "0000000"]],
    ]
    stats, _ = parse_statistics(None, "", [spec])
    got = flat_cells(stats)
    assert [got[f"applications.denied.process_information.{c}"] for c in COLS] == [2, 0, 1, 0, 0, 0, 3]
    assert got["applications.denied.law_enforcement_files.total"] == 0


HEADER = [
    [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("申请人情况", 7, 1)],
    [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)],
    [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
]


@pytest.mark.parametrize("header", [HEADER, [[("申请人情况", 10, 1)]]], ids=["columns named", "no header"])
def test_a_label_reduced_to_its_enumerator_is_the_groups_nth_reason(header):
    """`3.其他` read as `3` under (六)其他处理 (2021 template) is that group's third reason, whether the
    grid's header names the columns or the table broke over a page away from its header."""
    spec = [
        *header,
        [("三、本年度办理结果", 1, 3), ("（六）其他处理", 1, 3),
         ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 1, 1), *[(v, 1, 1) for v in "1000001"]],
        [("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 1, 1), *[(v, 1, 1) for v in "0100001"]],
        [("3", 1, 1), *[(v, 1, 1) for v in "1110003"]],
    ]
    stats, _ = parse_statistics(None, "", [spec])
    got = flat_cells(stats)
    assert [got[f"applications.other.other.{c}"] for c in COLS] == [1, 1, 1, 0, 0, 0, 3]
    assert stats["template"] == "2021"


def test_an_enumerator_outside_a_group_or_past_its_end_is_not_a_row():
    assert by_enumerator("3", None, {}) is None
    assert by_enumerator("9", "unable", {}) is None  # 无法提供 has three reasons
    assert by_enumerator("2.", "unable", {}) == ("unable", "needs_creation")
    assert by_enumerator("2", "unable", {("unable", "needs_creation"): {}}) is None


def test_a_garbled_table_2_header_keeps_its_column():
    """`本年废止件数` read as `本年度止件数`: the value is keyed by the template's header, as in every form."""
    spec = [
        [("第二十条第（一）项", 4, 1)],
        [("信息内容", 1, 1), ("本年制发件数", 1, 1), ("本年度止件数", 1, 1), ("现行有效件数", 1, 1)],
        [("规章", 1, 1), ("27", 1, 1), ("45", 1, 1), ("3", 1, 1)],
        [("行政规范性文", 1, 1), ("4", 1, 1), ("5", 1, 1), ("45", 1, 1)],
    ]
    stats, _ = parse_statistics(None, "", [spec])
    assert flat_cells(stats) == {
        "proactive.第二十条第(一)项.规章.本年制发件数": 27, "proactive.第二十条第(一)项.规章.本年废止件数": 45,
        "proactive.第二十条第(一)项.规章.现行有效件数": 3, "proactive.第二十条第(一)项.行政规范性文件.本年制发件数": 4,
        "proactive.第二十条第(一)项.行政规范性文件.本年废止件数": 5,
        "proactive.第二十条第(一)项.行政规范性文件.现行有效件数": 45}


@pytest.mark.parametrize("header", ["处理决定数", "本单位自设的一列"])
def test_a_header_near_no_single_template_header_stays_as_printed(header):
    assert proactive_text(header, True) == header
