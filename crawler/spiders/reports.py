"""`reports`: from a portal home page (or a column URL) to every annual disclosure report.

The walk: home → disclosure section(s) → annual-report column(s) → list pages (pagination,
script-only pagination, year/unit sub-columns) → report pages → attachments; and from a district's
home to its street offices' sub-sites, which are walked the same way. Which link is which is decided
by crawler/links.py from the data in crawler/rules/discovery.py; no site is named anywhere.
What completes a report page (its counter's answer, its files) and which list endpoints complete a
column is pipelines/completion.py's to say — replay asks it too; this spider only turns its answers
into requests. Every HTML page fetched is handed to the pipelines, which keep only annual reports.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import browser, endpoints, sandbox
from crawler import links as L
from crawler.items import fetched_page_from_response
from crawler.rules import browser as browser_rules
from crawler.signals import request_failed
from pipelines import completion
from pipelines.classify import is_annual_report_title
from pipelines.document import parse_page
from pipelines.domains import registered_domain
from pipelines.endpoints import EndpointCall
from pipelines.urls import canonical_url

logger = logging.getLogger(__name__)
_LOADING = [re.compile(p) for p in browser_rules.DATA_LOADING_SCRIPTS]


def _loads_data(tree) -> bool:
    """The page's inline scripts load data after the page (XHR, fetch, $.ajax, …)."""
    scripts = "\n".join(tree.xpath("//script[not(@src)]/text()"))
    return any(p.search(scripts) for p in _LOADING)


def _report_links(response: Response, links: list[L.Link], meta: dict) -> list[L.Link]:
    """The list's links to reports, as _from_list counts them, but not to lists (a breadcrumb or
    "current page" link to the column, or to the column above, looks like an article link)."""
    column = meta.get("column") or response.url
    column_dir = L.directory_of(column)
    return [link for link in links if link.url not in (response.url, column) and not L.is_column_link(link)
            and (L.is_candidate_report(link) or (link.url.startswith(column_dir) and L.looks_like_article(link.path)))]


