"""parse_statistics on the template's tables: HTML grids, flattened text, bad input, prose."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from pipelines.document import parse_html
from pipelines.statistics import parse_statistics

FIX = Path(__file__).parent / "fixtures" / "statistics"
COLS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org", "total")


def row(spec: str) -> dict:
    """`"30 5 - 1 2 0 38"` -> a row of the seven columns; `-` is null."""
    vals = spec.split()
    assert len(vals) == 7
    return {c: None if v == "-" else int(v) for c, v in zip(COLS, vals, strict=True)}


ZERO = row("0 0 0 0 0 0 0")


def tree(name: str):
    return parse_html((FIX / name).read_text(encoding="utf-8"))


def failed(stats: dict) -> list[str]:
    return [c["rule"] for c in stats["checks"] if not c["ok"]]


# ------------------------------------------------------------------ 2021 template, UCAP HTML grid

EXPECTED_2021 = {
    "new": row("30 5 - 1 2 0 38"),
    "carried_over": row("2 1 - 0 0 0 3"),
    "granted": row("12 2 - 1 1 0 16"),
    "partially_granted": row("3 1 - 0 0 0 4"),
    "denied": {
        "state_secret": row("0 0 - 0 0 0 0"),
        "prohibited_by_law": row("1 0 - 0 0 0 1"),
        "three_security_one_stability": row("0 0 - 0 0 0 0"),
        "third_party_rights": row("2 0 - 0 0 0 2"),
        "internal_affairs": row("0 0 - 0 0 0 0"),
        "process_information": row("1 0 - 0 0 0 1"),
        "law_enforcement_files": row("0 0 - 0 0 0 0"),
        "administrative_query": row("1 0 - 0 0 0 1"),
    },
    "unable": {
        "not_held": row("6 1 - 0 0 0 7"),
        "needs_creation": row("1 0 - 0 0 0 1"),
        "unclear_after_correction": row("0 0 - 0 0 0 0"),
    },
    "not_processed": {
        "petition_complaint": row("2 0 - 0 0 0 2"),
        "repeated": row("1 0 - 0 0 0 1"),
        "publications": row("0 0 - 0 0 0 0"),
        "excessive": row("0 0 - 0 0 0 0"),
        "confirm_or_reissue": row("0 0 - 0 0 0 0"),
    },
    "other": {
        "overdue_correction": row("1 0 - 0 0 0 1"),
        "overdue_fee": row("0 0 - 0 0 0 0"),
        "other": row("0 0 - 0 1 0 1"),
    },
    "total_handled": row("31 4 - 1 2 0 38"),
    "carried_forward": row("1 2 - 0 0 0 3"),
}

EXPECTED_REVIEW_2021 = {
    "review": {"upheld": 2, "corrected": 1, "other": 0, "pending": 1, "total": 4},
    "litigation_direct": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2},
    "litigation_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
}

EXPECTED_PROACTIVE_2021 = [
    {"article": "第二十条第(一)项", "item": "规章", "values": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0}},
    {"article": "第二十条第(一)项", "item": "行政规范性文件",
     "values": {"本年制发件数": 3, "本年废止件数": 1, "现行有效件数": 12}},
    {"article": "第二十条第(五)项", "item": "行政许可", "values": {"本年处理决定数量": 1286}},
    {"article": "第二十条第(六)项", "item": "行政处罚", "values": {"本年处理决定数量": 57}},
    {"article": "第二十条第(六)项", "item": "行政强制", "values": {"本年处理决定数量": 4}},
    {"article": "第二十条第(八)项", "item": "行政事业性收费", "values": {"本年收费金额(单位:万元)": 23.6}},
]


def test_ucap_2021_grid():
    stats, warnings = parse_statistics(tree("ucap_2021.html"), "")
    assert stats["template"] == "2021"
    assert stats["applications"] == EXPECTED_2021
    assert stats["review_litigation"] == EXPECTED_REVIEW_2021
    assert stats["proactive"] == EXPECTED_PROACTIVE_2021
    assert warnings == []
    assert failed(stats) == []
    # 25 rows checked against their totals, 7 balances, 7 outcome sums, 3 review totals (minus blank ones)
    assert len(stats["checks"]) == 40
    assert "evidence" not in stats


def test_does_not_mutate_tree():
    t = tree("ucap_2021.html")
    before = lxml.html.tostring(t)
    parse_statistics(t, "")
    assert lxml.html.tostring(t) == before


def test_text_flattened_by_the_extractor_reads_the_same():
    """The report text the pipeline stores (trafilatura's `a | b` rows) gives the same numbers."""
    from pipelines.extract import extract_text

    t = tree("ucap_2021.html")
    text, _ = extract_text(t, "http://www.shuhe.gov.cn/fgj/gknb/202401/t20240118_1.html")
    from_text, warnings = parse_statistics(None, text)
    assert from_text == parse_statistics(t, "")[0]
    assert warnings == []


# ------------------------------------------------------------------ 2019 template, Word-exported HTML

EXPECTED_2019 = {
    "new": row("20 2 1 0 0 1 24"),
    "carried_over": row("1 0 0 0 0 0 1"),
    "granted": row("10 1 1 0 0 0 12"),
    "partially_granted": row("2 0 0 0 0 1 3"),
    "denied": {
        "state_secret": row("1 0 0 0 0 0 1"),
        "prohibited_by_law": ZERO, "three_security_one_stability": ZERO, "third_party_rights": ZERO,
        "internal_affairs": ZERO, "process_information": ZERO, "law_enforcement_files": ZERO,
        "administrative_query": ZERO,
    },
    "unable": {"not_held": row("4 1 0 0 0 0 5"), "needs_creation": row("1 0 0 0 0 0 1"),
               "unclear_after_correction": ZERO},
    "not_processed": {"petition_complaint": ZERO, "repeated": row("1 0 0 0 0 0 1"), "publications": ZERO,
                      "excessive": ZERO, "confirm_or_reissue": ZERO},
    "other": row("1 0 0 0 0 0 1"),
    "total_handled": row("20 2 1 0 0 1 24"),
    "carried_forward": row("1 0 0 0 0 0 1"),
}

EXPECTED_PROACTIVE_2019 = [
    {"article": "第二十条第(一)项", "item": "规章", "values": {"本年新制作数量": 0, "本年新公开数量": 0, "对外公开总数量": 0}},
    {"article": "第二十条第(一)项", "item": "规范性文件",
     "values": {"本年新制作数量": 2, "本年新公开数量": 2, "对外公开总数量": 15}},
    {"article": "第二十条第(五)项", "item": "行政许可", "values": {"上一年项目数量": 35, "本年增/减": -3, "处理决定数量": 412}},
    {"article": "第二十条第(五)项", "item": "其他对外管理服务事项",
     "values": {"上一年项目数量": 20, "本年增/减": 2, "处理决定数量": 1530}},
    {"article": "第二十条第(六)项", "item": "行政处罚", "values": {"上一年项目数量": 12, "本年增/减": 0, "处理决定数量": 36}},
    {"article": "第二十条第(六)项", "item": "行政强制", "values": {"上一年项目数量": 3, "本年增/减": 0, "处理决定数量": 2}},
    {"article": "第二十条第(八)项", "item": "行政事业性收费", "values": {"上一年项目数量": 2, "本年增/减": 0}},
    {"article": "第二十条第(九)项", "item": "政府集中采购", "values": {"采购项目数量": 6, "采购总金额": 128.5}},
]

ZERO_REVIEW = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}


