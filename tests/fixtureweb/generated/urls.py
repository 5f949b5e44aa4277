"""URL schemes of the generated CMS families: where a list, a list page, an article and a file live.

One function per kind of URL, all pure over (plan, list or item), so the renderer, the router and
the expectations compute the same URL.
"""

from __future__ import annotations

from .content import Item, ListDef
from .plan import PortalPlan

_EXT = {"trs": "html", "hanweb": "html", "aspnet": "aspx", "vsb": "htm", "jsp": "jsp", "docshare": "html",
        "contentfarm": "html"}


def code_number(code: str) -> int:
    return int("".join(ch for ch in code if ch.isdigit()) or 0)


def section_url(plan: PortalPlan) -> str:
    if plan.family == "aspnet":
        return f"/{plan.section_dir}/default.aspx"
    if plan.family == "vsb":
        return f"/{plan.section_dir}.htm"
    return f"/{plan.section_dir}/"


def list_url(plan: PortalPlan, ldef: ListDef, page: int = 0) -> str:
    """Page ``page`` (0 = the column itself) of a list."""
    sub = "" if ldef.key == "main" else f"{ldef.key}/"
    col = plan.column_dir
    if plan.list_mechanism == "create_page_html":
        base = f"/{col}/{sub}index.{_EXT[plan.family]}"
    elif plan.family == "trs":
        base = f"/{col}/{sub}index.html"
    elif plan.family == "hanweb":
        base = f"/col/col{code_number(ldef.code)}/index.html"
    elif plan.family == "aspnet":
        base = f"/{col}/{sub}list.aspx"
    elif plan.family == "vsb":
        base = f"/{col}.htm" if not sub else f"/{col}/{ldef.key}.htm"
    elif plan.family == "jsp":
        base = f"/{col}/list.jsp?catid={code_number(ldef.code)}"
    elif plan.family == "docshare":
        base = f"/list/{ldef.code}.html"
    else:
        base = f"/{col}/{sub}"
    if page == 0:
        return base
    style = "path" if plan.list_mechanism == "create_page_html" else plan.pagination
    if style == "path":
        path, _, query = base.partition("?")
        if path.endswith("/"):
            path += "index.html"
        folder, name = path.rsplit("/", 1)
        stem, ext = name.rsplit(".", 1)
        return f"{folder}/{stem}_{page}.{ext}" + (f"?{query}" if query else "")
    return f"{base}{'&' if '?' in base else '?'}page={page + 1}"


def item_url(plan: PortalPlan, item: Item, ldef: ListDef | None) -> str:
    """Where the item answers 200: an article page, or (a report published as a file only) the file."""
    if item.direct:
        return file_url(plan, item)
    d = item.date
    col = plan.column_dir if item.list_key else "xwzx"
    code = code_number(ldef.code) if ldef else 1
    if plan.family == "trs":
        folder = f"{col}/" + ("" if item.list_key in ("main", "") else f"{item.list_key}/")
        return f"/{folder}{d:%Y%m}/t{d:%Y%m%d}_{item.id}.shtml"
    if plan.family == "hanweb":
        return f"/art/{d.year}/{d.month}/{d.day}/art_{code}_{item.id}.html"
    if plan.family == "aspnet":
        return f"/{col}/show.aspx?id={item.id}"
    if plan.family == "vsb":
        return f"/info/{code}/{item.id}.htm"
    if plan.family == "jsp":
        return f"/{col}/detail.jsp?contentId={item.id}"
    if plan.family == "docshare":
        return f"/p-{item.id}.html"
    return f"/{col}/{item.id}.html"


def file_url(plan: PortalPlan, item: Item) -> str:
    d = item.date
    if plan.family == "trs":
        return f"/{plan.column_dir}/{d:%Y%m}/P0{d:%Y%m%d}{item.id:06d}.{item.attachment}"
    return f"/uploadfiles/{d:%Y%m}/{item.id}.{item.attachment}"


def calendar_url(plan: PortalPlan, month: str) -> str:
    return f"/{plan.column_dir}/calendar.{_EXT[plan.family]}?month={month}"
