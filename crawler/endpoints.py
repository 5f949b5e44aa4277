"""Direct requests to the endpoints behind script-drawn lists and counters (no browser needed).

Contract used by the reports spider (rules as data in crawler/rules/endpoints.py):
- counter_request(page, tree) -> Request | None: the view-counter endpoint a report page's script
  would call (VSB _showDynClicks, document.write counters, fetch('/api/views')), or None.
- counter_result(response) -> dict: {"views": int | None, "source": str} read from its answer.
- list_requests(page, tree) -> list[Request]: list endpoints (Hanweb dataproxy POST, JSON APIs)
  found in a column page's static HTML.
- links_from_list_response(response) -> list[Link]; next_list_requests(response) -> list[Request].

Every request made here carries dont_filter=True: the spider holds a page back until its counter
answers, and a request silently dropped as a duplicate would lose the page with it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree
from scrapy.http import FormRequest, Request, Response, TextResponse

from crawler.links import Link, page_links
from crawler.rules import endpoints as rules
from crawler.urls import canonical_url
from pipelines.page import FetchedPage

logger = logging.getLogger(__name__)

_COUNTER_CALLS = [(r["name"], re.compile(r["pattern"]), r["url"]) for r in rules.COUNTER_CALLS]
_COUNTER_SRC = re.compile(rules.COUNTER_SCRIPT_SRC, re.I)
_DOC_WRITE_NUMBER = re.compile(r"document\.write(?:ln)?\(\s*['\"]?[^0-9'\"]{0,40}?(\d[\d,]*)")
_BARE_NUMBER = re.compile(r"^\D{0,40}?(\d[\d,]*)\D{0,40}$", re.S)
_NEXTGROUP = re.compile(rules.HANWEB_NEXTGROUP)
_RECORD = re.compile(rules.HANWEB_RECORD)
_PERPAGE = re.compile(rules.HANWEB_PERPAGE)
_TOTAL = re.compile(rules.HANWEB_TOTAL)
_CDATA = re.compile(r"<!\[CDATA\[([\s\S]*?)\]\]>")
_LIST_LITERAL = re.compile(rules.LIST_API_LITERAL)
_GKMLPT_CAT = re.compile(rules.GKMLPT_CATEGORY)
_PAGE_PARAMS_LOWER = {p.lower() for p in rules.LIST_API_PAGE_PARAMS}


def _inline_scripts(tree: etree._Element) -> str:
    return "\n".join(tree.xpath("//script[not(@src)]/text()"))


def _raw_text(page: FetchedPage, tree: etree._Element) -> str:
    # The parsed page keeps its decoded text; else the body (script data must stay unescaped,
    # which serialising the tree as XML would not do).
    parsed = getattr(page, "parsed", None)
    text = getattr(parsed, "text", None)
    if isinstance(text, str):
        return text
    return page.body.decode("utf-8", "replace") if page.body else lxml.html.tostring(tree, encoding="unicode")


# --- counters ------------------------------------------------------------------------------------


def counter_url(page_url: str, tree: etree._Element) -> str | None:
    """The counter endpoint of a page, or None: inline calls first, then counter <script src>."""
    scripts = _inline_scripts(tree)
    for _name, pattern, template in _COUNTER_CALLS:
        m = pattern.search(scripts)
        if m:
            return canonical_url(urljoin(page_url, template.format(**m.groupdict())))
    for src in tree.xpath("//script/@src"):
        src = src.strip()
        if src and _COUNTER_SRC.search(urlsplit(src).path + ("?" if "?" in src else "")):
            return canonical_url(urljoin(page_url, src))
    return None


def counter_request(page: FetchedPage, tree: etree._Element) -> Request | None:
    url = counter_url(page.url, tree)
    if url is None:
        return None
    # Referer as a browser would send it: some counters refuse requests without one.
    return Request(url, headers={"Referer": page.url}, dont_filter=True, meta={"counter_source": url})


def parse_count(body: bytes, content_type: str = "") -> int | None:
    """The number in a counter's answer (JSON, document.write script, or bare text), else None."""
    if not body or len(body) > rules.COUNTER_MAX_BODY:
        return None
    text = body.decode("utf-8", "replace").strip()
    if text[:1] in "{[":
        try:
            return _json_count(json.loads(text))
        except ValueError:
            pass
    m = _DOC_WRITE_NUMBER.search(text)
    if m is None and "<" not in text:
        m = _BARE_NUMBER.match(text)
    return int(m.group(1).replace(",", "")) if m else None


