"""The crawl job: the one object per crawler that owns the job directory's state and WARC writer.

archive/state.py, archive/frontier.py and archive/warcwriter.py are plain stores that know nothing of
Scrapy; this module opens them once per crawler and ties them to its signals. Components get it with
`CrawlJob.from_crawler(crawler)` (it is also listed in EXTENSIONS, so it exists from the start
whichever component asks first): the WARC capture, the resume and conditional-request middlewares,
the frontier journal, the trap guard and the change log all see the same state, the same writer and
the same crawl id.

Lifecycle: on creation, `.open` WARCs a killed run left are cut to their last complete record and
closed, and the crawl is begun or resumed (CrawlState.begin); on a resume, the records at the end of
the crawl's files that the state never heard of (a kill between a WARC write and the commit of its
batch) are recorded. The state's write batch is committed every GONGKAI_STATE_COMMIT_INTERVAL
seconds and at the end. Only a crawl whose spider
closed with reason "finished" is marked finished; any other end is resumed by the next run.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.crawler import Crawler
from twisted.internet import task

from archive.frontier import FrontierJournal
from archive.reconcile import unrecorded_captures
from archive.record_digest import record_digest
from archive.state import CrawlState, capture_key
from archive.warcwriter import RotatingWarcWriter, recover_open_files
from crawler import malloc

logger = logging.getLogger(__name__)
# Report items whose record digest is kept for the next component that asks (see record_digest).
_DIGESTS_KEPT = 64


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
        if self.state.resumed:
            self._record_unrecorded()
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
        self._digests: OrderedDict[int, tuple[dict, str]] = OrderedDict()
        self._ticker = task.LoopingCall(self.state.commit)
        self._interval = settings.getfloat("GONGKAI_STATE_COMMIT_INTERVAL")
        # The crawl's growth past its imports is mostly per-thread arenas (the reactor's pool, V8's
        # thread, sqlite) and bursts left resident: capped here, trimmed on a timer.
        malloc.bound_arenas(settings.getint("GONGKAI_MALLOC_ARENAS"))
        self._trimmer = task.LoopingCall(malloc.trim)
        self._trim_interval = settings.getfloat("GONGKAI_MALLOC_TRIM_INTERVAL")
        crawler.signals.connect(self._engine_started, signal=signals.engine_started, weak=False)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed, weak=False)
        crawler.signals.connect(self._engine_stopped, signal=signals.engine_stopped, weak=False)

    def _record_unrecorded(self) -> None:
        """Record the captures a kill left in the WARCs but not in the state (archive/reconcile.py),
        so that they are answered from the archive rather than fetched and archived again. Looked
        for after the last known record of every file written since the crawl began."""
        fingerprinter = self.crawler.request_fingerprinter
        started = self.state.db.execute("SELECT started_at FROM crawls WHERE crawl_id = ?",
                                        (self.state.crawl_id,)).fetchone()[0]
        since = datetime.strptime(started, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp() - 1
        for path in sorted((self.out_dir / "warc").glob("*.warc.gz")):
            if path.stat().st_mtime < since:
                continue
            warc_file = str(path.relative_to(self.out_dir))
            last = self.state.db.execute("SELECT MAX(warc_offset) FROM captures WHERE warc_file = ?",
                                         (warc_file,)).fetchone()[0]
            try:
                found = unrecorded_captures(self.out_dir / warc_file, -1 if last is None else last)
            except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on a damaged file
                logger.warning("Resume: could not look for unrecorded captures in %s: %s", warc_file, exc)
                continue
            for cap in found:
                request = Request(cap.url, method=cap.method, body=cap.request_body)
                self.state.record_capture(
                    cap.url, status=cap.status, kind=cap.kind, fetched_at=cap.warc_date, warc_date=cap.warc_date,
                    payload_digest=cap.payload_digest, warc_file=warc_file, warc_offset=cap.warc_offset,
                    warc_record_id=cap.warc_record_id, etag=cap.etag, last_modified=cap.last_modified,
                    request_fp=fingerprinter.fingerprint(request).hex(),
                    key=capture_key(cap.method, cap.url, cap.request_body))
                logger.info("Resume: recorded %s (archived at %s#%d before the kill)", cap.url, warc_file,
                            cap.warc_offset)
                self.crawler.stats.inc_value("gongkai/resume/unrecorded_captures")
        self.state.commit()  # known before the crawl starts

    def record_digest(self, item: dict) -> str:
        """archive.record_digest of a report item, computed once: the export pipeline and the change
        log both ask, one after the other, for the same item (a JSON dump of the whole record). Kept
        by the item's identity with the item itself held, so an id is never reused while kept."""
        kept = self._digests.get(id(item))
        if kept is not None and kept[0] is item:
            return kept[1]
        digest = record_digest(item)
        self._digests[id(item)] = (item, digest)
        while len(self._digests) > _DIGESTS_KEPT:
            self._digests.popitem(last=False)
        return digest

    @property
    def crawl_id(self) -> str:
        return self.state.crawl_id

    @property
    def resumed(self) -> bool:
        return self.state.resumed

    def _engine_started(self) -> None:
        self._ticker.start(self._interval, now=False)
        if self._trim_interval > 0 and malloc.AVAILABLE:
            self._trimmer.start(self._trim_interval, now=False)

    def _spider_closed(self, spider=None, reason: str = "finished") -> None:
        self._reason = reason
        self.writer.close()
        self._counts = self.frontier.counts()
        self.crawler.stats.set_value("gongkai/frontier/entries", self._counts[0])
        self.crawler.stats.set_value("gongkai/frontier/pending", self._counts[1])

    def _engine_stopped(self) -> None:
        if self._ticker.running:
            self._ticker.stop()
        if self._trimmer.running:
            self._trimmer.stop()
        # Only a crawl that ran to its end is finished; any other stop is resumed next time.
        if self._reason == "finished":
            pending = self._counts[1]
            if pending:
                logger.warning("Crawl %s finished with %d journal entries still pending", self.crawl_id, pending)
            self.state.finish("finished")
        self.state.close()
