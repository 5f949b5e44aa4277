"""The crawl job: the one CrawlState (and WARC recovery) a Scrapy crawler's components share.

archive/state.py is a plain store that knows nothing of Scrapy; this module wires it to a crawler's
signals. The capture middleware, the conditional-requests middleware and the changes extension all
ask `crawl_state_for(crawler)` and get the same object.
"""

from __future__ import annotations

from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler

from archive.state import CrawlState
from archive.warcwriter import recover_open_files


def crawl_state_for(crawler: Crawler) -> CrawlState:
    """The one CrawlState of a Scrapy crawler, shared by the capture middleware, the conditional
    requests middleware and the changes extension; opened (and the crawl begun) on first use."""
    state = getattr(crawler, "_gongkai_state", None)
    if state is None:
        out_dir = Path(crawler.settings.get("GONGKAI_OUT_DIR"))
        # A killed run leaves `.open` WARC files: cut each to its last complete record and close it
        # before this run writes anything, so every file in warc/ is a finished, readable WARC.
        recover_open_files(out_dir / "warc")
        state = CrawlState(out_dir)
        state.begin(resume=crawler.settings.getbool("GONGKAI_RESUME", True))
        crawler._gongkai_state = state
        crawler.stats.set_value("gongkai/crawl_id", state.crawl_id)
        crawler.stats.set_value("gongkai/resumed", state.resumed)
        reasons: dict[str, str] = {}

        def closed(spider=None, reason: str = "finished") -> None:
            reasons["reason"] = reason

        def stopped() -> None:
            # Only a crawl that ran to its end is finished; any other stop is resumed next time.
            if reasons.get("reason") == "finished":
                state.finish("finished")
            state.close()

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        crawler.signals.connect(stopped, signal=signals.engine_stopped, weak=False)
    return state
