"""The endpoints behind script-drawn lists and view counters, read from static HTML (no browser).

Rules as data in pipelines/rules/endpoints.py. Nothing here fetches: these functions say which
endpoint a page's script would call (an `EndpointCall`) and read its answer. The crawl turns calls
into Scrapy requests (crawler/endpoints.py); replay finds their answers in the WARC
(archive/replay.py). Both go through pipelines/completion.py, so they agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from pipelines.links import Link, page_links
from pipelines.page import CounterAnswer, FetchedPage
from pipelines.rules import endpoints as rules
from pipelines.rules.vocabulary import COUNTER_LABEL_AT_END
from pipelines.script_urls import PAGE_PLACEHOLDER, script_requests
from pipelines.textnorm import normalize
from pipelines.urls import canonical_url

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
_LIST_WORDS = re.compile(rules.LIST_PATH_WORDS)
_COUNTER_WORDS = re.compile(rules.COUNTER_PATH_WORDS)
_LABEL_AT_END = re.compile(COUNTER_LABEL_AT_END)
_ASSET = re.compile(r"\.(?:js|css|png|jpe?g|gif|svg|ico|woff2?)(?:\?|$)", re.I)


@dataclass
class EndpointCall:
    """One request a page's script would make: what to send, and how to ask for the next page.

    Plain data (it travels in request meta, so through pickle): `paging` is {"kind": "hanweb" |
    "json" | "ucap", …} for list endpoints, None for a counter.
    """

    url: str
    method: str = "GET"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    paging: dict | None = None


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
    # A request built in script from the page's literals (xhr.open("GET", "/api/views?id=" + manuscriptId)).
    for call in script_requests(scripts):
        if call.method == "GET" and call.page_param is None and _COUNTER_WORDS.search(call.url) \
                and not _ASSET.search(call.url):
            return canonical_url(urljoin(page_url, call.url))
    for src in tree.xpath("//script/@src"):
        src = src.strip()
        if src and _COUNTER_SRC.search(urlsplit(src).path + ("?" if "?" in src else "")):
            return canonical_url(urljoin(page_url, src))
    # A <script src> written right after a counter label (浏览次数：<script src="/cnt.do?id=9">) is the
    # counter whatever its name; a library (.js without a query) is not.
    for script in tree.xpath("//body//script[@src]"):
        src = (script.get("src") or "").strip()
        if "?" not in src or urlsplit(src).path.lower().endswith(".js"):
            continue
        before = script.getprevious()
        label = (before.tail if before is not None else script.getparent().text) or ""
        if _LABEL_AT_END.search(normalize(label)):
            return canonical_url(urljoin(page_url, src))
    return None


def counter_call(page: FetchedPage, tree: etree._Element) -> EndpointCall | None:
    url = counter_url(page.url, tree)
    # Referer as a browser would send it: some counters refuse requests without one.
    return EndpointCall(url, headers={"Referer": page.url}) if url else None


def is_counter_sized(body: bytes) -> bool:
    """A body small enough to be a counter's answer (larger: an error or login page)."""
    return len(body) <= rules.COUNTER_MAX_BODY


def parse_count(body: bytes, content_type: str = "") -> int | None:
    """The number in a counter's answer (JSON, document.write script, or bare text), else None."""
    if not body or not is_counter_sized(body):
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


def counter_answer(source: str, body: bytes, content_type: str = "") -> CounterAnswer:
    return {"views": parse_count(body, content_type), "source": source}


# --- list endpoints ------------------------------------------------------------------------------


def list_calls(page: FetchedPage, tree: etree._Element) -> list[EndpointCall]:
    """The list endpoints a column page's scripts call (Hanweb dataproxy POST, JSON APIs)."""
    raw = _raw_text(page, tree)
    found: list[EndpointCall] = []
    hanweb = _hanweb_call(page.url, raw)
    if hanweb is not None:
        found.append(hanweb)
    scripts = _inline_scripts(tree)
    seen: set[str] = set()
    # Requests the scripts build from the page's own literals: the endpoint as the script asks it.
    for call in script_requests(scripts):
        url = urljoin(page.url, call.url)
        if call.method != "GET" or "dataproxy" in url or _ASSET.search(url) or _COUNTER_WORDS.search(url):
            continue
        if call.page_param is None and not (_LIST_LITERAL.search(f"'{call.url}'") or _LIST_WORDS.search(urlsplit(url).path)):
            continue
        seen.add(url.replace(PAGE_PLACEHOLDER, "1"))
        found.append(_json_call(url.replace(PAGE_PLACEHOLDER, "1"), 1, call.page_param))
    for m in _LIST_LITERAL.finditer(scripts):
        if _concatenated(scripts, m.start(), m.end()):
            continue  # a piece of a longer expression: resolved above, or not knowable without running it
        url = urljoin(page.url, m.group("url"))
        if url in seen or "dataproxy" in url:
            continue
        seen.add(url)
        if urlsplit(url).path.endswith(rules.UCAP_PATH):
            found.append(_ucap_call(url, dict(rules.UCAP_QUERY_BODY)))
        else:
            found.append(_json_call(url, 1))
    if "gkmlpt" in raw and not any("/gkmlpt/api/" in c.url for c in found):
        m = _GKMLPT_CAT.search(raw)
        if m:
            found.append(_json_call(urljoin(page.url, rules.GKMLPT_LIST.format(cat=m.group("cat"))), 1))
    return found


