"""gongkai's own Scrapy signals (sent with ``crawler.signals.send_catch_log``).

request_failed(request, failure)
    A request ended without a response the spider could use: excluded by robots.txt, an HTTP error
    status after retries, a timeout, a DNS or connection failure, a body above the size limit. Sent
    by the spider's errback; crawler/extensions/failures.py records it with its reason.
"""

request_failed = object()
