"""pipelines.completion: which requests complete a page, and pairing their answers — the one rule
the spider and replay share."""

from __future__ import annotations

import pickle

from pipelines import completion
from pipelines.document import parse_page
from pipelines.page import FetchedPage
from pipelines.report import build_report

REPORT = "清河区2022年政府信息公开工作年度报告"
URL = "http://www.qh.gov.cn/zfxxgk/zfxxgknb/202301/t20230120_1.shtml"


def _page(title: str, body: str, url: str = URL, **extra: object) -> FetchedPage:
    html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    page = FetchedPage(url=url, status=200, headers={"content-type": "text/html; charset=utf-8"},
                       body=html.encode("utf-8"), fetched_at="2026-01-01T00:00:00Z")
    page.extra.update(extra)
    return page


COUNTER = "<p>浏览次数：<script src='/module/visitcount/articlehits.jsp?colid=1&artid=9'></script></p>"
FILES = "".join(f"<a href='/files/{i}.pdf'>附件{i}</a>" for i in range(12))


def test_a_report_page_waits_for_its_counter_then_its_files_in_link_order() -> None:
    page = _page(REPORT, COUNTER + FILES)
    steps = completion.plan(page, parse_page(page), max_attachments=3)
    assert [(s.kind, s.url) for s in steps] == [
        ("counter", "http://www.qh.gov.cn/module/visitcount/articlehits.jsp?colid=1&artid=9"),
        ("attachment", "http://www.qh.gov.cn/files/0.pdf"),
        ("attachment", "http://www.qh.gov.cn/files/1.pdf"),
        ("attachment", "http://www.qh.gov.cn/files/2.pdf"),
    ]
    # Referer: the page (counters want one; replay pairs a file with the page that asked for it).
    assert {s.headers["Referer"] for s in steps} == {URL}
    assert steps[1].link_text == "附件0"


def test_a_page_that_is_no_report_is_not_completed() -> None:
    # A news page with a counter and files: no record is made of it, so nothing is fetched for it.
    page = _page("区政府召开常务会议", COUNTER + FILES)
    assert completion.plan(page, parse_page(page)) == []
    assert build_report(page) is None


def test_a_rendered_dom_asks_no_counter_and_files_can_be_switched_off() -> None:
    page = _page(REPORT, COUNTER + FILES, rendered=True)
    assert {s.kind for s in completion.plan(page, parse_page(page))} == {"attachment"}
    page = _page(REPORT, COUNTER + FILES)
    assert [s.kind for s in completion.plan(page, parse_page(page), attachments=False)] == ["counter"]


def test_the_page_and_its_remaining_steps_pickle_as_they_ride_in_request_meta() -> None:
    page = _page(REPORT, COUNTER + FILES)
    steps = completion.plan(page, parse_page(page))
    meta = pickle.loads(pickle.dumps({"page": page, "step": steps[0], "steps": steps[1:]}))
    assert meta["steps"] == steps[1:] and meta["page"].url == URL and meta["page"].parsed is None


class _Archive:
    def __init__(self, answers: dict[str, FetchedPage], files: dict[tuple[str, str], FetchedPage]) -> None:
        self.answers, self.files = answers, files

    def counter_answer(self, url: str) -> FetchedPage | None:
        return self.answers.get(url)

    def attachment_for(self, page_url: str, url: str) -> FetchedPage | None:
        return self.files.get((page_url, url))


def _response(url: str, body: bytes, content_type: str) -> FetchedPage:
    return FetchedPage(url=url, status=200, headers={"content-type": content_type}, body=body,
                       fetched_at="2026-01-01T00:00:00Z")


def test_replay_pairs_what_the_plan_names_and_the_record_shows_it() -> None:
    page = _page(REPORT, COUNTER + "<p>本报告全文见附件。</p>" + FILES)
    counter_url = "http://www.qh.gov.cn/module/visitcount/articlehits.jsp?colid=1&artid=9"
    file = _response("http://www.qh.gov.cn/files/1.pdf", b"%PDF-1.4 broken", "application/pdf")
    stray = _response("http://www.qh.gov.cn/files/2.pdf", b"%PDF-1.4", "application/pdf")
    archive = _Archive({counter_url: _response(counter_url, b'document.write("321");', "text/javascript")},
                       {(URL, file.url): file, ("http://www.qh.gov.cn/other.html", stray.url): stray})
    found = completion.complete_from(page, archive)
    # The counter's answer and the one file fetched for this page; the file fetched for another page
    # is not this page's.
    assert [s.url for s in found] == [counter_url, file.url]
    assert page.extra["counter"] == {"views": 321, "source": counter_url}
    assert page.extra["attachments"] == [file]
    record = build_report(page)
    assert record["views"] == 321 and record["views_source"] == f"counter:{counter_url}"
    assert [a["url"] for a in record["attachments"]] == [file.url]
    # The static page warns that a script fills its counter; the answer settles it (by its code).
    static = build_report(_page(REPORT, COUNTER + "<p>本报告全文见附件。</p>" + FILES))
    assert any("counter filled by a script" in w for w in static["warnings"])
    assert not any("counter filled by a script" in w for w in record["warnings"])
