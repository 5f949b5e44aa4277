"""The script side of generated portals: list mechanisms and view counters, in markup and in answers.

Each mechanism is the markup a page carries plus the answer its endpoint gives, written so that a
real browser running the page's script shows the list or the count (tests/test_browser.py's
chromium renders them). Which variant of a mechanism a portal uses (endpoint path, parameter names,
JSON keys) is one more independent choice per seed, so the crawler meets the class, not one form.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from ..common import esc, stable_int

# --- JSON list APIs whose URL is built from script variables (issue 9 item 1) --------------------


@dataclass(frozen=True)
class JsonApi:
    path: str
    column_var: str
    page_var: str
    items_key: str
    url_key: str
    title_key: str
    count_key: str  # "total" (with pageSize) or "pageCount"
    style: str  # "fetch" or "xhr"
    # The column variable is first assigned a placeholder literal, then the real id at run time from
    # the list's data-col attribute: the endpoint read statically answers no items.
    reassigned: bool = False


JSON_APIS = (
    JsonApi("/api/list", "column", "page", "data", "url", "title", "total", "fetch"),
    JsonApi("/interface/getList.do", "channelId", "pageNo", "list", "link", "name", "pageCount", "xhr"),
    JsonApi("/front/list.json", "catId", "p", "rows", "href", "title", "pageCount", "fetch"),
    JsonApi("/api/content/list", "columnId", "pageIndex", "records", "url", "title", "total", "xhr"),
    JsonApi("/api/list", "column", "page", "data", "url", "title", "total", "fetch", reassigned=True),
)


def _choice(seed: int, name: str, menu: tuple):
    return random.Random(stable_int("mechanism", seed, name)).choice(menu)


def json_api_of(seed: int) -> JsonApi:
    return _choice(seed, "json_api", JSON_APIS)


def json_list_markup(api: JsonApi, code: str, page_size: int, box: str) -> str:
    """An empty list and the script that fills it: the endpoint exists only as a concatenation."""
    url = f"'{api.path}?{api.column_var}=' + {api.column_var} + '&{api.page_var}=' + page"
    render = (f"var rows = d.{api.items_key} || []; var h = '';"
              f"for (var i = 0; i < rows.length; i++) {{ h += '<li><a href=\"' + rows[i].{api.url_key} + '\" "
              f"target=\"_blank\">' + rows[i].{api.title_key} + '</a><span>' + (rows[i].date || '') + '</span></li>'; }}"
              f"document.getElementById('{box}').innerHTML = h;"
              # the pager a person clicks: 下一页 while pages remain
              f"var pages = d.pageCount || Math.ceil((d.total || 0) / (d.pageSize || pageSize));"
              f"var pg = document.getElementById('{box}-pager');"
              "pg.innerHTML = page < pages ? '<a href=\"javascript:void(0)\" class=\"next\">下一页</a>' : '';"
              "if (page < pages) { pg.firstChild.onclick = function () { loadList(page + 1); return false; }; }")
    if api.style == "fetch":
        call = f"fetch({url}).then(function (r) {{ return r.json(); }}).then(function (d) {{ {render} }});"
    else:
        call = (f"var x = new XMLHttpRequest(); x.open('GET', {url}); x.onload = function () {{ "
                f"var d = JSON.parse(x.responseText); {render} }}; x.send();")
    if api.reassigned:
        return (f"<ul id=\"{box}\" class=\"list\" data-col=\"{code}\"></ul><div id=\"{box}-pager\" class=\"pager\"></div>\n"
                "<script type=\"text/javascript\">\n"
                f"var {api.column_var} = \"0\";\nvar pageSize = {page_size};\n"
                f"{api.column_var} = document.getElementById('{box}').getAttribute('data-col');\n"
                f"function loadList(page) {{ {call} }}\nloadList(1);\n</script>")
    return (f"<ul id=\"{box}\" class=\"list\"></ul><div id=\"{box}-pager\" class=\"pager\"></div>\n"
            f"<script type=\"text/javascript\">\nvar {api.column_var} = \"{code}\";\nvar pageSize = {page_size};\n"
            f"function loadList(page) {{ {call} }}\nloadList(1);\n</script>")


def json_list_answer(api: JsonApi, rows: list[dict], page: int, pages: int, total: int, page_size: int) -> bytes:
    data: dict = {"code": 0, "msg": "success", api.items_key: [
        {api.url_key: r["url"], api.title_key: r["title"], "date": r["date"]} for r in rows]}
    if api.count_key == "total":
        data.update(total=total, pageSize=page_size)
    else:
        data.update(pageCount=pages, current=page)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# --- Hanweb POST dataproxy (XML with CDATA records) ----------------------------------------------
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
JPAGE_JS = "/module/web/jpage/jpage.js"


def record_xml(li: str) -> str:
    return f"<record><![CDATA[\n{li}\n]]></record>"


def dataproxy_markup(code: int, unit: int, webid: int, first: list[str], total: int, per: int) -> str:
    records = "\n".join(record_xml(li) for li in first)
    return (f"<div id=\"{unit}\"><script type=\"text/xml\"><datastore>\n"
            f"<nextgroup><![CDATA[<a href=\"{DATAPROXY}?page=1&appid=1&webid={webid}&path=/&columnid={code}"
            f"&unitid={unit}&webname=&permissiontype=0\"></a>]]></nextgroup>\n"
            f"<recordset>\n{records}\n</recordset></datastore></script></div>\n"
            f"<script type=\"text/javascript\" src=\"{JPAGE_JS}\"></script>\n"
            f"<script type=\"text/javascript\">jpageInit({{unitid:{unit},columnid:{code},webid:{webid},perpage:{per},"
            f"totalRecord:{total},proxyUrl:'{DATAPROXY}'}});</script>")


def dataproxy_answer(lis: list[str], total: int) -> bytes:
    xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>" + str(total)
           + "</totalrecord><recordset>" + "".join(record_xml(li) for li in lis) + "</recordset></datastore>")
    return xml.encode("utf-8")


# jpage.js: show the static records, then POST for the rest and append them (as Hanweb's does).
JPAGE_SCRIPT = r"""
function jpageInit(o) {
  var box = document.getElementById(String(o.unitid));
  var xmlNode = box.getElementsByTagName('script')[0];
  var src = xmlNode ? xmlNode.textContent : '';
  var ul = document.createElement('ul'); ul.className = 'list'; box.appendChild(ul);
  function add(xml) {
    var re = /<record><!\[CDATA\[([\s\S]*?)\]\]><\/record>/g, m;
    while ((m = re.exec(xml)) !== null) { ul.insertAdjacentHTML('beforeend', m[1]); }
  }
  add(src);
  if (o.totalRecord > o.perpage) {
    var x = new XMLHttpRequest();
    x.open('POST', o.proxyUrl + '?startrecord=' + (o.perpage + 1) + '&endrecord=' + o.totalRecord + '&perpage=' + o.perpage);
    x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
    x.onload = function () { add(x.responseText); };
    x.send('col=1&appid=1&webid=' + o.webid + '&columnid=' + o.columnid + '&unitid=' + o.unitid + '&sourceContentType=1');
  }
}
"""

# --- Browser-only lists: POST with a signature computed in script, pager clicks -------------------
BROWSER_LIST_PATH = "/dynlist/q"


def sign(code: str, page: int) -> int:
    """The signature the page's script computes (same arithmetic as ``sg`` in the markup)."""
    h = 7
    for ch in f"{code}:{page}":
        h = (h * 31 + ord(ch)) % 1000003
    return h


