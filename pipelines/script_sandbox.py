"""A report page's counter scripts, run in V8 (mini-racer) with a stub DOM: views without a browser.

Between the static reading (pipelines/endpoints.py: the counter URL written in the page) and the
browser (crawler/browser.py: a chromium render) sits this step, for a page whose counter label is
followed by a script (or an empty element a script fills) and whose counter URL no static reading
finds: it is built with String.fromCharCode, atob, eval, a packer, concatenation of variables…

`evaluate(page, tree, answers)` is pure and is asked to a fixed point: it runs the page's scripts
(inline, and its external scripts once their answers are known) against the stub of
pipelines/script_dom.py; every request the scripts make whose answer is not in `answers` comes back
as an EndpointCall to fetch; once nothing is wanted, the number the scripts wrote next to the counter
label (read by the page's own counter reader, pipelines/metadata/published.read_counter) is the view
count. The crawl fetches the calls through Scrapy (scope, robots, WARC), replay finds them in the
WARC; both loop through pipelines/completion.py, so they agree. Time, randomness and the page's URL
are fixed from the page, so the scripts ask the same URLs in both.

Bounds (pipelines/rules/script_sandbox.py): a fresh isolate per evaluation with a heap limit, a time
limit per script and per page; a script that loops or allocates without end costs one warning.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

from pipelines.decode import decode_body
from pipelines.document import parse_page
from pipelines.domains import registered_domain
from pipelines.endpoints import EndpointCall
from pipelines.metadata.lines import visible_lines
from pipelines.metadata.published import counter_scripts, read_counter
from pipelines.page import FetchedPage
from pipelines.rules import script_sandbox as R
from pipelines.rules.vocabulary import COUNTER_LABEL_AT_END
from pipelines.script_dom import RUNTIME
from pipelines.textnorm import normalize
from pipelines.urls import canonical_url

logger = logging.getLogger(__name__)

_LABEL_AT_END = re.compile(COUNTER_LABEL_AT_END)
_LIBRARY = re.compile(R.LIBRARY_SCRIPT)
_MISSING_NAME = re.compile("|".join(R.MISSING_NAME_ERRORS))
_JS_TYPES = {"", "text/javascript", "application/javascript", "text/ecmascript", "application/x-javascript",
             "module", "text/jscript"}

# An answer as the sandbox keeps it: {"status": int, "body": bytes, "type": str}; None: failed.
Answer = dict | None
# One evaluation as it travels to a sandbox process: the page (its tree is rebuilt from its bytes),
# the answers known and the page's registered domain, which the scripts' requests stay within
# (evaluate_task). The caller reads the domain: the sandbox process never loads the public suffix
# list (tldextract and requests: ~20 MB of its ~95, under the family's memory bound with chromium).
Task = tuple[FetchedPage, Mapping[str, Answer], str]

# V8 is driven from a thread of its own: mini-racer takes over a running asyncio loop it finds in
# the calling thread (the crawl's reactor) and then refuses timeouts, which hostile scripts need.
_OUT_OF_TIME = "scripts stopped: out of time"
_V8_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="script-sandbox")


@dataclass
class Outcome:
    """One evaluation: the requests still wanted (key, call), else the number read and its source."""

    calls: list[tuple[str, EndpointCall]] = field(default_factory=list)
    views: int | None = None
    source: str = ""  # the URL whose answer holds the number; "" when no request gave it
    warning: str | None = None  # a script stopped by a bound, or a failure of the sandbox itself
    cpu_s: float = 0.0


def applies(page: FetchedPage, tree: etree._Element | None) -> bool:
    """A page whose counter label is followed by a script or by an empty element (id'd) that a
    script would fill: the only pages the sandbox runs on (cheap: a few XPath steps)."""
    if page.status != 200 or tree is None or page.extra.get("rendered"):
        return False
    if next(counter_scripts(tree), None) is not None:
        return True
    for el in tree.xpath("//body//*[@id][not(node())]"):
        before = el.getprevious()
        label = (before.tail if before is not None else el.getparent().text) or ""
        if _LABEL_AT_END.search(normalize(label)):
            return bool(tree.xpath("//script"))
    return False


def answer_of(status: int, body: bytes, content_type: str) -> Answer:
    """What a fetched answer is to the scripts: 200 and not oversized, else a failed request."""
    if status != 200 or len(body) > R.MAX_ANSWER_BYTES:
        return None
    return {"status": status, "body": body, "type": content_type}


def _text(answer: dict) -> str:
    return decode_body(answer["body"], {"content-type": answer.get("type") or ""}).text


def _now_ms(page: FetchedPage) -> int:
    try:
        return int(datetime.fromisoformat((page.fetched_at or "").replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 1_700_000_000_000


def _scripts(tree: etree._Element) -> list[etree._Element]:
    return [s for s in tree.xpath("//script")[:R.MAX_SCRIPTS]
            if (s.get("type") or "").strip().lower().split(";")[0] in _JS_TYPES]


def _elements(tree: etree._Element) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for el in tree.xpath("//body//*[@id]"):
        ident = el.get("id")
        if ident and ident not in found and isinstance(el.tag, str):
            found[ident] = {"tag": el.tag, "attrs": {str(k): str(v) for k, v in el.attrib.items()},
                            "text": el.text_content()[:200] if el.tag not in ("script", "style") else ""}
    return found


def _in_scope(url: str, scope: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return bool(host) and (host == scope or host.endswith("." + scope))


class _Run:
    """One evaluation of one page: a fresh isolate, the page's scripts, its tasks."""

    def __init__(self, ctx: MiniRacer, deadline: float) -> None:
        self.ctx, self.deadline = ctx, deadline
        self.errors: list[str] = []
        self.stopped: str | None = None

    def eval(self, code: str) -> object:
        left = self.deadline - time.monotonic()
        if self.stopped or left <= 0:
            self.stopped = self.stopped or f"{_OUT_OF_TIME} (the page's {R.PAGE_BUDGET_S:g} s)"
            return None
        try:
            return self.ctx.eval(code, timeout_sec=min(R.EVAL_TIMEOUT_S, left))
        except JSTimeoutException:
            self.stopped = f"{_OUT_OF_TIME} (a script ran over {R.EVAL_TIMEOUT_S:g} s)"
            # The terminated script's last callback is delivered while the isolate is still up.
            self.ctx.eval("0")
        except JSOOMException:
            self.stopped = f"scripts stopped (a script went over {R.HEAP_LIMIT_BYTES // (1024 * 1024)} MB)"
        except JSEvalException as exc:
            first = next((line for line in str(exc).splitlines() if "Error" in line), str(exc)[:200])
            self.errors.append(first.strip())
        return None


def evaluate(page: FetchedPage, tree: etree._Element, answers: Mapping[str, Answer],
             scope: str | None = None) -> Outcome:
    """Run the page's scripts with the answers known (request key -> Answer), their requests kept
    within `scope` (the page's registered domain, read here when not given). See the module doc."""
    started = time.process_time()
    if scope is None:
        scope = registered_domain(page.url)
    for _ in range(1 + R.TIME_RETRIES):
        try:
            outcome = _V8_THREAD.submit(_evaluate, page, tree, answers, scope).result()
        except Exception as exc:  # the sandbox failing never costs the page: the browser is next
            outcome = Outcome(warning=f"script sandbox failed: {type(exc).__name__}: {exc}")
        if not (outcome.warning or "").startswith(_OUT_OF_TIME):
            break
    if outcome.warning:
        logger.warning("Script sandbox on %s: %s", page.url, outcome.warning)
    outcome.cpu_s = time.process_time() - started
    return outcome


def evaluate_task(task: Task) -> Outcome:
    """`evaluate` of a page as fetched: what pipelines/completion.py's SANDBOX step runs, in the
    crawl's sandbox process (crawler/sandbox.py) or in replay's own."""
    page, answers, scope = task
    tree = parse_page(page).tree
    return evaluate(page, tree, answers, scope) if tree is not None else Outcome()


def _evaluate(page: FetchedPage, tree: etree._Element, answers: Mapping[str, Answer], scope: str) -> Outcome:
    scripts = _scripts(tree)
    wanted: dict[str, EndpointCall] = {}
    used: list[tuple[str, str]] = []  # (key, url) of the answers the scripts were given, in order

    def script_body(url: str) -> str | None:
        key = f"GET {url}\n"
        if key in answers:
            answer = answers[key]
            if answer is not None:
                used.append((key, url))
                return _text(answer)[:R.MAX_SCRIPT_CHARS]
            return None
        if _in_scope(url, scope) and len(wanted) < R.MAX_REQUESTS_PER_ROUND:
            wanted[key] = EndpointCall(canonical_url(url), headers={"Referer": page.url})
        return None

    config = {"url": page.url, "now": _now_ms(page), "seed": zlib.crc32(page.url.encode()) or 1,
              "title": " ".join(tree.xpath("//title/text()"))[:200], "elements": _elements(tree),
              "scripts": [{str(k): str(v) for k, v in s.attrib.items()} for s in scripts],
              "scope": scope, "unknown": R.UNKNOWN_VALUE_IN_URL,
              "answers": {k: None if a is None else {"status": a["status"], "text": _text(a), "type": a.get("type") or ""}
                          for k, a in answers.items()}}
    with MiniRacer() as ctx:
        ctx.set_hard_memory_limit(R.HEAP_LIMIT_BYTES)
        run = _Run(ctx, time.monotonic() + R.PAGE_BUDGET_S)
        run.eval(RUNTIME)
        run.eval(f"__gk.init({json.dumps(config, ensure_ascii=False)})")

        def injected() -> None:
            for _ in range(R.MAX_SCRIPTS):
                raw = run.eval("__gk.takeInjected()")
                items = json.loads(raw) if isinstance(raw, str) else []
                if not items:
                    return
                for item in items:
                    code = item.get("code") if "code" in item else script_body(item["src"])
                    if code:
                        run.eval(f"__gk.begin({int(item['at'])});\n{code}")

        externals = [urljoin(page.url, (s.get("src") or "").strip()) for s in scripts if s.get("src")]
        need_externals = any(f"GET {u}\n" in answers for u in externals)
        for i, script in enumerate(scripts):
            if script.get("src") is not None:
                url = urljoin(page.url, script.get("src").strip())
                if _LIBRARY.search(urlsplit(url).path.lower()) or not need_externals:
                    continue
                code = script_body(url)
            else:
                code = (script.text or "")[:R.MAX_SCRIPT_CHARS]
            if code and code.strip():
                run.eval(f"__gk.begin({i});\n{code}")
                injected()
        for _ in range(R.MAX_TASKS):
            if run.eval(f"__gk.step({R.MAX_TIMER_DELAY_MS})") is not True:
                break
            injected()
        raw = run.eval("__gk.result()")
    if run.stopped:
        return Outcome(warning=f"{run.stopped}; the count is left to the browser")
    result = json.loads(raw) if isinstance(raw, str) else {"writes": {}, "sets": {}, "requests": []}
    for req in result["requests"]:
        key = req["key"]
        if key in answers:
            if answers[key] is not None:
                used.append((key, req["url"]))
        elif len(wanted) < R.MAX_REQUESTS_PER_ROUND:
            headers = {str(k): str(v) for k, v in (req.get("headers") or {}).items()}
            wanted[key] = EndpointCall(canonical_url(req["url"]), method=req["method"],
                                       body=req["body"].encode("utf-8"), headers={**headers, "Referer": page.url})
    if not need_externals and any(_MISSING_NAME.search(e) for e in run.errors):
        for url in externals:  # a name the page's own external scripts define: fetch them, run again
            if not _LIBRARY.search(urlsplit(url).path.lower()):
                script_body(url)
    if wanted:
        return Outcome(calls=list(wanted.items()))
    views = _views(tree, scripts, result)
    return Outcome(views=views, source=_source(views, used, answers) if views is not None else "")


def _fragment_text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return html
    try:
        frag = lxml.html.fragment_fromstring(html, create_parent="span")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]*>", "", html)
    for bad in frag.xpath(".//script|.//style"):
        _drop_keep_tail(bad)
    return frag.text_content()


