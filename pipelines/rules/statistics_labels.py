"""Row and column labels of the national report template's tables, as data.

Templates: 国办公开办函〔2019〕60号 (reports for 2019 and 2020) and 国办公开办函〔2021〕30号 (reports
for 2021 on). Each key maps to regular expressions tried against a *normalized* label: NFKC (so
full-width digits and brackets become ASCII), all whitespace removed, leading enumerators such as
`（一）`, `三、`, `1.` stripped. Patterns name what a label means, not its exact wording, because
portals abbreviate (`予以公开`), re-punctuate (`(一)予以公开`) and split cells (`自然` + `人`).
"""

# Leading enumerators removed before matching: （一） (一) 一、 1. 1、 （1） — possibly repeated.
# A lone digit right before a CJK character (`3其他`) is an enumerator whose dot OCR lost.
ENUMERATOR_PATTERN = (r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十\d]{1,3}[、.．,，]"
                      r"|[1-9](?=[\u4e00-\u9fff]))")

# Cells that mean "no number here". The template asks for 0, so these are read as null, with a warning.
NULL_MARKERS = {"", "-", "—", "——", "–", "－", "/", "／", "\\", "无", "空", "×", "x", "X", "*", "…", "/ ", "null"}

# Units sometimes typed after a number; removed before parsing (longest first).
NUMBER_UNITS = ("万元", "元", "件", "个", "项", "次", "条", "人次", "宗")

# ---------------------------------------------------------------- table 三: applications
APPLICATION_COLUMNS = [
    "natural_person", "commercial", "research", "public_interest", "legal_services", "other_org", "total",
]

# Header texts of the application table's columns, matched on the header cell nearest to the data
# (bottom-up), so that `其他` under `法人或其他组织` is other_org and not the group.
APPLICATION_COLUMN_LABELS = {
    "natural_person": [r"^自然人$"],
    "commercial": [r"商业企业"],
    "research": [r"科研机构"],
    "public_interest": [r"公益组织"],
    "legal_services": [r"法律服务机构"],
    "other_org": [r"^其他(组织)?$"],
    "total": [r"^(总计|合计)$"],
}

# Rows of the table that are not under 三、本年度办理结果.
APPLICATION_TOP_ROWS = {
    "new": [r"本年(度)?新收", r"新收.*申请"],
    "carried_over": [r"上年(度)?结转"],
    "carried_forward": [r"结转下年", r"下年度?继续办理"],
}

# Rows (and row groups) under 三、本年度办理结果. A group with reasons is a dict of reason -> patterns.
# Tried in this order: 不予(以)公开 must be seen before 予以公开, which it contains.
APPLICATION_BLOCKS = {
    "partially_granted": [r"部分公开"],
    "denied": [r"不予以?公开"],
    "granted": [r"予以公开"],
    "unable": [r"无法提供"],
    "not_processed": [r"不予处理"],
    "other": [r"其他处理"],
    "total_handled": [r"^总计$", r"^合计$"],
}

APPLICATION_REASONS = {
    "denied": {
        "state_secret": [r"国家秘密"],
        "prohibited_by_law": [r"法律行政法规禁止", r"法律法规禁止", r"禁止公开", r"其他法律.{0,6}止公开"],  # WPS drops 法规禁
        "three_security_one_stability": [r"三安全一稳定", r"^危及"],
        "third_party_rights": [r"第三方"],
        "internal_affairs": [r"内部事务"],
        "process_information": [r"过程性"],
        "law_enforcement_files": [r"执法案卷"],
        "administrative_query": [r"行政查询"],
    },
    "unable": {
        "not_held": [r"不掌握"],
        "needs_creation": [r"另行制作", r"没有现成"],
        "unclear_after_correction": [r"仍不明确", r"补正后"],
    },
    "not_processed": {
        "petition_complaint": [r"信访", r"举报投诉"],
        "repeated": [r"重复申请"],
        "publications": [r"出版物"],
        "excessive": [r"大量.?反复"],
        "confirm_or_reissue": [r"重新出具", r"确认.*已获取"],
    },
    # Only in the 2021 template; in 2019 (六)其他处理 is a single row.
    "other": {
        "overdue_correction": [r"逾期不补正", r"不补正"],
        "overdue_fee": [r"缴纳费用", r"收费通知", r"逾期未按"],
        "other": [r"^其他$", r"^其他(情形|原因)$"],
    },
}

