"""Re-extract reports from WARC files offline, through the very path the live crawl uses.

A page is completed by pipelines/completion.py (the module the spider asks) with answers found in
the WARCs, then extracted by pipelines.report.build_report (the function the crawl's item
pipeline calls): nothing here decides what a report is or what belongs to it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urljoin

from archive.reader import WarcDamage, iter_rendered_pages, iter_request_referers, iter_response_pages
from archive.revisit import OriginalFinder
from pipelines import attachment_report, completion
from pipelines.endpoints import is_counter_sized
from pipelines.page import FetchedPage
from pipelines.report import build_report
from pipelines.rules.completion import MAX_ATTACHMENTS_PER_PAGE
from pipelines.rules.script_sandbox import MAX_ANSWER_BYTES
from pipelines.urls import canonical_url

logger = logging.getLogger(__name__)
_ANSWER_TYPES = ("javascript", "ecmascript", "json", "text/plain", "xml")  # what a script may ask, besides HTML
_MAX_REDIRECTS = 5  # as Scrapy's REDIRECT_MAX_TIMES would stop a loop, sooner


def replay_records(warc_paths: Iterable[Path], *, relative_to: Path | None = None,
                   damage: list[WarcDamage] | None = None,
                   unresolved: list[WarcDamage] | None = None) -> Iterable[dict]:
    """Report records from WARC files, one per report URL (the last capture wins on duplicates)."""
    by_url: dict[str, dict] = {}
    paths = list(warc_paths)
    # Rendered DOMs, attachments and counter answers are paired to their pages first (see
    # ReplayContext): the live crawl handed them to the pipeline together.
    context = ReplayContext.scan(paths, relative_to)
    context.unresolved = unresolved
    for path in paths:
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        for page in context.pages(path, name, damage):
            try:
                record = build_report(page)
            except Exception as exc:  # same policy as the live pipeline: log, count, go on
                logger.exception("Extraction failed for %s in %s: %r", page.url, name, exc)
                continue
            if record is not None:
                by_url[record["url"]] = record
    for page in context.standalone_files():
        try:
            record = build_report(page)
        except Exception as exc:
            logger.exception("Extraction failed for %s: %r", page.url, exc)
            continue
        if record is not None and record["url"] not in by_url:
            by_url[record["url"]] = record
    return list(by_url.values())


class ReplayContext:
    """What the live crawl attached to a page, recovered from the WARCs (docs/javascript.md).

    Which counter and which files complete a page is pipelines/completion.py's answer, the same
    the spider acted on; this class only finds those answers in the archive:
    - rendered DOMs (conversion records) replace the static responses of their URL;
    - an attachment is the file fetched with the page as its request's Referer (the spider sends
      it); in a WARC without request records, any capture of a file the page links to. A file
      fetched from a list (Referer: the list) is a report of its own when its link text there is a
      report title;
    - a counter answer is the (small) response at the URL the page's counter script would call;
    - an answer to a request the page's scripts made in the sandbox (pipelines/script_sandbox.py): the
      response at that URL whose request named the page as Referer, else (a GET) any capture of it,
      its redirects followed as Scrapy followed them live.
    """

    def __init__(self, max_attachments: int = MAX_ATTACHMENTS_PER_PAGE) -> None:
        self.max_attachments = max_attachments
        self._any_referer = False  # a WARC that records no Referers pairs files by links only
        self.rendered: dict[str, FetchedPage] = {}
        self.files: dict[str, FetchedPage] = {}  # response record id -> attachment
        self.files_at: dict[str, list[str]] = {}  # attachment url -> its record ids, in WARC order
        self.small: dict[str, FetchedPage] = {}  # url -> small response (counter answers)
        self.scripts: dict[str, FetchedPage] = {}  # url -> script or other answer a sandbox may ask
        self.asked_by: dict[tuple[str, str], FetchedPage] = {}  # (url, Referer) -> that answer
        self.referer: dict[str, str] = {}  # response record id -> Referer of its request
        self.link_text: dict[str, str] = {}  # attachment url -> a link text naming it
        self.claimed: set[str] = set()  # attachment record ids paired with a page
        self.finder: OriginalFinder | None = None  # revisits resolve among all the files given
        self.unresolved: list[WarcDamage] | None = None  # revisits whose original is not among them

    @classmethod
    def scan(cls, paths: list[Path], relative_to: Path | None) -> ReplayContext:
        ctx = cls()
        ctx.finder = OriginalFinder(paths)
        for path in paths:
            name = str(path.relative_to(relative_to)) if relative_to else str(path)
            for page in iter_rendered_pages(path, name=name):
                ctx.rendered[page.url] = page
                ctx._collect_link_texts(page)  # every DOM state of a rendered list: its links too
            ctx.referer.update(iter_request_referers(path))
            for page in iter_response_pages(path, name=name, finder=ctx.finder):
                if page.status == 200 and attachment_report.is_attachment_page(page):
                    ctx.files[page.warc_record_id] = page
                    ctx.files_at.setdefault(page.url, []).append(page.warc_record_id)
                    continue
                if is_counter_sized(page.body):
                    ctx.small[page.url] = page
                if len(page.body) <= MAX_ANSWER_BYTES and any(kind in page.content_type for kind in _ANSWER_TYPES):
                    ctx.scripts[page.url] = page
                if is_counter_sized(page.body) or page.url in ctx.scripts:
                    if referer := ctx.referer.get(page.warc_record_id):
                        ctx.asked_by[(page.url, referer)] = page
                ctx._collect_link_texts(page)
        ctx._any_referer = any(ctx.referer.get(rid) for rid in ctx.files)
        return ctx

    def _collect_link_texts(self, page: FetchedPage) -> None:
        try:
            for url, text in completion.attachment_link_texts(page):
                self.link_text.setdefault(url, text)
        except Exception as exc:  # a list we cannot read only costs a fallback title
            logger.debug("No links read from %s: %r", page.url, exc)

    # -- completion.Archive ----------------------------------------------------------------------
    def counter_answer(self, url: str) -> FetchedPage | None:
        return self.small.get(url)

    def script_answer(self, page_url: str, url: str, method: str) -> FetchedPage | None:
        for _ in range(_MAX_REDIRECTS):
            found = self.asked_by.get((url, page_url))
            if found is None and method == "GET":
                found = self.small.get(url) or self.scripts.get(url)
            location = found.headers.get("location") if found is not None else None
            if found is None or found.status not in (301, 302, 303, 307, 308) or not location:
                return found
            url, method = canonical_url(urljoin(url, location)), "GET" if found.status == 303 else method
        return None

    def attachment_for(self, page_url: str, url: str) -> FetchedPage | None:
        found = None
        for rid in self.files_at.get(url, ()):
            if self.referer.get(rid) == page_url or not self._any_referer:
                found = self.files[rid]  # the last capture wins, as for pages
        if found is not None:
            self.claimed.add(found.warc_record_id)
        return found

    # --------------------------------------------------------------------------------------------
    def pages(self, path: Path, name: str, damage: list[WarcDamage] | None) -> Iterable[FetchedPage]:
        for page in iter_response_pages(path, name=name, damage=damage, finder=self.finder,
                                        unresolved=self.unresolved):
            if page.url in self.rendered or page.warc_record_id in self.files:
                continue
            completion.complete_from(page, self, max_attachments=self.max_attachments)
            yield page
        for page in iter_rendered_pages(path, name=name):
            completion.complete_from(page, self, max_attachments=self.max_attachments)
            yield page

    def standalone_files(self) -> Iterable[FetchedPage]:
        for rid, page in self.files.items():
            if rid in self.claimed:
                continue
            page.link_text = self.link_text.get(page.url)
            yield page


def replay_to_jsonl(warc_paths: list[Path], out: Path, *, relative_to: Path | None = None) -> tuple[int, list[WarcDamage]]:
    damage: list[WarcDamage] = []
    records = replay_records(warc_paths, relative_to=relative_to, damage=damage)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records), damage
