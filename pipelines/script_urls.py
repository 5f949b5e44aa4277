"""URLs a page's inline scripts request, resolved with the page's own literal variables.

A column page's list is often drawn by ``fetch('/api/list?column=' + column + '&page=' + page)``
where ``column`` is set elsewhere in the page (``var column = "nb2023";``). Taking the first string
literal as the endpoint asks ``?column=&page=1`` and gets nothing. This module reads every request a
script makes (``fetch(…)``, ``XMLHttpRequest.open(method, …)``, ``$.get/$.getJSON/$.post(…)``,
``url: …``), evaluates its URL expression — string literals, numbers and identifiers joined by ``+``
— with the variables the page assigns literally (``var/let/const x = "…"``, ``{x: "…"}``), and leaves
one identifier that numbers pages (``page``, ``pageNo``, …) as the page parameter. An expression with
anything else in it (a function call, an unknown variable) is not guessed: the caller falls back to
the browser. Rules as data in pipelines/rules/endpoints.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.rules import endpoints as rules

_CALL = re.compile(rules.SCRIPT_REQUEST_CALL, re.I)
_ASSIGN = re.compile(rules.SCRIPT_LITERAL_ASSIGNMENT, re.M)
_PAGE_VARIABLE = re.compile(rules.SCRIPT_PAGE_VARIABLE, re.I)
_TOKEN = re.compile(r"""\s*(?:'(?P<s1>[^'\\\n]*)'|"(?P<s2>[^"\\\n]*)"|(?P<num>\d+)(?![\w.])|(?P<name>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(?!\s*\()|(?P<plus>\+))""")
PAGE_PLACEHOLDER = "__gongkai_page__"


@dataclass(frozen=True)
class ScriptRequest:
    """One request a script makes: ``url`` with the page number as PAGE_PLACEHOLDER when the
    expression numbers pages, and the name of the query parameter that carries it."""

    url: str
    method: str
    page_param: str | None


def literal_variables(scripts: str) -> dict[str, str]:
    """Names the scripts assign a string or number literal to, first assignment wins."""
    found: dict[str, str] = {}
    for m in _ASSIGN.finditer(scripts):
        value = m.group("value")
        found.setdefault(m.group("name"), value[1:-1] if value[:1] in "'\"" else value)
    return found


def _evaluate(scripts: str, start: int, variables: dict[str, str]) -> str | None:
    """The URL expression starting at ``start``, evaluated, or None when it is not a plain concatenation."""
    parts: list[str] = []
    pos, expect_operand = start, True
    while True:
        m = _TOKEN.match(scripts, pos)
        if m is None:
            break
        if m.group("plus") is not None:
            if expect_operand:
                return None
            expect_operand = True
        else:
            if not expect_operand:
                break
            if m.group("s1") is not None or m.group("s2") is not None:
                parts.append(m.group("s1") if m.group("s1") is not None else m.group("s2"))
            elif m.group("num") is not None:
                parts.append(m.group("num"))
            else:
                name = m.group("name")
                leaf = name.rsplit(".", 1)[-1]
                if leaf in variables:
                    parts.append(variables[leaf])
                elif _PAGE_VARIABLE.search(leaf):
                    parts.append(PAGE_PLACEHOLDER)
                else:
                    return None  # a value only the running script knows: no guess
            expect_operand = False
        pos = m.end()
    rest = scripts[pos:pos + 1]
    if expect_operand or not parts or rest not in (",", ")", "}", ";", "\n", ""):
        return None
    url = "".join(parts)
    return url if url.count(PAGE_PLACEHOLDER) <= 1 else None


def _page_param(url: str) -> str | None:
    m = re.search(r"[?&]([^=&?#]+)=" + re.escape(PAGE_PLACEHOLDER), url)
    return m.group(1) if m else None


def _method(call: str, written: str | None) -> str:
    """GET for fetch/$.get/$.getJSON, POST for $.post, as written for open(); "" when the call does
    not say ($.ajax({url: …}) names its type elsewhere)."""
    if written:
        return written.upper()
    call = call.lower()
    if "post" in call:
        return "POST"
    return "" if call.lstrip().startswith("url") else "GET"


def script_requests(scripts: str) -> list[ScriptRequest]:
    """Every request URL the inline ``scripts`` build from literals, in order, deduplicated."""
    variables = literal_variables(scripts)
    out: dict[str, ScriptRequest] = {}
    for m in _CALL.finditer(scripts):
        url = _evaluate(scripts, m.end(), variables)
        if not url or not (url.startswith(("/", "http://", "https://", "?")) or "/" in url.split("?", 1)[0]):
            continue
        if PAGE_PLACEHOLDER in url and _page_param(url) is None:
            continue  # a page number in the path or with no name: not a parameter we can walk
        method = _method(m.group(0), m.group("method"))
        out.setdefault(url, ScriptRequest(url, method, _page_param(url)))
    return list(out.values())
