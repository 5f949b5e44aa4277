"""Registered domains from the bundled public suffix list snapshot; never fetched at run time."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

# suffix_list_urls=() keeps tldextract on the snapshot shipped in its package; cache_dir=None
# keeps it from writing a cache under $HOME.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def registered_domain_of_host(host: str) -> str:
    parts = _extract(host)
    return parts.top_domain_under_public_suffix or host


def registered_domain(url: str) -> str:
    return registered_domain_of_host((urlsplit(url).hostname or "").lower())
