"""Read HTTP responses back out of WARC files (ours, wget's, Browsertrix's) as FetchedPages.

Damage is reported, not fatal: a truncated or corrupt file yields every record before the damage
and a `WarcDamage` naming the file and offset. A torn last record (which warcio itself reads
without complaint, short) is not used: for gzip WARCs the complete prefix is checked first.

Revisit records are read as the page they stand for: HTTP head of the revisit, payload of the
record it refers to (WARC-Refers-To), found through the location hint our writer adds or else by
record id among the WARCs beside it (archive/revisit.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.revisit import revisit_payload, torn_tail
from pipelines.page import FetchedPage

logger = logging.getLogger(__name__)


@dataclass
class WarcDamage:
    warc_file: str
    offset: int
    reason: str


def _warc_date_to_iso(date: str) -> str:
    # 2026-11-22T21:30:00.123456Z → 2026-11-22T21:30:00Z
    return (date or "")[:19] + "Z" if date else ""


def iter_response_pages(path: Path, *, name: str | None = None,
                        damage: list[WarcDamage] | None = None) -> Iterator[FetchedPage]:
    """Every HTTP response record of one WARC file, payload with Content-Encoding removed.

    `name` is the warc_file recorded in each page (default: the path as given).
    """
    name = name or str(path)
    offset = 0
    # warcio reads a torn last gzip member short and silently: stop at the complete prefix.
    limit, tail_error = torn_tail(Path(path))
    try:
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream, arc2warc=True)
            for record in records:
                # .offset is where this record starts; get_record_offset() would read the
                # record to its end and leave nothing for content_stream().
                offset = records.offset
                if limit is not None and offset >= limit:
                    break  # reported below
                if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                    continue
                if not (record.rec_headers.get_header("WARC-Target-URI") or "").startswith("http"):
                    continue
                if record.rec_type == "revisit":
                    # The page a revisit stands for: its HTTP head, the payload it refers to.
                    body = revisit_payload(record, Path(path))
                    if body is None:
                        if damage is not None:
                            damage.append(WarcDamage(name, offset, "revisit whose original is missing"))
                        continue
                else:
                    # content_stream() undoes chunking and Content-Encoding, as a client would.
                    body = record.content_stream().read()
                headers: dict[str, str] = {}
                for key, value in record.http_headers.headers:
                    k = key.lower()
                    headers[k] = f"{headers[k]}, {value}" if k in headers else value
                headers.pop("content-encoding", None)
                headers.pop("transfer-encoding", None)
                yield FetchedPage(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    status=int(record.http_headers.get_statuscode() or 0),
                    headers=headers,
                    body=body,
                    fetched_at=_warc_date_to_iso(record.rec_headers.get_header("WARC-Date")),
                    warc_file=name,
                    warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    warc_offset=offset,
                )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        logger.error("WARC damaged: %s at offset %d: %s", name, offset, exc)
        if damage is not None:
            damage.append(WarcDamage(name, offset, str(exc)))
        return
    if tail_error:
        logger.error("WARC damaged: %s at offset %d: %s", name, limit or 0, tail_error)
        if damage is not None:
            damage.append(WarcDamage(name, limit or 0, tail_error))


def iter_rendered_pages(path: Path, *, name: str | None = None,
                        damage: list[WarcDamage] | None = None) -> Iterator[FetchedPage]:
    """Browser-rendered DOMs: `conversion` records of HTML whose target is an http(s) URL.

    Written by crawler/middlewares/browser_capture.py, each with WARC-Refers-To naming the response
    record of the document it was rendered from. Replay prefers them to the static response of the
    same URL: they are what the live crawl extracted. extra["rendered"] marks them.
    """
    name = name or str(path)
    offset = 0
    try:
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream, arc2warc=True)
            for record in records:
                offset = records.offset
                if record.rec_type != "conversion":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                content_type = record.rec_headers.get_header("Content-Type") or ""
                if not url.startswith("http") or not content_type.lower().startswith("text/html"):
                    continue
                yield FetchedPage(
                    url=url, status=200, headers={"content-type": content_type},
                    body=record.content_stream().read(),
                    fetched_at=_warc_date_to_iso(record.rec_headers.get_header("WARC-Date")),
                    warc_file=name, warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    warc_offset=offset,
                    extra={"rendered": True, "refers_to": record.rec_headers.get_header("WARC-Refers-To")},
                )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        logger.error("WARC damaged: %s at offset %d: %s", name, offset, exc)
        if damage is not None:
            damage.append(WarcDamage(name, offset, str(exc)))


def iter_request_referers(path: Path) -> Iterator[tuple[str, str]]:
    """(response record id, Referer) for each request record that names its response
    (WARC-Concurrent-To) and carried a Referer: which page an attachment was fetched for."""
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, arc2warc=True):
                if record.rec_type != "request" or record.http_headers is None:
                    continue
                referer = record.http_headers.get_header("Referer")
                response_id = record.rec_headers.get_header("WARC-Concurrent-To")
                if referer and response_id:
                    yield response_id, referer
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        logger.error("WARC damaged: %s: %s (request records after it not read)", path, exc)
