"""The scheduler's priority queue: a request leaves it only for a download slot that can start it.

Scrapy's downloader counts a request against CONCURRENT_REQUESTS from the moment the engine hands it
over, also while it waits in its slot's queue behind that slot's concurrency. Renders have one slot
of concurrency one (DOWNLOAD_SLOTS, crawler/settings.py); with the default queue every render the
spider asked for went to the downloader at once and waited there, holding up to 15 of the 16
places while the scheduler held 100-200 static requests that could have gone (measured on 20
generated portals: the static crawl stood almost still for a minute). Scrapy 2.19 also starts every
request queued in a slot without a delay at once (a transfer is counted only when its task runs),
so the one-page-at-a-time of renders was not kept either: chromium's own page limit held them.

Here requests are kept per download slot and the least busy slot goes first, priorities within a
slot (Scrapy's DownloaderAwarePriorityQueue); a slot that already has as many requests in the
downloader as its concurrency is passed over until one of them is done (every finished download
makes the engine ask again). Per-host politeness is unchanged: the slot's concurrency and
AutoThrottle's delay still apply to what it is given.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from pathlib import Path

from scrapy import Request
from scrapy.pqueues import DownloaderAwarePriorityQueue, _path_safe


class SlotAwarePriorityQueue(DownloaderAwarePriorityQueue):
    def _busy(self) -> Counter[str]:
        """Requests in the downloader per slot, counted as the engine hands them over: a slot's own
        count starts only after the downloader middlewares, which may wait (robots.txt)."""
        downloader = self._downloader_interface.downloader
        return Counter(downloader.get_slot_key(request) for request in downloader.active)

    def _concurrency(self, slot: str) -> int:
        downloader = self._downloader_interface.downloader
        if slot in downloader.slots:
            return downloader.slots[slot].concurrency
        default = downloader.ip_concurrency or downloader.domain_concurrency
        return downloader.per_slot_settings.get(slot, {}).get("concurrency", default)

    def _open_stats(self) -> list[tuple[int, str]]:
        busy = self._busy()
        return [(busy[slot], slot) for slot in self.pqueues if busy[slot] < self._concurrency(slot)]

    def pop(self) -> Request | None:
        stats = self._open_stats()
        if not stats:
            return None
        slot = self._next_slot(stats, update_state=True)
        queue = self.pqueues[slot]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[slot]
            queue.close()
            if self.key:  # a JOBDIR's slot directory, as DownloaderAwarePriorityQueue.pop reclaims it
                with suppress(OSError):
                    Path(self.key, _path_safe(slot)).rmdir()
        return request

    def peek(self) -> Request | None:
        stats = self._open_stats()
        if not stats:
            return None
        return self.pqueues[self._next_slot(stats, update_state=False)].peek()
