"""The crawl job: the one object per crawler that owns the job directory's state and WARC writer.

archive/state.py, archive/frontier.py and archive/warcwriter.py are plain stores that know nothing of
Scrapy; this module opens them once per crawler and ties them to its signals. Components get it with
`CrawlJob.from_crawler(crawler)` (it is also listed in EXTENSIONS, so it exists from the start
whichever component asks first): the WARC capture, the resume and conditional-request middlewares,
the frontier journal, the trap guard and the change log all see the same state, the same writer and
the same crawl id.

Lifecycle: on creation, `.open` WARCs a killed run left are cut to their last complete record and
closed, and the crawl is begun or resumed (CrawlState.begin). The state's write batch is committed
every GONGKAI_STATE_COMMIT_INTERVAL seconds and at every archived capture. Only a crawl whose spider
closed with reason "finished" is marked finished; any other end is resumed by the next run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from archive.frontier import FrontierJournal
from archive.state import CrawlState
from archive.warcwriter import RotatingWarcWriter, recover_open_files

logger = logging.getLogger(__name__)


class CrawlJob:
    _jobs: ClassVar[WeakKeyDictionary[Crawler, CrawlJob]] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlJob:
        """The crawler's job, created on first use."""
        job = cls._jobs.get(crawler)
        if job is None:
            job = cls._jobs[crawler] = cls(crawler)
        return job

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.out_dir = Path(settings.get("GONGKAI_OUT_DIR"))
        # A killed run leaves `.open` WARC files: cut each to its last complete record and close it
        # before this run writes anything, so every file in warc/ is a finished, readable WARC.
        recover_open_files(self.out_dir / "warc")
        self.state = CrawlState(self.out_dir)
        self.state.begin(resume=settings.getbool("GONGKAI_RESUME"))
        self.frontier = FrontierJournal(self.state)
        self.writer = RotatingWarcWriter(
            self.out_dir / "warc",
            prefix=settings.get("GONGKAI_WARC_PREFIX"),
            max_size=settings.getint("GONGKAI_WARC_MAX_SIZE"),
            info={"robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                  "http-header-user-agent": settings.get("USER_AGENT")},
            relative_to=self.out_dir,
        )
        crawler.stats.set_value("gongkai/crawl_id", self.state.crawl_id)
        crawler.stats.set_value("gongkai/resumed", self.state.resumed)
        self._reason: str | None = None
        self._counts = (0, 0)
        self._ticker = task.LoopingCall(self.state.commit)
        self._interval = settings.getfloat("GONGKAI_STATE_COMMIT_INTERVAL")
        crawler.signals.connect(self._engine_started, signal=signals.engine_started, weak=False)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed, weak=False)
        crawler.signals.connect(self._engine_stopped, signal=signals.engine_stopped, weak=False)

    @property
    def crawl_id(self) -> str:
        return self.state.crawl_id

    @property
    def resumed(self) -> bool:
        return self.state.resumed

    def _engine_started(self) -> None:
        self._ticker.start(self._interval, now=False)

    def _spider_closed(self, spider=None, reason: str = "finished") -> None:
        self._reason = reason
        self.writer.close()
        self._counts = self.frontier.counts()
        self.crawler.stats.set_value("gongkai/frontier/entries", self._counts[0])
        self.crawler.stats.set_value("gongkai/frontier/pending", self._counts[1])

    def _engine_stopped(self) -> None:
        if self._ticker.running:
            self._ticker.stop()
        # Only a crawl that ran to its end is finished; any other stop is resumed next time.
        if self._reason == "finished":
            pending = self._counts[1]
            if pending:
                logger.warning("Crawl %s finished with %d journal entries still pending", self.crawl_id, pending)
            self.state.finish("finished")
        self.state.close()
