"""What makes a title a 政府信息公开(工作)年度报告, and what only looks like one.

Every pattern is matched against pipelines.textnorm.normalize(title): Simplified, half-width
(NFKC: （ → (, ： → :, ２０２３ → 2023), no whitespace. Write patterns in that form only.
"""

from pipelines.rules.vocabulary import CN_YEAR, YEAR

# A report title must match one of these (after whitespace is removed).
ANNUAL_REPORT_PATTERNS = [
    r"(政府|政务)?信息公开(工作)?(的)?年度(工作)?报告",
    r"信息公开(工作)?年报",
    r"政务公开(工作)?年度报告",
    r"政府信息公开(工作)?(情况)?报告",  # pre-2008 style: 2007年政府信息公开工作报告
    r"依申请公开(工作)?年度报告",
]

# The words report titles are made of, written out: a character of a garbled title lost to mojibake
# (…的年度报� with its 告 gone, 人民政�2021年) is looked for here between the same neighbours, to tell
# whether the page is a report (pipelines/report.py); the record's title is repaired from its page.
TITLE_WORDS = ["政府信息公开工作年度报告", "政务公开工作年度报告", "信息公开工作的年度报告", "信息公开工作年报",
               "依申请公开工作年度报告", "人民政府", "人民政府办公室", "街道办事处"]

# …and none of these: other 报告 that live in and around the same columns.
NOT_ANNUAL_REPORT_PATTERNS = [
    r"政府工作报告",
    r"预算|决算|预决算",
    r"统计公报|国民经济和社会发展",
    r"审计(工作)?报告",
    # Documents about reports: 关于做好…年度报告编制发布工作的通知, …考核结果的通报.
    r"(通知|通报|意见|方案|批复|函|公告)$",
    r"^关于",
    r"指南|目录|索引|汇总|汇编|一览",
    # Pages about one report, not the report: its correction, its interpretation, its graphic
    # version (关于…年度报告的更正说明, 《…年度报告》解读, 图解：…, 一图读懂…, 图说…).
    r"更正|勘误|修订说明|撤回|撤销",
    r"解读|答记者问|问答",
    r"^[\[(【]?图(解|说)|一图(读懂|看懂|了解)|长图|海报|^[\[(【]?视频|^H5",
    r"社会责任报告|环境.{0,4}报告|质量报告",
]

# A report title names the year it covers: 2017年, 2020年度, 二〇二二年, or "XX年" in docshare
# samples. A column or a section ("政府信息公开年度报告") names none.
TITLE_YEAR_PATTERN = rf"({YEAR}|{CN_YEAR}|XX|xx|ＸＸ)\s*年"

# Link texts that may lead to a report though truncated (…, ...), used only to decide what to fetch:
# the report page's own title decides what is emitted.
CANDIDATE_LINK_PATTERNS = [
    r"年度报告",
    r"年报",
    r"信息公开.{0,6}报告",
    r"信息公开工作",
]
