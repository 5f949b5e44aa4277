"""Records a killed crawl wrote to its WARCs but never recorded in its state.

A capture is two writes: the WARC record (flushed first) and its row in state.sqlite (committed
right after). A SIGKILL between the two leaves a record the state does not know, and a resumed
crawl would fetch and archive that page a second time. Such records can only sit at the end of the
files the killed run had open: `unrecorded_captures` reads a recovered file from just after the last
record the state knows (a seek, not a scan) and returns what it finds, each response or revisit with its request, so the
crawl can record them before it starts (crawler/job.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


@dataclass(frozen=True)
class UnrecordedCapture:
    url: str
    method: str
    request_body: bytes
    status: int
    kind: str  # response | revisit
    payload_digest: str | None
    warc_offset: int
    warc_record_id: str
    warc_date: str
    etag: str | None
    last_modified: str | None


def unrecorded_captures(path: Path, after_offset: int) -> list[UnrecordedCapture]:
    """Response/revisit records of `path` that start after `after_offset` (-1: the whole file),
    paired with the request record written with each (warcio writes the response, then its request
    with WARC-Concurrent-To), in file order."""
    found: list[UnrecordedCapture] = []
    pending: dict[str, tuple] = {}
    base = max(after_offset, 0)
    with open(path, "rb") as fh:
        fh.seek(base)
        records = ArchiveIterator(fh)
        for record in records:
            headers = record.rec_headers
            http = record.http_headers
            # Read first: warcio's get_record_offset() reads the record to its end (absolute offset).
            body = record.raw_stream.read()  # as written: no transfer or content decoding
            offset = records.get_record_offset()
            if offset <= after_offset or http is None:
                continue
            if record.rec_type in ("response", "revisit"):
                pending[headers.get_header("WARC-Record-ID")] = (record.rec_type, http, offset, headers)
            elif record.rec_type == "request":
                answer = pending.pop(headers.get_header("WARC-Concurrent-To") or "", None)
                if answer is None:
                    continue
                found.append(_capture(answer, (http.protocol or "GET").split(" ")[0], body))
    # A response whose request record the kill cut off (the pair is written response first): the
    # response is whole and kept; its request was, as nearly all are, a GET without a body.
    found.extend(_capture(answer, "GET", b"") for answer in pending.values())
    found.sort(key=lambda c: c.warc_offset)
    return found


def _capture(answer: tuple, method: str, request_body: bytes) -> UnrecordedCapture:
    kind, http, offset, rec = answer
    return UnrecordedCapture(
        url=rec.get_header("WARC-Target-URI"), method=method, request_body=request_body,
        status=int(http.get_statuscode() or 0), kind=kind, payload_digest=rec.get_header("WARC-Payload-Digest"),
        warc_offset=offset, warc_record_id=rec.get_header("WARC-Record-ID"), warc_date=rec.get_header("WARC-Date"),
        etag=http.get_header("ETag"), last_modified=http.get_header("Last-Modified"))
