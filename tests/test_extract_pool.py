"""The extraction worker pool: same records as in-process, and a worker that dies or hangs on a
page is replaced while the page is retried, then kept with a warning — never lost."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

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

    class Settings(dict):
        def getfloat(self, name):
            return float(self[name])

    class Crawler:
        settings = Settings(GONGKAI_EXTRACT_WORKERS=1, GONGKAI_EXTRACT_TIMEOUT=60,
                            GONGKAI_EXTRACT_TIMEOUT_PER_ATTACHMENT=60)

        class stats:  # noqa: N801 - stands in for Scrapy's stats collector
            values: dict = {}

            @classmethod
            def inc_value(cls, key, n=1):
                cls.values[key] = cls.values.get(key, 0) + n

            @classmethod
            def set_value(cls, key, value):
                cls.values[key] = value

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
