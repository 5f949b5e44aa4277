"""Every warning the page stages emit carries a code from pipelines/warnings.py (issue 14): code that
settles a warning drops it by code, never by comparing its message, and the message a user reads in
the JSON line is the same string."""

from __future__ import annotations

import json

from pipelines import clean
from pipelines import warnings as W
from pipelines.extract import extract_page_text
from pipelines.page import FetchedPage
from pipelines.report import build_report
from tests.conftest import shared

CODES = {v for k, v in vars(W).items() if k.isupper() and isinstance(v, str)}


def _page(body: bytes, url: str = "http://www.x.gov.cn/a.html") -> FetchedPage:
    return FetchedPage(url=url, status=200, headers={"content-type": "text/html"}, body=body,
                       fetched_at="2026-01-01T00:00:00Z")


def _uncoded(warnings: list[str]) -> list[str]:
    return [w for w in warnings if W.code_of(w) not in CODES]


def test_warnings_of_the_real_saved_pages_have_codes() -> None:
    pages = sorted(shared("corpus/public-pages").rglob("*.html"))
    assert len(pages) >= 20
    seen = 0
    for path in pages:
        page = _page(path.read_bytes(), "https://www.example.gov.cn/a.html")
        text, warnings = extract_page_text(page)
        record = build_report(page)
        every = warnings + (record["warnings"] if record else [])
        seen += len(every)
        assert not _uncoded(every), (path, _uncoded(every))
    assert seen > 0  # the pages do warn: the check above is not vacuous


def test_cleaning_warnings_of_real_scraped_texts_have_codes() -> None:
    # The five seeds are reports as scraped: doc-sharing wrappers, content-farm mirrors among them.
    seeds = sorted(shared("seeds").glob("*.txt"))
    assert len(seeds) == 5
    found = []
    for path in seeds:
        _text, warnings = clean.clean_text(path.read_text(encoding="utf-8"))
        assert not _uncoded(warnings), (path, warnings)
        found += [W.code_of(w) for w in warnings]
    assert W.DOCSHARE_WRAPPER in found and W.MIRROR_PINYIN in found, found


def test_bad_bodies_warn_with_codes_and_the_json_line_keeps_the_message() -> None:
    for body in (b"", b"\x80\x30\xff\xfe" * 30, b'<html><body><div class="TRS_Editor"><img src="p1.jpg"></div></body></html>'):
        _text, warnings = extract_page_text(_page(body))
        assert warnings and not _uncoded(warnings), warnings
        assert json.loads(json.dumps(warnings)) == [str(w) for w in warnings]
