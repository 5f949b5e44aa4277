"""Downloader middleware: per-host concurrency shared by every worker of a distributed crawl.

Scrapy's CONCURRENT_REQUESTS_PER_DOMAIN is per process: N workers would put N times the load on a
small government server. Here a download first takes a lease on its host in Redis (a sorted set of
lease ids scored by expiry), at most CONCURRENT_REQUESTS_PER_DOMAIN at once across the job, and
gives it back when the response or failure comes in. A lease expires on its own after
DOWNLOAD_TIMEOUT + 30 s, so a killed worker's leases cannot block a host for good. AutoThrottle
still adapts each worker's delays to the host's latency on top of this.
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.distributed.offload import Offload
from crawler.distributed.scheduler import JobKeys

LEASE_META = "gongkai_host_lease"

# Expiry on the Redis server's clock, not the worker's: machines whose clocks disagree would
# otherwise end each other's leases early (or late).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.floor(tonumber(ARGV[2]) * 1000))
  return 1
end
return 0
"""


class SharedHostLeases:
    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        if not settings.get("GONGKAI_JOB_ID"):
            raise NotConfigured("not a distributed crawl")
        self.server = get_redis_from_settings(settings)
        self.keys = JobKeys(settings.get("GONGKAI_JOB_ID"))
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.ttl = settings.getfloat("DOWNLOAD_TIMEOUT") + 30
        self.wait = settings.getfloat("GONGKAI_DISTRIBUTED_LEASE_WAIT")
        self.stats = crawler.stats
        self.offload = Offload.of(crawler)  # leases are taken and given back off the reactor thread
        self._acquire = self.server.register_script(_ACQUIRE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostLeases:
        return cls(crawler)

    def _key(self, request: Request) -> str:
        return self.keys.host_leases((urlsplit(request.url).hostname or "").lower())

    async def process_request(self, request: Request, spider=None) -> None:
        # A browser render is not itself a download: chromium's requests for it come back through
        # the downloader one by one and take their own leases. Holding one for the render too would
        # let four renders of a host starve their own sub-requests until the page times out.
        if LEASE_META in request.meta or request.meta.get("playwright"):
            return None
        lease, key = uuid.uuid4().hex, self._key(request)
        waited = False
        while not await self.offload.ask(self._take, key, lease):
            waited = True
            await asyncio.sleep(self.wait)
        if waited:
            self.stats.inc_value("gongkai/distributed/host_lease_waits")
        request.meta[LEASE_META] = (key, lease)
        return None

    def _take(self, key: str, lease: str) -> bool:
        return bool(self._acquire(keys=[key], args=[self.limit, self.ttl, lease]))

    def _release(self, request: Request) -> None:
        held = request.meta.pop(LEASE_META, None)
        if held:
            self.offload.send(self.server.zrem, *held)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None) -> None:
        self._release(request)
        return None
