"""Where report metadata hides on a page, kept as data (pipelines/metadata/ applies it).

Everything here is a word list or a regex fragment; nothing is keyed to one portal's exact markup, so
adding a portal's wording means adding a word here, not code.
"""

# --- <meta name=…> names, matched case-insensitively (Hanweb writes contentSource, TRS ContentSource).
META_TITLE = ["ArticleTitle", "og:title", "dc.title"]
META_PUBDATE = ["PubDate", "publishdate", "pubtime", "article:published_time", "dc.date", "firstpublishedtime"]
META_SOURCE = ["ContentSource", "source", "dc.publisher"]
META_SITE_NAME = ["SiteName", "og:site_name"]
META_SITE_ID = ["SiteIDCode"]
META_SITE_DOMAIN = ["SiteDomain"]

# --- Title.
# Custom title elements some CMSs emit (开普云 UCAP <ucaptitle>); checked before generic headings.
TITLE_TAGS = ["ucaptitle"]
# class/id words that mark an article heading element…
TITLE_CLASS_WORDS = r"title|biaoti|bt|tit|headline|article-tit"
# …unless the class/id also says it is something else (site logo, nav, the meta line under the heading).
TITLE_CLASS_EXCLUDE = r"sub|small|site|logo|nav|menu|foot|head-|header|crumb|list|column|lanmu|attr|info|time|date"
# <title> separators between the article title and the site name (`X_XX区人民政府`, `X - 网站名`).
TITLE_SEPARATORS = r"\s*_\s*|\s+[-–—|｜]+\s+|\s*[|｜]\s*|\s*--+\s*|\s*——\s*"
# A <title> tail that names a site rather than an article: stripped even after an unspaced hyphen.
SITE_NAME_TAIL = r"(网站|门户|政府网|人民政府|政府|首页|官网|在线|之窗|网|信息网|政务网|公开网)$"

# A line with one of these is a breadcrumb (首页 >> 信息公开 >> 年度报告), never the article heading.
BREADCRUMB_MARKERS = r">>|»|›|>|当前位置|现在位置|所在位置|您的位置|首页"

# --- Agency.
# Where the agency is read, best first (pipelines/metadata/agency.py AgencyEvidence fields):
# <meta ContentSource>, a 发布机构 key/value pair, a visible 来源 line, the signature under the
# text, the body the title names. The site's own name is the last resort, with a warning.
AGENCY_SOURCES = ["meta_source", "kv_table", "source_line", "signature", "title"]
# Key/value table labels naming the publishing body (disclosure detail pages).
AGENCY_KV_LABELS = ["发布机构", "发文机关", "发文单位", "发布单位", "公开机构", "公开主体", "公开单位",
                    "信息提供单位", "制发机关", "责任部门", "所属机构", "发布部门", "來源單位", "發布機構"]
# Visible source-line labels: `来源：…`, `来源于：…`, `信息来源：…` (traditional forms included).
SOURCE_LABELS = ["信息来源", "文章来源", "稿件来源", "新闻来源", "来源于", "来源", "來源", "出处"]
# Source values that name the website itself, not an agency.
SOURCE_NOT_AGENCY = r"^(本站|本网|本网站|原创|网站|网络|互联网|转载|未知|无|暂无|admin|管理员)$"
# Labels that end a source value on a one-line meta strip (`来源: 作者: 编辑:赵暖星 点击:`).
META_LINE_LABELS = ["作者", "编辑", "责任编辑", "责编", "审核", "发布时间", "发布日期", "时间", "日期",
                    "浏览", "点击", "阅读", "访问", "字号", "字体", "打印", "分享", "来源", "【"]
# An agency name ends with one of these (used to accept a signature line and a title-derived name).
# Traditional forms too: seed 000 is a 街道辦事處 report.
ORG_SUFFIX = (r"(办事处|人民政府|政府|办公室|办公厅|委员会|管委会|局|委|厅|署|院|中心|街道|镇|乡|"
              r"苏木|嘎查|社区|村委会|公司|所|队|站|处|会|部|办|馆|校|学|行|社|区|县|市|州|旗|盟|省|"
              r"辦事處|辦公室|委員會|處|廳|會|辦|館|鎮|鄉|縣|街)$")  # 街: Wuhan's street offices (九峰街)