def browser_list_markup(code: str) -> str:
    """No URL, no page count, no link in the HTML: the list and its pager exist only after script."""
    return ("<div id=\"list-box\" class=\"list-box\"></div>\n<script type=\"text/javascript\">\n"
            f"var lb = {{c: '{code}'}};\n"
            "function sg(c, p) { var h = 7, s = c + ':' + p; for (var i = 0; i < s.length; i++) "
            "{ h = (h * 31 + s.charCodeAt(i)) % 1000003; } return h; }\n"
            "function show(p) { var x = new XMLHttpRequest(); x.open('POST', '/' + 'dyn' + 'list' + '/q');"
            " x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');"
            " x.onload = function () { document.getElementById('list-box').innerHTML = x.responseText;"
            " var nx = document.getElementById('pager-next'); if (nx) { nx.onclick = function () { show(p + 1); return false; }; } };"
            " x.send('c=' + lb.c + '&p=' + p + '&s=' + sg(lb.c, p)); }\n"
            "show(1);\n</script>")


def browser_list_answer(lis: list[str], page: int, pages: int) -> bytes:
    nxt = ("<a href=\"javascript:void(0)\" id=\"pager-next\" class=\"next\">下一页</a>" if page < pages
           else "<span class=\"next disabled\">下一页</span>")
    return (f"<ul class=\"list\">{''.join(lis)}</ul><div class=\"pager\">第{page}页/共{pages}页 {nxt}</div>").encode()


