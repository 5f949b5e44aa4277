"""The unit of extraction: one fetched HTTP response, wherever it came from.

The live crawl builds it from a Scrapy response (crawler/items.py), `gongkai replay` from a WARC
response record (archive/replay.py). Everything downstream sees only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict


class CounterAnswer(TypedDict):
    """A view counter's answer: the number read (None: unreadable) and the endpoint it came from."""

    views: int | None
    source: str


class PageExtras(TypedDict, total=False):
    """What the crawl learnt beside the page's own bytes (pipelines/completion.py fills it).

    All plain data: a page rides in request meta while it waits for these, so through pickle.
    """

    role: str | None  # the spider's role for the request ("detail", "column", …); None in replay
    rendered: bool  # the page is a browser-rendered DOM, not the static response
    refers_to: str | None  # rendered: the WARC record id of the static response it replaces
    counter: CounterAnswer  # its view counter's answer
    attachments: list[FetchedPage]  # the files it links to, fetched for it


@dataclass
class FetchedPage:
    url: str  # final URL, after redirects
    status: int
    # Response headers as received, names lower-cased; repeated names joined with ", ".
    headers: dict[str, str]
    # Payload with any Content-Encoding (gzip, deflate, br) removed; not yet decoded to text.
    body: bytes = field(repr=False)
    fetched_at: str  # UTC, ISO 8601, e.g. "2026-11-22T21:30:00Z"
    warc_file: str | None = None  # relative to the crawl's output directory
    warc_record_id: str | None = None  # "<urn:uuid:…>"
    warc_offset: int | None = None  # byte offset of the response record in warc_file
    referer: str | None = None  # page that linked here (the list page, for a report)
    # Link text or title attribute the referer used for this URL: a fallback title.
    link_text: str | None = None
    extra: PageExtras = field(default_factory=dict)  # type: ignore[assignment]
    # Decoded text and lxml tree, filled once by pipelines.document.parse_page and shared by the
    # spider's link finding and every extraction stage: a page is parsed once.
    parsed: Any = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        # A page travels in request meta (completion steps), and so through pickle: to a disk queue,
        # a crash journal, a shared Redis scheduler or an extraction worker. The lxml tree cannot be
        # pickled and is rebuilt on demand by parse_page.
        return {**self.__dict__, "parsed": None}

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()