# Administrative-unit characters that split a place chain (抚顺市新抚区站前街道 → 抚顺市|新抚区|站前街道).
ADMIN_UNIT = "省市区县州旗盟"
# Generic tails removed to get an organisation's root name (站前街道办事处 → 站前) for containment tests.
ORG_GENERIC_TAIL = (r"(街道办事处|街道办|街道|办事处|镇人民政府|乡人民政府|人民政府办公室|人民政府|"
                    r"政府办公室|政府|镇|乡|苏木|街)$")
# Full names a short form in a title expands to on the same page (站前街道 → 站前街道办事处).
ORG_FULL_SUFFIX = r"(街道办事处|街道办|办事处|镇人民政府|乡人民政府|苏木人民政府|人民政府|街道)"
# A content farm's pinyin after each converted character: 區(qū)委 → 區委.
PINYIN_ANNOTATION = r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)"
# Site names stripped to an agency as a last resort (山西省人民政府门户网站 → 山西省人民政府).
SITE_NAME_STRIP = r"(门户网站|门户网|政府网站|网站|官网|政务网|信息网)$"
# Words before a report year in a title that are not part of the agency name.
TITLE_ORG_STRIP = r"^(关于|公布|发布)|(关于|的|公布|发布)$"

# --- Dates.
# Labels of the publish date, best first. Visible labels win over <meta PubDate>.
PUBLISH_DATE_LABELS = ["发布时间", "发布日期", "公开日期", "公开时间", "发文日期", "印发日期", "生成日期",
                       "发表时间", "发表日期", "更新时间", "更新日期", "發布時間", "發布日期"]
# Weaker labels: a 成文日期 is when the document was signed, a bare 时间/日期 could be anything.
WEAK_DATE_LABELS = ["成文日期", "时间", "日期", "時間", "日期"]
# A date preceded by one of these (within a few characters) is the page header's today's date.
TODAY_MARKERS = ["今天是", "今天", "今日", "当前时间", "现在时间", "当前日期", "现在是", "欢迎您", "星期"]

# --- View counters.
# Counter labels: pipelines/rules/vocabulary.py COUNTER_LABELS (shared with the cleaner and the browser).
# A number followed by one of these is a statistic in prose (网站浏览量：120万次), never a page counter.
COUNTER_NOT_COUNT_TAIL = r"[万亿千百余多%％]"
# Words that, right before a counter label, make it the subject of a report sentence (网站浏览量达…).
COUNTER_PROSE_PREFIX = r"(网站|平台|门户|全年|累计|总|日均|月均|年度|政府网|页面|专栏|微博|微信)$"

# --- Source kind.
# Hosts (registered domains or full hosts) of document-sharing sites.
DOCSHARE_HOSTS = [
    "wenku.baidu.com", "doc88.com", "docin.com", "book118.com", "renrendoc.com", "taodocs.com",
    "mayiwenku.com", "wenku.so.com", "ishare.iask.sina.com.cn", "wendangku.net", "jinchutou.com",
    "360doc.com", "docer.com", "zhangqiaokeyan.com", "wenkub.com", "51wendang.com", "doc.mbalib.com",
    "max.book118.com", "wenku.csdn.net", "docs.qq.com", "jz.docin.com", "wenku.360.cn",
    "ttwenku.com", "tiantianwenku.com", "bdocx.com", "wodocx.com", "wenjiwu.com", "dochub.cc", "zsbwx.com",
]
# Page or text markers of a document-sharing site: pipelines/rules/vocabulary.py DOCSHARE_MARKERS.
# Official-site markers in the page text (the footer's 网站标识码, required on government sites).
OFFICIAL_MARKERS = [r"网站标识码\s*[:：]?\s*[0-9A-Za-z]{6,}", r"政府网站标识码"]
# Host suffixes that are government by registration.
OFFICIAL_HOST_SUFFIXES = [".gov.cn", "gov.cn"]
