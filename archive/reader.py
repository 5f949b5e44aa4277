"""Read HTTP responses back out of WARC files (ours, wget's, Browsertrix's) as FetchedPages.

Damage is reported, not fatal: a truncated or corrupt file yields every record before the damage
and a `WarcDamage` naming the file and offset.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

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
    try:
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream, arc2warc=True)
            for record in records:
                # .offset is where this record starts; get_record_offset() would read the
                # record to its end and leave nothing for content_stream().
                offset = records.offset
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if not (record.rec_headers.get_header("WARC-Target-URI") or "").startswith("http"):
                    continue
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
