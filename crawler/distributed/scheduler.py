"""scrapy-redis's scheduler, keyed per crawl job, with a queue that loses nothing to a killed worker.

scrapy-redis keys its queue and dupefilter by spider name: every crawl of the `reports` spider on
one Redis would share fingerprints, and a second job would skip every URL the first one saw. Here
every key is under `gongkai:job:<job id>:` (JobKeys). scrapy-redis's pop removes a request from
Redis before it is downloaded: a worker killed then takes it along. Here a pop moves the request,
atomically (one Lua script), into the worker's in-flight hash; it leaves that hash when the spider
has handled its response (crawler/distributed/ack.py) or when it is queued again (a retry, a
redirect). A worker whose heartbeat stops has its in-flight requests pushed back to the queue by the
others (crawler/distributed/idle.py).

Adapted to Scrapy 2.19: requests are serialised with Request.to_dict (callbacks by spider method
name), stats without the removed `spider=` argument. A request that cannot be pickled (an object in
its meta) stays in this worker's memory queue, logged once, rather than failing the crawl.
"""

from __future__ import annotations

import logging
import pickle
from collections import deque
from dataclasses import dataclass

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.request import request_from_dict
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)

INFLIGHT_META = "gongkai_inflight"  # id of a popped request in its worker's in-flight hash
# Sent by JobScheduler once a request is in Redis (or was dropped as a duplicate): from then on a
# kill of this worker cannot lose it (crawler/distributed/ack.py waits for it).
request_queued = object()

# Pop the best request and record it as this worker's, in one step: no moment when it is in neither.
_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return nil end
redis.call('ZREM', KEYS[1], found[1])
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], id, found[2] .. ' ' .. found[1])
redis.call('SREM', KEYS[4], ARGV[1])
return {id, found[1]}
"""

# The dupefilter's SADD, the queue's ZADD and the end of the in-flight entry the request replaces
# (a retry's, a redirect's) in one step: a kill between SADD and ZADD would leave a fingerprint
# whose request is nowhere, and the requeued parent's copy of it dropped as seen.
_SEEN_OR_PUSH = """
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# A dead worker's in-flight requests back into the queue; RENAME first, so only one worker does it.
# One Lua function for both scripts below (entries are "score request").
_GIVE_BACK = """
local function give_back(inflight, moving, queue)
  if redis.call('EXISTS', inflight) == 0 then return 0 end
  redis.call('RENAME', inflight, moving)
  local entries = redis.call('HVALS', moving)
  for _, entry in ipairs(entries) do
    local cut = string.find(entry, ' ', 1, true)
    redis.call('ZADD', queue, string.sub(entry, 1, cut - 1), string.sub(entry, cut + 1))
  end
  redis.call('DEL', moving)
  return #entries
end
"""
_REQUEUE = _GIVE_BACK + "return give_back(KEYS[1], KEYS[2], KEYS[3])\n"

# A worker taken for dead: only if its heartbeat is still gone (checked in the same step, so a beat
# that arrives meanwhile wins), its in-flight requests back to the queue and its name off the job.
_REAP = _GIVE_BACK + """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local n = give_back(KEYS[2], KEYS[3], KEYS[4])
redis.call('SREM', KEYS[5], ARGV[1])
redis.call('SREM', KEYS[6], ARGV[1])
return n
"""


@dataclass(frozen=True)
class JobKeys:
    job: str

    def key(self, name: str) -> str:
        return f"gongkai:job:{self.job}:{name}"

    @property
    def queue(self) -> str:
        return self.key("requests")

    @property
    def dupefilter(self) -> str:
        return self.key("dupefilter")

    @property
    def sequence(self) -> str:
        return self.key("seq")

    @property
    def workers(self) -> str:
        return self.key("workers")

    @property
    def idle(self) -> str:
        return self.key("idle")

    @property
    def start_urls(self) -> str:
        return self.key("start_urls")

    def inflight(self, worker: str) -> str:
        return self.key(f"inflight:{worker}")

    def heartbeat(self, worker: str) -> str:
        return self.key(f"heartbeat:{worker}")

    def host_leases(self, host: str) -> str:
        return self.key(f"host:{host}")

    def all_keys_pattern(self) -> str:
        return self.key("*")


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue; pop records the request as in flight for `worker`."""

    def __init__(self, server, spider: Spider, keys: JobKeys, worker: str) -> None:
        super().__init__(server, spider, keys.queue)
        self.keys = keys
        self.worker = worker
        self._pop = server.register_script(_POP)
        self._seen_or_push = server.register_script(_SEEN_OR_PUSH)

    def push_unseen(self, request: Request, fingerprint: str | None, replaces: int | None = None) -> bool:
        """Queue `request` unless `fingerprint` (None: no filtering) was seen, and drop the in-flight
        entry `replaces`; atomically. Raises what pickling raises for a request that cannot travel
        (nothing is recorded then)."""
        data = self._encode_request(request)
        return bool(self._seen_or_push(keys=[self.keys.dupefilter, self.keys.queue, self.keys.inflight(self.worker)],
                                       args=[fingerprint or "", -request.priority, data,
                                             "" if replaces is None else replaces]))

    def pop(self, timeout: int = 0) -> Request | None:
        found = self._pop(keys=[self.keys.queue, self.keys.sequence, self.keys.inflight(self.worker),
                                self.keys.idle], args=[self.worker])
        if not found:
            return None
        inflight_id, data = found
        request = self._decode_request(data)
        request.meta[INFLIGHT_META] = int(inflight_id)
        return request


def requeue_worker(server, keys: JobKeys, worker: str) -> int:
    """Push a (dead) worker's in-flight requests back to the queue; how many."""
    script = server.register_script(_REQUEUE)
    return int(script(keys=[keys.inflight(worker), keys.key(f"requeue:{worker}"), keys.queue]) or 0)