def _drop_keep_tail(el: etree._Element) -> None:
    parent, prev = el.getparent(), el.getprevious()
    if parent is None:
        return
    tail = el.tail or ""
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _views(tree: etree._Element, scripts: list[etree._Element], result: dict) -> int | None:
    """The number the scripts wrote next to a counter label, read by the page's own counter reader
    on a copy of the page with the writes in place and the scripts gone."""
    if not result["writes"] and not result["sets"]:
        return None
    index = {id(s): i for i, s in enumerate(scripts)}
    page = copy.deepcopy(tree)
    copies = [s for s in page.xpath("//script")]
    originals = tree.xpath("//script")
    by_index = {index[id(o)]: c for o, c in zip(originals, copies, strict=True) if id(o) in index}
    for at, html in result["writes"].items():
        script = by_index.get(int(at))
        if script is not None:
            script.tail = _fragment_text(html[:R.MAX_WRITE_CHARS]) + (script.tail or "")
    for ident, html in result["sets"].items():
        found = page.xpath("//*[@id=$i]", i=ident)
        if found:
            el = found[0]
            for child in list(el):
                el.remove(child)
            el.text = _fragment_text(html[:R.MAX_WRITE_CHARS])
    for script in copies:
        _drop_keep_tail(script)
    views, state = read_counter(visible_lines(page))
    return views if state == "page" else None


def _source(views: int, used: list[tuple[str, str]], answers: Mapping[str, Answer]) -> str:
    """The request whose answer holds the number (the counter endpoint), else the first answered."""
    digits = re.compile(rf"(?<!\d){views}(?!\d)")
    for key, url in used:
        answer = answers.get(key)
        if answer is not None and digits.search(_text(answer)):
            return canonical_url(url)
    return canonical_url(used[0][1]) if used else ""
