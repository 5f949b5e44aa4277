"""The script sandbox (pipelines/script_sandbox.py): counters whose URL only a running script knows.

Units on hand-written counter scripts of the kinds portals obfuscate (char codes, split/reverse/join,
a packer's eval, atob, $.ajax with a data object, a VSB _showDynClicks reached by a computed name, a
script written by document.write): the static reading finds no endpoint, the sandbox asks the right
one, and with its answer reads the number. Then hostile scripts, scope, and one crawl of generated
portals: the sandbox's counters need no browser, a counter only layout shows still gets one, and
replay of the WARCs gives the crawl's lines.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections import Counter
from urllib.parse import urlsplit

import pytest

from pipelines import completion, endpoints, script_sandbox
from pipelines.document import parse_page
from pipelines.page import FetchedPage
from pipelines.report import build_report
from tests.conftest import GONGKAI, ROOT, proxy_env, run_crawl
from tests.fixtureweb.generated import GeneratedWeb, plan_for
from tests.fixtureweb.generated import mechanisms as M

TITLE = "清河区2023年政府信息公开工作年度报告"
URL = "http://www.qh.gov.cn/zfxxgk/nb/202401/t20240120_2817.html"


def _page(counter: str, head: str = "", label: str = "浏览次数：") -> FetchedPage:
    html = (f"<html><head><title>{TITLE}</title>{head}</head><body><h1>{TITLE}</h1>"
            f"<div class='info'>发布时间：2024-01-20　来源：清河区人民政府办公室　{label}{counter}</div>"
            f"<p>{'根据《中华人民共和国政府信息公开条例》规定，本报告由清河区人民政府办公室编制。' * 6}</p></body></html>")
    return FetchedPage(url=URL, status=200, headers={"content-type": "text/html; charset=utf-8"},
                       body=html.encode("utf-8"), fetched_at="2026-01-01T00:00:00Z")


def _run(page: FetchedPage, serve: dict[str, tuple[bytes, str]]) -> tuple[script_sandbox.Outcome, list[str]]:
    """Evaluate to the fixed point, answering each wanted URL from `serve` (404 otherwise)."""
    tree = parse_page(page).tree
    answers: dict = {}
    asked: list[str] = []
    for _ in range(4):
        outcome = script_sandbox.evaluate(page, tree, answers)
        if not outcome.calls:
            return outcome, asked
        for key, call in outcome.calls:
            asked.append(f"{call.method} {call.url} {call.body.decode()}".strip())
            body, ctype = serve.get(call.url, (b"not found", "text/html"))
            answers[key] = script_sandbox.answer_of(200 if call.url in serve else 404, body, ctype)
    raise AssertionError("no fixed point")


def _packed(js: str) -> str:
    """`js` as Dean Edwards' packer leaves it: every word an index into a keyword list, run by eval."""
    words = list(dict.fromkeys(re.findall(r"\w+", js)))
    payload = re.sub(r"\w+", lambda m: format(words.index(m.group(0)), "x"), js).replace("\\", "\\\\").replace("'", "\\'")
    return ("eval(function(p,a,c,k,e,d){while(c--)if(k[c])p=p.replace(new RegExp('\\\\b'+c.toString(a)+'\\\\b','g'),k[c]);"
            f"return p}}('{payload}',16,{len(words)},'{'|'.join(words)}'.split('|'),0,{{}}))")


