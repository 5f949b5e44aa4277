"""The spider's item is pipelines.page.FetchedPage, built here from a Scrapy response."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import Response

from pipelines.page import FetchedPage


def headers_dict(headers) -> dict[str, str]:
    """Scrapy headers → {lower-case name: value}, repeated values joined as HTTP allows."""
    out: dict[str, str] = {}
    for name, values in headers.items():
        key = (name.decode("latin-1") if isinstance(name, bytes) else str(name)).lower()
        out[key] = ", ".join(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values)
    return out


def fetched_page_from_response(response: Response) -> FetchedPage:
    warc = response.meta.get("warc") or {}
    headers = headers_dict(response.headers)
    # HttpCompressionMiddleware has already removed the encoding from the body it hands us.
    headers.pop("content-encoding", None)
    return FetchedPage(
        url=response.url,
        status=response.status,
        headers=headers,
        body=response.body,
        fetched_at=warc.get("fetched_at") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        warc_file=warc.get("warc_file"),
        warc_record_id=warc.get("warc_record_id"),
        warc_offset=warc.get("warc_offset"),
        referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None
        if response.request else None,
        link_text=response.meta.get("link_text"),
        extra={"role": response.meta.get("role")},
    )
