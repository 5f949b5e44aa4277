"""pipelines.dates: the date forms Chinese government pages print, and look-alikes that are not dates."""

from __future__ import annotations

import pytest

from pipelines.dates import cn_small_number, find_dates, parse_date, year_of


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2018-02-07", "2018-02-07"),
        ("2018-02-07 09:33:10 来源:", "2018-02-07"),
        ("2018年3月23日", "2018-03-23"),
        ("2018年03月23日", "2018-03-23"),
        ("2018 年 3 月 23 日", "2018-03-23"),
        ("2018/3/23", "2018-03-23"),
        ("2018.3.23", "2018-03-23"),
        ("２０１８年３月２３日", "2018-03-23"),  # full-width digits
        ("二〇二二年一月十八日", "2022-01-18"),  # signature in Chinese numerals
        ("二〇二〇年十二月三十一日", "2020-12-31"),
        ("二○一九年二月二十八日", "2019-02-28"),  # ○ (circle) for zero, as typed in many signatures
        ("浏览:24950次'时间:2018年3月23日", "2018-03-23"),  # seed 002's meta strip
    ],
)
def test_forms_parse(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text",
    [
        "2018-02-30",  # impossible day
        "2018-13-01",  # impossible month
        "索引号：11370100-2018-00012",  # an index number holds a year but no date
        "联系电话：0943-8213456",
        "1850年3月2日",  # implausible year for a web page
        "2017年",  # a year alone is not a date
        "",
    ],
)
def test_look_alikes_do_not_parse(text: str) -> None:
    assert parse_date(text) is None


def test_mixed_separators_are_not_one_date() -> None:
    # 2018-3/5 is not a written date form; guessing would invent one.
    assert parse_date("2018-3/5") is None


def test_find_dates_in_order_with_offsets() -> None:
    s = "成文日期：2018年1月5日 发布日期：2018-01-10"
    found = find_dates(s)
    assert [d.iso for d in found] == ["2018-01-05", "2018-01-10"]
    assert s[found[1].start:found[1].end] == "2018-01-10"


def test_cn_small_numbers() -> None:
    assert [cn_small_number(s) for s in ("一", "九", "十", "十二", "二十", "三十一")] == [1, 9, 10, 12, 20, 31]
    assert cn_small_number("十十") is None


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("西峰区2017年政府信息公开工作的年度报告", 2017),
        ("XX局2020年度政府信息公开工作年度报告", 2020),
        ("二〇二〇年度政府信息公开工作年度报告", 2020),
        ("某区XX年政府信息公开工作报告样本", None),  # docshare placeholder year
        ("政府信息公开工作年度报告", None),
    ],
)
def test_year_of(title: str, year: int | None) -> None:
    assert year_of(title) == year
