"""gongkai's Scrapy project: settings, spiders, middlewares, extensions."""

import os

# tldextract (ours, and the one Scrapy's cookie middleware uses) must never fetch the public suffix
# list: it would block with no timeout on a closed network. Set before anything imports tldextract.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
