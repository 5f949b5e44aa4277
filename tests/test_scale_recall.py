"""Reports a crawl at scale lost, each class kept found by a crawl of a generated portal that shows it.

A rendered list read before its data came: the page's script asks for the list, its answer comes
after the render's settle deadline (a loaded box; tests/fixtureweb/generated/site.py's
slow_first_list_answer), and the DOM is read with the list empty. In a 150-portal run
(benchmarks.scale) that lost one browser-only list's four reports; the list is rendered once more.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import run_crawl
from tests.fixtureweb.generated import GeneratedWeb, plan_for
from tests.fixtureweb.generated.site import slow_first_list_answer

SLOW_LIST_SEED = 143  # browser-only list, its first answer late; static counter, DOCX attachments


def test_a_list_whose_first_answer_comes_after_the_render_is_read_again(tmp_path) -> None:
    plan = plan_for(SLOW_LIST_SEED)
    assert plan.list_mechanism == "browser_only" and slow_first_list_answer(SLOW_LIST_SEED)
    gen = GeneratedWeb([SLOW_LIST_SEED])
    with gen.serve() as web:
        run = run_crawl(web, tmp_path / "job", urls=gen.start_urls)
    assert run.returncode == 0, run.stderr[-3000:]
    got = [r["url"] for r in run.reports()]
    expected = {r["url"] for r in gen.expected_reports()}
    assert expected - set(got) == set(), "missed"
    assert len(got) == len(set(got)) and set(got) <= expected
    # The list's script asked more than once: the late first answer was not the one read.
    list_posts = [r for r in run.requests if r.method == "POST" and urlsplit(r.url).hostname == plan.host]
    assert len(list_posts) >= 2, [r.url for r in list_posts]
