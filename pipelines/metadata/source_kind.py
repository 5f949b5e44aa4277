"""What kind of source served the report: "official", "mirror" (a content farm's copy) or "docshare".

One decision for a page (its host, <meta> tags and visible text) and for a bare text (the
artefacts a farm or a sharing site leaves in it, pipelines/clean.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pipelines.chinese import to_simplified
from pipelines.clean import is_docshare, is_mirror
from pipelines.domains import registered_domain, registered_domain_of_host
from pipelines.rules import metadata as R
from pipelines.warnings import SITE_ID_OF_OTHER_HOST, warning

OFFICIAL, MIRROR, DOCSHARE = "official", "mirror", "docshare"

_OFFICIAL_RE = re.compile("|".join(R.OFFICIAL_MARKERS))
_DOCSHARE_HOSTS = frozenset(R.DOCSHARE_HOSTS)
_PINYIN_RE = re.compile(R.PINYIN_ANNOTATION)


def _host_matches(host: str, names: str) -> bool:
    wanted = {registered_domain_of_host(n.strip().lower()) for n in re.split(r"[,\s;]+", names) if n.strip()}
    return not wanted or registered_domain_of_host(host) in wanted


def source_kind(text: str, *, url: str = "", meta: dict[str, str] | None = None, page_text: str = "",
                warnings: list[str] | None = None) -> str:
    """The kind of source of a report text, judged with whatever is known of the page around it.

    With a URL: the host decides first (a sharing site's or a .gov.cn host), then markers in the
    page. With only a text: its artefacts, and "official" when it carries none.
    """
    meta = meta or {}
    host = (urlsplit(url).hostname or "").lower() if url else ""
    if host and (host in _DOCSHARE_HOSTS or registered_domain(url) in _DOCSHARE_HOSTS):
        return DOCSHARE
    if host and any(host.endswith(s) or host == s.lstrip(".") for s in R.OFFICIAL_HOST_SUFFIXES):
        return OFFICIAL
    if (page_text and is_docshare(page_text)) or (text and is_docshare(text)):
        return DOCSHARE
    if text and is_mirror(text):
        return MIRROR
    if not host and not page_text:
        return OFFICIAL  # a bare text without a farm's or a sharing site's artefacts
    site_id = re.sub(r"\D", "", meta.get("siteid", ""))
    if len(site_id) >= 6 or _OFFICIAL_RE.search(page_text):
        # A content farm that copies a government page copies its 网站标识码 too: check the host.
        if host and meta.get("sitedomain") and not _host_matches(host, meta["sitedomain"]):
            if warnings is not None:
                warnings.append(warning(SITE_ID_OF_OTHER_HOST,
                                        f"site id of {meta['sitedomain']} served from {host}: treated as a mirror"))
            return MIRROR
        return OFFICIAL
    return MIRROR


def unfarm(s: str | None) -> str | None:
    """Undo a content farm's Traditional conversion and pinyin annotations in a short field."""
    if not s:
        return s
    s = _PINYIN_RE.sub("", s)
    conv = to_simplified()
    return conv(s) if conv else s
