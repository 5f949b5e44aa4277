"""The family memory bound (issue 9): LibreOffice waits for room under it, and the crawl's browser
makes room (closes when idle, is not relaunched) while a conversion holds the family's marker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pipelines import memory, office_text
from pipelines.rules import attachments as rules
from tests.fixtureweb.generated.files import doc_of


def test_family_is_this_process_and_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        members = {m.pid: m for m in memory.family(os.getpid())}
        assert os.getpid() in members and child.pid in members
        assert memory.family_rss(os.getpid()) >= members[os.getpid()].rss + members[child.pid].rss > 0
    finally:
        child.kill()
        child.wait()
    assert child.pid not in {m.pid for m in memory.family(os.getpid())}


def test_without_a_crawl_nobody_waits(monkeypatch):
    monkeypatch.delenv(memory.FAMILY_ROOT_ENV, raising=False)
    Path(memory.wanted_marker(os.getpid())).unlink(missing_ok=True)  # an earlier crawl's in this process
    with memory.room_for(10 ** 15, wait=3600) as room:
        assert room is True
        assert not os.path.exists(memory.wanted_marker(os.getpid()))


@pytest.fixture
def crawl_family(monkeypatch):
    """This process plays the crawl: its family is measured, and its marker is the one to look at."""
    def bound(budget: int) -> str:
        monkeypatch.setenv(memory.FAMILY_ROOT_ENV, str(os.getpid()))
        monkeypatch.setenv(memory.FAMILY_BUDGET_ENV, str(budget))
        return memory.wanted_marker(os.getpid())
    yield bound
    assert not os.path.exists(memory.wanted_marker(os.getpid()))


def test_the_marker_is_held_while_the_block_runs(crawl_family):
    marker = crawl_family(10 ** 15)
    with memory.room_for(memory.LIBREOFFICE_RSS, wait=3600) as room:
        assert room is True and os.path.exists(marker)
    assert not os.path.exists(marker)


@pytest.fixture
def browser_child():
    """A child whose command line is the Playwright driver's: the family's browser is up."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "playwright/driver/stand-in"])
    yield proc
    proc.kill()
    proc.wait()


def test_no_room_while_the_browser_is_up_waits_then_runs_anyway(crawl_family, browser_child):
    marker = crawl_family(1)  # one byte: never room
    with memory.room_for(memory.LIBREOFFICE_RSS, wait=0.5) as room:  # False: the wait ran out
        assert room is False and os.path.exists(marker)


def test_a_driver_without_its_chromium_is_a_browser_coming_up_not_room(crawl_family, browser_child):
    crawl_family(10 ** 15)  # the sum fits any budget, but chromium (~170 MB) is not resident yet
    with memory.room_for(memory.LIBREOFFICE_RSS, wait=0.5) as room:
        assert room is False


def test_with_the_browser_down_there_is_nothing_to_wait_for(crawl_family):
    marker = crawl_family(1)  # over budget, but no browser in the family: nothing would give way
    with memory.room_for(memory.LIBREOFFICE_RSS, wait=5) as room:  # True: not the wait running out
        assert room is True and os.path.exists(marker)


def test_a_read_with_room_leaves_no_marker(crawl_family, browser_child):
    marker = crawl_family(10 ** 15)
    Path(marker).unlink(missing_ok=True)
    # The stand-in driver has no chromium beside it, which is no room: pretend one is up.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(memory, "browser_kind", lambda cmd: "chromium" if "stand-in" in cmd else None)
        with memory.room_for(memory.PDF_READER_RSS, wait=3600, hold=False) as room:
            assert room is True and not os.path.exists(marker)  # the browser was not disturbed


def test_a_read_without_room_marks_while_it_waits_not_while_it_reads(crawl_family, monkeypatch):
    marker = crawl_family(1)
    seen = []

    def room(*_args) -> bool:  # room on the third look: the browser closed for the read
        seen.append(os.path.exists(marker))
        return len(seen) == 3

    monkeypatch.setattr(memory, "_room", room)
    with memory.room_for(memory.PDF_READER_RSS, wait=3600, hold=False) as got:
        assert got is True and not os.path.exists(marker)
    assert seen == [False, True, True]  # not marked before the first look; marked while it waited


