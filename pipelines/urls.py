"""URL canonicalization: one report reached under many session ids is one URL."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipelines.rules.urls import SESSION_PARAMS

_SESSION = {p.lower() for p in SESSION_PARAMS}
_PATH_PARAM = re.compile(r";(" + "|".join(re.escape(p) for p in SESSION_PARAMS) + r")=[^/?#]*", re.I)


# Remembered: every page's navigation repeats the same links, canonicalised again on each page
# (0.14 ms of the crawl process's 12 ms CPU per page on 20 generated portals, py-spy).
@functools.lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """Drop the fragment and session parameters; keep everything else as the site wrote it."""
    parts = urlsplit(url)
    path = _PATH_PARAM.sub("", parts.path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() not in _SESSION]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc.lower(), path or "/", query, ""))
