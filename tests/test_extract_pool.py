"""The extraction worker pool: same records as in-process, and a worker that dies or hangs on a
page is replaced while the page is retried, then kept with a warning — never lost."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.extract_pool import ExtractPool, WorkerFailure
from crawler.item_pipelines.extraction import ExtractionPipeline, unextracted_record
from pipelines.page import FetchedPage
from pipelines.report import build_report

GOLD = Path(__file__).parent / "gold"


def gold_pages() -> list[FetchedPage]:
    import json

    rows = [json.loads(line) for line in (GOLD / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return [FetchedPage(url=r["url"], status=200, headers={"content-type": "text/html"},
                        body=(GOLD / r["file"]).read_bytes(), fetched_at="2026-01-01T00:00:00Z",
                        link_text=r.get("title")) for r in rows[:6]]


# Targets run inside the workers (imported there by name, so they live at module level here).
def misbehave(page: FetchedPage):
    """Hang (or die) on pages whose extra says so, as long as the marker file exists; else extract."""
    marker = page.extra.get("marker")
    if marker and os.path.exists(marker):
        if page.extra.get("once"):
            os.unlink(marker)  # the retry on a fresh worker then succeeds
        if page.extra.get("how") == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(3600)
    return build_report(page)


TARGET = "tests.test_extract_pool:misbehave"


def test_pool_gives_the_records_the_crawl_process_would():
    pages = gold_pages()
    expected = [build_report(p) for p in pages]
    with ExtractPool(2) as pool:
        got = [f.result(60) for f in [pool.submit(p) for p in pages]]
    assert got == expected
    assert any(r is not None and r["text"] for r in got)


def test_a_worker_killed_mid_page_is_replaced_and_the_page_retried(tmp_path):
    page, other = gold_pages()[:2]
    marker = tmp_path / "hang"
    marker.touch()
    page.extra = {"marker": str(marker), "once": True, "how": "hang"}
    with ExtractPool(1, target=TARGET, timeout=60) as pool:
        future = pool.submit(page)
        time.sleep(0.2)
        deadline = time.monotonic() + 30
        while marker.exists() and time.monotonic() < deadline:  # the worker is now inside the page
            time.sleep(0.05)
        pids = pool.worker_pids()
        assert len(pids) == 1
        os.kill(pids[0], signal.SIGKILL)  # as the OOM killer would
        record = future.result(60)
        assert record is not None and record["url"] == page.url and record["text"]
        assert pool.worker_pids() != pids  # a fresh process took the retry
        assert pool.replaced == 1
        assert pool.submit(other).result(60) == build_report(other)  # and the pool goes on


def test_a_page_that_hangs_every_worker_fails_alone_with_a_reason(tmp_path):
    hung, fine = gold_pages()[:2]
    marker = tmp_path / "hang"
    marker.touch()
    hung.extra = {"marker": str(marker), "how": "hang"}
    with ExtractPool(1, target=TARGET, timeout=1.5) as pool:
        bad, good = pool.submit(hung), pool.submit(fine, timeout=120)  # a loaded machine is slow, not hung
        with pytest.raises(WorkerFailure, match="timed out"):
            bad.result(30)
        assert good.result(30) == build_report(fine)
        assert pool.replaced == 2  # first try and retry each cost a worker


def test_a_page_that_kills_its_worker_twice_becomes_a_record_with_a_warning(tmp_path):
    page = gold_pages()[0]
    marker = tmp_path / "die"
    marker.touch()
    page.extra = {"marker": str(marker), "how": "die"}

    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.setdict({"GONGKAI_EXTRACT_WORKERS": 1, "GONGKAI_EXTRACT_TIMEOUT": 60,
                      "GONGKAI_EXTRACT_TIMEOUT_PER_ATTACHMENT": 60})

    class Crawler:
        pass

    class stats:  # noqa: N801 - stands in for Scrapy's stats collector
        values: dict = {}

        @classmethod
        def inc_value(cls, key, n=1):
            cls.values[key] = cls.values.get(key, 0) + n

        @classmethod
        def set_value(cls, key, value):
            cls.values[key] = value

    Crawler.settings, Crawler.stats = settings, stats

    pipeline = ExtractionPipeline(Crawler())
    pipeline.open_spider()
    pipeline.pool.target = TARGET
    try:
        record = asyncio.run(pipeline.process_item(page))
    finally:
        pipeline.close_spider()
    assert record["url"] == page.url and record["warc_offset"] is None
    assert record["title"] and record["text"] == ""
    assert any("extraction worker died" in w for w in record["warnings"])
    assert Crawler.stats.values["gongkai/errors/extraction_worker"] == 1
    assert Crawler.stats.values["gongkai/extract/workers_replaced"] == 2


def test_a_failed_page_that_is_not_a_report_is_not_invented():
    page = FetchedPage(url="http://www.x.gov.cn/", status=200, headers={"content-type": "text/html"},
                       body="<html><title>首页</title></html>".encode(), fetched_at="2026-01-01T00:00:00Z")
    assert unextracted_record(page, "worker died") is None


# -- workers start lazily, are recycled, and convert attachments in their own process --------------
def worker_pid(page: FetchedPage) -> int:
    return os.getpid()


def test_workers_start_on_the_first_page_and_are_recycled_after_n_pages():
    page = gold_pages()[0]
    with ExtractPool(2, target="tests.test_extract_pool:worker_pid") as pool:
        time.sleep(0.3)
        assert pool.worker_pids() == [] and pool.started == 0  # nothing before a page needs one
        pool.submit(page).result(60)
        assert pool.started == 1  # the second slot has had no page: no process
    with ExtractPool(1, target="tests.test_extract_pool:worker_pid", recycle_after=2) as pool:
        pids = [pool.submit(page).result(60) for _ in range(5)]
        assert pool.started == len(set(pids)) == 3
    # Two pages per process, then a fresh one: the pids change exactly at pages 3 and 5.
    assert [pids[i] != pids[i - 1] for i in range(1, 5)] == [False, True, False, True]
    assert pool.recycled == 2


_HELD: list[bytearray] = []  # what a "large page" leaves resident in its worker


def pid_after_growing(task: int) -> int:
    """In a worker: keep `task` MB resident (as a PDF's libraries and heap would stay), give the pid."""
    if task:
        _HELD.append(bytearray(b"x" * (task * 2 ** 20)))
    return os.getpid()


def test_a_worker_grown_past_the_resident_bound_is_replaced_after_its_page():
    with ExtractPool(1, target="tests.test_extract_pool:pid_after_growing", recycle_rss=400 * 2 ** 20) as pool:
        pids = [pool.submit(grow).result(60) for grow in (0, 0, 500, 0, 0)]
        assert pool.recycled == 1 and pool.replaced == 0
    # The page that took it past 400 MB is answered by it; the next page has a fresh process.
    assert [pids[i] != pids[i - 1] for i in range(1, 5)] == [False, False, True, False]


def test_an_idle_worker_exits_and_the_next_page_starts_one():
    with ExtractPool(1, target="tests.test_extract_pool:worker_pid", idle_seconds=0.3) as pool:
        first = pool.submit(gold_pages()[0]).result(60)
        deadline = time.monotonic() + 30
        while (pool.worker_pids() or Path(f"/proc/{first}").exists()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.worker_pids() == [] and pool.idled == 1
        assert not Path(f"/proc/{first}").exists()  # stopped and reaped, not left behind
        second = pool.submit(gold_pages()[0]).result(60)
        assert second != first and pool.started == 2 and pool.replaced == 0


def convert_here(task: tuple[str, float]) -> dict:
    """In a worker: convert a fixture file with the subprocess launcher disabled, so any spawned
    converter (another Python) would show up as a warning instead of a result."""
    from pipelines import attachments

    name, parse_delay = task
    spawned: list = []
    attachments.subprocess.Popen = lambda *a, **k: spawned.append(a) or (_ for _ in ()).throw(OSError("spawn"))
    if parse_delay:
        attachments.parse_file = lambda *a: time.sleep(parse_delay)
    result = attachments.extract_attachment_text((ATTACHMENTS / name).read_bytes(), f"http://x.cn/{name}",
                                                 timeout=1.0 if parse_delay else 60.0)
    return {"text": result.text, "warnings": result.warnings, "tables": result.tables, "spawned": len(spawned)}


ATTACHMENTS = Path(__file__).parent / "fixtures" / "attachments"


@pytest.mark.parametrize("name", ["chinese.pdf", "table.docx"])
def test_an_extraction_worker_converts_attachments_itself_as_the_converter_would(name):
    from pipelines.attachments import extract_attachment_text

    expected = extract_attachment_text((ATTACHMENTS / name).read_bytes(), f"http://x.cn/{name}")  # subprocess
    with ExtractPool(1, target="tests.test_extract_pool:convert_here") as pool:
        got = pool.submit((name, 0)).result(120)
    assert got["spawned"] == 0
    assert got["text"] == expected.text and got["text"]
    assert got["warnings"] == expected.warnings and got["tables"] == expected.tables


def test_a_parse_that_overruns_in_a_worker_is_stopped_with_the_timeout_warning():
    # The parse would take an hour: unless the 1 s timeout stops it, result() gives up at 60 s.
    with ExtractPool(1, target="tests.test_extract_pool:convert_here") as pool:
        got = pool.submit(("chinese.pdf", 3600)).result(60)
        assert pool.replaced == 0  # the worker survived its page
    assert got["text"] == "" and got["warnings"] == ["attachment: parsing stopped after the 1 s timeout"]


def test_one_libreoffice_at_a_time_and_none_left_running(tmp_path):
    from pipelines import office_text

    with office_text._one_libreoffice(5) as first:
        with office_text._one_libreoffice(0.3) as second:
            assert first and not second  # another worker waits for the lock, then gives up
    with office_text._one_libreoffice(0.3) as again:
        assert again
    # A launcher whose real process is a child (as soffice → soffice.bin): the timeout kills both.
    pidfile = tmp_path / "child.pid"
    assert office_text._run_group(["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], 1.0) is None
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{child}/stat").read_text().split(") ")[1][0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"child {child} of the timed-out launcher is still running")