def test_word_2019_grid():
    stats, warnings = parse_statistics(tree("word_2019.html"), "")
    assert stats["template"] == "2019"
    assert stats["applications"] == EXPECTED_2019
    assert stats["review_litigation"] == {
        "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1},
        "litigation_direct": ZERO_REVIEW, "litigation_after_review": ZERO_REVIEW,
    }
    assert stats["proactive"] == EXPECTED_PROACTIVE_2019
    assert warnings == []
    assert failed(stats) == []
    assert len(stats["checks"]) == 40


def test_tree_without_tables_falls_back_to_text():
    text = (FIX / "bad_arithmetic_2021.txt").read_text(encoding="utf-8")
    stats, _ = parse_statistics(parse_html("<html><body><p>正文</p></body></html>"), text)
    assert stats["applications"]["new"] == row("10 2 0 0 1 1 15")


# ------------------------------------------------------------------ seed 004: flattened, one cell a line

def test_seed_004_flattened_text():
    text = (FIX / "seed_004_flattened.txt").read_text(encoding="utf-8")
    stats, warnings = parse_statistics(None, text)
    assert warnings == []
    assert stats["template"] == "2019"
    apps = stats["applications"]
    for key in ("new", "carried_over", "granted", "partially_granted", "other", "total_handled", "carried_forward"):
        assert apps[key] == ZERO, key
    for group, n in (("denied", 8), ("unable", 3), ("not_processed", 5)):
        assert apps[group] == {k: ZERO for k in apps[group]} and len(apps[group]) == n
    assert stats["review_litigation"] == {g: ZERO_REVIEW for g in
                                          ("review", "litigation_direct", "litigation_after_review")}
    assert [(p["article"], p["item"]) for p in stats["proactive"]] == [
        ("第二十条第(一)项", "规范性文件"), ("第二十条第(一)项", "其他主动公开文件"),
        ("第二十条第(五)项", "行政许可"), ("第二十条第(五)项", "其他对外管理服务事项(指行政许可以外的政务服务事项,含行政确认、"
                                                  "行政奖励、行政裁决、行政给付、行政处罚、行政强制、行政检查、行政征收和其他类,以及公共服务事项)"),
        ("第二十条第(六)项", "行政处罚"), ("第二十条第(六)项", "行政强制"),
        ("第二十条第(八)项", "行政事业性收费"), ("第二十条第(九)项", "政府集中采购"),
    ]
    assert stats["proactive"][1]["values"] == {"本年新制作数量": 4, "本年新公开数量": 4, "对外公开总数量": 10}
    assert list(stats["proactive"][3]["values"].values()) == [54, 13, 28243]
    assert stats["proactive"][7]["values"] == {
        "采购项目数量(指2020年以政府集中采购方式立项采购的项目总个数)": 10,
        "采购总金额(指2020年以政府集中采购方式采购的已结项项目的总金额)": 13411588.43,
    }
    assert failed(stats) == [] and len(stats["checks"]) == 40


