"""The gongkai Scrapy add-on: the `reports` spider in any Scrapy project.

    # settings.py of another project
    ADDONS = {"crawler.addon.Gongkai": 1}

    # its spiders/gongkai.py
    from crawler.spiders.reports import ReportsSpider

    class Reports(ReportsSpider):
        name = "reports"

    $ scrapy crawl reports -a start_urls=http://www.example.gov.cn/ -O reports.jsonl

The spider yields raw pages; only gongkai's middlewares (WARC capture, backoff retry, conditional
requests, trap guard), item pipelines (extraction, reports.jsonl), extensions (change log,
failures, summary, report.html) and download handlers (browser rendering) make reports of them.
This add-on brings all of them, and every GONGKAI_* default, from crawler/settings.py, the one
place they are defined, at the "addon" priority: the project's own settings.py still wins for any
name it sets (DOWNLOAD_DELAY, USER_AGENT, …), and a middleware it disables with None stays off.
"""

from __future__ import annotations

from types import ModuleType

from scrapy.settings import BaseSettings

from crawler import settings as gongkai_settings

# A host project keeps its own identity and spider modules.
PROJECT_OWN = frozenset({"BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE"})
# Component dicts are merged key by key, so the project's own components stay enabled.
COMPONENT_DICTS = frozenset({"DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "EXTENSIONS",
                             "DOWNLOAD_HANDLERS"})
PRIORITY = "addon"


def gongkai_defaults(module: ModuleType = gongkai_settings) -> dict[str, object]:
    """Every setting crawler/settings.py defines that an add-on should bring."""
    return {name: getattr(module, name) for name in dir(module) if name.isupper() and name not in PROJECT_OWN}


class Gongkai:
    """Scrapy add-on (ADDONS setting) that enables everything the `reports` spider needs."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in gongkai_defaults().items():
            if name in COMPONENT_DICTS:
                settings[name].update(value, priority=PRIORITY)
            else:
                settings.set(name, value, priority=PRIORITY)
