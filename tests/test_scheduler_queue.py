"""The scheduler's slot-aware queue (crawler/scheduler_queue.py): which request the engine gets next."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy import Request
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.browser import BROWSER_SLOT
from crawler.scheduler_queue import SlotAwarePriorityQueue
from crawler.settings import DOWNLOAD_SLOTS


class _Downloader:
    """What the queue asks of Scrapy's downloader: requests in it, slot keys, slot concurrency."""

    def __init__(self) -> None:
        self.active: set[Request] = set()
        self.slots: dict = {}
        self.per_slot_settings = DOWNLOAD_SLOTS
        self.ip_concurrency = 0
        self.domain_concurrency = 4

    def get_slot_key(self, request: Request) -> str:
        return request.meta.get("download_slot") or request.url.split("/")[2]


def _queue() -> tuple[SlotAwarePriorityQueue, _Downloader]:
    crawler = get_crawler()
    downloader = _Downloader()
    crawler.engine = SimpleNamespace(downloader=downloader)
    return SlotAwarePriorityQueue.from_crawler(crawler, FifoMemoryQueue, ""), downloader


def _render(url: str) -> Request:
    return Request(url, meta={"download_slot": BROWSER_SLOT, "playwright": True}, dont_filter=True)


def test_a_render_waits_in_the_scheduler_while_the_browser_slot_is_taken() -> None:
    queue, downloader = _queue()
    for n in range(3):
        queue.push(_render(f"http://www.a.gov.cn/r{n}.html"))
    queue.push(Request("http://www.b.gov.cn/list.html"))
    first = queue.pop()
    downloader.active.add(first)  # the engine hands it to the downloader
    second = queue.pop()
    assert {first.url, second.url} == {"http://www.a.gov.cn/r0.html", "http://www.b.gov.cn/list.html"}
    downloader.active.add(second)
    assert queue.pop() is None  # two renders left, the one browser page is busy
    assert len(queue) == 2
    downloader.active.discard(first if first.meta.get("playwright") else second)
    assert queue.pop().url == "http://www.a.gov.cn/r1.html"


def test_a_host_at_its_concurrency_is_passed_over_for_another_host() -> None:
    queue, downloader = _queue()
    for n in range(6):
        queue.push(Request(f"http://www.a.gov.cn/{n}.html"))
    queue.push(Request("http://www.b.gov.cn/0.html"))
    downloader.active.update(Request(f"http://www.a.gov.cn/busy{n}.html") for n in range(4))
    assert queue.pop().url == "http://www.b.gov.cn/0.html"
    assert queue.pop() is None
    downloader.active.pop()
    assert queue.pop().url == "http://www.a.gov.cn/0.html"
    assert len(queue) == 5
