"""Keep Python's full garbage collections short: what start-up made is frozen out of them.

A full (generation 2) collection walks every tracked object, and the crawl process starts with a
few hundred thousand of them (Scrapy, Twisted, lxml, warcio, the settings, the rules): each full
collection stopped the reactor for 90-200 ms, twice within the 6-10 s of a 20-portal crawl
(measured with gc.callbacks on `benchmarks.crawl --portals 20 --first-seed 3000`), and every
response waiting meanwhile is read late: AutoThrottle counts that wait as server latency and
slows every slot down. Once the engine has started, start-up's objects live as long as the
process: one collection clears start-up's garbage, then gc.freeze() moves the survivors to the
permanent generation, which collections skip. Nothing else changes: what the crawl allocates is
collected as before (gc.unfreeze() at the end gives the permanent generation back).
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class FreezeStartupObjects:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FreezeStartupObjects:
        if not crawler.settings.getbool("GONGKAI_GC_FREEZE_AFTER_START"):
            raise NotConfigured("GONGKAI_GC_FREEZE_AFTER_START is off")
        ext = cls()
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_started(self) -> None:
        gc.collect()
        gc.freeze()

    def engine_stopped(self) -> None:
        gc.unfreeze()
