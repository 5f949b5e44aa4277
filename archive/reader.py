"""Read HTTP responses back out of WARC and ARC files (ours, wget's, pywb's, Common Crawl's, ...)
as FetchedPages.

Damage is reported, not fatal: archive/integrity.py scans each file once, and every record it can
trust is read, before and after the damage; each damaged record is a `WarcDamage` naming the file
and the record's offset.

Revisit records are read as the page they stand for: HTTP head of the revisit, payload of the
record it refers to, found by archive/revisit.OriginalFinder (WARC-Refers-To, or URL + payload
digest among the files given). A revisit whose original is not among them is not damage (the
file is whole; the original is elsewhere): it is logged and listed in `unresolved`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from archive.integrity import Damage
from archive.records import iter_archive_records
from archive.revisit import OriginalFinder, parse_location, read_original
from archive.warcwriter import REFERS_TO_LOCATION
from pipelines.page import FetchedPage

logger = logging.getLogger(__name__)

WarcDamage = Damage  # the name callers know


def _warc_date_to_iso(date: str) -> str:
    # 2026-11-22T21:30:00.123456Z → 2026-11-22T21:30:00Z
    return (date or "")[:19] + "Z" if date else ""


def iter_response_pages(path: Path, *, name: str | None = None, damage: list[WarcDamage] | None = None,
                        finder: OriginalFinder | None = None,
                        unresolved: list[WarcDamage] | None = None) -> Iterator[FetchedPage]:
    """Every HTTP response (and resolved revisit) record of one WARC/ARC file, payload with
    Content-Encoding removed. `name` is the warc_file recorded in each page (default: the path as
    given); `finder` looks for revisits' originals (default: in this file and the WARCs beside it).
    """
    path = Path(path)
    name = name or str(path)
    finder = finder or OriginalFinder([path])
    for offset, record in iter_archive_records(path, name=name, damage=damage):
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.rec_type not in ("response", "revisit") or not url.startswith("http"):
            continue
        if record.rec_type == "response" and record.http_headers is None:
            continue
        extra = {}
        http = record.http_headers
        if record.rec_type == "revisit":
            # The page a revisit stands for: its HTTP head (the original's when it kept none, as
            # headers-less WARC/1.0 revisits do), the payload it refers to.
            original = finder.find(record, path)
            original_http, body = read_original(*original) if original else (None, None)
            http = http or original_http
            if body is None or http is None:
                logger.warning("Revisit %s#%d (%s): its original is not among the files given; skipped",
                               name, offset, url)
                if unresolved is not None:
                    unresolved.append(WarcDamage(name, offset, f"revisit of {url}: original not found"))
                continue
        else:
            # content_stream() undoes chunking and Content-Encoding, as a client would.
            try:
                body = record.content_stream().read()
            except Exception as exc:  # bad chunking / Content-Encoding: the bytes as stored
                logger.warning("%s#%d: payload not decodable (%r); stored bytes used", name, offset, exc)
                body = record.raw_stream.read()
            truncated = record.rec_headers.get_header("WARC-Truncated")
            if truncated:
                logger.warning("%s#%d (%s): payload truncated by its writer (WARC-Truncated: %s)",
                               name, offset, url, truncated)
                extra["warc_truncated"] = truncated
        headers: dict[str, str] = {}
        for key, value in http.headers:
            k = key.lower()
            headers[k] = f"{headers[k]}, {value}" if k in headers else value
        headers.pop("content-encoding", None)
        headers.pop("transfer-encoding", None)
        yield FetchedPage(
            url=url,
            status=int(http.get_statuscode() or 0),
            headers=headers,
            body=body,
            fetched_at=_warc_date_to_iso(record.rec_headers.get_header("WARC-Date")),
            warc_file=name,
            warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
            warc_offset=offset,
            extra=extra,
        )


def iter_rendered_pages(path: Path, *, name: str | None = None,
                        damage: list[WarcDamage] | None = None) -> Iterator[FetchedPage]:
    """Browser-rendered DOMs: `conversion` records of HTML whose target is an http(s) URL.

    Written by crawler/middlewares/browser_capture.py, each with WARC-Refers-To naming the response
    record of the document it was rendered from. Replay prefers them to the static response of the
    same URL: they are what the live crawl extracted. extra["rendered"] marks them.
    """
    name = name or str(path)
    for offset, record in iter_archive_records(Path(path), name=name, damage=damage):
        if record.rec_type != "conversion":
            continue
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        content_type = record.rec_headers.get_header("Content-Type") or ""
        if not url.startswith("http") or not content_type.lower().startswith("text/html"):
            continue
        own_id = record.rec_headers.get_header("WARC-Record-ID")
        refers_to = record.rec_headers.get_header("WARC-Refers-To")
        # The page cites the capture it was rendered from (a response or revisit), as the live crawl
        # does; the conversion itself when that capture's location is not recorded.
        hint = parse_location(record.rec_headers.get_header(REFERS_TO_LOCATION) or "") if refers_to else None
        cited = (str(Path(name).parent / Path(hint[0]).name), refers_to, hint[1]) if hint else (name, own_id, offset)
        date = record.rec_headers.get_header("WARC-Refers-To-Date") if hint else None
        yield FetchedPage(
            url=url, status=200, headers={"content-type": content_type},
            body=record.content_stream().read(),
            fetched_at=_warc_date_to_iso(date or record.rec_headers.get_header("WARC-Date")),
            warc_file=cited[0], warc_record_id=cited[1], warc_offset=cited[2],
            extra={"rendered": True, "refers_to": refers_to, "rendered_record_id": own_id},
        )


def iter_request_referers(path: Path) -> Iterator[tuple[str, str]]:
    """(response record id, Referer) for each request record that names its response
    (WARC-Concurrent-To) and carried a Referer: which page an attachment was fetched for."""
    for _offset, record in iter_archive_records(Path(path)):
        if record.rec_type != "request" or record.http_headers is None:
            continue
        referer = record.http_headers.get_header("Referer")
        response_id = record.rec_headers.get_header("WARC-Concurrent-To")
        if referer and response_id:
            yield response_id, referer
