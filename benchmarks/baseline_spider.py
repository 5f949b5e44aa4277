"""Baseline for benchmarks/crawl.py: bare Scrapy fetching a given URL list, doing nothing else.

The same politeness as gongkai's crawl, read from crawler/settings.py so the two cannot drift apart
(robots.txt, AutoThrottle with its target concurrency and delays, the concurrency limits, the
download delay; the benchmark's FAST start delay is passed to both); no WARC, no link analysis, no
extraction, no retries (the measured web has no failures to retry). Run by
`scrapy runspider benchmarks/baseline_spider.py -a urls_file=FILE [-s AUTOTHROTTLE_START_DELAY=…]`,
outside the project directory (inside it Scrapy would load all of gongkai's settings).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import scrapy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from crawler import settings as gongkai  # noqa: E402

POLITENESS = ("ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY",
              "AUTOTHROTTLE_TARGET_CONCURRENCY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN",
              "DOWNLOAD_DELAY", "DOWNLOAD_MAXSIZE")


class BaselineSpider(scrapy.Spider):
    name = "baseline"
    # "spider" priority: above the project's, below -s on the command line (the FAST start delay).
    custom_settings = {
        **{name: getattr(gongkai, name) for name in POLITENESS},
        "LOG_LEVEL": "WARNING", "HTTPERROR_ALLOW_ALL": True, "RETRY_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
    }

    def __init__(self, urls_file: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with open(urls_file, encoding="utf-8") as fh:
            self.urls = [line.strip() for line in fh if line.strip()]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, dont_filter=True, callback=self.parse, errback=lambda f: None)

    def parse(self, response):
        return None
