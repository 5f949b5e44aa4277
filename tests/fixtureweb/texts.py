"""Report texts, generated from (agency, year, kind) so every report is distinct and deterministic.

Reports on years before 2019 are free prose (the 2008 regulation had no template); from 2019 they follow
the national template (一、总体情况 … 六、其他需要报告的事项) with its three tables as real HTML
``<table>``s using rowspan/colspan, the way the template grids are published. ``word_style`` renders the
body as a Word export: ``MsoNormal`` paragraphs, one ``<span lang=EN-US>`` per digit run and one span per
年/月/日, so ``2017年1月1日`` only survives an extractor that keeps every span.

``extra`` lets a site slip a sentence into one report (the GBK-only name 王堃 on the GBK site).
"""

from __future__ import annotations

import datetime as dt
import random
import re

from .common import cn_date, esc, stable_int

CN_NUM = "一二三四五六七八九十"

# Table 2's result rows: (group label, [sub-labels]); a group with no sub-labels is one row.
_T2_RESULTS_2021 = [
    ("（一）予以公开", []),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", []),
    ("（三）不予公开", ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
                    "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
                    "7.属于行政执法案卷", "8.属于行政查询事项"]),
    ("（四）无法提供", ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]),
    ("（五）不予处理", ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                    "5.要求行政机关确认或重新出具已获取信息"]),
    ("（六）其他处理", ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]),
    ("（七）总计", []),
]
_T2_APPLICANTS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def _short(agency: str) -> str:
    """How a report refers to its own body: 我区, 我街道, 我镇."""
    if agency.endswith("街道办事处"):
        return "我街道"
    if agency.endswith("镇人民政府"):
        return "我镇"
    if "县" in agency[-6:]:
        return "我县"
    return "我区"


def _rng(agency: str, year: int, kind: str) -> random.Random:
    return random.Random(stable_int("text", agency, year, kind))


def report_blocks(agency: str, year: int, kind: str, publish: dt.date, extra: str = "") -> list[tuple[str, str]]:
    """The report as blocks: ("h", heading), ("p", paragraph) or ("table", html)."""
    if year >= 2019:
        blocks = _template_blocks(agency, year, kind, extra)
    else:
        blocks = _prose_blocks(agency, year, kind, extra)
    blocks.append(("sign", agency))
    blocks.append(("sign", cn_date(publish)))
    return blocks


def _intro(agency: str, year: int) -> str:
    return (f"本报告根据《中华人民共和国政府信息公开条例》要求，由{agency}编制。报告中所列数据的统计期限"
            f"自{year}年1月1日起至{year}年12月31日止。本报告电子版可在本网站“政府信息公开”专栏下载。"
            "如对本报告有任何疑问，请与本机关政府信息公开工作机构联系。")


