"""Room under the family memory bound (issue 9), beyond the marker of tests/test_memory.py: the
browser's lock, which keeps a browser found down from starting while a child runs what it let in;
chromium counted at the size it grows to; the script sandbox's process, which waits for room for V8
and loads no public suffix list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pipelines import memory
from tests.test_memory import HANDLER_PRELUDE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def crawl_family(monkeypatch, tmp_path):
    """This process plays the crawl: its family is measured against `budget` bytes. Its marker and
    reservations are its own (an earlier test's reservation may linger)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    def bound(budget: int, browser_rss: int = 0) -> None:
        monkeypatch.setenv(memory.FAMILY_ROOT_ENV, str(os.getpid()))
        monkeypatch.setenv(memory.FAMILY_BUDGET_ENV, str(budget))
        monkeypatch.setenv(memory.FAMILY_BROWSER_RSS_ENV, str(browser_rss))
        monkeypatch.setenv(memory.FAMILY_MARGIN_ENV, "0")
        monkeypatch.setenv(memory.FAMILY_WORKERS_ENV, "0")
    yield bound
    assert not os.path.exists(memory.wanted_marker(os.getpid()))


@pytest.fixture
def launching_browser():
    """The crawl's browser handler between its decision to launch and its first process: it holds
    the lock, and no browser is in the family yet."""
    lock = memory.BrowserLock(os.getpid())
    assert lock.acquire(shared=False)
    yield lock
    lock.release()


def test_a_browser_that_is_starting_is_no_room_before_its_processes_appear(crawl_family, launching_browser):
    crawl_family(10 ** 15)  # the family fits any budget, and no browser process is up
    with memory.room_for(memory.LIBREOFFICE_RSS, wait=0.5) as room:
        assert room is False  # the look at the family alone said "down": LibreOffice beside a chromium coming up


@pytest.mark.parametrize("hold", [True, False])
def test_a_browser_found_down_stays_down_while_the_block_runs(crawl_family, hold):
    crawl_family(1)  # no room by the sum, but no browser either: the block runs at once
    handler = memory.BrowserLock(os.getpid())
    with memory.room_for(memory.PDF_READER_RSS, wait=3600, hold=hold) as room:
        assert room is True
        assert handler.acquire(shared=False) is False  # a launch waits for the block
        other_child = memory.BrowserLock(os.getpid())
        assert other_child.acquire(shared=True)  # another child's read may run beside it
        other_child.release()
    assert handler.acquire(shared=False) is True
    handler.release()


@pytest.fixture
def chromium_child():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "chromium-stand-in"])
    yield proc
    proc.kill()
    proc.wait()


def test_room_let_in_is_reserved_until_it_is_resident(crawl_family, chromium_child, monkeypatch, tmp_path):
    # The sandbox let in on 499 MB, a worker's PDF read 160 ms later on 513 MB (the sandbox's process
    # was not up yet): both on the same room, and the family reached 640 MB. A second look counts the
    # first one's room until it is resident (here it never is: this process does not grow).
    monkeypatch.setattr(memory, "browser_kind", lambda cmd: "chromium" if "chromium-stand-in" in cmd else None)
    need = 64 * 2 ** 20
    crawl_family(memory.family_rss(os.getpid()) + need + 16 * 2 ** 20)  # room for one, not for two
    with memory.room_for(need, wait=0, hold=False) as first:
        assert first is True
        with memory.room_for(need, wait=0, hold=False) as second:
            assert second is False
    with memory.room_for(need, wait=0, hold=False) as again:
        assert again is True  # the reservations ended with their blocks
    # Memory that becomes resident after the block (a process started once it is done): its room
    # stays reserved for `linger` seconds.
    with memory.room_for(need, wait=0, hold=False, linger=1.0):
        pass
    with memory.room_for(need, wait=0, hold=False) as during:
        assert during is False
    time.sleep(1.1)
    with memory.room_for(need, wait=0, hold=False) as after:
        assert after is True
    memory.forget_family(os.getpid())
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_browser_launches_only_with_room_beside_what_children_reserved(crawl_family, monkeypatch, tmp_path):
    # A worker grown by a PDF and the sandbox, both let in while the browser was down, are still up
    # after their blocks: a browser launched beside both took the family to 603 MB.
    chromium = 200 * 2 ** 20
    crawl_family(memory.family_rss(os.getpid()) + memory.DRIVER_RSS + chromium + 32 * 2 ** 20, browser_rss=chromium)
    handler = memory.BrowserLock(os.getpid())
    with memory.room_for(64 * 2 ** 20, wait=0, hold=False):  # a child's block: 64 MB on its way
        assert memory.admit_browser(handler) is False
    assert memory.admit_browser(handler) is True  # its room, never used, is free again
    # The handler holds its lock now: a child finds the browser launching, which is no room.
    with memory.room_for(1, wait=0, hold=False) as room:
        assert room is False
    handler.release()
    memory.forget_family(os.getpid())