def test_cells_split_across_lines():
    text = (FIX / "seed_004_flattened.txt").read_text(encoding="utf-8")
    # Wrap two labels over lines (as narrow cells come out of some extractors) and give them numbers.
    text = text.replace("自然人 |", "自然\n人 |")
    text = text.replace("一、本年新收政府信息公开申请数量 |\n0 |", "一、本年新收政府信息\n公开申请数量 |\n3 |", 1)
    stats, _ = parse_statistics(None, text)
    assert stats["applications"]["new"] == row("3 0 0 0 0 0 0")
    assert failed(stats) == [
        "applications.new: columns sum to total",
        "applications.natural_person: new + carried_over = total_handled + carried_forward",
    ]


# ------------------------------------------------------------------ numbers that do not add up

def test_bad_arithmetic_is_kept_and_flagged():
    text = (FIX / "bad_arithmetic_2021.txt").read_text(encoding="utf-8")
    stats, warnings = parse_statistics(None, text)
    assert stats["template"] == "2021"
    apps = stats["applications"]
    assert apps["new"] == row("10 2 0 0 1 1 15")
    assert apps["granted"] == row("6 1 0 0 1 0 8")
    assert apps["unable"]["not_held"] == row("2 1 0 0 0 0 3")
    assert apps["total_handled"] == row("9 2 0 0 1 0 12")
    assert apps["carried_forward"] == row("1 0 0 0 0 1 2")
    assert apps["other"]["other"] == ZERO
    assert stats["review_litigation"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 2}
    assert failed(stats) == [
        "applications.new: columns sum to total",
        "applications.total: new + carried_over = total_handled + carried_forward",
        "review_litigation.review: results sum to total",
    ]
    assert warnings == [
        "check failed: applications.new: columns sum to total (14 != 15)",
        "check failed: applications.total: new + carried_over = total_handled + carried_forward (15 != 14)",
        "check failed: review_litigation.review: results sum to total (1 != 2)",
    ]


