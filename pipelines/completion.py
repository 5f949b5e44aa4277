"""What completes a page, and how the answers are paired with it: one rule for crawl and replay.

A report page is not always whole in its own bytes: its view count comes from a counter endpoint
its script calls, its text may be in the files it links to, a column's list from an endpoint. This
module says which requests complete a page (`plan`, `list_calls`) and pairs each answer with the
page (`pair_counter`, `pair_attachment`). The crawl turns the plan into Scrapy requests
(crawler/spiders/reports.py); replay looks the same URLs up in the WARCs (archive/replay.py,
`complete_from`). Because both ask this module, a replay completes a page exactly as the crawl did.

A counter no static reading finds is run in the script sandbox (pipelines/script_sandbox.py): each
run is a SANDBOX step (`sandbox_task` is what it is given, `pair_sandbox` pairs its outcome); its
requests are SCRIPT steps, fetched a round at a time; after each round's last answer (`pair_script`)
the sandbox runs again, until it wants nothing more (or MAX_ROUNDS): then its number, if any, is the
page's counter answer, its source the endpoint whose answer held it. The crawl runs a SANDBOX step
in a process of its own (crawler/sandbox.py: V8 never loads in the crawl process, and the reactor
does not wait on it), replay here; both call script_sandbox.evaluate_task on the same task.

Only report pages (pipelines.report.is_report) are completed: any other page's counter or files
would be fetched for nothing, since no record is made of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from pipelines import endpoints, report, script_sandbox
from pipelines.document import ParsedPage, parse_page
from pipelines.domains import registered_domain
from pipelines.endpoints import EndpointCall
from pipelines.links import Link, is_attachment, page_links
from pipelines.page import FetchedPage
from pipelines.rules.completion import MAX_ATTACHMENTS_PER_PAGE
from pipelines.rules.script_sandbox import MAX_ROUNDS

COUNTER = "counter"
ATTACHMENT = "attachment"
SCRIPT = "script"  # a request the page's scripts make, run in the sandbox
SANDBOX = "sandbox"  # a run of the page's scripts with the answers so far (no request)


@dataclass
class Step:
    """One request that completes a page. Plain data: the rest of a page's steps ride in request meta."""

    kind: str  # COUNTER | ATTACHMENT | SCRIPT | SANDBOX
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    link_text: str | None = None  # an attachment's link text on the page
    method: str = "GET"
    body: bytes = b""
    key: str = ""  # SCRIPT: the request as the sandbox knows it (method, URL as built, body)


def plan(page: FetchedPage, parsed: ParsedPage, links: list[Link] | None = None, *,
         attachments: bool = True, max_attachments: int = MAX_ATTACHMENTS_PER_PAGE) -> list[Step]:
    """The requests that complete this page, in the order they are made: counter, then files.

    `links`: the page's links if the caller has them already (else read from the tree).
    `attachments`: False when files are not fetched at all (the crawl's GONGKAI_FETCH_ATTACHMENTS).
    """
    tree = parsed.tree
    if page.status != 200 or tree is None:
        return []
    steps: list[Step] = []
    # A rendered DOM already holds the count its script wrote: no need to ask the counter.
    if not page.extra.get("rendered"):
        if (call := endpoints.counter_call(page, tree)) is not None:
            steps.append(Step(COUNTER, call.url, call.headers))
        elif script_sandbox.applies(page, tree) and report.is_report(page):
            # A page planned afresh starts afresh.
            page.extra["sandbox"] = {"answers": {}, "rounds": 0, "cpu_s": 0.0}
            steps.append(Step(SANDBOX, page.url))
    if attachments:
        files = [link for link in (page_links(tree, page.url) if links is None else links) if is_attachment(link)]
        # Referer: the page, as a browser sends it, and how replay tells which page a file was fetched for.
        steps.extend(Step(ATTACHMENT, link.url, {"Referer": page.url}, link.text) for link in files[:max_attachments])
    if not steps or not report.is_report(page):
        return []
    return steps


def list_calls(page: FetchedPage, parsed: ParsedPage) -> list[EndpointCall]:
    """The list endpoints whose answers complete a column page (none for a rendered DOM: its
    scripts have drawn the list already)."""
    if page.status != 200 or parsed.tree is None or page.extra.get("rendered"):
        return []
    return endpoints.list_calls(page, parsed.tree)


def pair_counter(page: FetchedPage, step: Step, body: bytes, content_type: str = "") -> None:
    """The counter's answer completes the page: its number becomes the page's view count."""
    page.extra["counter"] = endpoints.counter_answer(step.url, body, content_type)


def pair_attachment(page: FetchedPage, file: FetchedPage) -> None:
    page.extra.setdefault("attachments", []).append(file)