def _filled_by_script(response: Response) -> bool:
    """A rendered page whose static form (riding along in the render request) has its list drawn
    by script: what sent it to the browser (crawler/browser.py's browser_reason)."""
    static = browser.static_fallback(response.request)
    if static is None:
        return False
    page = fetched_page_from_response(static)
    parsed = parse_page(page)
    return parsed.tree is not None and browser.browser_reason(page, parsed.tree) in ("script_list", "spa_shell")


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, start_urls: str | list[str] = "", *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        urls = start_urls.split(",") if isinstance(start_urls, str) else list(start_urls)
        self.start_urls = [canonical_url(u.strip()) for u in urls if u.strip()]
        if not self.start_urls:
            raise ValueError("reports spider needs start_urls (comma-separated portal or column URLs)")
        # Scope: the start hosts and every sub-site of their registered domains (street offices'
        # own sites); Scrapy's OffsiteMiddleware enforces it for every request.
        self.allowed_domains = sorted({registered_domain(u) for u in self.start_urls})
        self._rendered_lists: set[str] = set()  # list pages already sent to the browser as a fallback
        self._rerendered_lists: set[str] = set()  # rendered lists found empty, rendered a second time
        self._sandbox: sandbox.Sandbox | None = None  # the script sandbox's process, on the first page it runs for

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            yield self._request(url, "start", hops=0)

    # -- requests --------------------------------------------------------------------------------
    def _request(self, url: str, role: str, *, hops: int = 0, column: str | None = None,
                 link_text: str | None = None, empty_run: int = 0) -> Request:
        meta = {"role": role, "hops": hops, "column": column, "link_text": link_text, "empty_run": empty_run}
        if role == "attachment":
            meta["download_maxsize"] = self.settings.getint("GONGKAI_ATTACHMENT_MAXSIZE")
        return Request(url, callback=self.parse, errback=self.on_error, meta=meta)

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        value = failure.value
        response = getattr(value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else f"{type(value).__name__}: {value}"
        kind = f"http_{response.status}" if response is not None else type(value).__name__
        self.crawler.stats.inc_value("gongkai/errors")
        self.crawler.stats.inc_value(f"gongkai/errors/{kind}")
        # crawler/extensions/failures.py logs it and files it by reason (robots, http_4xx, timeout, …)
        # in DIR/failures/<crawl-id>.jsonl for the crawl report; without that extension, log here.
        if not self.crawler.signals.send_catch_log(signal=request_failed, request=request, failure=failure):
            logger.warning("Failed %s (%s): %s", request.url, request.meta.get("role"), reason)

    async def render_failed(self, failure: Failure) -> AsyncIterator[object]:
        """A page chromium could not render is read as it was fetched (crawler/browser.py)."""
        self.on_error(failure)
        response = browser.static_fallback(failure.request)
        if response is not None:
            self.crawler.stats.inc_value("gongkai/browser/static_fallbacks")
            async for out in self.parse(response):
                yield out

    # -- parsing ---------------------------------------------------------------------------------
    async def parse(self, response: Response) -> AsyncIterator[object]:
        # A coroutine's generator: a report page's completion may wait on the script sandbox's process.
        page = fetched_page_from_response(response)
        role = response.meta.get("role", "start")
        self.crawler.stats.inc_value(f"gongkai/pages/{role}")
        if not isinstance(response, TextResponse) or role == "attachment":
            yield page
            return
        parsed = parse_page(page)
        if parsed.tree is None:
            yield page  # the pipeline records what could be read, with warnings
            logger.warning("Unparseable page %s: %s", response.url, "; ".join(parsed.warnings) or "empty body")
            self.crawler.stats.inc_value("gongkai/errors/unparseable")
            return
        meta = response.meta

        # A page whose static HTML shows that scripts draw what we need (an empty list filled by
        # script, a redirect stub) is fetched again through the browser; the rendered page is the
        # one extracted. Static links are still followed below.
        links = [link for link in L.page_links(parsed.tree, response.url) if not L.is_skipped_resource(link)]
        rendered = bool(meta.get("playwright"))
        page.extra["rendered"] = rendered
        to_browser = (not rendered and not meta.get(browser.META_RENDER_FAILED)
                      and browser.needs_browser(page, parsed.tree, self.settings))
        # Wanted only for its counter: its scripts run in the sandbox first, the render kept for after.
        render = None
        if to_browser and sandbox.runs_first(page, parsed.tree, self.settings):
            to_browser, render = False, sandbox.kept_render(response)
        if to_browser:
            self.crawler.stats.inc_value("gongkai/browser/requested")
            # A list is rendered with its pager clicked (bounded); other pages as they load.
            yield browser.browser_request(response.request, callback=self.parse, errback=self.render_failed,
                                          document=response, settings=self.settings,
                                          pager=role in ("column", "start"))
        else:
            # A report page waits for what completes it (its counter's answer, its attachments),
            # fetched one after the other; then the pipelines make its record.
            steps = completion.plan(page, parsed, links, attachments=self.settings.getbool("GONGKAI_FETCH_ATTACHMENTS"),
                                    max_attachments=self.settings.getint("GONGKAI_MAX_ATTACHMENTS_PER_PAGE"))
            async for out in self._complete(page, steps, render):
                yield out

        stub_target = L.script_redirect(parsed.text, response.url)
        if stub_target:
            yield self._request(stub_target, role, hops=meta.get("hops", 0), column=meta.get("column"),
                                link_text=meta.get("link_text"))

        if role in ("start", "home", "section"):
            for out in self._from_navigation(response, links, role, meta.get("hops", 0)):
                yield out
        if role == "column" or role == "start" and self._looks_like_column(response.url, parsed.tree):
            found: list[int] = []
            for out in self._from_list(response, parsed, links, meta, found):
                yield out
            # A rendered list whose pager was clicked: the links of every earlier state too.
            for state in map(parse_page, browser.earlier_state_pages(response)):
                if state.tree is not None:
                    state_links = [link for link in L.page_links(state.tree, response.url)
                                   if not L.is_skipped_resource(link)]
                    for out in self._from_list(response, state, state_links, meta, found):
                        yield out
            calls = completion.list_calls(page, parsed)
            for call in calls:
                yield self._list_request(call, meta.get("column") or response.url, list_page=response.url)
            # One decision path for lists: static HTML → endpoint → browser. A list page whose static
            # HTML holds no report link, with no endpoint to ask but scripts that load data, is
            # rendered with its pager clicked (bounded); an endpoint that answers nothing sends its
            # page to the browser too (parse_list_api).
            if not to_browser and not rendered and not calls and not any(found) and _loads_data(parsed.tree):
                for out in self._render_list(response.url, meta):
                    yield out
            elif rendered and not calls and not _report_links(response, links, meta) \
                    and (_loads_data(parsed.tree) or _filled_by_script(response)):
                for out in self._render_list_again(response):
                    yield out

    # -- a page and what completes it (pipelines/completion.py) -------------------------------------
    async def _complete(self, page, steps: list[completion.Step], render: dict | None) -> AsyncIterator[object]:
        """`_next_step`, once the sandbox runs at the head of the steps are done: each in the
        sandbox's process (crawler/sandbox.py), the reactor serving other requests meanwhile."""
        while steps and steps[0].kind == completion.SANDBOX:
            if self._sandbox is None:
                self._sandbox = sandbox.Sandbox(self.crawler)
            outcome = await self._sandbox.run(completion.sandbox_task(page))
            steps = completion.pair_sandbox(page, outcome, steps[1:])
        for out in self._next_step(page, steps, render):
            yield out

    def _next_step(self, page, steps: list[completion.Step], render: dict | None = None) -> Iterator[object]:
        """The page's next completion request, carrying the page and the steps after it; or, when
        none is left, the page itself, complete. `render`: the page's kept render (crawler/sandbox.py),
        made instead when the sandbox read no number."""
        self._count_sandbox(page)
        if render is not None and completion.sandbox_unread(page, steps):
            self.crawler.stats.inc_value("gongkai/sandbox/browser_fallbacks")
            yield sandbox.render_request(render, self.parse, self.render_failed, self.settings)
            return
        if not steps:
            yield page
            return
        step, rest = steps[0], steps[1:]
        # A page waiting for its steps (attachments wait for LibreOffice) would hold its lxml tree,
        # libxml2 memory outside Python's view: measured, the crawl process's peak 263 -> 248 MB. It is
        # rebuilt on demand (pipelines/document.parse_page), and never travels to a worker anyway.
        page.parsed = None
        meta = {"page": page, "step": step, "steps": rest, sandbox.META_RENDER: render}
        if step.kind == completion.SCRIPT:
            yield endpoints.request_for(EndpointCall(step.url, step.method, step.body, step.headers),
                                        callback=self.parse_script, errback=self.script_failed,
                                        meta={**meta, "role": "script"})
            return
        if step.kind == completion.COUNTER:
            yield endpoints.request_for(EndpointCall(step.url, headers=step.headers), callback=self.parse_counter,
                                        errback=self.step_failed, meta={**meta, "role": "counter"})
            return
        # dont_filter: the same file may be listed in the column too, and a request dropped as a
        # duplicate would strand the page waiting for it.
        yield Request(step.url, callback=self.parse_attachment, errback=self.step_failed, dont_filter=True,
                      headers=step.headers,
                      meta={**meta, "role": "attachment_of", "link_text": step.link_text,
                            "download_maxsize": self.settings.getint("GONGKAI_ATTACHMENT_MAXSIZE")})

    def parse_counter(self, response: Response) -> Iterator[object]:
        page = response.meta["page"]
        completion.pair_counter(page, response.meta["step"], response.body,
                                response.headers.get("Content-Type", b"").decode("latin-1"))
        self.crawler.stats.inc_value("gongkai/pages/counter")
        yield from self._next_step(page, response.meta.get("steps") or [], response.meta.get(sandbox.META_RENDER))

    def _count_sandbox(self, page) -> None:
        state = page.extra.get("sandbox")
        if state is None or "answers" in state or state.get("counted"):
            return  # not run, still running, or counted
        state["counted"] = True
        stats = self.crawler.stats
        stats.inc_value("gongkai/sandbox/pages")
        stats.inc_value("gongkai/sandbox/evaluations", state["rounds"])
        stats.inc_value("gongkai/sandbox/cpu_ms", round(state["cpu_s"] * 1000))
        stats.inc_value("gongkai/sandbox/views_read" if state.get("views") is not None else "gongkai/sandbox/unread")

    def parse_script(self, response: Response) -> AsyncIterator[object]:
        """An answer to a request the page's scripts made in the sandbox (pipelines/completion.py)."""
        self.crawler.stats.inc_value("gongkai/pages/script")
        return self._script_answered(response.meta, response.status, response.body,
                                     response.headers.get("Content-Type", b"").decode("latin-1"))

    def script_failed(self, failure: Failure) -> AsyncIterator[object]:
        self.on_error(failure)
        return self._script_answered(failure.request.meta, 0, b"", "")

    async def _script_answered(self, meta: dict, status: int, body: bytes, content_type: str) -> AsyncIterator[object]:
        page = meta["page"]
        steps = completion.pair_script(page, meta["step"], status, body, content_type, meta.get("steps") or [])
        async for out in self._complete(page, steps, meta.get(sandbox.META_RENDER)):
            yield out

    def parse_attachment(self, response: Response) -> Iterator[object]:
        page = response.meta["page"]
        completion.pair_attachment(page, fetched_page_from_response(response))
        self.crawler.stats.inc_value("gongkai/pages/attachment_of")
        yield from self._next_step(page, response.meta.get("steps") or [], response.meta.get(sandbox.META_RENDER))

    def step_failed(self, failure: Failure) -> Iterator[object]:
        self.on_error(failure)
        # The report goes on without its count or that file.
        yield from self._next_step(failure.request.meta["page"], failure.request.meta.get("steps") or [],
                                   failure.request.meta.get(sandbox.META_RENDER))

    counter_failed = step_failed  # name used by earlier hooks

    def _list_request(self, call: EndpointCall, column: str | None, list_page: str | None = None) -> Request:
        # `list_page`: the page whose script makes this call, on the first call only: rendered if
        # the endpoint answers nothing.
        return endpoints.request_for(call, callback=self.parse_list_api, errback=self.list_api_failed,
                                     meta={"role": "list_api", "column": column, "list_page": list_page})

    def _render_list(self, url: str, meta: dict) -> Iterator[Request]:
        """The list page at `url` rendered by the browser, its pager clicked: once per page."""
        if url in self._rendered_lists or not self.settings.getbool("GONGKAI_BROWSER_ENABLED") \
                or browser.host_override(url, self.settings) == browser_rules.OVERRIDE_NEVER:
            return
        self._rendered_lists.add(url)
        self.crawler.stats.inc_value("gongkai/browser/list_fallback")
        request = self._request(url, "column", hops=meta.get("hops", 0), column=meta.get("column") or url,
                                link_text=meta.get("link_text"))
        yield browser.browser_request(request, callback=self.parse, errback=self.on_error, pager=True,
                                      settings=self.settings)

    def _render_list_again(self, response: Response) -> Iterator[Request]:
        """A rendered list whose scripts load data, showing no report link: rendered once more.

        The page's own requests pass through Scrapy's downloader, behind its host's slot and
        AutoThrottle delay; under load their answers can come after the render's settle deadline,
        and the DOM is read with the list still empty (measured: a browser-only list in a 150-portal
        crawl, its POST reaching the server a second after the 3 s deadline, its four reports lost).
        A second render meets a later, quieter slot; once per URL, so a list that is really empty
        costs one render more."""
        if response.url in self._rerendered_lists:
            return
        self._rerendered_lists.add(response.url)
        self.crawler.stats.inc_value("gongkai/browser/list_rendered_again")
        yield browser.browser_request(response.request, callback=self.parse, errback=self.render_failed, pager=True,
                                      settings=self.settings, again=True)

    def list_api_failed(self, failure: Failure) -> Iterator[Request]:
        self.on_error(failure)
        meta = failure.request.meta
        if meta.get("list_page"):
            yield from self._render_list(meta["list_page"], {"column": meta.get("column")})

    def parse_list_api(self, response: Response) -> Iterator[Request]:
        """A list endpoint's answer (XML with CDATA <li>, or JSON): its reports and next pages."""
        self.crawler.stats.inc_value("gongkai/pages/list_api")
        reports = [link for link in endpoints.links_from_list_response(response) if L.is_candidate_report(link)]
        for link in reports:
            yield self._request(link.url, "detail", link_text=link.text)
        if not reports and response.meta.get("list_page"):
            # Zero items is "nothing found" (a guessed endpoint, a wrong parameter): the browser shows
            # what a person sees.
            yield from self._render_list(response.meta["list_page"], {"column": response.meta.get("column")})
        for request in endpoints.next_list_requests(response, self.settings.getint("GONGKAI_MAX_LIST_API_PAGES")):
            yield request.replace(callback=self.parse_list_api, errback=self.on_error,
                                  meta={**request.meta, "role": "list_api", "column": response.meta.get("column")})

    def _from_navigation(self, response: Response, links: list[L.Link], role: str, hops: int) -> Iterator[Request]:
        here = L.Link(response.url, "").host
        for link in links:
            if L.is_column_link(link):
                yield self._request(link.url, "column", column=link.url, link_text=link.text)
            elif L.is_candidate_report(link):
                yield self._request(link.url, "detail", link_text=link.text)
            elif role in ("start", "home") and link.host != here and L.is_subsite_link(link):
                yield self._request(link.url, "home", link_text=link.text)
            elif hops < self.settings.getint("GONGKAI_MAX_SECTION_HOPS") and link.host == here and self._is_section(link, role):
                yield self._request(link.url, "section", hops=hops + 1, link_text=link.text)

    @staticmethod
    def _looks_like_column(url: str, tree) -> bool:
        """A start URL that is itself a report column (its URL or its title says so)."""
        title = " ".join(tree.xpath("//title/text()"))
        return L.is_column_link(L.Link(url, "")) or any(
            L.is_column_link(L.Link(url, part)) for part in title.replace("－", "-").replace("_", "-").split("-"))

    @staticmethod
    def _is_section(link: L.Link, role: str) -> bool:
        # From a home page, section links by text or URL; deeper, by text only: inside a section
        # every catalogue link has a section-like URL and following them all is a site crawl.
        if role == "section":
            return L.is_section_link(L.Link("http://x/", link.text))
        return L.is_section_link(link)

    def _from_list(self, response: Response, parsed, links: list[L.Link], meta: dict,
                   found: list[int] | None = None) -> Iterator[Request]:
        column = meta.get("column") or response.url
        column_dir = L.directory_of(column)
        report_links = 0
        follow_lists: list[tuple[str, str, str]] = []
        for link in links:
            if L.is_attachment(link) and L.is_candidate_report(link):
                yield self._request(link.url, "attachment", link_text=link.text)
            elif L.is_subcolumn_link(link, column) and not is_annual_report_title(link.text):
                # Year or unit folders below the column (2023年度街道年报 → …/2023nb/xzjd/): lists,
                # even when their names contain 年报.
                follow_lists.append((link.url, link.url, link.text))
            elif L.is_candidate_report(link) or (link.url.startswith(column_dir) and L.looks_like_article(link.path)):
                report_links += 1
                yield self._request(link.url, "detail", link_text=link.text)
            elif L.is_column_link(link) and link.host == L.Link(response.url, "").host:
                follow_lists.append((link.url, link.url, link.text))
        for url in L.pagination_links(parsed.tree, response.url, links, parsed.text,
                                      self.settings.getint("GONGKAI_MAX_SCRIPT_PAGES")):
            follow_lists.append((url, column, "pagination"))
        # A run of list pages without a single report link is how endless calendars and pagination
        # traps look: stop following after GONGKAI_TRAP_MAX_EMPTY_PAGES of them. (Counting links,
        # not links first seen here, keeps the walk independent of the order pages arrive in.)
        if found is not None:
            found.append(report_links)
        empty_run = 0 if report_links else meta.get("empty_run", 0) + 1
        if empty_run > self.crawler.settings.getint("GONGKAI_TRAP_MAX_EMPTY_PAGES"):
            if follow_lists:
                logger.info("Stopped list walk at %s: %d pages in a row held no report link", response.url, empty_run)
                self.crawler.stats.inc_value("gongkai/trap/empty_run_stops")
            return
        for url, col, text in follow_lists:
            yield self._request(url, "column", column=col, link_text=text, empty_run=empty_run)
