"""Scrapy's retry, plus an exponential wait before each new attempt.

A portal that answers 503 under load is better asked again in a second or two than at once.
The wait is an asyncio sleep in this request's own middleware chain: other requests go on.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    def _delay(self, request: Request) -> float:
        settings = self.crawler.settings
        attempt = request.meta.get("retry_times", 1)
        base = settings.getfloat("GONGKAI_RETRY_BACKOFF_BASE")
        return min(base * 2 ** (attempt - 1), settings.getfloat("GONGKAI_RETRY_BACKOFF_MAX"))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            delay = self._delay(result)
            logger.info("HTTP %s from %s: retry %s in %.1fs", response.status, request.url,
                        result.meta.get("retry_times"), delay)
            await asyncio.sleep(delay)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            delay = self._delay(result)
            logger.info("%s on %s: retry %s in %.1fs", type(exception).__name__, request.url,
                        result.meta.get("retry_times"), delay)
            await asyncio.sleep(delay)
        return result
