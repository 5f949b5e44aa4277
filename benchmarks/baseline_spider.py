"""Baseline for benchmarks/crawl.py: bare Scrapy fetching a given URL list, doing nothing else.

Same politeness settings as gongkai's crawl; no WARC, no link analysis, no extraction. Run by
`scrapy runspider benchmarks/baseline_spider.py -a urls_file=FILE`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy


class BaselineSpider(scrapy.Spider):
    name = "baseline"
    custom_settings = {
        "ROBOTSTXT_OBEY": True, "AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 0.05,
        "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "LOG_LEVEL": "WARNING",
        "HTTPERROR_ALLOW_ALL": True, "RETRY_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
        "DOWNLOAD_MAXSIZE": 16 * 1024 * 1024,
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