def reap_worker(server, keys: JobKeys, worker: str) -> int | None:
    """If `worker`'s heartbeat has expired: its in-flight requests back to the queue, its name out
    of the job's workers; how many requests. None: it beats (it is alive)."""
    script = server.register_script(_REAP)
    found = int(script(keys=[keys.heartbeat(worker), keys.inflight(worker), keys.key(f"requeue:{worker}"),
                             keys.queue, keys.workers, keys.idle], args=[worker]))
    return None if found < 0 else found


class JobScheduler(Scheduler):
    """SCHEDULER for a distributed crawl: needs REDIS_URL, GONGKAI_JOB_ID, GONGKAI_WORKER_NAME."""

    def __init__(self, server, keys: JobKeys, worker: str, stats=None, signals=None) -> None:
        super().__init__(server, persist=True, queue_key=keys.queue, dupefilter_key=keys.dupefilter)
        self.keys = keys
        self.worker = worker
        self.stats = stats
        self.signals = signals
        self.local: deque[Request] = deque()  # requests that cannot travel through Redis
        self._warned_local = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobScheduler:
        settings = crawler.settings
        server = get_redis_from_settings(settings)
        server.ping()
        return cls(server, JobKeys(settings.get("GONGKAI_JOB_ID")), settings.get("GONGKAI_WORKER_NAME"),
                   crawler.stats, crawler.signals)

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = ReliableQueue(self.server, spider, self.keys, self.worker)
        self.df = RFPDupeFilter(self.server, key=self.keys.dupefilter, debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        if len(self.queue):
            logger.info("Joining job %s: %d requests already queued", self.keys.job, len(self.queue))

    def close(self, reason: str) -> None:
        pass  # the queue belongs to the job, not to this worker; the coordinator clears it at the end

    def __len__(self) -> int:
        return len(self.queue) + len(self.local)

    def has_pending_requests(self) -> bool:
        return bool(self.local) or len(self.queue) > 0

    def enqueue_request(self, request: Request) -> bool:
        # A retry or redirect of a request this worker holds carries its in-flight id: once the new
        # request is queued, or its URL turns out to be seen already, the old entry is done.
        previous = request.meta.pop(INFLIGHT_META, None)
        try:
            fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
            try:
                queued = self.queue.push_unseen(request, fingerprint, previous)
                previous = None
            except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
                if fingerprint is not None and self.df.request_seen(request):
                    return False
                self._keep_local(request, exc)
                return True
            if not queued:
                self.df.log(request, self.spider)
                return False
            self._inc("scheduler/enqueued/redis")
            return True
        finally:
            if previous is not None:
                self.server.hdel(self.keys.inflight(self.worker), previous)
            if self.signals is not None:
                self.signals.send_catch_log(signal=request_queued, request=request)

    def _keep_local(self, request: Request, exc: Exception) -> None:
        if not self._warned_local:
            logger.warning("Request %s cannot be shared through Redis (%s); kept in this worker", request.url, exc)
            self._warned_local = True
        self.local.append(request)
        self._inc("scheduler/enqueued/local")

    def next_request(self) -> Request | None:
        request = self.local.popleft() if self.local else self.queue.pop()
        if request is not None:
            self._inc("scheduler/dequeued/redis")
        return request

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def decode_request(data: bytes, spider: Spider) -> Request:
    """A queued request as the scheduler would hand it out (tests read the queue with it)."""
    return request_from_dict(pickle.loads(data), spider=spider)
