"""Re-extract reports from WARC files offline, through the very path the live crawl uses."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from archive.reader import WarcDamage, iter_rendered_pages, iter_request_referers, iter_response_pages
from pipelines import attachment_report, document
from pipelines.page import FetchedPage
from pipelines.report import build_report

logger = logging.getLogger(__name__)


def replay_records(warc_paths: Iterable[Path], *, relative_to: Path | None = None,
                   damage: list[WarcDamage] | None = None) -> Iterable[dict]:
    """Report records from WARC files, one per report URL (the last capture wins on duplicates)."""
    by_url: dict[str, dict] = {}
    paths = list(warc_paths)
    # Rendered DOMs, attachments and counter answers are paired to their pages first (see
    # ReplayContext): the live crawl handed them to the pipeline together.
    context = ReplayContext.scan(paths, relative_to)
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

    - rendered DOMs (conversion records) replace the static responses of their URL;
    - an attachment is paired with the page its request's Referer names (the spider sends the report
      page as Referer when it fetches the page's files); without a request record, with any page that
      links it. A file fetched from a list (Referer: the list) is a report of its own when its link
      text there is a report title;
    - a counter answer is the response at the URL the page's counter script would call.
    """

    def __init__(self) -> None:
        self.rendered: dict[str, FetchedPage] = {}
        self.files: dict[str, FetchedPage] = {}  # response record id -> attachment
        self.small: dict[str, FetchedPage] = {}  # url -> small response (counter answers)
        self.referer: dict[str, str] = {}  # response record id -> Referer of its request
        self.link_text: dict[str, str] = {}  # attachment url -> a link text naming it
        self.claimed: set[str] = set()  # attachment record ids paired with a page

    @classmethod
    def scan(cls, paths: list[Path], relative_to: Path | None) -> ReplayContext:
        from crawler.rules.endpoints import COUNTER_MAX_BODY

        ctx = cls()
        for path in paths:
            name = str(path.relative_to(relative_to)) if relative_to else str(path)
            for page in iter_rendered_pages(path, name=name):
                ctx.rendered[page.url] = page
            ctx.referer.update(iter_request_referers(path))
            for page in iter_response_pages(path, name=name):
                if page.status == 200 and attachment_report.is_attachment_page(page):
                    ctx.files[page.warc_record_id] = page
                    continue
                if len(page.body) <= COUNTER_MAX_BODY:
                    ctx.small[page.url] = page
                ctx._collect_link_texts(page)
        return ctx

    def _collect_link_texts(self, page: FetchedPage) -> None:
        from crawler import links as L

        try:
            for link in _page_link_list(page):
                if L.is_attachment(link) and link.text:
                    self.link_text.setdefault(link.url, link.text)
        except Exception as exc:  # a list we cannot read only costs a fallback title
            logger.debug("No links read from %s: %r", page.url, exc)

    def pages(self, path: Path, name: str, damage: list[WarcDamage] | None) -> Iterable[FetchedPage]:
        for page in iter_response_pages(path, name=name, damage=damage):
            if page.url in self.rendered or page.warc_record_id in self.files:
                continue
            yield self._complete(page)
        for page in iter_rendered_pages(path, name=name):
            yield self._complete(page)

    def _complete(self, page: FetchedPage) -> FetchedPage:
        from crawler import endpoints
        from crawler import links as L
        from crawler.spiders.reports import MAX_ATTACHMENTS_PER_PAGE

        parsed = document.parse_page(page) if page.status == 200 else None
        if parsed is None or parsed.tree is None:
            return page
        if not page.extra.get("rendered"):
            url = endpoints.counter_url(page.url, parsed.tree)
            if url and url in self.small:
                page.extra["counter"] = {"views": endpoints.parse_count(self.small[url].body), "source": url}
        linked = [link.url for link in L.page_links(parsed.tree, page.url) if L.is_attachment(link)]
        linked = linked[:MAX_ATTACHMENTS_PER_PAGE]
        if linked:
            by_referer = {rid: f for rid, f in self.files.items() if self.referer.get(rid) == page.url}
            chosen = [f for f in by_referer.values() if f.url in linked]
            if not chosen and not any(self.referer.get(rid) for rid in self.files):
                chosen = [f for f in self.files.values() if f.url in linked]  # foreign WARCs: by links
            if chosen:
                page.extra["attachments"] = chosen
                self.claimed.update(f.warc_record_id for f in chosen)
        return page

    def standalone_files(self) -> Iterable[FetchedPage]:
        for rid, page in self.files.items():
            if rid in self.claimed:
                continue
            page.link_text = self.link_text.get(page.url)
            yield page


def _page_link_list(page: FetchedPage) -> list:
    from scrapy.http import TextResponse

    from crawler import endpoints
    from crawler import links as L

    if page.status != 200 or not page.body:
        return []
    if page.content_type in ("text/html", "application/xhtml+xml", ""):
        parsed = document.parse_page(page)
        return L.page_links(parsed.tree, page.url) if parsed.tree is not None else []
    if "json" in page.content_type or "xml" in page.content_type or "javascript" in page.content_type:
        response = TextResponse(page.url, body=page.body, encoding="utf-8")
        return endpoints.links_from_list_response(response)
    return []


def replay_to_jsonl(warc_paths: list[Path], out: Path, *, relative_to: Path | None = None) -> tuple[int, list[WarcDamage]]:
    damage: list[WarcDamage] = []
    records = replay_records(warc_paths, relative_to=relative_to, damage=damage)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records), damage
