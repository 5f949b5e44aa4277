"""When a page needs a browser, the request that asks scrapy-playwright for one, and what a render yields.

Used by the reports spider (rules as data in crawler/rules/browser.py):
- needs_browser(page, tree, settings) -> bool: decided from the static HTML, with a per-site
  override setting (GONGKAI_BROWSER_HOSTS = {"host": "always" | "never"}) and a global switch
  (GONGKAI_BROWSER_ENABLED).
- browser_request(request, callback, errback, *, document=, pager=, settings=) -> Request: the same
  URL, rendered by chromium from the static response `document` (not fetched twice); `pager` clicks
  a list's next-page control (render_states), bounded by GONGKAI_BROWSER_MAX_PAGER_CLICKS.
- rendered_states / earlier_state_pages: every DOM state of a render, for the spider's link walk.
- static_fallback(request): the static response again, when chromium could not render.
How chromium's own requests are fetched (by Scrapy, or not at all): crawler/browser_handler.py.

Why: a render costs a chromium page (tens of ms of CPU, a process' worth of memory), so a page goes
to the browser only when its static HTML shows that scripts draw what we need AND no endpoint
(crawler/endpoints.py) can be asked directly.
"""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import urlsplit

from lxml import etree
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings, Settings
from scrapy_playwright.page import PageMethod

from crawler import endpoints
from crawler import links as L
from crawler import settings as default_settings
from crawler.browser_handler import BROWSER_SLOT, META_DOCUMENT
from crawler.browser_routing import PageTraffic, page_traffic
from crawler.rules import browser as rules
from pipelines.classify import is_candidate_link_text
from pipelines.metadata.published import counter_scripts
from pipelines.page import FetchedPage

logger = logging.getLogger(__name__)

_CONTAINER = re.compile(rules.LIST_CONTAINER_NAMES, re.I)
_LOADING = [re.compile(p) for p in rules.DATA_LOADING_SCRIPTS]
_META_REFRESH = "//meta[translate(@http-equiv,'REFSH','refsh')='refresh']"


def host_override(url: str, settings: BaseSettings) -> str | None:
    hosts = settings.getdict("GONGKAI_BROWSER_HOSTS") if settings is not None else {}
    return hosts.get((urlsplit(url).hostname or "").lower())


def needs_browser(page: FetchedPage, tree: etree._Element, settings: BaseSettings) -> bool:
    if settings is not None and not settings.getbool("GONGKAI_BROWSER_ENABLED"):
        return False
    override = host_override(page.url, settings)
    if override == rules.OVERRIDE_NEVER:
        return False
    if override == rules.OVERRIDE_ALWAYS:
        return True
    return browser_reason(page, tree) is not None


def browser_reason(page: FetchedPage, tree: etree._Element) -> str | None:
    """Why this page needs a browser ("script_list", "spa_shell", "counter", "stub"), or None."""
    if page.status != 200 or tree is None:
        return None
    scripts = "\n".join(tree.xpath("//script[not(@src)]/text()"))
    has_external = bool(tree.xpath("//script[@src]"))
    if not scripts.strip() and not has_external:
        return None  # no script at all: what is static is all there is
    if endpoints.list_requests(page, tree):
        return None  # the list's endpoint is asked directly
    if _script_filled_list(tree, scripts):
        return "script_list"
    if _spa_shell(tree, has_external):
        return "spa_shell"
    if _script_stub(page, tree):
        return "stub"
    if _script_counter_without_endpoint(page, tree):
        return "counter"
    return None