def _concatenated(scripts: str, start: int, end: int) -> bool:
    """The string literal at [start, end) is joined to something else by `+`."""
    before = scripts[max(0, start - 40):start].rstrip()
    after = scripts[end:end + 40].lstrip()
    return before.endswith("+") or after.startswith("+")


def _hanweb_call(page_url: str, raw: str) -> EndpointCall | None:
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


def _hanweb_group(base: str, form: dict[str, str], start: int, per: int) -> EndpointCall:
    # jpage.js asks three pages at a time; any range is answered, so ask the same.
    end = start + per * 3 - 1
    url = f"{base}?{urlencode({'startrecord': start, 'endrecord': end, 'perpage': per})}"
    return EndpointCall(url, method="POST", body=urlencode(form).encode("utf-8"),
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                        paging={"kind": "hanweb", "base": base, "form": form, "start": start, "end": end, "per": per})


def _page_param(url: str) -> str | None:
    for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if k.lower() in _PAGE_PARAMS_LOWER:
            return k
    return None


def _with_param(url: str, name: str, value: int) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name] + [(name, str(value))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


def _json_call(url: str, page_no: int, param: str | None = None) -> EndpointCall:
    param = param or _page_param(url) or "page"
    return EndpointCall(_with_param(url, param, page_no), headers={"Accept": "application/json, text/javascript, */*"},
                        paging={"kind": "json", "param": param, "page": page_no})


def _ucap_call(url: str, body: dict) -> EndpointCall:
    return EndpointCall(url, method="POST", body=json.dumps(body).encode("utf-8"),
                        headers={"Content-Type": "application/json;charset=UTF-8", "Accept": "application/json"},
                        paging={"kind": "ucap", "body": body, "page": body.get("pageNo", 1)})


def _load_json(body: bytes) -> Any:
    text = body.decode("utf-8", "replace").strip()
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


def links_from_list_answer(url: str, body: bytes, *, textual: bool = True) -> list[Link]:
    """The links in a list endpoint's answer: XML with CDATA <li>, JSON (or JSONP), else HTML.

    `textual`: the answer was served as text (an HTML fragment is read only then).
    """
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
            links.extend(page_links(sub, url))
        return list(dict.fromkeys(links))
    data = _load_json(body)
    if data is not None:
        for item in _json_items(data):
            href, title = _first(item, rules.JSON_URL_KEYS), _first(item, rules.JSON_TITLE_KEYS)
            if isinstance(href, str) and isinstance(title, str):
                absolute = canonical_url(urljoin(url, href.strip()))
                if absolute.startswith(("http://", "https://")):
                    links.append(Link(absolute, re.sub(r"\s+", "", title)))
        return list(dict.fromkeys(links))
    if textual:
        try:
            tree = lxml.html.fromstring(text)
        except (etree.ParserError, ValueError):
            return []
        return page_links(tree, url)
    return []


def next_list_calls(url: str, status: int, body: bytes, paging: dict | None, *, max_pages: int) -> list[EndpointCall]:
    """The next page(s) of a list endpoint, from its answer and how that answer was asked for;
    never beyond page `max_pages` (a typo or a trap can claim 99999 pages)."""
    paging = paging or {}
    kind = paging.get("kind")
    if status != 200:
        return []
    if kind == "hanweb":
        m = _TOTAL.search(body.decode("utf-8", "replace"))
        total = int(m.group(1)) if m else 0
        if paging["end"] < total and paging["start"] // max(paging["per"], 1) < max_pages:
            return [_hanweb_group(paging["base"], paging["form"], paging["end"] + 1, paging["per"])]
        return []
    if kind not in ("json", "ucap"):
        return []
    data = _load_json(body)
    page_no = int(paging.get("page", 1))
    if data is None or page_no >= max_pages:
        return []
    pages = _find_number(data, rules.JSON_PAGE_COUNT_KEYS)
    if pages is None:
        total = _find_number(data, rules.JSON_TOTAL_KEYS)
        size = _find_number(data, rules.JSON_PAGE_SIZE_KEYS)
        if total is not None and size:
            pages = -(-total // size)
    has_items = any(True for _ in _json_items(data))
    # Without a page count, walk on while pages bring items (bounded by max_pages).
    if (pages is not None and page_no >= pages) or (pages is None and not has_items):
        return []
    if kind == "ucap":
        return [_ucap_call(url, {**paging["body"], "pageNo": page_no + 1})]
    return [_json_call(_with_param(url, paging["param"], page_no + 1), page_no + 1, paging["param"])]
