"""How a portal's navigation leads to its annual-report columns.

Paths move between years, so nothing here names a site: these are the words and URL shapes
portals use. The spider reads them on every page it visits (crawler/links.py applies them).
Patterns are matched against link text with whitespace removed, or against the URL path.
"""

# Home page → the disclosure section (政府信息公开 / 政务公开 and their sub-sections).
SECTION_LINK_TEXTS = [
    r"政府信息公开", r"^信息公开$", r"政务公开", r"法定主动公开", r"主动公开(目录|内容)?$",
    r"信息公开(目录|专栏|平台)", r"公开目录", r"政务信息公开", r"^信息公开指南$",
]
SECTION_URL_PATTERNS = [
    r"/(zfxxgk|xxgk|zwgk|zfxxgkml|xxgkml|gkml|fdzdgknr|zdgk|zfgk|gk|zwxxgk|xxgkpt|govinfo|zfxxgkzl)(/|\.|_|$)",
]

# Section → the annual-report column.
COLUMN_LINK_TEXTS = [
    r"信息公开(工作)?年(度)?报(告)?", r"^年度报告$", r"^年报$", r"公开年报", r"^(政府)?信息公开年度报告$",
    r"政务公开年度报告", r"^\d{4}年(度)?(政府信息公开)?年(度)?报(告)?$", r"年报专栏",
]
COLUMN_URL_PATTERNS = [
    r"/(zfxxgknb|xxgknb|gknb|zfxxgkndbg|xxgkndbg|ndbg|zfxxgkndbb|xxgknb\w*|ndgzbg|gzndbg|nb)(/|\.|_|$)",
]

# Within a column: sub-columns by year or by unit (2023年度街道年报, …/2023nb/xzjd/, 街道办事处).
SUBCOLUMN_LINK_TEXTS = [
    r"^\d{4}年(度)?", r"街道", r"乡镇", r"镇(人民政府)?$", r"部门", r"办事处", r"区(县)?直",
]

# Home page → a street office's or township's own sub-site (same registered domain, other host).
SUBSITE_LINK_TEXTS = [r"街道", r"街办", r"办事处", r"镇$", r"乡$", r"镇人民政府", r"乡人民政府"]

# Article URLs of common CMSs (TRS t<YYYYMMDD>_<id>.shtml, Hanweb art_<col>_<id>.html and /art/YYYY/,
# numeric ids, content_<id>): inside a column these are reports or other articles, never list pages.
ARTICLE_URL_PATTERN = r"(/t\d{8}_\d+\.s?html?$|/art_\d+_\d+\.html$|/\d{6,}\.s?html?$|/content_\d+|/art/\d{4}/)"

# Pagination links by text.
NEXT_PAGE_TEXTS = [r"^下一?页$", r"^后一?页$", r"^>$", r"^›$", r"^»$", r"^next$", r"^尾页$", r"^末页$"]
# Query parameters that number list pages (ASP.NET ?page=, JSP cur_page=, …).
PAGE_QUERY_PARAMS = ["page", "pageno", "page_no", "pageindex", "cur_page", "curpage", "currentpage", "pn", "p"]

# Script-only pagination: the page count exists only in a call. Each entry: a regex with the named
# groups count, current, prefix, ext and the file name of page n (n ≥ 1; page 0 is prefix.ext).
SCRIPT_PAGINATION = [
    {  # TRS WCM: createPageHTML(8, 0, "index", "html")
        "pattern": r"createPageHTML\(\s*['\"]?(?P<count>\d+)['\"]?\s*,\s*['\"]?(?P<current>\d+)['\"]?\s*,"
                   r"\s*['\"](?P<prefix>[\w\-]+)['\"]\s*,\s*['\"](?P<ext>\w+)['\"]",
        "page_name": "{prefix}_{n}.{ext}",
    },
    {  # var countPage = 8; var currentPage = 0; var prefix = "index"; var suffix = "html"
        "pattern": r"countPage\s*=\s*(?P<count>\d+)[\s\S]{0,200}?currentPage\s*=\s*(?P<current>\d+)"
                   r"[\s\S]{0,200}?prefix\w*\s*=\s*['\"](?P<prefix>[\w\-]+)['\"][\s\S]{0,200}?suffix\w*\s*=\s*['\"](?P<ext>\w+)['\"]",
        "page_name": "{prefix}_{n}.{ext}",
    },
]
# A script page count is expanded up to the setting GONGKAI_MAX_SCRIPT_PAGES (a typo or a trap can
# claim 99999 pages).

# javascript: links that hide a page number: javascript:next(3), javascript:goPage(3)
JS_PAGE_LINK = r"^javascript:\s*(?:next|goPage|gotoPage|page|turnPage|toPage)\(\s*['\"]?(\d+)"


# Redirect stubs done in script: location.replace("…"), window.location.href = "…". The literal is
# the whole target: one joined to more (`location.href = '?page=' + n`, a pager's handler on a short
# list page) is a prefix, and asking it alone fetched `?page=`: a 404 for every such list page (generated
# seed 5171: 4 of its 48 requests).
SCRIPT_REDIRECT_PATTERN = (
    r"(?:window\.|document\.|top\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['\"]([^'\"]+)['\"]"
    r"(?!\s*\+)"
)
SCRIPT_REDIRECT_MAX_PAGE_SIZE = 4096  # only tiny pages are stubs; larger ones merely use scripts