COUNTER_JSON = (b'{"code":0,"data":{"hits":2817}}', "application/json")
OBFUSCATED = {
    # the generator's own: path from char codes, sync XHR, document.write
    "charcodes": (M.counter_markup("rendered", "charcodes", 2817, 1, 0), "http://www.qh.gov.cn/stat/vc.do?id=2817",
                  (b'{"n": 2817}', "application/json")),
    "split_reverse_join": ("<span id='hits'></span><script>var a=['ph','p.','tnuoc','/ipa/'],b=a.join('')"
                           ".split('').reverse().join(''),id=2817;var x=new XMLHttpRequest();x.open('GET',b+'?aid='+id);"
                           "x.onreadystatechange=function(){if(x.readyState==4&&x.status==200){"
                           "document.getElementById('hits').innerHTML=JSON.parse(x.responseText).data.hits}};x.send(null);</script>",
                           "http://www.qh.gov.cn/api/count.php?aid=2817", COUNTER_JSON),
    "packed": ("<script>" + _packed("var r=new XMLHttpRequest();r.open('GET','/cms/visit/num.do?contentId=2817',false);"
                                    "r.send();document.write(r.responseText)") + "</script>",
               "http://www.qh.gov.cn/cms/visit/num.do?contentId=2817", (b"2817", "text/plain")),
    "atob_ajax_data": ("<span id='c'></span><script>$(function(){$.ajax({url:atob('L2ludGVyZmFjZS9hcnRpY2xl'),"
                       "type:'post',data:{action:'click',docid:2817},dataType:'json',success:function(d){$('#c').text(d.data.hits)}})})</script>",
                       "http://www.qh.gov.cn/interface/article", COUNTER_JSON),
    "written_script": ("<script>var s='/sys/'+'res'+'/hit'+'s.js'+'p?id=';document.write('<scr'+'ipt src=\"'+s+2817+'\"></scr'+'ipt>')</script>",
                       "http://www.qh.gov.cn/sys/res/hits.jsp?id=2817", (b'document.write("2817");', "text/javascript")),
    "fetch_cache_buster": ("<span id='pv'></span><script>fetch(['/api','/pv'].join('')+'?id=2817&t='+new Date().getTime())"
                           ".then(function(r){return r.json()}).then(function(d){document.getElementById('pv').textContent=d.data.hits})</script>",
                           "http://www.qh.gov.cn/api/pv?id=2817&t=1767225600000", COUNTER_JSON),
}


@pytest.mark.parametrize("name", sorted(OBFUSCATED))
def test_a_counter_url_built_at_run_time_is_asked_and_its_answer_read(name: str) -> None:
    markup, url, answer = OBFUSCATED[name]
    page = _page(markup)
    tree = parse_page(page).tree
    assert endpoints.counter_url(page.url, tree) is None, "the static reading finds it: no test of the sandbox"
    assert script_sandbox.applies(page, tree)
    outcome, asked = _run(page, {url: answer})
    assert [a.split(" ")[1] for a in asked] == [url]
    assert (outcome.views, outcome.source, outcome.warning) == (2817, url, None)


def test_ajax_post_sends_its_data_object_as_a_form() -> None:
    markup, url, answer = OBFUSCATED["atob_ajax_data"]
    _outcome, asked = _run(_page(markup), {url: answer})
    assert asked == [f"POST {url} action=click&docid=2817"]


def test_vsb_dynclicks_by_a_computed_name_fetches_the_pages_own_script_then_the_counter() -> None:
    page = _page("<span id='dynclicks_wbnews_2817_1412'></span><script>window['_show'+'DynClicks']('wbnews',1412,2817)</script>",
                 head=f"<script src='{M.DYNCLICKS_JS}'></script><script src='/js/jquery.min.js'></script>")
    assert endpoints.counter_url(page.url, parse_page(page).tree) is None
    counter = f"http://www.qh.gov.cn{M.DYNCLICKS}?clickid=2817&owner=1412&clicktype=wbnews"
    outcome, asked = _run(page, {f"http://www.qh.gov.cn{M.DYNCLICKS_JS}": (M.DYNCLICKS_SCRIPT.encode(), "application/javascript"),
                                 counter: (b"2817", "text/html")})
    # The library (jquery) is never fetched: the stub is its API.
    assert asked == [f"GET http://www.qh.gov.cn{M.DYNCLICKS_JS}", f"GET {counter}"]
    assert (outcome.views, outcome.source) == (2817, counter)


def test_the_same_page_asks_the_same_urls_every_time() -> None:
    markup, url, answer = OBFUSCATED["fetch_cache_buster"]
    runs = [_run(_page(markup + "<script>var r=Math.random();</script>"), {url: answer})[1] for _ in range(2)]
    assert runs[0] == runs[1] == [f"GET {url}"]


def test_nothing_off_scope_or_built_from_a_missing_value_is_asked() -> None:
    off = ("<script>var x=new XMLHttpRequest();x.open('GET','http://tongji.' + 'example.com/c?id=2817',false);x.send();"
           "document.write(x.responseText)</script>")
    missing = ("<script>var e=document.getElementsByTagName('span')[5];var x=new XMLHttpRequest();"
               "x.open('GET','/api/hits?id='+(e&&e.getAttribute('data-id')),false);x.send();document.write(x.responseText)</script>")
    for markup in (off, missing):
        outcome, asked = _run(_page(markup), {})
        assert asked == [] and outcome.views is None


