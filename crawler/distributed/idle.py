"""Extension: a worker's heartbeat, the return of dead workers' requests, and when the job is done.

A worker alone decides nothing: an empty queue only means the others have not yet queued what
they are fetching. So the job is done when the queue is empty, every live worker is idle (its own
engine has nothing to download, parse or export; a pop takes it out of the idle set in the same
Lua step, crawler/distributed/scheduler.py) and nothing is in flight anywhere. Until then an idle
worker keeps the spider open and looks again every GONGKAI_DISTRIBUTED_POLL seconds.

Every worker refreshes `heartbeat:<name>` (expires after GONGKAI_DISTRIBUTED_HEARTBEAT_TTL) and
checks the others'; a worker whose heartbeat has expired is dead, and its in-flight requests go
back to the queue. A worker whose reactor stalled past the TTL (a loaded machine, a long parse) is
taken for dead though it lives: its requests are fetched twice, and every beat puts its name back
in the job's workers — without that, its real death later would go unnoticed and what it then held
in flight would be lost (issue 12: a kill after a start-up stall lost every report of two portals).
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from crawler.distributed.ack import InflightTracker
from crawler.distributed.offload import Offload
from crawler.distributed.scheduler import JobKeys, reap_worker, requeue_worker

logger = logging.getLogger(__name__)


class DistributedJob:
    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        if not settings.get("GONGKAI_JOB_ID"):
            raise NotConfigured("not a distributed crawl")
        self.crawler = crawler
        self.server = get_redis_from_settings(settings)
        self.keys = JobKeys(settings.get("GONGKAI_JOB_ID"))
        self.worker = settings.get("GONGKAI_WORKER_NAME")
        self.ttl = settings.getfloat("GONGKAI_DISTRIBUTED_HEARTBEAT_TTL")
        self.poll = settings.getfloat("GONGKAI_DISTRIBUTED_POLL")
        self._beat: task.LoopingCall | None = None
        self._idle_checks = 0
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedJob:
        return cls(crawler)

    def opened(self, spider=None) -> None:
        self.server.srem(self.keys.idle, self.worker)
        self.heartbeat()
        self._beat = task.LoopingCall(self.heartbeat)
        self._beat.start(max(self.ttl / 4, 0.5), now=False)

    def heartbeat(self) -> None:
        # The beat first, then the name: a worker listed without a beat would be taken for dead.
        self.server.set(self.keys.heartbeat(self.worker), "1", px=int(self.ttl * 1000))
        self.server.sadd(self.keys.workers, self.worker)
        self.requeue_dead()

    def requeue_dead(self) -> dict[str, int]:
        returned: dict[str, int] = {}
        for raw in self.server.smembers(self.keys.workers):
            name = raw.decode() if isinstance(raw, bytes) else raw
            if name == self.worker:
                continue
            found = reap_worker(self.server, self.keys, name)
            if found is not None:
                returned[name] = found
                logger.warning("Worker %s stopped beating: %d of its requests went back to the queue", name, found)
                self.crawler.stats.inc_value("gongkai/distributed/requeued", found)
        return returned

    def live_workers(self) -> set[str]:
        names = {(w.decode() if isinstance(w, bytes) else w) for w in self.server.smembers(self.keys.workers)}
        return {w for w in names if w == self.worker or self.server.exists(self.keys.heartbeat(w))}

    def job_done(self) -> bool:
        if self.server.zcard(self.keys.queue):
            return False
        idle = {(w.decode() if isinstance(w, bytes) else w) for w in self.server.smembers(self.keys.idle)}
        live = self.live_workers()
        if not live <= idle:
            return False
        return not any(self.server.hlen(self.keys.inflight(w)) for w in live)

    def idle(self, spider=None) -> None:
        # This engine has nothing to download, parse or export: nothing of ours is in flight.
        self.server.delete(self.keys.inflight(self.worker))
        InflightTracker.of(self.crawler).forget()
        self.server.sadd(self.keys.idle, self.worker)
        self.requeue_dead()
        # Twice in a row, a poll apart: a worker that just popped has left the idle set by then.
        self._idle_checks = self._idle_checks + 1 if self.job_done() else 0
        if self._idle_checks >= 2:
            logger.info("Job %s: queue empty and every worker idle; %s stops", self.keys.job, self.worker)
            return
        raise DontCloseSpider

    def closed(self, spider=None, reason: str = "finished") -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        # Stopped before the job was done (a signal, an error): what it held goes back to the others —
        # once the acks still on their way have been made, so nothing done is handed out again.
        Offload.of(self.crawler).flush()
        returned = requeue_worker(self.server, self.keys, self.worker)
        if returned:
            logger.info("%s stopped (%s): %d in-flight requests back to the queue", self.worker, reason, returned)
        self.server.srem(self.keys.workers, self.worker)
        self.server.srem(self.keys.idle, self.worker)
        self.server.delete(self.keys.heartbeat(self.worker))
