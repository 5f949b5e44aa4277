"""A generated fixture web: N portals from seeds, every choice independent, rendered per request.

Beside the hand-written fixture web (tests/fixtureweb/site_*.py), which fits the hazards we wrote
down, this one draws each portal from its seed — CMS family and URL scheme, charset and how it is
declared (or lied about), list mechanism (static, ``createPageHTML``, JSON API built from script
variables, Hanweb POST dataproxy, browser-only with pager clicks), pagination, view counter
(static, ``<script src>`` document.write, XHR keyed by manuscript id, ``fetch``, ``_showDynClicks``,
none), attachments (PDF, DOCX, DOC), simplified or traditional script, street-office sub-sites and
traps (calendar, look-alikes, off-site links, related-links blocks) — and says what a correct crawl
emits. Tests use a few small seeds; ``benchmarks/discovery.py`` crawls seeds no rule was tuned on.

    from tests.fixtureweb.generated import GeneratedWeb
    gen = GeneratedWeb(range(1, 21))
    with gen.serve() as web:              # a FixtureWeb proxy on 127.0.0.1, free port
        run(crawl, gen.start_urls, http_proxy=web.proxy_url)
    gen.expected_reports()                # [{url, title, seed, site, report_year, views, mechanism…}]
    gen.out_of_scope(web.requests())      # requests a crawl should never have made

Nothing is built up front: a portal's plan and content are derived on its first request (cached,
small records), pages are rendered per request, so 1,000 portals cost nothing until crawled.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from ..common import Req, Resp
from .content import Item, portal_content, repaired_texts, served_title, views_of
from .pages import item_href, related_texts
from .plan import PortalPlan, choices_of, plan_for
from .site import GeneratedPortal, portal, seed_of_host

__all__ = ["GeneratedWeb", "PortalPlan", "plan_for", "portal_content", "expected_reports", "expected_non_reports"]


def _record(seed: int, item: Item) -> dict:
    c = portal_content(seed)
    plan = c.plan
    host = plan.host if item.site == 0 else plan.subsite_host(plan.subsites[item.site - 1])
    views = views_of(plan, item) if item.is_report else None
    return {
        "url": f"http://{host}{item_href(c, item)}", "title": item.title, "seed": seed, "site": item.site,
        "kind": item.kind, "report_year": item.year, "agency": item.agency, "publish_date": item.date.isoformat(),
        "views": views, "attachment": item.attachment, "direct_file": item.direct,
        "list": item.list_key, "mechanism": {**choices_of(plan), "counter": plan.counter if views is not None else "none"},
        "text_must_not_contain": related_texts(item) if "related_links" in plan.traps and item.is_report else [],
        # Paragraphs served garbled (plan.mojibake) that the report's text must hold repaired.
        "text_must_contain": repaired_texts(plan, item),
        # The page's heading as served (garbled on some pages of a garbling portal) and the pieces its
        # repaired title must hold, in order (the whole title when nothing of it was lost).
        "title_served": served_title(seed, item.id)[0],
        "title_must_contain": list(served_title(seed, item.id)[1]),
    }


def expected_reports(seed: int) -> list[dict]:
    """Every annual report of portal ``seed`` (and its sub-sites) a correct crawl emits, once each."""
    return [_record(seed, it) for it in portal_content(seed).items.values() if it.is_report]


def expected_non_reports(seed: int) -> list[dict]:
    """Pages a crawl may fetch and must never emit: look-alikes, 政府工作报告, news."""
    return [_record(seed, it) for it in portal_content(seed).items.values() if not it.is_report]


class _Resolver:
    """Host → the generated portal serving it (only for the web's seeds)."""

    def __init__(self, seeds: set[int]) -> None:
        self.seeds = seeds

    def __call__(self, host: str) -> GeneratedPortal | None:
        seed = seed_of_host(host)
        if seed is None or seed not in self.seeds:
            return None
        site = portal(seed)
        return site if host in site.hosts else None


class GeneratedWeb:
    """Portals ``seeds`` (ints); start URLs, expectations and a server to crawl them through."""

    def __init__(self, seeds: Iterable[int]) -> None:
        self.seeds = list(dict.fromkeys(int(s) for s in seeds))
        self.resolve = _Resolver(set(self.seeds))

    @property
    def start_urls(self) -> list[str]:
        return [plan_for(s).base + "/" for s in self.seeds]

    def plan(self, seed: int) -> PortalPlan:
        return plan_for(seed)

    def expected_reports(self, seed: int | None = None) -> list[dict]:
        return [r for s in ([seed] if seed is not None else self.seeds) for r in expected_reports(s)]

    def expected_non_reports(self, seed: int | None = None) -> list[dict]:
        return [r for s in ([seed] if seed is not None else self.seeds) for r in expected_non_reports(s)]

    def in_scope(self, host: str) -> bool:
        """Hosts a crawl of the start URLs may request: the portals and their sub-sites."""
        host = (host or "").lower()
        for s in self.seeds:
            plan = plan_for(s)
            if host == plan.host or host.endswith("." + plan.registered_domain):
                return True
        return False

    def out_of_scope(self, requests: Iterable) -> list:
        """Logged requests (tests.fixtureweb.LoggedRequest) to hosts outside every portal's scope."""
        return [r for r in requests if not self.in_scope(urlsplit(r.url).hostname or "")]

    def serve(self, port: int = 0, keep_headers: bool = True):
        """A FixtureWeb (HTTP proxy on 127.0.0.1) serving these portals; use as a context manager."""
        from ..server import FixtureWeb

        return FixtureWeb(port, sites=(), resolve=self.resolve, start_urls=self.start_urls, keep_headers=keep_headers)

    def handle(self, req: Req) -> Resp:
        """Answer one request without a socket (for tests of the generator itself)."""
        from ..common import not_found

        site = self.resolve(req.host)
        return site.handle(req) if site is not None else not_found()