# --- view counters (issue 9 item 3) ---------------------------------------------------------------
LABELS = ("浏览次数：", "点击数：", "阅读次数：", "浏览量：", "访问量：", "点击：")
SCRIPT_COUNTERS = ("/module/visitcount/hits.jsp", "/counter/count.php", "/interface/ArticleClick.aspx", "/site/cnt.do")
API_COUNTERS = (("/api/views", "manuscriptId", "views"), ("/interface/visit/get", "manuscriptId", "data.hits"),
                ("/statistic/getHits.do", "contentId", "count"))
FETCH_COUNTERS = ("/api/hits", "/api/pv", "/cms/views")
RENDERED_COUNTER = "/stat/vc.do"
# How a "rendered" counter hides its endpoint: built from char codes (the script sandbox runs it), or
# also loaded only once the counter is in view, in one of two ways (IN_VIEW_WAYS, drawn apart so the
# menu above keeps every seed's draw): an IntersectionObserver (the sandbox's viewport is the whole
# page: it reads it), or the counter's position against the window's height, checked on load and on
# scroll (layout, which no stub DOM has: only the browser shows it).
RENDERED_COUNTERS = ("charcodes", "in_view")
IN_VIEW_WAYS = ("in_view", "in_view_scroll")
DYNCLICKS_JS = "/system/resource/js/dynclicks.js"
DYNCLICKS = "/system/resource/code/news/click/dynclicks.jsp"
DYNCLICKS_SCRIPT = r"""
function _showDynClicks(type, owner, id) {
  var x = new XMLHttpRequest();
  x.open('GET', '/system/resource/code/news/click/dynclicks.jsp?clickid=' + id + '&owner=' + owner + '&clicktype=' + type, false);
  x.send();
  var el = document.getElementById('dynclicks_' + type + '_' + id + '_' + owner);
  if (el) { el.innerHTML = x.responseText; }
}
"""


def counter_variant(seed: int, kind: str) -> object:
    menu = {"script": SCRIPT_COUNTERS, "api": API_COUNTERS, "fetch": FETCH_COUNTERS, "rendered": RENDERED_COUNTERS}.get(kind)
    variant = _choice(seed, f"counter_{kind}", menu) if menu else None
    return _choice(seed, "counter_in_view_way", IN_VIEW_WAYS) if variant == "in_view" else variant


def counter_label(seed: int) -> str:
    return _choice(seed, "counter_label", LABELS)


