"""Registered domains from the bundled public suffix list snapshot; never fetched at run time."""

from __future__ import annotations

from functools import cache, lru_cache
from urllib.parse import urlsplit


@cache
def _extractor():
    # Built on the first question, not at import: tldextract imports requests (for the lists we never
    # fetch) and the snapshot's trie, ~20 MB resident, which a process that asks no domain (the
    # script sandbox's: its pages' scope comes with them) does not need. suffix_list_urls=() keeps
    # tldextract on the snapshot shipped in its package; cache_dir=None keeps it from writing a
    # cache under $HOME.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def registered_domain_of_host(host: str) -> str:
    parts = _extractor()(host)
    return parts.top_domain_under_public_suffix or host


def registered_domain(url: str) -> str:
    return registered_domain_of_host((urlsplit(url).hostname or "").lower())
