"""Endpoints behind script-drawn lists and view counters, as data (applied by pipelines/endpoints.py).

A page's script calls these endpoints to fill a list or a counter. Asking the endpoint directly
costs one small request; rendering the page in a browser costs a whole chromium page load. Each
entry names how the endpoint is found in the static HTML and how its answer is read. Nothing here
names a site: these are the shapes CMS products (大汉 Hanweb, 博达 VSB, 开普云 UCAP, gkmlpt) emit.
"""

from __future__ import annotations

# --- view counters -------------------------------------------------------------------------------
# Each: a regex over the raw HTML with named groups, and the counter URL built from them (relative
# to the page). The whole page is searched: counters sit in the meta line, whose markup varies.
COUNTER_CALLS: list[dict[str, str]] = [
    {   # 博达 VSB: <script>_showDynClicks("wbnews", 1412614994, 1081)</script>
        "name": "vsb_dynclicks",
        "pattern": r"_showDynClicks\(\s*['\"](?P<type>\w+)['\"]\s*,\s*['\"]?(?P<owner>\d+)['\"]?\s*,\s*['\"]?(?P<id>\d+)",
        "url": "/system/resource/code/news/click/dynclicks.jsp?clickid={id}&owner={owner}&clicktype={type}",
    },
    {   # fetch('/api/views?id=123') / $.get('/api/hits?id=…') in an inline script
        "name": "script_fetch",
        "pattern": r"(?:fetch|\$\.(?:get|getJSON|ajax|post))\(\s*['\"](?P<url>[^'\"]*(?:view|hit|click|visit|count|browse|pv)[^'\"]*)['\"]",
        "url": "{url}",
    },
]
# <script src="…"> whose URL path says it is a counter (document.write("123")). A path ending in .js
# is a library (dynclicks.js), never the counter itself.
COUNTER_SCRIPT_SRC = r"(?:hits|click|visit|count|views?|browse|pv)[\w\-]*\.(?:jsp|php|aspx?|do|action)(?:\?|$)|/api/(?:views?|hits|clicks?)(?:\?|/|$)"
# Keys under which counter JSON carries the number, most specific first.
COUNTER_JSON_KEYS = ["views", "viewCount", "view_count", "visitCount", "hits", "clicks", "clickCount",
                     "count", "pv", "num", "total", "data"]
# A counter answer larger than this is not a counter (an error page, a login page).
COUNTER_MAX_BODY = 4096

# --- list endpoints ------------------------------------------------------------------------------
# Hanweb JCMS: the static page holds the first records in <datastore> and, in <nextgroup>, the
# dataproxy URL whose query is the form the page's jpage.js POSTs for the next records.
HANWEB_NEXTGROUP = r"<nextgroup>\s*<!\[CDATA\[\s*<a[^>]+href=['\"](?P<url>[^'\"]+)['\"]"
HANWEB_RECORD = r"<record>\s*<!\[CDATA\["
HANWEB_PERPAGE = r"perpage\s*[:=]\s*['\"]?(?P<n>\d+)"
HANWEB_DEFAULT_PERPAGE = 15
HANWEB_TOTAL = r"<totalrecord>\s*(\d+)\s*</totalrecord>"
# Form fields jpage.js sends besides those in the nextgroup URL.
HANWEB_EXTRA_FORM = {"col": "1", "sourceContentType": "1"}

# JSON list APIs called by a column page's script: URL literals in inline scripts with a page
# parameter, or the known product paths. {page} is replaced with the page number.
LIST_API_LITERAL = (
    r"['\"](?P<url>(?:https?://[^'\"\s/]+)?(?:/[^'\"\s]*?)?(?:/api/[^'\"\s]*list[^'\"\s]*|/list\.json|/queryList"
    r"|/gkmlpt/api/all/\d+|/front/page/build/unit)[^'\"\s]*)['\"]"
)
# Query parameter names that number pages in list APIs.
LIST_API_PAGE_PARAMS = ["page", "pageNo", "pageNum", "pageIndex", "p", "curPage", "current"]
# gkmlpt: the category id is in the page's config; the list is /gkmlpt/api/all/<cat>?page=N.
GKMLPT_CATEGORY = r"(?:cat_id|catId|CAT_ID|category_id)['\"]?\s*[:=]\s*['\"]?(?P<cat>\d+)"
GKMLPT_LIST = "/gkmlpt/api/all/{cat}?page=1"
# UCAP /queryList is a POST of JSON; these are the fields its script sends.
UCAP_QUERY_BODY = {"pageNo": 1, "pageSize": 20}
UCAP_PATH = "/queryList"

# In a JSON answer: keys holding an item's URL and title, and the page count or total.
JSON_URL_KEYS = ["url", "link", "href", "detailUrl", "detail_url", "docUrl", "doc_url", "contentUrl", "_url", "path"]
JSON_TITLE_KEYS = ["title", "docTitle", "doc_title", "name", "subject", "text", "_title"]
JSON_PAGE_COUNT_KEYS = ["totalPage", "totalPages", "total_page", "pageCount", "page_count", "pages", "pageTotal"]
JSON_TOTAL_KEYS = ["total", "totalCount", "total_count", "totalRecord", "count", "recordCount"]
JSON_PAGE_SIZE_KEYS = ["pageSize", "page_size", "perPage", "per_page", "size", "limit"]

# --- requests built in script (pipelines/script_urls.py) -----------------------------------------
# Where a script makes a request, up to the start of its URL expression: fetch(URL, XMLHttpRequest
# open(METHOD, URL), $.get/$.getJSON/$.post(URL, $.ajax({url: URL. Group "method" when written.
SCRIPT_REQUEST_CALL = (
    r"(?:\bfetch\s*\(|\.open\s*\(\s*['\"](?P<method>GET|POST)['\"]\s*,|\$\.(?:get|getJSON|post)\s*\(|\burl\s*:)\s*"
)
# A variable the page assigns a literal: var x = "…"; let x = 5; const x = '…'; {x: "…"}, x: '…'.
SCRIPT_LITERAL_ASSIGNMENT = (
    r"(?:\b(?:var|let|const)\s+|[,{]\s*|^\s*)(?P<name>[A-Za-z_$][\w$]*)\s*[:=]\s*"
    r"(?P<value>'[^'\\\n]*'|\"[^\"\\\n]*\"|\d+)(?=\s*(?:[,;}\n]|$))"
)
# An identifier whose value numbers list pages (left as the page parameter, starting at 1).
SCRIPT_PAGE_VARIABLE = r"^(?:page|pageNo|pageNum|pageNumber|pageIndex|pageindex|curPage|currentPage|current|p|pn|pg|pi)$"
# A script request whose URL says it is a list (a list endpoint of a column page), when it carries
# no page parameter: path words.
LIST_PATH_WORDS = r"(?i)list|query|search|articles?|infos?|docs?|records|column|channel|content|getData|page"
# A script request whose URL says it counts views (a counter endpoint of a report page).
COUNTER_PATH_WORDS = r"(?i)view|hits?\b|hits|click|visit|count|browse|\bpv\b|/pv|read(?:num|count)"