def _prose_blocks(agency: str, year: int, kind: str, extra: str) -> list[tuple[str, str]]:
    r = _rng(agency, year, kind)
    me = _short(agency)
    active = r.randint(180, 4800)
    web = r.randint(100, active)
    apply_n = r.randint(0, 40)
    granted = r.randint(0, apply_n)
    meetings = r.randint(2, 12)
    focus = r.choice(["规范性文件清理", "财政预决算公开", "重大建设项目公开", "征地拆迁信息公开",
                      "保障性住房信息公开", "食品药品安全信息公开", "环境保护信息公开"])
    blocks: list[tuple[str, str]] = [("p", _intro(agency, year))]
    blocks.append(("h", "一、概述"))
    blocks.append(("p", f"{year}年，{me}认真贯彻落实《中华人民共和国政府信息公开条例》，围绕{focus}这一重点，"
                        f"健全工作机制，先后召开专题会议{meetings}次，研究部署政府信息公开工作，"
                        "保障了人民群众的知情权、参与权和监督权。"))
    if extra:
        blocks.append(("p", extra))
    blocks.append(("h", "二、主动公开政府信息情况"))
    blocks.append(("p", f"{year}年，{me}共主动公开政府信息{active}条，其中通过政府网站公开{web}条，"
                        f"通过政务公开栏、电子显示屏等其他方式公开{active - web}条。"))
    blocks.append(("h", "三、依申请公开政府信息情况"))
    if apply_n:
        blocks.append(("p", f"{year}年，{me}共受理政府信息公开申请{apply_n}件，其中同意公开{granted}件，"
                            f"不属于本机关公开范围或信息不存在{apply_n - granted}件，均在法定期限内予以答复。"))
    else:
        blocks.append(("p", f"{year}年，{me}未收到公民、法人和其他组织的政府信息公开申请。"))
    blocks.append(("h", "四、政府信息公开的收费及减免情况"))
    blocks.append(("p", f"{year}年度，{me}在政府信息公开工作中未收取任何费用，未发生收费及减免事项。"))
    blocks.append(("h", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"))
    blocks.append(("p", f"{year}年，{me}未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"))
    blocks.append(("h", "六、政府信息公开工作存在的主要问题及改进情况"))
    blocks.append(("p", f"{me}政府信息公开工作虽然取得了一定成效，但仍存在公开内容不够全面、更新不够及时等问题。"
                        f"{year + 1}年，{me}将进一步完善工作制度，加强业务培训，不断提高政府信息公开工作水平。"))
    return blocks


def _template_blocks(agency: str, year: int, kind: str, extra: str) -> list[tuple[str, str]]:
    r = _rng(agency, year, kind)
    me = _short(agency)
    active = r.randint(300, 6000)
    policy = r.randint(3, 40)
    training = r.randint(1, 6)
    blocks: list[tuple[str, str]] = [("p", _intro(agency, year))]
    blocks.append(("h", "一、总体情况"))
    blocks.append(("p", f"{year}年，{agency}坚持以人民为中心的发展思想，全面贯彻落实新修订的《中华人民共和国政府信息公开条例》，"
                        "深入推进决策、执行、管理、服务、结果公开，政务公开工作取得新成效。"))
    if extra:
        blocks.append(("p", extra))
    blocks.append(("p", f"（一）主动公开。全年通过政府网站主动公开政府信息{active}条，发布政策解读{policy}篇，"
                        "及时回应社会关切。"))
    blocks.append(("p", f"（二）依申请公开。{me}畅通依申请公开渠道，规范受理、审查、答复流程，全年依申请公开工作平稳有序。"))
    blocks.append(("p", "（三）政府信息管理。严格落实公开前保密审查制度，动态调整政府信息公开目录，定期清理规范性文件。"))
    blocks.append(("p", "（四）政府信息公开平台建设。持续优化政府网站信息公开专栏，加强政务新媒体管理，拓展公开渠道。"))
    blocks.append(("p", f"（五）监督保障。将政务公开纳入年度绩效考核，全年组织业务培训{training}次，提升工作人员业务能力。"))
    blocks.append(("h", "二、主动公开政府信息情况"))
    blocks.append(("table", table_active(r)))
    blocks.append(("h", "三、收到和处理政府信息公开申请情况"))
    blocks.append(("table", table_applications(r, year)))
    blocks.append(("h", "四、政府信息公开行政复议、行政诉讼情况"))
    blocks.append(("table", table_review(r)))
    blocks.append(("h", "五、存在的主要问题及改进情况"))
    blocks.append(("p", f"{year}年，{me}政府信息公开工作仍存在政策解读形式较为单一、基层公开标准化规范化水平有待提高等问题。"
                        f"{year + 1}年，{me}将丰富解读形式，加强业务指导，推动政务公开提质增效。"))
    blocks.append(("h", "六、其他需要报告的事项"))
    blocks.append(("p", f"依据《政府信息公开信息处理费管理办法》，{year}年度{me}未收取信息处理费。"
                        "本年度无其他需要报告的事项。"))
    return blocks


def _td(text: object, colspan: int = 1, rowspan: int = 1) -> str:
    attrs = (f" colspan=\"{colspan}\"" if colspan > 1 else "") + (f" rowspan=\"{rowspan}\"" if rowspan > 1 else "")
    return f"<td{attrs}>{esc(str(text))}</td>"


def table_active(r: random.Random) -> str:
    """Table 1, 主动公开政府信息情况: four sections, each a colspan header over its own columns."""
    issued, repealed = r.randint(0, 12), r.randint(0, 5)
    rows = [
        _td("第二十条第（一）项", 4),
        _td("信息内容") + _td("本年制发件数") + _td("本年废止件数") + _td("现行有效件数"),
        _td("规章") + _td(0) + _td(0) + _td(0),
        _td("行政规范性文件") + _td(issued) + _td(repealed) + _td(issued + r.randint(5, 60)),
        _td("第二十条第（五）项", 4),
        _td("信息内容") + _td("本年处理决定数量", 3),
        _td("行政许可") + _td(r.randint(0, 900), 3),
        _td("第二十条第（六）项", 4),
        _td("信息内容") + _td("本年处理决定数量", 3),
        _td("行政处罚") + _td(r.randint(0, 600), 3),
        _td("行政强制") + _td(r.randint(0, 30), 3),
        _td("第二十条第（八）项", 4),
        _td("信息内容") + _td("本年收费金额（单位：万元）", 3),
        _td("行政事业性收费") + _td(r.randint(0, 300), 3),
    ]
    return _table(rows)


def table_applications(r: random.Random, year: int) -> str:
    """Table 2, the application grid: 3 label columns, 7 number columns, rows whose arithmetic holds."""
    result_labels = _T2_RESULTS_2021 if year >= 2021 else [
        (g, s) if not g.startswith("（六）") else ("（六）其他处理", []) for g, s in _T2_RESULTS_2021
    ]
    n_leaf = sum(max(1, len(s)) for g, s in result_labels if not g.startswith("（七）"))
    # Per applicant column (自然人 + 5 kinds): new, carried, results per leaf, carried over.
    cols: list[tuple[int, int, list[int], int]] = []
    for i in range(6):
        weight = 30 if i == 0 else (8 if i in (1, 5) else 1)
        new = r.randint(0, weight)
        carried = r.randint(0, 2) if i == 0 else 0
        total = new + carried
        carry_out = r.randint(0, min(2, total))
        leaves = [0] * n_leaf
        for _ in range(total - carry_out):
            leaves[r.choice([0, 0, 0, 1, 1, 10, 11, 14, n_leaf - 1])] += 1
        cols.append((new, carried, leaves, carry_out))

    def nums(values: list[int]) -> str:
        return "".join(_td(v) for v in values) + _td(sum(values))

    rows = [
        _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3) + _td("申请人情况", 7),
        _td("自然人", rowspan=2) + _td("法人或其他组织", 5) + _td("总计", rowspan=2),
        "".join(_td(a) for a in _T2_APPLICANTS),
        _td("一、本年新收政府信息公开申请数量", 3) + nums([c[0] for c in cols]),
        _td("二、上年结转政府信息公开申请数量", 3) + nums([c[1] for c in cols]),
    ]
    n_rows = n_leaf + 1  # plus 总计
    leaf = 0
    first = True
    for group, subs in result_labels:
        lead = _td("三、本年度办理结果", rowspan=n_rows) if first else ""
        first = False
        if group.startswith("（七）"):
            rows.append(lead + _td(group, 2) + nums([sum(c[2]) for c in cols]))
        elif not subs:
            rows.append(lead + _td(group, 2) + nums([c[2][leaf] for c in cols]))
            leaf += 1
        else:
            for k, sub in enumerate(subs):
                head = _td(group, rowspan=len(subs)) if k == 0 else ""
                rows.append((lead if k == 0 else "") + head + _td(sub) + nums([c[2][leaf] for c in cols]))
                leaf += 1
    rows.append(_td("四、结转下年度继续办理", 3) + nums([c[3] for c in cols]))
    return _table(rows)


def table_review(r: random.Random) -> str:
    """Table 3, 行政复议/行政诉讼: two colspan groups over 5 and 10 columns, rowspan-2 headers."""
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

    def group() -> list[int]:
        vals = [r.choice([0, 0, 0, 1]) for _ in range(4)]
        return vals + [sum(vals)]

    rows = [
        _td("行政复议", 5) + _td("行政诉讼", 10),
        "".join(_td(x, rowspan=2) for x in results) + _td("未经复议直接起诉", 5) + _td("复议后起诉", 5),
        "".join(_td(x) for x in results) * 2,
        "".join(_td(v) for v in group() + group() + group()),
    ]
    return _table(rows)


def _table(rows: list[str]) -> str:
    body = "\n".join(f"<tr>{row}</tr>" for row in rows)
    return ("<table border=\"1\" cellspacing=\"0\" cellpadding=\"0\" style=\"border-collapse:collapse;width:100%;\">"
            f"<tbody>\n{body}\n</tbody></table>")


def render_plain(blocks: list[tuple[str, str]]) -> str:
    """The body as a modern editor saves it: <p> per paragraph, <strong> headings."""
    out = []
    for kind, text in blocks:
        if kind == "table":
            out.append(text)
        elif kind == "h":
            out.append(f"<p style=\"text-indent:2em;\"><strong>{esc(text)}</strong></p>")
        elif kind == "sign":
            out.append(f"<p style=\"text-align:right;\">{esc(text)}</p>")
        else:
            out.append(f"<p style=\"text-indent:2em;\">{esc(text)}</p>")
    return "\n".join(out)


_SPLIT = re.compile(r"(\d+|[年月日])")


def wordify(text: str) -> str:
    """One line as Word exports it: a span per digit run (lang=EN-US) and per 年/月/日."""
    spans = []
    for part in _SPLIT.split(text):
        if not part:
            continue
        if part.isdigit():
            spans.append(f"<span lang=EN-US style='font-size:16.0pt;font-family:\"Times New Roman\"'>{part}</span>")
        else:
            spans.append(f"<span style='font-size:16.0pt;font-family:仿宋_GB2312'>{esc(part)}</span>")
    return "".join(spans)


def render_word(blocks: list[tuple[str, str]]) -> str:
    """The body as a Word-to-HTML paste: MsoNormal, <o:p>, <font face=仿宋_GB2312>, split spans."""
    out = ["<div class=WordSection1 style='layout-grid:15.6pt'>"]
    for kind, text in blocks:
        if kind == "table":
            out.append(text.replace("<table ", "<table class=MsoNormalTable ", 1))
        elif kind == "h":
            out.append(f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'><b><font face=黑体>"
                       f"{wordify(text)}</font></b><span lang=EN-US><o:p></o:p></span></p>")
        elif kind == "sign":
            out.append(f"<p class=MsoNormal align=right style='text-align:right;line-height:28.0pt'>{wordify(text)}"
                       "<span lang=EN-US><o:p></o:p></span></p>")
        else:
            out.append(f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'>{wordify(text)}"
                       "<span lang=EN-US><o:p></o:p></span></p>")
    out.append("</div>")
    return "\n".join(out)


def report_body(agency: str, year: int, kind: str, publish: dt.date, *, word: bool = False, extra: str = "") -> str:
    """The report text as HTML, ready to drop into a site's content container."""
    blocks = report_blocks(agency, year, kind, publish, extra)
    return render_word(blocks) if word else render_plain(blocks)


def report_plain_text(agency: str, year: int, kind: str, publish: dt.date, extra: str = "") -> str:
    """Paragraph texts joined by newlines (tables omitted): what a test may look for in extracted text."""
    return "\n".join(t for k, t in report_blocks(agency, year, kind, publish, extra) if k != "table")
