"""Which titles are annual disclosure reports; look-alikes that are not."""

import pytest

from pipelines.classify import is_annual_report_title, is_candidate_link_text

REPORTS = [
    "西峰区2017年政府信息公开工作的年度报告",
    "XX街道办事处2020年政府信息公开工作年度报告",
    "新抚区站前街道2017年信息公开工作年度报告",
    "清河区2022年政府信息公开工作年度报告（图片版）",
    "东湖高新区九峰街2020年度政府信息公开年度工作报告",
    "某区XX年政府信息公开工作报告样本",
    "二〇二一年度政府信息公开工作年度报告",
    "2008年政府信息公开年报",
]
NOT_REPORTS = [
    "2023年政府工作报告",
    "2022年部门预决算报告",
    "关于2021年度区级预算执行情况的审计工作报告",
    "2022年国民经济和社会发展统计公报",
    "关于做好2020年政府信息公开工作年度报告编制发布工作的通知",
    "政府信息公开年度报告",  # the column, not a report
    "2021年政府信息公开指南",
]


@pytest.mark.parametrize("title", REPORTS)
def test_reports_are_recognized(title):
    assert is_annual_report_title(title)


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_look_alikes_are_not_reports(title):
    assert not is_annual_report_title(title)


def test_truncated_list_text_is_a_candidate_to_fetch():
    assert is_candidate_link_text("清河区2019年政府信息公开工作年…")
    assert not is_candidate_link_text("2023年政府工作报告")
