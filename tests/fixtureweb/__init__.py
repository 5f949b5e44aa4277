"""A fake web of Chinese government portals for testing the gongkai crawler end to end, offline.

``FixtureWeb`` is an HTTP forward proxy on 127.0.0.1 that is also the origin of every fake host; point
``http_proxy`` at ``proxy_url`` and crawl ``start_urls``. ``tests.fixtureweb.expected`` says what a correct
crawl emits, never requests, and must not emit. Each site module's docstring lists the hazards it carries.
"""

from .server import START_URLS, FixtureWeb, LoggedRequest

__all__ = ["FixtureWeb", "LoggedRequest", "START_URLS"]