# ------------------------------------------------------------------ messy cells

def test_messy_cells():
    stats, warnings = parse_statistics(tree("messy_2019.html"), "")
    apps = stats["applications"]
    assert apps["new"] == row("20 2 1 - 0 1 24")  # full-width ２０/２４ read, — is null
    assert apps["carried_over"] == row("1 - - 0 0 0 1")  # 无 and / are null
    assert apps["granted"] == row("10 1 1 0 0 0 12")  # 12件: the unit is dropped
    # research and public_interest merged into one cell: cannot tell whose 1 it is
    assert apps["partially_granted"] == row("2 0 - - 0 1 3")
    assert apps["not_processed"]["publications"] == row("- - - - - - -")  # row missing from the table
    assert apps["not_processed"]["repeated"] == row("1 0 0 0 0 0 1")
    assert stats["review_litigation"]["litigation_direct"] == {
        "upheld": None, "corrected": None, "other": None, "pending": 0, "total": 0}
    assert warnings == [
        "applications.partially_granted: cell '1' spans 2 columns; cannot tell which, left null",
        "applications: rows not found, left null: not_processed.publications",
        "applications: 3 cell(s) not a number, read as null: new.public_interest='—', "
        "carried_over.commercial='无', carried_over.research='/'",
        "review_litigation: 3 cell(s) not a number, read as null: litigation_direct.upheld='/', "
        "litigation_direct.corrected='—', litigation_direct.other='无'",
    ]
    # Not checked: the missing row, and the public_interest balance (its 本年新收 cell is —).
    # The rest add up once blanks count as none.
    assert failed(stats) == []
    assert len(stats["checks"]) == 38


def test_row_with_too_few_cells_is_left_null():
    text = "\n".join([
        "| 申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
        "| 一、本年新收政府信息公开申请数量 | 5 | 5 |",
        "| 二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
    ])
    stats, warnings = parse_statistics(None, text)
    assert stats["applications"]["new"] == row("- - - - - - -")
    assert stats["applications"]["carried_over"] == ZERO
    assert warnings[0] == ("applications.new: 2 value cells for 7 columns; "
                           "cannot tell which column is which, left null")


# ------------------------------------------------------------------ before 2019: prose

def test_prose_2017():
    text = (FIX / "prose_2017.txt").read_text(encoding="utf-8")
    stats, warnings = parse_statistics(None, text)
    assert stats["template"] is None
    assert stats["applications"]["new"] == row("- - - - - - 92")
    assert stats["applications"]["total_handled"] == row("- - - - - - -")
    assert stats["evidence"] == {
        "applications.new.total": "2017年，我区共受理政府信息公开申请92件，其中网上申请60件、信函申请32件，均已按期答复。"}
    assert stats["checks"] == [] and stats["review_litigation"] is None and warnings == []


@pytest.mark.parametrize("sentence, n", [
    ("2016年，本局收到群众提出的政府信息公开申请共计15件。", 15),
    ("全年共收到政府信息公开申请十二件，均已办结。", 12),
    ("2015年度我办未收到政府信息公开申请。", 0),
])
def test_prose_variants(sentence, n):
    stats, _ = parse_statistics(None, "某某2016年政府信息公开工作年度报告\n" + sentence)
    assert stats["applications"]["new"]["total"] == n
    assert stats["evidence"]["applications.new.total"] == sentence


def test_no_tables_no_statement():
    assert parse_statistics(None, "某某2016年政府信息公开工作年度报告\n我局高度重视信息公开工作。") == (None, [])
    assert parse_statistics(None, "") == (None, [])


def test_table_split_over_two_html_tables():
    """Some editors cut the application table after its header: the body alone still parses."""
    html = (FIX / "ucap_2021.html").read_text(encoding="utf-8")
    cut = html.rfind("<tr", 0, html.index("新收政府"))
    stats, warnings = parse_statistics(parse_html(html[:cut] + "</tbody></table><table><tbody>" + html[cut:]), "")
    assert stats["applications"] == EXPECTED_2021
    assert warnings == []