@pytest.mark.parametrize("script", ["while (true) {}", "var a = []; for (;;) a.push(new Array(1e5).fill(1.5));"])
def test_a_hostile_script_costs_one_warning_and_no_number(script: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pipelines.script_sandbox"):
        outcome = script_sandbox.evaluate(_page(f"<script>{script}</script>"), parse_page(_page(f"<script>{script}</script>")).tree, {})
    assert outcome.views is None and not outcome.calls and outcome.warning
    assert len([r for r in caplog.records if r.name == "pipelines.script_sandbox"]) == 1


def test_a_counter_asked_once_in_view_is_read_the_whole_page_being_in_view() -> None:
    # A lazy counter (IntersectionObserver) is asked by every visitor who scrolls to it: no render.
    url = "http://www.qh.gov.cn/stat/vc.do?id=2817"
    outcome, asked = _run(_page(M.counter_markup("rendered", "in_view", 2817, 1, 0)), {url: (b'{"n": 2817}', "application/json")})
    assert asked == [f"GET {url}"] and outcome.views == 2817
    # Disconnected before its callback ran: nothing is asked.
    unobserved = ("<span id='vc'></span><script>var o = new IntersectionObserver(function () {"
                  " var x = new XMLHttpRequest(); x.open('GET', '/stat/vc.do?id=2817', false); x.send();"
                  " document.getElementById('vc').textContent = x.responseText; }); o.observe(document.getElementById('vc'));"
                  " o.disconnect();</script>")
    outcome, asked = _run(_page(unobserved), {url: (b"2817", "text/plain")})
    assert asked == [] and outcome.views is None


def test_a_counter_only_layout_shows_is_left_to_the_browser() -> None:
    page = _page(M.counter_markup("rendered", "in_view_scroll", 2817, 1, 0))
    outcome, asked = _run(page, {})
    assert asked == [] and outcome.views is None
    steps = completion.plan(page, parse_page(page))
    assert [s.kind for s in steps] == [completion.SANDBOX] and not completion.sandbox_unread(page, steps)
    steps = completion.pair_sandbox(page, script_sandbox.evaluate_task(completion.sandbox_task(page)), steps[1:])
    assert completion.sandbox_unread(page, steps)


def test_only_pages_with_a_script_written_counter_run_it() -> None:
    static = _page("<span>2817</span>")
    assert not script_sandbox.applies(static, parse_page(static).tree)
    no_label = _page("<script>document.write(1)</script>", label="")
    assert not script_sandbox.applies(no_label, parse_page(no_label).tree)
    # A page that is no report gets no record: nothing is run or fetched for it.
    news = FetchedPage(url=URL, status=200, headers={"content-type": "text/html"}, fetched_at="2026-01-01T00:00:00Z",
                       body=_page(OBFUSCATED["charcodes"][0]).body.replace(TITLE.encode(), "我区召开工作会议".encode()))
    assert completion.plan(news, parse_page(news)) == [] and "sandbox" not in news.extra


class _Archive:
    def __init__(self, answers: dict[str, FetchedPage]) -> None:
        self.answers = answers

    def counter_answer(self, url: str) -> FetchedPage | None:
        return None

    def attachment_for(self, page_url: str, url: str) -> FetchedPage | None:
        return None

    def script_answer(self, page_url: str, url: str, method: str) -> FetchedPage | None:
        return self.answers.get(url)


def test_replay_completes_the_page_through_the_same_rounds_and_the_record_names_the_endpoint() -> None:
    markup, url, (body, ctype) = OBFUSCATED["written_script"]
    page = _page(markup)
    static = build_report(_page(markup))
    found = completion.complete_from(page, _Archive({url: FetchedPage(url=url, status=200, headers={"content-type": ctype},
                                                                      body=body, fetched_at="2026-01-01T00:00:00Z")}))
    assert [s.url for s in found] == [url]
    record = build_report(page)
    assert (static["views"], record["views"], record["views_source"]) == (None, 2817, f"counter:{url}")
    assert any("counter filled by a script" in w for w in static["warnings"])
    assert not any("counter filled by a script" in w for w in record["warnings"])
    assert "answers" not in page.extra["sandbox"]  # what rides on with the page is small


# --- a crawl ------------------------------------------------------------------------------------
# 149: a char-code counter (the sandbox's); 56: a counter asked once its position is in the window
# (layout: the browser's); 3: a counter asked once an IntersectionObserver sees it (the sandbox's).
SEEDS = [149, 56, 3]
READ_BY_THE_SANDBOX = (149, 3)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    assert [M.counter_variant(s, plan_for(s).counter) for s in SEEDS] == ["charcodes", "in_view_scroll", "in_view"]
    gen = GeneratedWeb(SEEDS)
    with gen.serve() as web:
        run = run_crawl(web, tmp_path_factory.mktemp("sandbox") / "job", urls=gen.start_urls)
        replayed = run.out.parent / "replay.jsonl"
        replay = subprocess.run([*GONGKAI, "replay", str(run.out / "warc"), "--out", str(replayed)],
                                env=proxy_env(web), cwd=ROOT, capture_output=True, text=True, timeout=600)
        yield gen, run, replay, replayed


def test_sandbox_counters_need_no_render_and_layout_counters_still_get_one(crawl) -> None:
    gen, run, _replay, _ = crawl
    assert run.returncode == 0, run.stderr[-3000:]
    got = {r["url"]: r for r in run.reports()}
    sources: Counter = Counter()
    for seed in SEEDS:
        for exp in gen.expected_reports(seed):
            rec = got[exp["url"]]
            assert rec["views"] == exp["views"], (exp["url"], rec["views_source"])
            if exp["views"] is not None:
                kind = rec["views_source"].split(":")[0]
                sources[(seed, kind)] += 1
                assert kind == ("counter" if seed in READ_BY_THE_SANDBOX else "rendered"), rec["views_source"]
                if seed in READ_BY_THE_SANDBOX:
                    host = urlsplit(exp["url"]).netloc  # a street office's reports are on its own host
                    assert rec["views_source"].startswith(f"counter:http://{host}{M.RENDERED_COUNTER}?id="), rec["views_source"]
    stats = run.stats()
    flat = stats.get("stats", stats)
    assert sources[(149, "counter")] > 0 and sources[(3, "counter")] > 0
    assert flat.get("gongkai/sandbox/views_read") == sources[(149, "counter")] + sources[(3, "counter")]
    # The scripts ran in the sandbox's own process (crawler/sandbox.py), not in the crawl process.
    assert flat.get("gongkai/sandbox/processes_started", 0) >= 1 and not flat.get("gongkai/sandbox/processes_replaced")
    # Every layout counter is rendered after the sandbox read nothing; no report page the sandbox read is.
    assert flat.get("gongkai/sandbox/browser_fallbacks") == sources[(56, "rendered")] > 0
    rendered = set(flat.get("gongkai/browser/rendered_urls") or [])
    assert not any(url.startswith(plan_for(seed).base) and url in got for url in rendered for seed in READ_BY_THE_SANDBOX)
    assert not gen.out_of_scope(run.requests)


def test_replay_gives_the_crawls_views(crawl) -> None:
    _gen, run, replay, replayed = crawl
    assert replay.returncode == 0, replay.stderr[-2000:]
    again = {r["url"]: r for r in (json.loads(x) for x in replayed.read_text(encoding="utf-8").splitlines())}
    differ = [(r["url"], r["views"], again.get(r["url"], {}).get("views")) for r in run.reports()
              if again.get(r["url"], {}).get("views") != r["views"]
              or again.get(r["url"], {}).get("views_source") != r["views_source"]]
    assert not differ, differ[:5]


def test_replay_finds_a_script_answer_by_the_pages_referer_and_follows_its_redirects() -> None:
    from archive.replay import ReplayContext

    def answer(url: str, status: int, body: bytes, **headers: str) -> FetchedPage:
        return FetchedPage(url=url, status=status, headers={"content-type": "application/json", **headers}, body=body,
                           fetched_at="2026-01-01T00:00:00Z")

    ctx = ReplayContext()
    moved = "http://www.qh.gov.cn/api/hits?id=1"
    ctx.small[moved] = answer(moved, 302, b"", location="/api/v2/hits?id=1")
    ctx.small["http://www.qh.gov.cn/api/v2/hits?id=1"] = answer("http://www.qh.gov.cn/api/v2/hits?id=1", 200, b'{"hits": 5}')
    assert ctx.script_answer(URL, moved, "GET").body == b'{"hits": 5}'
    # A POST to one URL from many pages: only the answer to this page's request is this page's.
    post = "http://www.qh.gov.cn/count.do"
    ctx.small[post] = answer(post, 200, b"7")
    ctx.asked_by[(post, URL)] = answer(post, 200, b"2817")
    assert ctx.script_answer(URL, post, "POST").body == b"2817"
    assert ctx.script_answer("http://www.qh.gov.cn/other.html", post, "POST") is None