def _json_count(data: Any) -> int | None:
    if isinstance(data, bool):
        return None
    if isinstance(data, int) and data >= 0:
        return data
    if isinstance(data, str) and data.strip().isdigit():
        return int(data.strip())
    if isinstance(data, dict):
        for key in rules.COUNTER_JSON_KEYS:
            if key in data:
                found = _json_count(data[key])
                if found is not None:
                    return found
    return None


def counter_result(response: Response) -> dict:
    source = response.meta.get("counter_source") or response.url
    views = parse_count(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
    return {"views": views, "source": source}


# --- list endpoints ------------------------------------------------------------------------------


def list_requests(page: FetchedPage, tree: etree._Element) -> list[Request]:
    raw = _raw_text(page, tree)
    found: list[Request] = []
    hanweb = _hanweb_request(page.url, raw)
    if hanweb is not None:
        found.append(hanweb)
    scripts = _inline_scripts(tree)
    seen: set[str] = set()
    for m in _LIST_LITERAL.finditer(scripts):
        url = urljoin(page.url, m.group("url"))
        if url in seen or "dataproxy" in url:
            continue
        seen.add(url)
        if urlsplit(url).path.endswith(rules.UCAP_PATH):
            found.append(_ucap_request(url, dict(rules.UCAP_QUERY_BODY)))
        else:
            found.append(_json_request(url, 1))
    if "gkmlpt" in raw and not any("/gkmlpt/api/" in r.url for r in found):
        m = _GKMLPT_CAT.search(raw)
        if m:
            found.append(_json_request(urljoin(page.url, rules.GKMLPT_LIST.format(cat=m.group("cat"))), 1))
    return found


def _hanweb_request(page_url: str, raw: str) -> Request | None:
    m = _NEXTGROUP.search(raw)
    if m is None:
        return None
    href = m.group("url").replace("&amp;", "&")
    target = urlsplit(urljoin(page_url, href))
    form = {k: v for k, v in parse_qsl(target.query, keep_blank_values=True) if k != "page"}
    form = {**rules.HANWEB_EXTRA_FORM, **form}
    per = int(m2.group("n")) if (m2 := _PERPAGE.search(raw)) else rules.HANWEB_DEFAULT_PERPAGE
    already = len(_RECORD.findall(raw))  # the records the static page already carries
    base = urlunsplit((target.scheme, target.netloc, target.path, "", ""))
    return _hanweb_group(base, form, already + 1, per)


def _hanweb_group(base: str, form: dict[str, str], start: int, per: int) -> Request:
    # jpage.js asks three pages at a time; any range is answered, so ask the same.
    end = start + per * 3 - 1
    url = f"{base}?{urlencode({'startrecord': start, 'endrecord': end, 'perpage': per})}"
    return FormRequest(url, formdata=form, dont_filter=True,
                       meta={"endpoint": {"kind": "hanweb", "base": base, "form": form, "start": start,
                                          "end": end, "per": per}})


def _page_param(url: str) -> str | None:
    for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if k.lower() in _PAGE_PARAMS_LOWER:
            return k
    return None


def _with_param(url: str, name: str, value: int) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name] + [(name, str(value))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


def _json_request(url: str, page_no: int) -> Request:
    param = _page_param(url) or "page"
    return Request(_with_param(url, param, page_no), dont_filter=True,
                   headers={"Accept": "application/json, text/javascript, */*"},
                   meta={"endpoint": {"kind": "json", "param": param, "page": page_no}})


def _ucap_request(url: str, body: dict) -> Request:
    return Request(url, method="POST", body=json.dumps(body), dont_filter=True,
                   headers={"Content-Type": "application/json;charset=UTF-8", "Accept": "application/json"},
                   meta={"endpoint": {"kind": "ucap", "body": body, "page": body.get("pageNo", 1)}})


def _load_json(response: Response) -> Any:
    text = response.body.decode("utf-8", "replace").strip()
    # JSONP: callback({...});
    if text and text[0] not in "{[" and "(" in text and text.rstrip(";").endswith(")"):
        text = text[text.index("(") + 1:text.rstrip(";").rindex(")")]
    try:
        return json.loads(text)
    except ValueError:
        return None


def _json_items(data: Any, depth: int = 0) -> Iterator[dict]:
    if depth > 8:
        return
    if isinstance(data, dict):
        if any(k in data for k in rules.JSON_URL_KEYS) and any(k in data for k in rules.JSON_TITLE_KEYS):
            yield data
            return
        for value in data.values():
            yield from _json_items(value, depth + 1)
    elif isinstance(data, list):
        for value in data:
            yield from _json_items(value, depth + 1)


def _first(data: dict, keys: list[str]) -> Any:
    for key in keys:
        if key in data and data[key] not in (None, ""):
            return data[key]
    return None


def _find_number(data: Any, keys: list[str], depth: int = 0) -> int | None:
    if depth > 4 or not isinstance(data, dict):
        return None
    value = _first(data, keys)
    if isinstance(value, int | str) and str(value).isdigit():
        return int(value)
    for v in data.values():
        if isinstance(v, dict):
            found = _find_number(v, keys, depth + 1)
            if found is not None:
                return found
    return None


def links_from_list_response(response: Response) -> list[Link]:
    body = response.body
    text = body.decode("utf-8", "replace")
    links: list[Link] = []
    if "<![CDATA[" in text:
        for fragment in _CDATA.findall(text):
            if "<a" not in fragment:
                continue
            try:
                sub = lxml.html.fragment_fromstring(fragment, create_parent="div")
            except (etree.ParserError, ValueError):
                continue
            links.extend(page_links(sub, response.url))
        return list(dict.fromkeys(links))
    data = _load_json(response)
    if data is not None:
        for item in _json_items(data):
            url, title = _first(item, rules.JSON_URL_KEYS), _first(item, rules.JSON_TITLE_KEYS)
            if isinstance(url, str) and isinstance(title, str):
                absolute = canonical_url(urljoin(response.url, url.strip()))
                if absolute.startswith(("http://", "https://")):
                    links.append(Link(absolute, re.sub(r"\s+", "", title)))
        return list(dict.fromkeys(links))
    if isinstance(response, TextResponse):
        try:
            tree = lxml.html.fromstring(text)
        except (etree.ParserError, ValueError):
            return []
        return page_links(tree, response.url)
    return []


def next_list_requests(response: Response) -> list[Request]:
    endpoint = response.meta.get("endpoint") or {}
    kind = endpoint.get("kind")
    if response.status != 200:
        return []
    if kind == "hanweb":
        m = _TOTAL.search(response.body.decode("utf-8", "replace"))
        total = int(m.group(1)) if m else 0
        if endpoint["end"] < total and endpoint["start"] // max(endpoint["per"], 1) < rules.MAX_API_PAGES:
            return [_hanweb_group(endpoint["base"], endpoint["form"], endpoint["end"] + 1, endpoint["per"])]
        return []
    if kind not in ("json", "ucap"):
        return []
    data = _load_json(response)
    page_no = int(endpoint.get("page", 1))
    if data is None or page_no >= rules.MAX_API_PAGES:
        return []
    pages = _find_number(data, rules.JSON_PAGE_COUNT_KEYS)
    if pages is None:
        total = _find_number(data, rules.JSON_TOTAL_KEYS)
        size = _find_number(data, rules.JSON_PAGE_SIZE_KEYS)
        if total is not None and size:
            pages = -(-total // size)
    has_items = any(True for _ in _json_items(data))
    # Without a page count, walk on while pages bring items (bounded by MAX_API_PAGES).
    if (pages is not None and page_no >= pages) or (pages is None and not has_items):
        return []
    if kind == "ucap":
        body = {**endpoint["body"], "pageNo": page_no + 1}
        return [_ucap_request(response.url, body)]
    next_url = _with_param(response.url, endpoint["param"], page_no + 1)
    req = _json_request(next_url, page_no + 1)
    req.meta["endpoint"]["param"] = endpoint["param"]
    return [req]
