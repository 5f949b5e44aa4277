"""HTML of generated portals: chrome per CMS family, home, section, column lists, articles, traps.

Pages are strings built per request from the portal's plan and content; the router (site.py)
encodes them in the portal's charset (and script: Traditional portals are converted whole).
"""

from __future__ import annotations

import datetime as dt

from ..common import esc, paragraphs_html
from ..texts import report_body
from . import mechanisms as M
from . import urls as U
from .content import Item, ListDef, PortalContent, body_lines, served_title, views_of

_CONTAINER = {"trs": "TRS_Editor", "hanweb": "bt_content", "aspnet": "article-content", "vsb": "v_news_content",
              "jsp": "detail-content", "docshare": "doc-reader", "contentfarm": "article-body"}
STUBS = (("zn", "政府信息公开指南"), ("zd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容"), ("ysqgk", "依申请公开"))


def site_title(c: PortalContent, site: int) -> str:
    plan = c.plan
    if plan.family == "docshare":
        return f"{plan.name[:2]}文库"
    if plan.family == "contentfarm":
        return f"{plan.name[:2]}资讯网"
    return f"{plan.name}人民政府" if site == 0 else f"{plan.name}{plan.subsites[site - 1].name}"


def head(c: PortalContent, site: int, title: str, column: str = "", extra: str = "") -> str:
    plan = c.plan
    charset = "gb2312" if plan.charset == "gbk" else "utf-8"
    if plan.charset_decl == "meta_lies":
        charset = "utf-8" if plan.charset == "gbk" else "gb2312"
    meta = "" if plan.charset_decl == "none" else \
        f"<meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\" />\n"
    analytics = (f"<script type=\"text/javascript\" src=\"http://hm.baidu.com/hm.js?{plan.seed:08x}\"></script>\n"
                 if "offsite" in plan.traps else "")
    return (f"<!DOCTYPE html>\n<html>\n<head>\n{meta}<title>{esc(title)}</title>\n"
            f"<meta name=\"SiteName\" content=\"{esc(site_title(c, site))}\">\n"
            f"<meta name=\"ColumnName\" content=\"{esc(column)}\">\n{extra}"
            f"<link rel=\"stylesheet\" href=\"/css/style.css\">\n{analytics}</head>\n")


def chrome_top(c: PortalContent, site: int) -> str:
    plan = c.plan
    nav = [("/", "首页"), (U.section_url(plan), plan.section_text), ("/xwzx/", "新闻中心"), ("/zwfw/", "政务服务")]
    links = "".join(f"<li><a href=\"{h}\">{esc(t)}</a></li>" for h, t in nav)
    top = f"<div class=\"top\">今天是：{dt.date.today():%Y年%m月%d日} <a href=\"/wza/\">无障碍</a></div>"
    if plan.family == "docshare":
        top = (f"<div class=\"top\">欢迎来到{site_title(c, site)} <a href=\"/login/\">登录</a> <a href=\"/reg/\">注册</a>"
               "　浏览记录</div>")
    elif plan.family == "contentfarm":
        top = "<div class=\"top\">热门推荐：最新政策解读 公务员考试 免费下载范文大全</div>"
    return f"<body>\n{top}\n<div class=\"header\"><h1 class=\"logo\">{esc(site_title(c, site))}</h1></div>\n" \
           f"<div class=\"nav\"><ul>{links}</ul></div>\n"


def chrome_bottom(c: PortalContent, site: int) -> str:
    plan = c.plan
    off = ""
    if "offsite" in plan.traps:
        off = (f"<div class=\"links\">友情链接：<a href=\"http://www.gov.cn/\">中国政府网</a> "
               f"<a href=\"http://{plan.offsite_host}/\">邻县人民政府</a> "
               f"<a href=\"http://{plan.offsite_host}/xxgk/ndbg/\">邻县政府信息公开年度报告</a></div>\n")
    return (f"{off}<div class=\"footer\"><p><a href=\"/wzdt/\">网站地图</a> | <a href=\"/lxwm/\">联系我们</a></p>"
            f"<p>主办单位：{esc(site_title(c, 0))}办公室　网站标识码：{3300000000 + plan.seed}　ICP备案：浙ICP备{plan.seed:06d}号</p>"
            "<p>技术支持：某某信息技术有限公司</p></div>\n</body>\n</html>\n")