# The template's own wording of every row of table 三 (国办公开办函〔2019〕60号 / 〔2021〕30号), as
# printed, enumerators removed. A label no pattern above matches (an OCR that lost a character:
# `属于程性信息`) is matched to the nearest of these by similarity (pipelines/statistics.py
# fuzzy_row), so a garbled label keeps its row. Keys are row paths.
APPLICATION_ROW_TEXTS = {
    ("new",): "本年新收政府信息公开申请数量",
    ("carried_over",): "上年结转政府信息公开申请数量",
    ("granted",): "予以公开",
    ("partially_granted",): "部分公开(区分处理的,只计这一情形,不计其他情形)",
    ("denied", "state_secret"): "属于国家秘密",
    ("denied", "prohibited_by_law"): "其他法律行政法规禁止公开",
    ("denied", "three_security_one_stability"): "危及“三安全一稳定”",
    ("denied", "third_party_rights"): "保护第三方合法权益",
    ("denied", "internal_affairs"): "属于三类内部事务信息",
    ("denied", "process_information"): "属于四类过程性信息",
    ("denied", "law_enforcement_files"): "属于行政执法案卷",
    ("denied", "administrative_query"): "属于行政查询事项",
    ("unable", "not_held"): "本机关不掌握相关政府信息",
    ("unable", "needs_creation"): "没有现成信息需要另行制作",
    ("unable", "unclear_after_correction"): "补正后申请内容仍不明确",
    ("not_processed", "petition_complaint"): "信访举报投诉类申请",
    ("not_processed", "repeated"): "重复申请",
    ("not_processed", "publications"): "要求提供公开出版物",
    ("not_processed", "excessive"): "无正当理由大量反复申请",
    ("not_processed", "confirm_or_reissue"): "要求行政机关确认或重新出具已获取信息",
    ("other",): "其他处理",
    ("other", "overdue_correction"): "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ("other", "overdue_fee"): "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ("total_handled",): "总计",
    ("carried_forward",): "结转下年度继续办理",
}
# Column headers and item labels of table 二 as the templates print them (2021: 〔2021〕30号; 2019:
# 〔2019〕60号). The record keys a value by its header and item text; a header or item no entry
# equals (a scan's `本年度止件数`) takes the clearly nearest of these (pipelines/stats_rows.py).
PROACTIVE_COLUMN_TEXTS = ["本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额（单位：万元）",
                          "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "处理决定数量",
                          "采购项目数量", "采购总金额"]
PROACTIVE_ITEM_TEXTS = ["规章", "行政规范性文件", "规范性文件", "行政许可", "其他对外管理服务事项", "行政处罚", "行政强制",
                        "行政事业性收费", "政府集中采购"]
# Nearest-wording match: accepted at this similarity (difflib ratio, 0–1) or more, and only when the
# runner-up is this much less similar (two rows alike in wording are never guessed between).
FUZZY_ROW_MIN_RATIO = 0.7
FUZZY_ROW_MARGIN = 0.15
# A reason label of which OCR kept only its enumerator (`3.其他` read as `3`): within a group whose
# earlier reasons were read, the n-th reason of the group (APPLICATION_REASONS order is the template's).
ENUMERATOR_ONLY_PATTERN = r"^[(（]?(\d{1,2})[)）.、．]?$"
# Labels this short are never matched by similarity (one lost character of 总计 is a different word).
FUZZY_ROW_MIN_CHARS = 4

# A reason label that can only be read within its group (`3.其他` alone means nothing).
CONTEXT_ONLY_REASONS = {("other", "other")}

# Labels found only in the application table's header rows (so `总计` there is a column, not a row).
APPLICATION_HEADER_ONLY = [r"^自然人$", r"商业企业", r"科研机构", r"公益组织", r"法律服务机构", r"申请人情况",
                           r"法人或其他组织"]

# Rows that start the application table (header) — used to switch section in the row stream.
APPLICATION_TABLE_MARKERS = [r"申请人情况", r"^自然人$", r"本年(度)?新收"]

# ---------------------------------------------------------------- table 四: review and litigation
REVIEW_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
REVIEW_MEASURES = ["upheld", "corrected", "other", "pending", "total"]

REVIEW_GROUP_LABELS = {
    # Tried in this order on every header text above a column: the most specific group wins.
    "litigation_after_review": [r"复议后起诉"],
    "litigation_direct": [r"未经复议", r"直接起诉"],
    "review": [r"^行政复议$"],
}