def counter_markup(kind: str, variant: object, item_id: int, owner: int, views: int | None) -> str:
    if kind == "static":
        return f"<span class=\"hits\">{views}</span>"
    if kind == "script":
        return f"<script type=\"text/javascript\" src=\"{variant}?id={item_id}\"></script>"
    if kind == "api":
        path, key, _answer = variant  # type: ignore[misc]
        return (f"<span id=\"hits\"></span><script type=\"text/javascript\">var manuscriptId = \"{item_id}\";"
                f"var xhr = new XMLHttpRequest(); xhr.open(\"GET\", \"{path}?{key}=\" + manuscriptId);"
                "xhr.onload = function () { var d = JSON.parse(xhr.responseText);"
                f" document.getElementById('hits').innerHTML = {_js_path('d', _answer)}; }}; xhr.send();</script>")
    if kind == "fetch":
        return (f"<span id=\"views\"></span><script>fetch('{variant}?id={item_id}').then(function (r) "
                "{ return r.json(); }).then(function (d) { document.getElementById('views').textContent = d.data.pv; });</script>")
    if kind == "rendered":
        return _rendered_counter(variant, item_id)
    if kind == "dynclicks":
        return (f"<span id=\"dynclicks_wbnews_{item_id}_{owner}\"></span>"
                f"<script>_showDynClicks(\"wbnews\", {owner}, {item_id})</script>")
    return ""


def _rendered_counter(variant: object, item_id: int) -> str:
    """A "rendered" counter: its endpoint built from char codes, asked at once, or once the counter is in view."""
    codes = ",".join(str(ord(ch)) for ch in f"{RENDERED_COUNTER}?id=")
    ask = (f" var u = String.fromCharCode({codes}); var x = new XMLHttpRequest(); x.open('GET', u + '{item_id}');"
           " x.onload = function () { el.textContent = JSON.parse(x.responseText).n; }; x.send();")
    if variant == "in_view":
        return ("<script type=\"text/javascript\">document.addEventListener('DOMContentLoaded', function () {"
                " var el = document.getElementById('vc');"
                f" new IntersectionObserver(function (seen, watch) {{ watch.disconnect();{ask} }}).observe(el);"
                " });</script><span id=\"vc\"></span>")
    if variant == "in_view_scroll":
        return ("<script type=\"text/javascript\">(function () { var asked = false;"
                " function look() { var el = document.getElementById('vc');"
                f" if (asked || !el || el.getBoundingClientRect().top > window.innerHeight) return; asked = true;{ask} }}"
                " window.addEventListener('scroll', look); document.addEventListener('DOMContentLoaded', look);"
                " })();</script><span id=\"vc\"></span>")
    return (f"<script type=\"text/javascript\">(function () {{ var k = [{codes}], u = '';"
            " for (var i = 0; i < k.length; i++) { u += String.fromCharCode(k[i]); }"
            f" var x = new XMLHttpRequest(); x.open('GET', u + '{item_id}', false); x.send();"
            " document.write(JSON.parse(x.responseText).n); })();</script>")


def _js_path(var: str, dotted: str) -> str:
    return ".".join([var, *dotted.split(".")])


def counter_answer(kind: str, variant: object, views: int) -> tuple[bytes, str]:
    if kind == "script":
        return f"document.write(\"{views}\");".encode(), "application/javascript"
    if kind == "api":
        *_, answer = variant  # type: ignore[misc]
        data: dict = {}
        node = data
        parts = answer.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = views
        return json.dumps({"code": 0, **data}).encode(), "application/json;charset=UTF-8"
    if kind == "fetch":
        return json.dumps({"code": 0, "data": {"pv": views}}).encode(), "application/json"
    if kind == "rendered":
        return json.dumps({"n": views}).encode(), "application/json"
    return str(views).encode(), "text/html;charset=UTF-8"


def list_item(href: str, title: str, date: str, truncate: int | None = None) -> str:
    text = title if not truncate or len(title) <= truncate else title[:truncate] + "…"
    return (f"<li><a href=\"{esc(href)}\" target=\"_blank\" title=\"{esc(title)}\">{esc(text)}</a>"
            f"<span class=\"date\">{date}</span></li>")