def test_a_browser_the_crawl_alone_leaves_no_room_for_waits_only_for_a_child(crawl_family):
    # The crawl process grows with its frontier: at 1,000 portals it and its workers' floor left the
    # browser no room, and every launch waited its whole 60 s for room no child could give back.
    chromium = 200 * 2 ** 20
    crawl_family(memory.family_rss(os.getpid()) + memory.DRIVER_RSS + chromium - 2 ** 20, browser_rss=chromium)
    assert memory.browser_never_fits()
    child = memory.BrowserLock(os.getpid())
    assert child.acquire(shared=True)  # a child runs what it let in with the browser down
    handler = memory.BrowserLock(os.getpid())
    assert memory.admit_browser(handler) is False  # that child is waited for
    child.release()
    assert memory.admit_browser(handler) is True  # nothing else is
    handler.release()
    # With room for it beside the crawl alone, a launch waits for room as before.
    crawl_family(memory.family_rss(os.getpid()) + memory.DRIVER_RSS + chromium + 64 * 2 ** 20, browser_rss=chromium)
    assert not memory.browser_never_fits()
    memory.forget_family(os.getpid())


def test_chromium_counts_at_the_size_it_grows_to(crawl_family, chromium_child, monkeypatch):
    monkeypatch.setattr(memory, "browser_kind", lambda cmd: "chromium" if "chromium-stand-in" in cmd else None)
    need = memory.PDF_DOCUMENT_RSS
    budget = memory.family_rss(os.getpid()) + need + 64 * 2 ** 20  # room beside chromium as it is now
    crawl_family(budget)
    with memory.room_for(need, wait=0, hold=False) as room:
        assert room is True
    crawl_family(budget, browser_rss=budget)  # the same chromium, which may grow to the whole budget
    with memory.room_for(need, wait=0, hold=False) as room:
        assert room is False


_LAUNCH = HANDLER_PRELUDE + """
handler = ScopedPlaywrightHandler(get_crawler(settings_dict=settings))
child = memory.BrowserLock(os.getpid())
assert child.acquire(shared=True)  # a conversion let in while the browser was down
order = []

async def conversion_ends():
    await asyncio.sleep(0.5)
    order.append("conversion done")
    child.release()

async def launch():
    await handler._take_up_lock()
    order.append("browser may start")
    order.append("a child now finds it up" if not memory.BrowserLock(os.getpid()).acquire(shared=True) else "not held")
    handler._release_up_lock()

async def run():
    await asyncio.gather(conversion_ends(), launch())

asyncio.run(run())
print(json.dumps({"order": order, "browser_rss": os.environ.get(memory.FAMILY_BROWSER_RSS_ENV),
                  "max_rss_mb": settings["GONGKAI_BROWSER_MAX_RSS_MB"]}))
"""


