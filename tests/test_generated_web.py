"""The generated fixture web (tests/fixtureweb/generated), and a crawl of a few of its portals.

The generator: seeded, each choice independent of the others, pages rendered per request, every
mechanism a person would meet in a browser answering as it should. The crawl: what a user sees —
JSON lines (every expected report once, nothing else), their view counts and sources, requests
made (none out of scope) and `gongkai replay` of the crawl's WARCs giving the same lines.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

import pytest

from pipelines import endpoints as pure
from pipelines.classify import is_annual_report_title, is_candidate_link_text
from pipelines.document import parse_page
from pipelines.page import FetchedPage
from tests.conftest import GONGKAI, ROOT, proxy_env, run_crawl
from tests.fixtureweb.generated import GeneratedWeb, plan_for
from tests.fixtureweb.generated import mechanisms as M
from tests.fixtureweb.generated.plan import ATTACHMENTS, COUNTERS, FAMILIES, LIST_MECHANISMS, SCRIPTS

# Small portals that together carry a CMS family each of trs-like, ASP.NET, VSB, Hanweb, content
# farm; lists createPageHTML, POST dataproxy, JSON API with script variables, static js_next,
# browser-only with pager clicks; counters by script src, XHR keyed by manuscript id,
# _showDynClicks; Traditional script; DOC, DOCX and PDF attachments; look-alikes, off-site links
# and related-links blocks. (Benchmark seeds are 1000-1039: no test is written against them.)
CRAWL_SEEDS = [12, 13, 62, 58, 8]


def _opener(web) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))


# --- the generator -----------------------------------------------------------------------------


def test_same_seed_same_portal_and_choices_are_independent() -> None:
    assert plan_for(1003) == plan_for(1003)
    plans = [plan_for(s) for s in range(1, 301)]
    for values, field in ((FAMILIES, "family"), (LIST_MECHANISMS, "list_mechanism"), (COUNTERS, "counter"),
                          (ATTACHMENTS, "attachments"), (SCRIPTS, "script")):
        assert {getattr(p, field) for p in plans} == set(values), field
    # Independence: every list mechanism occurs under at least 4 of the 7 families, and the counter
    # choice does not follow the list mechanism.
    by_mech: dict[str, set[str]] = {}
    for p in plans:
        by_mech.setdefault(p.list_mechanism, set()).add(p.family)
    assert all(len(families) >= 4 for families in by_mech.values()), by_mech
    pairs = Counter((p.list_mechanism, p.counter) for p in plans)
    assert len(pairs) >= 25, pairs


def test_every_page_of_a_portal_answers_and_expectations_hold_together() -> None:
    gen = GeneratedWeb([13, 62])
    with gen.serve() as web:
        opener = _opener(web)
        for rec in gen.expected_reports():
            with opener.open(rec["url"], timeout=10) as resp:
                body = resp.read()
            assert resp.status == 200 and body, rec["url"]
        # A JSON list API answers items only for the column its page's script names.
        plan = plan_for(62)
        api = M.json_api_of(62)
        with opener.open(f"{plan.base}{api.path}?{api.column_var}=&{api.page_var}=1", timeout=10) as resp:
            assert not json.loads(resp.read())[api.items_key]
        # The neighbour's portal the footer links to is served, and counts as out of scope.
        assert gen.out_of_scope(web.requests()) == []
    urls = [r["url"] for r in gen.expected_reports()]
    assert len(urls) == len(set(urls))
    assert not set(urls) & {r["url"] for r in gen.expected_non_reports()}
    assert all(is_annual_report_title(r["title"]) for r in gen.expected_reports())
    # Look-alikes are titled like reports but are none of them.
    assert not any(is_annual_report_title(r["title"]) for r in gen.expected_non_reports())


def test_browser_only_list_needs_the_script_signature() -> None:
    """The browser-only mechanism: no URL in the HTML, and a request without the script's signature is refused."""
    seed = next(s for s in range(1, 400) if plan_for(s).list_mechanism == "browser_only")
    gen = GeneratedWeb([seed])
    c_plan = plan_for(seed)
    with gen.serve() as web:
        opener = _opener(web)
        req = urllib.request.Request(f"{c_plan.base}{M.BROWSER_LIST_PATH}", data=b"c=main1000&p=1&s=0", method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(req, timeout=10)
        assert err.value.code == 403


# --- the rules the generated web exercises, on their own ------------------------------------------


def test_list_endpoint_is_resolved_with_the_pages_own_variables() -> None:
    """Issue 9 class 1: `fetch('/api/list?column=' + column + '&page=' + page)` with `var column`."""
    html = (b"<html><body><ul id=list></ul><script>var column = \"nb2023\";\n"
            b"function load(page) { fetch('/api/list?column=' + column + '&page=' + page).then(function (r) {}); }\n"
            b"load(1);</script></body></html>")
    page = FetchedPage(url="http://www.x.gov.cn/xxgk/nb/", status=200, headers={"content-type": "text/html"}, body=html,
                        fetched_at="2024-01-01T00:00:00Z")
    calls = pure.list_calls(page, parse_page(page).tree)
    assert [c.url for c in calls] == ["http://www.x.gov.cn/api/list?column=nb2023&page=1"]
    assert calls[0].paging == {"kind": "json", "param": "page", "page": 1}


def test_counter_endpoint_keyed_by_manuscript_id_and_counter_script_after_label() -> None:
    xhr = M.counter_markup("api", M.API_COUNTERS[0], 4321, 1, 5)
    src = M.counter_markup("script", "/site/cnt.do", 4321, 1, 5)
    for markup, url in ((xhr, "http://www.x.gov.cn/api/views?manuscriptId=4321"),
                        (src, "http://www.x.gov.cn/site/cnt.do?id=4321")):
        html = f"<html><body><div class=info>发布时间：2024-01-02　瀏覽次數：{markup}</div></body></html>".encode()
        page = FetchedPage(url="http://www.x.gov.cn/a/1.html", status=200, headers={"content-type": "text/html"},
                           body=html, fetched_at="2024-01-01T00:00:00Z")
        assert pure.counter_url(page.url, parse_page(page).tree) == url


@pytest.mark.parametrize("title", ["福東縣2023年政府信息公開工作年度報告", "某区２０２２年 政府信息公开工作年度报告"])
def test_traditional_and_full_width_titles_are_reports(title: str) -> None:
    assert is_annual_report_title(title) and is_candidate_link_text(title)


@pytest.mark.parametrize("title", ["关于某区2022年政府信息公开工作年度报告的更正说明", "图解：某区2022年政府信息公开工作年度报告",
                                   "《某区2022年政府信息公开工作年度报告》解读", "一图读懂某区2022年政府信息公开工作年度报告",
                                   "某区政府信息公开年度报告目录"])
def test_pages_about_a_report_are_not_reports(title: str) -> None:
    assert not is_annual_report_title(title)


# --- a crawl, as a user runs it -------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_crawl(tmp_path_factory):
    gen = GeneratedWeb(CRAWL_SEEDS)
    with gen.serve() as web:
        run = run_crawl(web, tmp_path_factory.mktemp("generated") / "job", urls=gen.start_urls)
        replayed = run.out.parent / "replay.jsonl"
        replay = subprocess.run([*GONGKAI, "replay", str(run.out / "warc"), "--out", str(replayed)],
                                env=proxy_env(web), cwd=ROOT, capture_output=True, text=True, timeout=600)
        yield gen, web, run, replay, replayed


def test_crawl_emits_every_report_once_and_nothing_else(generated_crawl) -> None:
    gen, _web, run, _replay, _ = generated_crawl
    assert run.returncode == 0, run.stderr[-3000:]
    got = [r["url"] for r in run.reports()]
    expected = {r["url"] for r in gen.expected_reports()}
    assert len(got) == len(set(got)), "a report was emitted twice"
    assert expected - set(got) == set(), "missed"
    assert set(got) - expected == set(), "emitted a non-report"


def test_views_are_the_numbers_a_person_sees(generated_crawl) -> None:
    gen, _web, run, _replay, _ = generated_crawl
    got = {r["url"]: r for r in run.reports()}
    wrong = []
    for exp in gen.expected_reports():
        rec = got.get(exp["url"])
        if rec is None:
            continue
        if rec["views"] != exp["views"]:
            wrong.append((exp["url"], exp["mechanism"]["counter"], exp["views"], rec["views"], rec["views_source"]))
        elif exp["views"] is not None:
            assert rec["views_source"] in ("page", "rendered") or rec["views_source"].startswith("counter:"), rec
    assert not wrong, wrong


def test_no_request_leaves_the_portals(generated_crawl) -> None:
    gen, web, run, _replay, _ = generated_crawl
    leaks = gen.out_of_scope(run.requests)
    assert not leaks, sorted({r.url for r in leaks})[:10]
    hosts = {urlsplit(r.url).hostname for r in run.requests}
    assert {plan_for(s).host for s in CRAWL_SEEDS} <= hosts


def test_related_links_stay_out_of_the_text(generated_crawl) -> None:
    gen, _web, run, _replay, _ = generated_crawl
    got = {r["url"]: r for r in run.reports()}
    leaked = [(e["url"], m) for e in gen.expected_reports() for m in e["text_must_not_contain"]
              if e["url"] in got and m in (got[e["url"]].get("text") or "")]
    assert not leaked, leaked[:5]


def test_replay_of_the_crawls_warcs_gives_the_same_lines(generated_crawl) -> None:
    _gen, _web, run, replay, replayed = generated_crawl
    assert replay.returncode == 0, replay.stderr[-2000:]
    again = {r["url"]: r for r in (json.loads(x) for x in replayed.read_text(encoding="utf-8").splitlines())}
    differ = [(r["url"], f) for r in run.reports() for f in ("text", "views", "statistics")
              if r["url"] not in again or again[r["url"]].get(f) != r.get(f)]
    assert not differ, differ[:5]