def sandbox_task(page: FetchedPage) -> script_sandbox.Task:
    """What a SANDBOX step runs: script_sandbox.evaluate_task on the page (it pickles; its tree is
    rebuilt from its bytes) with the answers its scripts have had so far, and its scope."""
    return page, page.extra["sandbox"]["answers"], registered_domain(page.url)


def pair_sandbox(page: FetchedPage, outcome: script_sandbox.Outcome, rest: list[Step]) -> list[Step]:
    """A SANDBOX step's outcome: the next round's SCRIPT steps, then `rest`; or, when the sandbox is
    done, `rest` (its number, if any, is the page's counter answer)."""
    state = page.extra["sandbox"]
    state["rounds"] += 1
    state["cpu_s"] += outcome.cpu_s
    if outcome.calls and state["rounds"] <= MAX_ROUNDS:
        return [Step(SCRIPT, call.url, call.headers, method=call.method, body=call.body, key=key)
                for key, call in outcome.calls] + rest
    # Done: what rides on with the page is the summary, not the answers (scripts can be large).
    page.extra["sandbox"] = {"rounds": state["rounds"], "cpu_s": state["cpu_s"], "views": outcome.views}
    if outcome.views is not None:
        page.extra["counter"] = {"views": outcome.views, "source": outcome.source}
    return rest


def pair_script(page: FetchedPage, step: Step, status: int, body: bytes, content_type: str,
                rest: list[Step]) -> list[Step]:
    """A script request's answer (status 0: it failed): the steps that follow. After the round's
    last answer the sandbox runs again: a SANDBOX step first, then the rest of the plan."""
    state = page.extra.setdefault("sandbox", {"answers": {}, "rounds": 0, "cpu_s": 0.0})
    state.setdefault("answers", {})[step.key] = script_sandbox.answer_of(status, body, content_type)
    if rest and rest[0].kind == SCRIPT:
        return rest
    return [Step(SANDBOX, page.url), *rest]


def sandbox_unread(page: FetchedPage, steps: list[Step]) -> bool:
    """The sandbox ran on this page, is done, and read no number: the browser is the last resort."""
    state = page.extra.get("sandbox")
    return (state is not None and "answers" not in state and state.get("views") is None
            and not any(s.kind in (SCRIPT, SANDBOX) for s in steps))


class Archive(Protocol):
    """What replay can look up in its WARCs."""

    def counter_answer(self, url: str) -> FetchedPage | None:
        """The archived response at a counter URL, if small enough to be one."""

    def attachment_for(self, page_url: str, url: str) -> FetchedPage | None:
        """The archived file at `url` fetched for the page at `page_url` (or, in a WARC that records
        no Referers, any capture of it)."""

    def script_answer(self, page_url: str, url: str, method: str) -> FetchedPage | None:
        """The archived answer to a request the page's scripts made (redirects followed)."""


def complete_from(page: FetchedPage, archive: Archive, *, max_attachments: int = MAX_ATTACHMENTS_PER_PAGE) -> list[Step]:
    """Pair a page with the answers its plan would have fetched, found in the archive.

    Returns the steps that found an answer.
    """
    found: list[Step] = []
    steps = plan(page, parse_page(page), max_attachments=max_attachments)
    while steps:
        step, steps = steps[0], steps[1:]
        if step.kind == COUNTER and (answer := archive.counter_answer(step.url)) is not None:
            pair_counter(page, step, answer.body, answer.content_type)
            found.append(step)
        elif step.kind == SANDBOX:
            steps = pair_sandbox(page, script_sandbox.evaluate_task(sandbox_task(page)), steps)
        elif step.kind == SCRIPT:
            answer = archive.script_answer(page.url, step.url, step.method)
            steps = pair_script(page, step, answer.status if answer else 0, answer.body if answer else b"",
                                answer.content_type if answer else "", steps)
            if answer is not None:
                found.append(step)
        elif step.kind == ATTACHMENT and (file := archive.attachment_for(page.url, step.url)) is not None:
            pair_attachment(page, file)
            found.append(step)
    return found


def attachment_link_texts(page: FetchedPage) -> Iterable[tuple[str, str]]:
    """(file URL, link text) for every file a page or a list endpoint's answer links to: the
    title of a file that turns out to be a report of its own."""
    if page.status != 200 or not page.body:
        return []
    if page.content_type in report.HTML_TYPES:
        tree = parse_page(page).tree
        links = page_links(tree, page.url) if tree is not None else []
    elif any(kind in page.content_type for kind in ("json", "xml", "javascript")):
        links = endpoints.links_from_list_answer(page.url, page.body)
    else:
        return []
    return [(link.url, link.text) for link in links if is_attachment(link) and link.text]