def test_a_worker_grown_by_a_read_holds_the_marker_until_it_exits(crawl_family, monkeypatch):
    marker = crawl_family(1)
    code = ("import sys, time; from pipelines import memory; print(memory.hold_while_alive(), flush=True); "
            "sys.stdin.readline()")
    for limit, holds in ((1, True), (10 ** 15, False)):  # past its recycle bound (replaced after the page) or not
        monkeypatch.setenv(memory.WORKER_RECYCLE_RSS_ENV, str(limit))
        child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True, cwd=Path(__file__).resolve().parents[1])
        assert child.stdout.readline().strip() == str(holds)
        assert memory.memory_wanted(marker) is holds  # no render starts while the grown worker lives
        child.communicate("\n")
        assert memory.memory_wanted(marker) is False and not os.path.exists(marker)  # gone with it


def test_a_holder_leaves_another_holders_marker(crawl_family):
    marker = crawl_family(1)
    with memory.room_for(memory.LIBREOFFICE_RSS, wait=0) as room:
        assert room is True
        Path(marker).write_text("1")  # another member (pid 1 stands in: alive) marked since
    assert Path(marker).read_text() == "1"
    Path(marker).unlink()


def test_the_browser_is_told_from_the_rest_of_the_family():
    assert memory.browser_kind("/usr/lib/chromium/chromium-headless-shell --headless") == "chromium"
    assert memory.browser_kind("/proc/self/exe --type=renderer") == "chromium"
    assert memory.browser_kind("/x/site-packages/playwright/driver/node run-driver") == "playwright driver (node)"
    assert memory.browser_kind("/x/.venv/bin/python -m crawler.cli crawl") is None
    assert memory.browser_kind("/usr/lib/libreoffice/program/soffice.bin --headless") is None


def test_libreoffice_runs_holding_the_marker(tmp_path, monkeypatch, crawl_family):
    marker = crawl_family(1)
    log = tmp_path / "soffice.log"
    fake = tmp_path / "fake-soffice"
    fake.write_text(f"#!{sys.executable}\nimport os\nopen({str(log)!r}, 'w').write(str(os.path.exists({marker!r})))\n")
    fake.chmod(0o755)
    monkeypatch.setattr(rules, "LIBREOFFICE_COMMAND", (str(fake), *rules.LIBREOFFICE_COMMAND[1:]))
    doc = tmp_path / "cells.doc"
    doc.write_bytes(doc_of(("年度报告", "信息内容\x07本年制发件数\x07\x07")))
    # 6 s: a third waited for room (never, at a 1-byte budget), the rest for the fake soffice to start
    # on a loaded box (at 1.5 s it was killed before it wrote its log).
    tables, _text, warnings = office_text.doc_tables(str(doc), 6.0)
    assert log.read_text() == "True"  # the crawl's browser was told to stay closed meanwhile
    assert tables == [] and warnings == ["doc: LibreOffice could not convert the file; tables not read"]


# The handler needs the asyncio reactor installed (scrapy-playwright checks): it runs in a process of
# its own, as in a crawl, and prints what happened.
HANDLER_PRELUDE = """
import asyncio, json, os, sys
from pathlib import Path
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from scrapy.utils.test import get_crawler
from crawler import settings as project_settings
from crawler.browser_handler import ScopedPlaywrightHandler
from pipelines import memory
settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.startswith(("PLAYWRIGHT_", "GONGKAI_"))}
"""

_SCENARIO = HANDLER_PRELUDE + """
budget_mb = int(sys.argv[1])
settings["GONGKAI_FAMILY_RSS_BUDGET_MB"] = budget_mb
handler = ScopedPlaywrightHandler(get_crawler(settings_dict=settings))
marker = Path(memory.wanted_marker(os.getpid()))
marker.write_text("converting")
order = []

async def conversion_ends():
    await asyncio.sleep(0.5)
    order.append("conversion done")
    marker.unlink()

async def render():
    await handler._wait_while_memory_is_wanted()
    order.append("render may start")

async def run():
    handler._page_done("render-0")  # a render ends, no page open, the marker is there
    await asyncio.gather(conversion_ends(), render())

asyncio.run(run())
marker.unlink(missing_ok=True)
print(json.dumps({"order": order, "env": [os.environ.get(memory.FAMILY_ROOT_ENV) == str(os.getpid()),
                                          os.environ.get(memory.FAMILY_BUDGET_ENV)],
                  "yields": handler.stats.get_value("gongkai/browser/memory_yields"),
                  "waited": handler.stats.get_value("gongkai/browser/waited_for_memory")}))
"""