def test_a_launch_waits_for_a_child_that_found_the_browser_down():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_FAMILY")}
    done = subprocess.run([sys.executable, "-c", _LAUNCH], capture_output=True, text=True, timeout=120, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["order"] == ["conversion done", "browser may start", "a child now finds it up"]
    assert got["browser_rss"] == str(got["max_rss_mb"] * 2 ** 20)  # what the children count chromium at


_SANDBOX = """
import json, sys
from crawler.extract_pool import ExtractPool, wait_for
from pipelines.page import FetchedPage
from pipelines import completion
html = ("<html><head><title>清河区2023年政府信息公开工作年度报告</title></head><body>"
        "<h1>清河区2023年政府信息公开工作年度报告</h1><p>" + "根据《中华人民共和国政府信息公开条例》规定编制。" * 8 +
        "</p><div>浏览次数：<span id='c'></span></div><script>var u = String.fromCharCode(47,99,110,116);"
        "var x = new XMLHttpRequest(); x.open('GET', u + '?id=7', false); x.send();"
        "document.getElementById('c').innerHTML = x.responseText;</script></body></html>")
page = FetchedPage(url="http://www.qh.gov.cn/zfxxgk/nb/t1.html", status=200,
                   headers={"content-type": "text/html; charset=utf-8"}, body=html.encode(), fetched_at="2026-01-01T00:00:00Z")
page.extra["sandbox"] = {"answers": {}, "rounds": 0, "cpu_s": 0.0}
pool = ExtractPool(1, timeout=30, target="tests.test_memory_room:_sandbox_probe", setup="")
outcome, loaded = pool.submit(completion.sandbox_task(page)).result()
pool.close()
print(json.dumps({"calls": [call.url for _key, call in outcome.calls], "loaded": loaded}))
"""


def _sandbox_probe(task) -> tuple:
    """In the sandbox's kind of process: evaluate the task, and say whether the suffix list was loaded."""
    from pipelines import script_sandbox

    return script_sandbox.evaluate_task(task), sorted({"tldextract", "requests"} & set(sys.modules))


def test_the_sandbox_process_reads_no_public_suffix_list():
    done = subprocess.run([sys.executable, "-c", _SANDBOX], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["calls"] == ["http://www.qh.gov.cn/cnt?id=7"]  # in scope: the page's domain came with the task
    assert got["loaded"] == []


def test_the_sandbox_waits_for_room_before_its_process_starts(crawl_family, monkeypatch):
    from scrapy.utils.test import get_crawler

    from crawler.sandbox import Sandbox

    crawl_family(1)
    seen = []

    def room(_root, need, *_args) -> bool:  # room on the second look: the browser closed for the sandbox
        seen.append((need, os.path.exists(memory.wanted_marker(os.getpid()))))
        return len(seen) == 2

    monkeypatch.setattr(memory, "_room", room)
    sandbox = Sandbox(get_crawler(settings_dict={"GONGKAI_SANDBOX_WORKERS": 1, "GONGKAI_SANDBOX_IDLE_SECONDS": 5,
                                                 "GONGKAI_SANDBOX_TIMEOUT": 30, "GONGKAI_SANDBOX_ROOM_WAIT_SECONDS": 10}))
    sandbox._room()
    assert seen == [(memory.SANDBOX_RSS, False), (memory.SANDBOX_RSS, True)]  # marked while it waited, then not


def _double(n: int) -> int:
    return 2 * n


def test_a_pool_asks_before_it_starts_a_process_not_for_one_that_is_up():
    from crawler.extract_pool import ExtractPool

    asked = []
    with ExtractPool(1, timeout=30, target="tests.test_memory_room:_double", setup="",
                     before_start=lambda: asked.append(True)) as pool:
        assert [pool.submit(n).result() for n in (1, 2, 3)] == [2, 4, 6]
    assert asked == [True]


def test_an_extraction_worker_counts_at_its_working_size_before_it_starts(crawl_family, chromium_child, monkeypatch):
    # The pool starts a worker for the next page without asking for room: one at 71 MB came up beside
    # the sandbox let in a moment before (601 MB).
    monkeypatch.setattr(memory, "browser_kind", lambda cmd: "chromium" if "chromium-stand-in" in cmd else None)
    need = memory.PDF_DOCUMENT_RSS
    crawl_family(memory.family_rss(os.getpid()) + need + memory.WORKER_RSS // 2)  # room, with no worker to come
    with memory.room_for(need, wait=0, hold=False) as room:
        assert room is True
    monkeypatch.setenv(memory.FAMILY_WORKERS_ENV, "1")  # the crawl's pool may start one
    with memory.room_for(need, wait=0, hold=False) as room:
        assert room is False
