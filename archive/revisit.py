"""Revisits: deciding when one is due, and reading a page back through one.

Policy (docs/archive.md): a **revisit record** (identical-payload-digest profile) is written only
when the payload is byte-identical to the URL's last full capture, which is what the WARC standard
means by it, or when the server answered our conditional request with 304 Not Modified (it then
vouches for the identical payload). Whenever the bytes differ, even only by a clock or a counter, a
full response record is written; whether that counts as a *change* is decided separately, on the
normalized extracted text (crawler/extensions/changes.py).

Every revisit carries WARC-Refers-To (record id), WARC-Refers-To-Target-URI/-Date and the payload
digest, plus a non-standard location hint (warcwriter.REFERS_TO_LOCATION) so a reader can seek to
the original at once instead of scanning the archive for the record id.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archive.warcwriter import REFERS_TO_LOCATION, complete_prefix

# Headers a 304 may update on the stored response (RFC 9111 §4.3.4); the others, above all
# Content-Length, Content-Encoding and Content-Type, describe the stored payload and stay.
NOT_MODIFIED_UPDATES = frozenset({"date", "etag", "last-modified", "cache-control", "expires", "vary",
                                  "content-location"})


def payload_digest(payload: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for `payload`: sha1, base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def location(warc_file: str, offset: int) -> str:
    return f"{warc_file}#{offset}"


def parse_location(value: str) -> tuple[str, int] | None:
    name, sep, offset = (value or "").rpartition("#")
    return (name, int(offset)) if sep and offset.isdigit() else None


@dataclass
class ArchivedExchange:
    """An HTTP response read back from the archive, revisits resolved."""

    url: str
    status: int
    headers: list[tuple[str, str]]  # of the record asked for (the revisit's, for a revisit)
    payload: bytes  # raw payload as received: still Content-Encoded
    warc_date: str
    record_id: str
    record_type: str  # response | revisit
    refers_to: str | None = None  # record id of the response the payload came from


class RecordNotFound(LookupError):
    pass


def _read_at(path: Path, offset: int):
    """(record headers, http headers, raw payload) of the record at `offset` of `path`."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            http = record.http_headers
            payload = record.raw_stream.read()  # raw: chunking and Content-Encoding kept
            return record.rec_headers, http, payload
    raise RecordNotFound(f"no record at {path}#{offset}")


def _find_by_id(warc_dir: Path, record_id: str) -> tuple[Path, int] | None:
    """Scan a directory of WARCs for a record id: the fallback when no location hint is usable."""
    for path in sorted(warc_dir.glob("*.warc.gz")) + sorted(warc_dir.glob("*.warc")):
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                    return path, it.get_record_offset()
    return None


def load_exchange(base: Path, warc_file: str, offset: int) -> ArchivedExchange:
    """The response at `warc_file`#`offset` (relative to the crawl directory `base`).

    For a revisit, the payload is the one of the record it refers to, found through the location
    hint (checked against WARC-Refers-To) or else by record id among the WARCs beside it.
    """
    base = Path(base)
    path = base / warc_file
    rec, http, payload = _read_at(path, offset)
    rec_type = rec.get_header("WARC-Type")
    if http is None:
        raise RecordNotFound(f"{warc_file}#{offset} is a {rec_type} record without HTTP headers")
    exchange = ArchivedExchange(
        url=rec.get_header("WARC-Target-URI"), status=int(http.get_statuscode() or 0),
        headers=list(http.headers), payload=payload, warc_date=rec.get_header("WARC-Date"),
        record_id=rec.get_header("WARC-Record-ID"), record_type=rec_type)
    if rec_type != "revisit":
        return exchange
    target_id = rec.get_header("WARC-Refers-To")
    found: tuple[Path, int] | None = None
    hint = parse_location(rec.get_header(REFERS_TO_LOCATION) or "")
    if hint and (base / hint[0]).exists():
        found = (base / hint[0], hint[1])
    elif target_id:
        found = _find_by_id(path.parent, target_id)
    if found is None:
        raise RecordNotFound(f"revisit {warc_file}#{offset}: original {target_id} not found")
    orig_rec, _orig_http, orig_payload = _read_at(*found)
    if target_id and orig_rec.get_header("WARC-Record-ID") != target_id:
        raise RecordNotFound(f"revisit {warc_file}#{offset}: {found[0]}#{found[1]} is not {target_id}")
    exchange.payload = orig_payload
    exchange.refers_to = orig_rec.get_header("WARC-Record-ID")
    return exchange


def not_modified_head(stored: ArchivedExchange, fresh: list[tuple[str, str]],
                      protocol: str = "HTTP/1.1") -> StatusAndHeaders:
    """The HTTP head archived in the revisit for a 304: the stored response's status and headers,
    freshened by the 304's (RFC 9111 §4.3.4). So replay serves a 200 with the stored payload and
    headers that describe it, not a bodiless 304."""
    updates = {k.lower(): (k, v) for k, v in fresh if k.lower() in NOT_MODIFIED_UPDATES}
    headers: list[tuple[str, str]] = []
    for k, v in stored.headers:
        if k.lower() in updates:
            if updates[k.lower()] is not None:
                headers.append(updates[k.lower()])
                updates[k.lower()] = None  # a repeated header is replaced once
            continue
        headers.append((k, v))
    headers.extend(kv for kv in updates.values() if kv is not None)
    try:
        reason = HTTPStatus(stored.status).phrase
    except ValueError:
        reason = "Unknown"
    return StatusAndHeaders(f"{stored.status} {reason}", headers, protocol=protocol)


def torn_tail(path: Path) -> tuple[int | None, str | None]:
    """(end of the complete prefix, what is wrong after it) of a gzip WARC; (None, None) when
    the file is not record-per-member gzip and cannot be checked this way."""
    if not str(path).endswith(".gz"):
        return None, None
    try:
        end, _count, error = complete_prefix(path)
    except OSError as exc:
        return 0, str(exc)
    return end, error


def revisit_payload(record, path: Path) -> bytes | None:
    """Decoded payload (Content-Encoding undone) of the response a revisit record refers to.

    Looked for through the location hint (the file beside `path`), checked against
    WARC-Refers-To, else by record id among the WARCs of `path`'s directory. None if not found.
    """
    target = record.rec_headers.get_header("WARC-Refers-To")
    found: tuple[Path, int] | None = None
    hint = parse_location(record.rec_headers.get_header(REFERS_TO_LOCATION) or "")
    if hint and (path.parent / Path(hint[0]).name).exists():
        found = (path.parent / Path(hint[0]).name, hint[1])
    for attempt in (found, "scan"):
        if attempt == "scan":
            attempt = _find_by_id(path.parent, target) if target else None
        if attempt is None:
            continue
        with open(attempt[0], "rb") as fh:
            fh.seek(attempt[1])
            for original in ArchiveIterator(fh, arc2warc=True):
                if not target or original.rec_headers.get_header("WARC-Record-ID") == target:
                    return original.content_stream().read()
                break
    return None