def page(c: PortalContent, site: int, title: str, body: str, column: str = "", extra_head: str = "") -> str:
    return head(c, site, title, column, extra_head) + chrome_top(c, site) + body + chrome_bottom(c, site)


def home(c: PortalContent, site: int) -> str:
    plan = c.plan
    news = [it for it in c.site_items(site) if it.kind == "news"]
    items = "".join(f"<li><a href=\"{U.item_url(plan, it, None)}\">{esc(it.title)}</a><span>{it.date}</span></li>"
                    for it in news)
    subs = ""
    if site == 0 and plan.subsites:
        subs = "<div class=\"streets\"><h3>街道乡镇</h3><ul>" + "".join(
            f"<li><a href=\"http://{plan.subsite_host(s)}/\">{esc(s.name)}</a></li>" for s in plan.subsites) + "</ul></div>"
    up = "" if site == 0 else f"<p><a href=\"http://{plan.host}/\">返回{esc(site_title(c, 0))}</a></p>"
    body = (f"<div class=\"main\"><div class=\"news\"><h2>要闻动态</h2><ul>{items}</ul></div>"
            f"<div class=\"gk\"><h2><a href=\"{U.section_url(plan)}\">{esc(plan.section_text)}</a></h2></div>{subs}{up}</div>\n")
    return page(c, site, site_title(c, site), body, "首页")


def left_menu(c: PortalContent, site: int) -> str:
    plan = c.plan
    main = c.lists.get((site, "main"))
    items = [(f"{U.section_url(plan).rstrip('/')}/{path}/", text) for path, text in STUBS]
    if main is not None:
        items.insert(3, (U.list_url(plan, main), plan.column_text))
    return "<div class=\"left-menu\"><ul>" + "".join(f"<li><a href=\"{h}\">{esc(t)}</a></li>" for h, t in items) \
        + "</ul></div>\n"


def section(c: PortalContent, site: int) -> str:
    body = (f"<div class=\"crumbs\">您当前的位置：<a href=\"/\">首页</a> &gt; {esc(c.plan.section_text)}</div>"
            f"<div class=\"main\">{left_menu(c, site)}<div class=\"right\"><p>本栏目集中发布政府信息公开指南、制度和年度报告。</p>"
            "</div></div>\n")
    return page(c, site, f"{c.plan.section_text}_{site_title(c, site)}", body, c.plan.section_text)


def stub(c: PortalContent, site: int, title: str) -> str:
    return page(c, site, f"{title}_{site_title(c, site)}",
                f"<div class=\"main\">{left_menu(c, site)}<div class=\"right\"><p>暂无信息</p></div></div>\n", title)


def item_href(c: PortalContent, item: Item) -> str:
    return U.item_url(c.plan, item, c.lists.get((item.site, item.list_key)))


def item_li(c: PortalContent, item: Item) -> str:
    truncate = 18 if c.plan.seed % 3 == 0 else None  # lists cut long titles; title= keeps them
    return M.list_item(item_href(c, item), item.title, item.date.isoformat(), truncate)


def list_shell(c: PortalContent, ldef: ListDef, inner: str, page_no: int = 0) -> str:
    """A column page around its list (static items, an empty box, or a datastore)."""
    plan = c.plan
    subs = ""
    if ldef.key == "main":
        subs = "".join(f"<a class=\"sub\" href=\"{U.list_url(plan, other)}\">{esc(other.name)}</a> "
                       for (s, k), other in c.lists.items() if s == ldef.site and k != "main")
        subs = f"<div class=\"sub-columns\">{subs}</div>" if subs else ""
    cal = (f"<div class=\"tools\"><a href=\"{U.calendar_url(plan, f'{plan.years[0] + 1}-01')}\">按月浏览</a></div>"
           if "calendar" in plan.traps and ldef.key == "main" else "")
    offsite = ""
    if "offsite" in plan.traps and ldef.key == "main":
        offsite = (f"<div class=\"related-sites\"><a href=\"http://{plan.offsite_host}/xxgk/ndbg/2023/t20240201_1.html\">"
                   f"邻县{plan.years[0]}年政府信息公开工作年度报告</a></div>")
    crumbs = f"<div class=\"crumbs\">您当前的位置：<a href=\"/\">首页</a> &gt; <a href=\"{U.section_url(plan)}\">" \
             f"{esc(plan.section_text)}</a> &gt; {esc(ldef.name)}</div>"
    head_js = M_CREATE_PAGE if plan.list_mechanism == "create_page_html" else ""
    if plan.pagination == "js_next" and plan.list_mechanism == "static":
        head_js = "<script type=\"text/javascript\">function next(n){location.href='?page='+n;}</script>\n"
    body = (f"{crumbs}<div class=\"main\">{left_menu(c, ldef.site)}<div class=\"right\"><h2>{esc(ldef.name)}</h2>"
            f"{subs}{cal}{inner}{offsite}</div></div>\n")
    return page(c, ldef.site, f"{ldef.name}_{site_title(c, ldef.site)}", body, ldef.name, head_js)