REVIEW_MEASURE_LABELS = {
    "upheld": [r"维持"],
    "corrected": [r"纠正"],
    "other": [r"其他结果", r"^其他$"],
    "pending": [r"尚未审结", r"未审结"],
    "total": [r"^(总计|合计)$"],
}

REVIEW_TABLE_MARKERS = [r"^行政复议$", r"^行政诉讼$"]

# ---------------------------------------------------------------- table 二: proactive disclosure
# 第二十条第（一）项 … 第（九）项: one article label per block of rows.
PROACTIVE_ARTICLE_PATTERN = r"第二十条第?\(?[一二三四五六七八九十]+\)?项"
PROACTIVE_HEADER_PATTERN = r"^信息内容"

# ---------------------------------------------------------------- which template
# Column or row labels found only in one template's tables.
TEMPLATE_2021_MARKERS = [r"本年制发件数", r"本年废止件数", r"现行有效件数", r"本年收费金额", r"逾期不补正",
                         r"缴纳费用"]
TEMPLATE_2019_MARKERS = [r"本年新制作数量", r"本年新公开数量", r"对外公开总数量", r"上一年项目数量", r"本年增/?减",
                         r"采购项目数量"]

# ---------------------------------------------------------------- pre-2019 prose reports
# Sentences stating how many applications were received. Group "n" is the number (Arabic or Chinese).
_NUM = r"(?P<n>[0-9０-９]+|[零〇一二三四五六七八九十百千两]+)"
PROSE_APPLICATION_PATTERNS = [
    r"(?:共|总共|累计|全年)?(?:收到|受理|接到|接收|办理)[^。；;，,]{0,30}?(?:公开)?申请(?:共|共计|合计|总计)?" + _NUM + r"\s*(?:件|个|条|宗|份|起)",
    r"(?:收到|受理|接到|接收)[^。；;]{0,20}?申请[^。；;]{0,6}?(?:共|共计|合计|总计)" + _NUM + r"\s*(?:件|个|条|宗|份|起)",
    r"依申请公开[^。；;，,]{0,10}?(?:共|共计|合计)?" + _NUM + r"\s*(?:件|个|条|宗|份)",
]
# A sentence saying none were received: read as 0 (it is what the sentence states).
PROSE_NO_APPLICATION_PATTERNS = [r"(?:未|没有)(?:收到|受理|接到)[^。；;]{0,30}?申请"]

# ---------------------------------------------------------------- the template's layout, as data
# Rows of table 三 in printed order. A grouped row holds one row per reason (APPLICATION_REASONS);
# which rows are grouped depends on the template: (六)其他处理 has three reasons only from 2021 on.
APPLICATION_ROWS = ["new", "carried_over", "granted", "partially_granted", "denied", "unable", "not_processed",
                    "other", "total_handled", "carried_forward"]
GROUPED_ROWS = {
    "2021": ("denied", "unable", "not_processed", "other"),
    "2019": ("denied", "unable", "not_processed"),
}
# Rows under 三、本年度办理结果 (what 总计 adds up).
OUTCOME_ROWS = ["granted", "partially_granted", "denied", "unable", "not_processed", "other"]

# The template's arithmetic, per column of table 三 ("{col}" is the column). `when` rows must have been
# read with a number in that column for the identity to be checked; a blank elsewhere counts as 0.
APPLICATION_COLUMN_IDENTITIES = [
    {"rule": "new + carried_over = total_handled + carried_forward",  # 本列数据的勾稽关系, printed in the table
     "left": ["new", "carried_over"], "right": ["total_handled", "carried_forward"], "when": ["new", "total_handled"]},
    {"rule": "outcome rows sum to total_handled",
     "left": OUTCOME_ROWS, "right": ["total_handled"], "when": ["total_handled"], "any_of_left": True},
]
# Within a row: the parts sum to the total (applicant columns; review and litigation results).
APPLICATION_PART_COLUMNS = APPLICATION_COLUMNS[:-1]
REVIEW_PART_MEASURES = REVIEW_MEASURES[:-1]

# Headings that say the report prints the template's tables: a report with any of these and no
# table read gets a warning, never a silent null.
# (Pre-2019 reports head their prose 依申请公开政府信息情况, so only the 2019+ wording counts.)
TEMPLATE_TABLE_HEADINGS = [r"收到和处理政府信息公开申请情况", r"政府信息公开行政复议[、,，]?行政诉讼情况",
                           r"申请人情况", r"第二十条第?[(（]?[一二三四五六七八九十]+[)）]?项"]
TABLES_NOT_READ_WARNING = "statistics: tables present but not read"