def _visible_text(el: etree._Element) -> str:
    return re.sub(r"\s+", "", "".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")))


def _script_filled_list(tree: etree._Element, scripts: str) -> bool:
    if not any(p.search(scripts) for p in _LOADING):
        return False
    for el in tree.xpath("//body//*[@id or @class][not(self::script)]"):
        names = f"{el.get('id') or ''} {el.get('class') or ''}"
        if not _CONTAINER.search(names):
            continue
        if not el.xpath(".//a[@href]") and len(_visible_text(el)) < rules.EMPTY_CONTAINER_MAX_TEXT:
            return True
    return False


def _spa_shell(tree: etree._Element, has_external: bool) -> bool:
    if not has_external:
        return False
    body = tree.xpath("//body")
    if not body or len(_visible_text(body[0])) > rules.SPA_MAX_BODY_TEXT:
        return False
    return any(tree.xpath(f"//body//*[@id='{mount}']") for mount in rules.SPA_MOUNT_IDS)


def _script_stub(page: FetchedPage, tree: etree._Element) -> bool:
    if len(page.body) > rules.STUB_MAX_BYTES or tree.xpath(_META_REFRESH) or tree.xpath("//a[@href]"):
        return False
    if endpoints.counter_url(page.url, tree):
        return False  # its script is a counter, asked directly; it is no redirect
    parsed_text = getattr(page.parsed, "text", None) or page.body.decode("utf-8", "replace")
    if L.script_redirect(parsed_text, page.url):
        return False  # the spider follows a parseable target itself
    body = tree.xpath("//body")
    text = _visible_text(body[0]) if body else ""
    return len(text) <= rules.STUB_MAX_TEXT


def _script_counter_without_endpoint(page: FetchedPage, tree: etree._Element) -> bool:
    # Only report-like pages: rendering every news page for its count would be waste.
    title = " ".join(tree.xpath("//title/text()")) + " " + (page.link_text or "")
    if not is_candidate_link_text(title) or endpoints.counter_url(page.url, tree):
        return False
    return next(counter_scripts(tree), None) is not None


# What the page itself has pending, counted in the page (added before its first script runs,
# every frame): XHR and fetch calls until their callbacks have run (a routed request ends when
# chromium is given the answer, before the page has read it), and short timers (setTimeout up to
# rules.SETTLE_TIMER_MAX_MS, string or function) until they have fired, so a counter or list a timer
# starts is waited for. A timer armed by a timer callback nested rules.SETTLE_TIMER_MAX_DEPTH deep
# is a loop (an animation, a poll) and is not waited for. `idle` is ms since anything began or ended.
_ACTIVITY_SCRIPT = """(() => {
  if (window.__gongkaiActivity) return;
  const MAX_DELAY = MAX_DELAY_MS, MAX_DEPTH = MAX_TIMER_DEPTH;
  const realSetTimeout = window.setTimeout, realClearTimeout = window.clearTimeout;
  let pending = 0, last = performance.now(), depth = 0;
  const begin = () => { pending++; last = performance.now(); };
  const end = () => { pending = Math.max(0, pending - 1); last = performance.now(); };
  const timers = new Set();
  // Every timer callback runs at its depth (one more than where it was armed), waited for or not:
  // a loop stays deep however many levels it goes.
  const atDepth = (fn, args, mine, after) => function () {
    const outer = depth; depth = mine;
    try { return typeof fn === 'function' ? fn.apply(window, args) : (0, eval)(String(fn)); }
    finally { depth = outer; if (after) after(); }
  };
  window.setTimeout = function (fn, delay, ...args) {
    const ms = Number(delay) || 0, mine = Math.min(depth + 1, MAX_DEPTH);
    if (ms > MAX_DELAY || depth >= MAX_DEPTH) return realSetTimeout.call(window, atDepth(fn, args, mine), ms);
    const id = realSetTimeout.call(window, atDepth(fn, args, mine, () => { if (timers.delete(id)) end(); }), ms);
    timers.add(id); begin();
    return id;
  };
  const realSetInterval = window.setInterval;
  window.setInterval = function (fn, delay, ...args) {
    return realSetInterval.call(window, atDepth(fn, args, MAX_DEPTH), delay);
  };
  window.clearTimeout = function (id) { if (timers.delete(id)) end(); return realClearTimeout.call(window, id); };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    let open = true;
    const done = () => { if (open) { open = false; end(); } };
    begin();
    this.addEventListener('loadend', () => realSetTimeout.call(window, done, 0));
    try { return send.apply(this, arguments); } catch (e) { done(); throw e; }
  };
  if (window.fetch) {
    const realFetch = window.fetch;
    window.fetch = function () {
      begin();
      const settled = () => realSetTimeout.call(window, end, 0);
      let answer;
      try { answer = realFetch.apply(window, arguments); } catch (e) { end(); throw e; }
      answer.then(settled, settled);
      return answer;
    };
  }
  for (const name of ['DOMContentLoaded', 'load']) window.addEventListener(name, () => { last = performance.now(); });
  // Read after one rendering step (two animation frames; a timer if the page draws none), so what
  // the page schedules for its first frames (IntersectionObserver callbacks) has begun.
  window.__gongkaiActivity = () => new Promise(done => {
    const read = () => done({pending, idle: performance.now() - last});
    requestAnimationFrame(() => requestAnimationFrame(read));
    realSetTimeout.call(window, read, 100);
  });
})()""".replace("MAX_DELAY_MS", str(int(rules.SETTLE_TIMER_MAX_MS))).replace(
    "MAX_TIMER_DEPTH", str(int(rules.SETTLE_TIMER_MAX_DEPTH)))
_ACTIVITY = "() => window.__gongkaiActivity ? window.__gongkaiActivity() : null"


async def track_activity(page: Page, request: Request | None = None) -> None:
    """Counts what the page has pending (_ACTIVITY_SCRIPT) from its first script on: the render
    request's page init callback (scrapy-playwright), called before the page is loaded."""
    await page.add_init_script(_ACTIVITY_SCRIPT)


async def settle(page: Page, timeout_ms: float, quiet_ms: float | None = None) -> None:
    """Wait until the page is quiet, bounded: a page that polls forever is extracted as it stands
    when `timeout_ms` is up. Quiet: for `quiet_ms`, none of the page's requests in flight (the
    handler routes them all: crawler/browser_routing.PageTraffic) and nothing pending in the page
    (XHR/fetch callbacks, short timers: track_activity). Without that count (a page the handler did
    not render, or no quiet_ms): Playwright's networkidle, 500 ms without a request."""
    traffic = page_traffic()
    if quiet_ms:
        try:
            await _quiet(page, traffic, timeout_ms / 1000, quiet_ms / 1000)
            return
        except _Untracked:
            pass
    try:
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except PlaywrightError as exc:
        logger.info("Page %s not idle after %.0f ms (%s); extracting it as it stands", page.url, timeout_ms,
                    type(exc).__name__)


class _Untracked(Exception):
    """The page has no activity count (its init script did not run)."""


async def _quiet(page: Page, traffic: PageTraffic | None, timeout: float, quiet: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            state = await page.evaluate(_ACTIVITY)
        except PlaywrightError as exc:
            logger.info("Page %s: activity unreadable (%s); extracting it as it stands", page.url,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        if state is None:
            raise _Untracked
        in_page = 0.0 if state.get("pending") else state.get("idle", 0) / 1000
        quiet_for = min(in_page, traffic.quiet_seconds()) if traffic is not None else in_page
        if quiet_for >= quiet:
            return
        if loop.time() >= deadline:
            logger.info("Page %s not quiet after %.0f ms; extracting it as it stands", page.url, timeout * 1000)
            return
        await asyncio.sleep(min(quiet - quiet_for, rules.SETTLE_POLL_MS / 1000))


# Marks the next-page control found in the DOM, so Playwright clicks that very element.
_NEXT_MARK = "data-gongkai-next"
_FIND_NEXT = """([texts, disabled, mark]) => {
  document.querySelectorAll('[' + mark + ']').forEach(e => e.removeAttribute(mark));
  const norm = s => (s || '').replace(/\\s+/g, ' ').trim().toLowerCase();
  const wanted = new Set(texts.map(norm));
  const isDisabled = e => e.hasAttribute('disabled') || e.getAttribute('aria-disabled') === 'true' ||
    disabled.some(d => (' ' + (e.className || '') + ' ').toLowerCase().includes(d));
  const named = e => wanted.has(norm(e.tagName === 'INPUT' ? e.value : e.textContent)) ||
    wanted.has(norm(e.getAttribute('title'))) || wanted.has(norm(e.getAttribute('aria-label')));
  const all = [...document.querySelectorAll('a, button, input[type=button], input[type=submit], span, li, div, em, i')];
  const matches = all.filter(named);
  // The control itself, not the box around it: a match that holds another match is not clicked.
  for (const e of matches.filter(e => !matches.some(o => o !== e && e.contains(o)))) {
    if (isDisabled(e) || (e.parentElement && isDisabled(e.parentElement))) continue;
    if (!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)) continue;
    const href = (e.getAttribute('href') || '').trim();
    // A real link to another page is the spider's to follow, statically; clicks are for script pagers.
    if (href && !/^(#|javascript:)/i.test(href)) return 'link';
    e.setAttribute(mark, '1');
    return 'found';
  }
  return 'none';
}"""


async def _snapshot(page: Page) -> tuple[str, str]:
    return page.url, await page.content()


async def render_states(page: Page, max_clicks: int, settle_ms: float,
                        quiet_ms: float | None = None) -> list[tuple[str, str]]:
    """The page's DOM once its network is quiet, then after each click on its next-page control
    ("下一页", "next", "›"… in crawler/rules/browser.py), up to `max_clicks` clicks; stops when there
    is no such control, when it is disabled, or when a click changes nothing. Returns every state
    as (url, html), first to last: each is archived, and the spider walks the links of each."""
    await settle(page, settle_ms, quiet_ms)
    states = [await _snapshot(page)]
    for _ in range(max(0, max_clicks)):
        try:
            found = await page.evaluate(_FIND_NEXT, [rules.NEXT_PAGE_TEXTS, rules.DISABLED_MARKERS, _NEXT_MARK])
            if found != "found":
                break
            before = await page.evaluate("() => document.body ? document.body.innerHTML : ''")
            await page.click(f"[{_NEXT_MARK}]", timeout=rules.PAGER_CHANGE_TIMEOUT_MS)
            await page.wait_for_function("(b) => !document.body || document.body.innerHTML !== b", arg=before,
                                         timeout=rules.PAGER_CHANGE_TIMEOUT_MS)
        except PlaywrightError as exc:
            logger.info("Pager of %s: stopped after %d clicks (%s)", page.url, len(states) - 1,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            break
        await settle(page, settle_ms, quiet_ms)
        state = await _snapshot(page)
        if state[1] == states[-1][1]:
            break
        states.append(state)
    return states


# Defaults for callers without the crawl's settings (tests, tools).
_DEFAULTS = Settings()
_DEFAULTS.setmodule(default_settings)
# Meta keys the downloader filled for the static fetch; carried over they would mislead the render.
_DOWNLOADER_META = ("download_latency", "download_slot", "warc", "redirect_times", "redirect_ttl", "redirect_urls",
                    "redirect_reasons", "retry_times", "gongkai_archived", "gongkai_conditional")
# Where the render's page method leaves its DOM states.
STATES_METHOD = "gongkai_states"
# The render's page init callback (a path: request meta stays plain data).
TRACK_ACTIVITY = f"{__name__}.track_activity"


def browser_request(request: Request, callback, errback, *, document: Response | None = None,
                    pager: bool = False, settings: BaseSettings | None = None, again: bool = False) -> Request:
    """The same URL, rendered by chromium. `document`: the static response just received for it,
    which chromium is given instead of fetching the page again. `pager`: click the list's next-page
    control up to GONGKAI_BROWSER_MAX_PAGER_CLICKS times, each state kept (rendered_states).
    `again`: a second render of a list read empty, which waits up to GONGKAI_BROWSER_SETTLE_AGAIN_MS
    for the page to be quiet."""
    meta = {k: v for k, v in request.meta.items() if not k.startswith("_") and k not in _DOWNLOADER_META}
    settings = settings if settings is not None else _DEFAULTS
    clicks = settings.getint("GONGKAI_BROWSER_MAX_PAGER_CLICKS") if pager else 0
    settle_ms = settings.getfloat("GONGKAI_BROWSER_SETTLE_AGAIN_MS" if again else "GONGKAI_BROWSER_SETTLE_MS")
    quiet_ms = settings.getfloat("GONGKAI_BROWSER_QUIET_MS")
    meta.update({
        "playwright": True,
        "playwright_page_init_callback": TRACK_ACTIVITY,
        "playwright_page_methods": {STATES_METHOD: PageMethod(render_states, max_clicks=clicks, settle_ms=settle_ms,
                                                              quiet_ms=quiet_ms)},
        # Renders have a download slot of their own: their requests (fetched by Scrapy for chromium)
        # take the host's slot, which a render holding it would starve.
        "download_slot": BROWSER_SLOT, "autothrottle_dont_adjust_delay": True,
    })
    if document is not None:
        meta[META_DOCUMENT] = {"url": document.url, "status": document.status,
                               "headers": [(k.decode("latin-1"), v.decode("latin-1"))
                                           for k, vs in document.headers.items() for v in vs],
                               "body": document.body, "warc": document.meta.get("warc")}
    return request.replace(meta=meta, dont_filter=True, callback=callback, errback=errback)


def rendered_states(response: Response) -> list[tuple[str, str]]:
    """Every DOM state of a rendered response as (url, html), first to last (one unless the pager
    was clicked); [] for a response chromium did not render."""
    methods = response.meta.get("playwright_page_methods") or {}
    method = methods.get(STATES_METHOD) if isinstance(methods, dict) else None
    states = getattr(method, "result", None)
    if states:
        return list(states)
    if response.meta.get("playwright"):
        return [(response.url, response.text)]
    return []


def earlier_state_pages(response: Response) -> list[FetchedPage]:
    """The DOM states before the last (the response itself) of a list whose pager was clicked, as
    pages for the spider to read links from."""
    fetched_at = (response.meta.get("warc") or {}).get("fetched_at") or ""
    return [FetchedPage(url=url, status=200, headers={"content-type": "text/html; charset=utf-8"},
                        body=html.encode("utf-8"), fetched_at=fetched_at)
            for url, html in rendered_states(response)[:-1]]


# Marks the static response handed back when a render failed: the spider takes it as it stands.
META_RENDER_FAILED = "gongkai_render_failed"
_RENDER_META = ("playwright", "playwright_page_methods", "playwright_context", "playwright_context_kwargs",
                "playwright_page", "playwright_page_init_callback", "download_slot", "autothrottle_dont_adjust_delay", META_DOCUMENT)


def static_fallback(request: Request) -> Response | None:
    """When chromium could not render a page (not installed, crashed, timed out): the page's static
    response, which rode along in the render request, so the page is still read (links, text, a
    report without what only the browser could show) instead of lost. None without one."""
    doc = request.meta.get(META_DOCUMENT)
    if not doc:
        return None
    meta = {k: v for k, v in request.meta.items() if k not in _RENDER_META}
    meta.update({META_RENDER_FAILED: True, "warc": doc.get("warc")})
    headers = Headers()
    for name, value in doc["headers"]:
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=doc["url"], body=doc["body"])
    return cls(url=doc["url"], status=doc["status"], headers=headers, body=doc["body"],
               request=request.replace(meta=meta))