M_CREATE_PAGE = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("首页&nbsp;上一页&nbsp;");
  else { document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;");
    if(nCurrIndex == 1) document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">上一页</a>&nbsp;");
    else document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex-1) + "."+_sPageExt+"\\">上一页</a>&nbsp;"); }
  if(nCurrIndex == (_nPageCount-1)) document.write("下一页&nbsp;尾页");
  else { document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\\">下一页</a>&nbsp;");
    document.write("<a href=\\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\\">尾页</a>"); }
  document.write("&nbsp;共"+_nPageCount+"页");
}
</script>
"""


def static_pager(c: PortalContent, ldef: ListDef, page_no: int, pages: int) -> str:
    plan = c.plan
    if pages <= 1:
        return ""
    if plan.list_mechanism == "create_page_html":
        name = U.list_url(plan, ldef).rsplit("/", 1)[1]
        stem, ext = name.rsplit(".", 1)
        return (f"<div class=\"page\"><script type=\"text/javascript\">createPageHTML({pages}, {page_no}, "
                f"\"{stem}\", \"{ext}\");</script></div>")
    parts = [f"<span>共{pages}页</span>"]
    if plan.pagination == "js_next":
        if page_no + 1 < pages:
            parts.append(f"<a href=\"javascript:next({page_no + 2})\">下一页</a>")
    elif plan.pagination == "next_only":
        if page_no + 1 < pages:
            parts.append(f"<a href=\"{U.list_url(plan, ldef, page_no + 1)}\">下一页</a>")
    else:
        for k in range(pages):
            parts.append(f"<b>{k + 1}</b>" if k == page_no else f"<a href=\"{U.list_url(plan, ldef, k)}\">{k + 1}</a>")
        if page_no + 1 < pages:
            parts.append(f"<a href=\"{U.list_url(plan, ldef, page_no + 1)}\">下一页</a>")
            parts.append(f"<a href=\"{U.list_url(plan, ldef, pages - 1)}\">尾页</a>")
    return "<div class=\"page\">" + " ".join(parts) + "</div>"


def article(c: PortalContent, item: Item) -> str:
    """A report page (full text, or a stub whose report is its attachment) or a look-alike page."""
    plan = c.plan
    views = views_of(plan, item) if item.is_report else (37 + item.id % 500 if plan.counter != "none" else None)
    counter = ""
    if views is not None:
        variant = M.counter_variant(plan.seed, plan.counter)
        counter = M.counter_label(plan.seed) + M.counter_markup(plan.counter, variant, item.id, 1000 + plan.seed, views)
    agency = item.agency or f"{plan.name}人民政府办公室"
    meta_line = f"<div class=\"info\">发布时间：{item.date:%Y-%m-%d}　来源：{esc(agency)}　{counter}</div>"
    content = _content_html(c, item)
    heading = served_title(plan.seed, item.id)[0]  # a mirror's garbled heading (garble.garble_title), or the title
    extra_head = (f"<meta name=\"ArticleTitle\" content=\"{esc(heading)}\">\n"
                  f"<meta name=\"PubDate\" content=\"{item.date:%Y-%m-%d}\">\n"
                  f"<meta name=\"ContentSource\" content=\"{esc(agency)}\">\n")
    if plan.counter == "dynclicks" and views is not None:
        extra_head += f"<script type=\"text/javascript\" src=\"{M.DYNCLICKS_JS}\"></script>\n"
    wrapper_top = wrapper_bottom = ""
    if plan.family == "docshare":
        wrapper_top = (f"<div class=\"doc-info\">ID:{item.id}　大小:{12 + item.id % 40}.5 KB　页数:{3 + item.id % 9}页"
                       f"　时间:{item.date}</div><p class=\"doc-desc\">《{esc(item.title)}》由会员上传分享，免费在线阅读，"
                       "更多相关内容在行业资料-文库。</p>")
        wrapper_bottom = "<div class=\"doc-foot\">此文档下载收益归作者所有</div>"
    crumbs = (f"<div class=\"crumbs\">您当前的位置：<a href=\"/\">首页</a> &gt; <a href=\"{U.section_url(plan)}\">"
              f"{esc(plan.section_text)}</a> &gt; 正文</div>")
    body = (f"{crumbs}<div class=\"main article\"><h1 class=\"title\">{esc(heading)}</h1>{meta_line}{wrapper_top}"
            f"<div class=\"{_CONTAINER[plan.family]}\" id=\"zoom\">\n{content}\n</div>{wrapper_bottom}"
            f"{related_block(c, item)}<div class=\"tools\">【字体：大 中 小】【打印】【关闭】 分享到：</div></div>\n")
    return page(c, item.site, f"{heading}_{site_title(c, item.site)}", body, plan.column_text, extra_head)


def _content_html(c: PortalContent, item: Item) -> str:
    plan = c.plan
    if item.kind == "catalogue":
        reports = [it for it in c.items.values() if it.is_report and it.site == item.site][:8]
        return "<ul>" + "".join(f"<li><a href=\"{item_href(c, it)}\">{esc(it.title)}</a></li>" for it in reports) + "</ul>"
    if not item.is_report:
        return paragraphs_html(f"{item.title}。\n本文为{item.title}的有关内容，特此公告。\n{plan.name}人民政府办公室")
    if item.attachment != "none":
        href = U.file_url(plan, item)
        return (f"<p>{esc(item.title)}全文详见附件。</p><p>附件：<a href=\"{href}\">{esc(item.title)}.{item.attachment}</a></p>")
    if item.body == "template":
        return report_body(item.agency, item.year or plan.years[0], "district", item.date)
    return paragraphs_html("\n".join(body_lines(plan, item)[1:]))


def related_block(c: PortalContent, item: Item) -> str:
    """相关解读 / 一图读懂 under the body (issue 9 item 6): links that must not become report text."""
    if "related_links" not in c.plan.traps or not item.is_report or item.year is None:
        return ""
    heading, interpretation, graphic = related_texts(item)
    return (f"<div class=\"xgjd\"><h3>{heading}</h3><ul><li><a href=\"/jd/{item.id}.html\">{esc(interpretation)}</a></li>"
            f"<li><a href=\"/tj/{item.id}.html\">{esc(graphic)}</a></li></ul></div>")


def related_texts(item: Item) -> list[str]:
    """The heading and link texts of a report's related-links block: none belongs in its text."""
    return ["相关解读", f"《{item.title}》政策解读", f"一图读懂{item.year}年度报告"]


def calendar(c: PortalContent, month: str) -> str:
    try:
        y, m = (int(x) for x in month.split("-", 1))
        if not 1 <= m <= 12:
            raise ValueError
    except ValueError:
        y, m = c.plan.years[0], 1
    prev = f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"
    nxt = f"{y + 1}-01" if m == 12 else f"{y}-{m + 1:02d}"
    body = (f"<div class=\"main\"><h2>按月浏览 {y}年{m:02d}月</h2><p>本月暂无信息</p><div class=\"page\">"
            f"<a href=\"{U.calendar_url(c.plan, prev)}\">上个月</a> <a href=\"{U.calendar_url(c.plan, nxt)}\">下个月</a> "
            f"<a href=\"{U.calendar_url(c.plan, nxt)}\">下一页</a></div></div>")
    return page(c, 0, f"按月浏览_{site_title(c, 0)}", body, c.plan.column_text)
