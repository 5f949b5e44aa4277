"""A fake web of Chinese government portals for testing the gongkai crawler end to end, offline.

``FixtureWeb`` is an HTTP forward proxy on 127.0.0.1 that is also the origin of every fake host; point
``http_proxy`` at ``proxy_url`` and crawl ``start_urls``. ``tests.fixtureweb.expected`` says what a correct
crawl emits, never requests, and must not emit. Each site module's docstring lists the hazards it carries;
``expected.HAZARDS`` maps each hazard to its URLs. In short:

- ``site_trs``    清河区 www.qhq.gov.cn (TRS WCM, GBK, no charset header): script-only pagination, truncated
  link texts, street-office year folders, 301→302 report redirect, transient 503, migration PubDate,
  Word export, 30 MB chunked page, robots ``/private/``, endless calendar, links to other hosts.
- ``site_hanweb`` 河阳区 www.hyq.gov.cn + cgjd.hyq.gov.cn (Hanweb JCMS, UTF-8, gzip): CDATA datastore lists,
  POST-only second group (JS-only reports), script view counts, ``;jsessionid=``, meta refresh, 404,
  street-office sub-site, dead sub-domain ljz.hyq.gov.cn (502).
- ``site_aspnet`` 石岭县 www.slx.gov.cn (ASP.NET tables, UTF-8, gzip, chunked): column behind 301→302,
  ``list.aspx?page=N`` via 下一页, static 浏览次数, today's date in the header, ``?sid=``, robots-disallowed
  print pages, township reports.
- ``site_misc``   www.lsx.gov.cn, www.gov.cn, www.baidu.com: outside the start set; any request is a leak.

Beside these hand-written sites, ``tests.fixtureweb.generated`` builds N portals from seeds, every
choice (CMS family, charset, list mechanism, pagination, counter, attachments, script, sub-sites,
traps) independent, each with its expected reports and views (``GeneratedWeb(seeds).serve()``);
``benchmarks/discovery.py`` crawls seeds no test was written against.

The names are imported lazily so that ``python -m tests.fixtureweb.server`` runs the server module once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import START_URLS, FixtureWeb, LoggedRequest

__all__ = ["FixtureWeb", "LoggedRequest", "START_URLS"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