def _scenario(budget_mb: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in (memory.FAMILY_ROOT_ENV, memory.FAMILY_BUDGET_ENV)}
    done = subprocess.run([sys.executable, "-c", _SCENARIO, str(budget_mb)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_browser_yields_when_idle_and_waits_while_memory_is_wanted():
    got = _scenario(600)
    assert got["env"] == [True, str(600 * 2 ** 20)]  # what the crawl's children measure against
    assert got["order"] == ["conversion done", "render may start"]
    assert (got["yields"], got["waited"]) == (1, 1)


def test_without_a_budget_the_browser_does_not_watch():
    got = _scenario(0)
    assert got["env"] == [False, None]
    assert got["order"] == ["render may start", "conversion done"]
    assert (got["yields"], got["waited"]) == (None, None)


# The marker appears while the browser is up and idle (between renders): the browser is closed within
# a poll, not when its idle timer (20 s) fires, since a conversion waits only a third of its time.
_IDLE_SCENARIO = HANDLER_PRELUDE + """
settings["GONGKAI_FAMILY_RSS_BUDGET_MB"] = int(sys.argv[1])
handler = ScopedPlaywrightHandler(get_crawler(settings_dict=settings))
marker = Path(memory.wanted_marker(os.getpid()))
shutdowns = []

async def shutdown(reason):
    shutdowns.append([round(asyncio.get_running_loop().time() - started, 1), reason])
    handler.browser_provider = None

async def run():
    global started
    handler.browser_provider = object()  # a driver is up
    handler._shutdown = shutdown
    started = asyncio.get_running_loop().time()
    handler._page_done("render-0")  # a render ends, no page open, nobody wants memory yet
    await asyncio.sleep(0.5)
    marker.write_text(f"{os.getpid()} a LibreOffice conversion" + chr(10) + f"{os.getpid()} a PDF read")  # as room_for leaves it
    await asyncio.sleep(1.5)
    marker.unlink()

asyncio.run(run())
print(json.dumps({"shutdowns": shutdowns, "idle_seconds": handler.idle_seconds}))
"""


@pytest.mark.parametrize("budget_mb", [600, 0])
def test_an_idle_browser_closes_when_memory_is_wanted_not_at_its_idle_timeout(budget_mb):
    env = {k: v for k, v in os.environ.items() if k not in (memory.FAMILY_ROOT_ENV, memory.FAMILY_BUDGET_ENV)}
    done = subprocess.run([sys.executable, "-c", _IDLE_SCENARIO, str(budget_mb)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["idle_seconds"] > 2  # the idle timer cannot be what closed it
    if budget_mb:
        # The log line names what the memory is wanted for, each holder's reason.
        assert [reason for _t, reason in got["shutdowns"]] == ["memory wanted by a LibreOffice conversion, a PDF read"]
        assert 0.5 <= got["shutdowns"][0][0] < 2
    else:
        assert got["shutdowns"] == []  # no budget: nobody watches


def test_a_marker_whose_holder_is_gone_is_stale(tmp_path):
    # An extraction worker killed at its timeout mid-conversion leaves the marker behind: the
    # browser must not wait for it (nor close for it) for the rest of the crawl.
    marker = tmp_path / "gongkai-memory-wanted"
    assert memory.memory_wanted(str(marker)) is False
    marker.write_text(str(os.getpid()))
    assert memory.memory_wanted(str(marker)) is True and marker.exists()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    marker.write_text(str(gone.pid))
    assert memory.memory_wanted(str(marker)) is False
    assert not marker.exists()


def test_one_holders_release_leaves_the_others_hold(tmp_path, monkeypatch):
    # A grown worker holds the marker for the rest of its page while the script sandbox waits for room
    # and lets go: the sandbox's release must not end the worker's hold (the browser would start
    # beside the worker's PDF reader).
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    marker = memory.wanted_marker(os.getpid())
    worker = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        Path(marker).write_text(f"{worker.pid}\n")  # as the worker's hold_while_alive leaves it
        memory._hold(marker)
        memory._release(marker)
        assert memory.memory_wanted(marker) is True
        assert Path(marker).read_text().split() == [str(worker.pid)]
    finally:
        worker.communicate(b"")
    assert memory.memory_wanted(marker) is False and not os.path.exists(marker)  # gone with its holder
    memory.forget_family(os.getpid())
    assert not os.path.exists(marker + ".lock")
