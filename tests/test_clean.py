import pytest

from pipelines.clean import chrome_rule, clean_text, repair_mojibake
from pipelines.metadata import source_kind

BODY = "本年度报告根据《中华人民共和国政府信息公开条例》要求编制，所列数据统计期限自2017年1月1日起至2017年12月31日止。"


@pytest.mark.parametrize("line,rule", [
    ("首页 >> 政府信息公开 >> 信息公开年度报告 >> 正文", "breadcrumb"),
    ("您当前的位置：首页 > 政务公开 > 年报", "position"),
    ("【字体：大 中 小】【打印】【关闭】", "buttons"),
    ("分享到：", "share"),
    ("扫一扫在手机上查看当前页面", "qrcode"),
    ("上一篇：西峰区2016年政府信息公开工作年度报告", "prev-next"),
    ("今天是:2024年4月23日 星期二", "today"),
    ("2018-02-07 09:33:10 来源: 作者: 编辑:赵暖星 点击:", "meta-line"),
    ("浏览:24950次'时间:2018年3月23日", "meta-line"),
    ("发布时间：2021-01-29 来源：区政府办 浏览次数：", "meta-line"),
    ("主办单位:抚顺市新抚区政府 联系电话:52862190 单位地址:抚顺市新抚区迎宾街3号 网站地图", "footer"),
    ("网站标识码:2104020005 ICP备案: 技术支持:经纬网络", "footer"),
    ("2018年政府信息公开工作年度报告范文_街道工作报告_精选范文大全", "seo-spam"),
    ("【纠错】责任编辑：焦鹏", "editor"),
])
def test_chrome_rule_fires(line, rule):
    assert chrome_rule(line) == rule


@pytest.mark.parametrize("line", [
    "群众可在便民服务中心查阅、打印公开文件，也可登录网站浏览和下载相关表格。",
    "负责做好政务网站日常维护和运行中的技术支持，为网站安全高效运行提供保障。",
    "2015年，我镇认真贯彻《县政府信息公开规定（试行）》，网站全年浏览量达2万次。",
    "首页栏目调整后，公开专栏点击量明显增加。",
    "一、总体情况",
    "无。",
    "规章 | 0 | 0 | 0",
    "（三）不予公开 | 1.属于国家秘密 | 0 | 0",
])
def test_chrome_rule_leaves_report_lines(line):
    assert chrome_rule(line) is None


def test_title_and_header_chrome_dropped():
    raw = "新抚首页\n今天是:2024年4月23日 星期二\n重点民生和社会公益事业建设\n新抚区站前街道2017年信息公开工作年度报告\n" \
          "浏览:24950次'时间:2018年3月23日\n" + BODY + "\n网站标识码:2104020005 ICP备案: 技术支持:经纬网络"
    text, _ = clean_text(raw, titles=["新抚区站前街道2017年信息公开工作年度报告"])
    assert text == BODY


def test_docshare_wrapper_removed_and_chunks_rejoined():
    raw = ("欢迎来到天天文库\n浏览记录\nID:19163454\n大小:17.71 KB\n页数:7页\n时间:2018-09-29\n"
           "《某区XX年政府信息公开工作报告样本》由会员上传分享,免费在线阅读,更多相关内容在行业资料-天天文库。\n"
           "1、一、概述 我区深入贯彻落实条例，将对加快建设法治政府\n2、发挥重大作用。区政府领导高度重视。\n此文档下载收益归作者所有")
    text, warnings = clean_text(raw)
    assert source_kind(raw) == "docshare"
    assert "建设法治政府发挥重大作用" in text
    assert "天天文库" not in text and "ID:" not in text and "下载收益" not in text
    assert any("partial preview" in w for w in warnings)


def test_docshare_lookalike_numbered_report_kept():
    raw = "1、公开主要内容\n2、公开形式\n用户可以下载文档。"
    assert clean_text(raw)[0] == raw
    assert source_kind(raw) == "official"


def test_mirror_pinyin_mojibake_and_traditional_repaired():
    raw = ("2018年,在區(qū)委、區(qū)政府的正確領導下,我街道堅持以科學發(fā)展觀為統(tǒng)領。\n"
           "一、概述\n?。ㄒ唬┙M織機構建設情況\n保質保量完成了各項工作?,F(xiàn)將有關情況報告如下:")
    text, warnings = clean_text(raw)
    assert text.split("\n") == [
        "2018年，在区委、区政府的正确领导下，我街道坚持以科学发展观为统领。", "一、概述", "（一）组织机构建设情况",
        "保质保量完成了各项工作。现将有关情况报告如下：",
    ]
    assert any("mirror" in w for w in warnings)


def test_mirror_rules_leave_official_text_alone():
    raw = "依据《条例(试行)》和《办法(Word版)》,全年公开信息86条?\n我们使用(a)(b)两类渠道。"
    assert clean_text(raw)[0] == raw
    assert repair_mojibake("你好?")[0] == "你好?"
