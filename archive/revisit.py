"""Revisits: deciding when one is due, and reading a page back through one.

Policy (docs/archive.md): a **revisit record** (identical-payload-digest profile) is written only
when the payload is byte-identical to the URL's last full capture, which is what the WARC standard
means by it, or when the server answered our conditional request with 304 Not Modified (it then
vouches for the identical payload). Whenever the bytes differ, even only by a clock or a counter, a
full response record is written (and for a 3xx always: `revisit_allowed`); whether that counts as a *change* is decided separately, on the
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

import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archive.integrity import RecordInfo, archive_files, scan_archive
from archive.records import iter_archive_records
from archive.warcwriter import REFERS_TO_LOCATION

# Headers a 304 may update on the stored response (RFC 9111 §4.3.4); the others, above all
# Content-Length, Content-Encoding and Content-Type, describe the stored payload and stay.
NOT_MODIFIED_UPDATES = frozenset({"date", "etag", "last-modified", "cache-control", "expires", "vary",
                                  "content-location"})


def revisit_allowed(status: int) -> bool:
    """Whether an identical payload with this status may be written as a revisit. Not for a 3xx:
    pywb replays the revisit of a 301/302 with its stored body dropped (measured, docs/archive.md),
    and such bodies are a few hundred bytes, so they are always written as full responses."""
    return not 300 <= status < 400


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
    for path in archive_files(warc_dir):
        for info in scan_archive(path).records:
            if info.record_id == record_id:
                return path, info.offset
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


class OriginalFinder:
    """Finds the record a revisit stands for among the files given (and, for a record id, the
    WARCs beside them), in the order the WARC standard and its writers allow:

    1. our location hint (REFERS_TO_LOCATION), checked against WARC-Refers-To;
    2. WARC-Refers-To (a record id);
    3. without WARC-Refers-To (pywb, wget, WARC/1.0 writers): the response or resource record of
       WARC-Refers-To-Target-URI (else the revisit's own URI; compared by SURT key, so http and
       https, www. or not, match as in pywb) with the same payload digest, the one of
       WARC-Refers-To-Date when given, else the latest not after the revisit.
    """

    def __init__(self, paths: list[Path]) -> None:
        self.paths = [Path(p) for p in paths]
        self._by_id: dict[str, tuple[Path, RecordInfo]] | None = None
        self._by_digest: dict[tuple[str, str], list[tuple[str, Path, RecordInfo]]] = {}

    def _catalogue(self) -> None:
        if self._by_id is not None:
            return
        self._by_id = {}
        for path in self.paths:
            for info in scan_archive(path).records:
                if info.record_id:
                    self._by_id.setdefault(info.record_id, (path, info))
                if info.rec_type in ("response", "resource") and info.target_uri:
                    key = (_url_key(info.target_uri), _norm_digest(info.payload_digest))
                    self._by_digest.setdefault(key, []).append((info.date or "", path, info))

    def find(self, revisit, path: Path) -> tuple[Path, RecordInfo] | None:
        h = revisit.rec_headers
        target = h.get_header("WARC-Refers-To")
        hint = parse_location(h.get_header(REFERS_TO_LOCATION) or "")
        if hint:
            candidate = path.parent / Path(hint[0]).name
            if candidate.exists():
                info = scan_archive(candidate).at(hint[1])
                if info is not None and (not target or info.record_id == target):
                    return candidate, info
        self._catalogue()
        if target:
            if target in self._by_id:
                return self._by_id[target]
            found = _find_by_id(path.parent, target)
            if found is not None:
                info = scan_archive(found[0]).at(found[1])
                if info is not None:
                    return found[0], info
        digest = _norm_digest(h.get_header("WARC-Payload-Digest"))
        uri = h.get_header("WARC-Refers-To-Target-URI") or h.get_header("WARC-Target-URI")
        if not digest or not uri:
            return None
        candidates = self._by_digest.get((_url_key(uri), digest), [])
        if not candidates:
            return None
        wanted = h.get_header("WARC-Refers-To-Date")
        if wanted:
            exact = [c for c in candidates if c[0][:19] == wanted[:19]]
            if exact:
                return exact[0][1], exact[0][2]
        when = h.get_header("WARC-Date") or ""
        before = [c for c in candidates if c[0] <= when] or candidates
        date, found_path, info = max(before, key=lambda c: c[0])
        return found_path, info


def _url_key(url: str) -> str:
    """URLs the way pywb matches a revisit to its original: by SURT key (scheme, www., default
    port and query order do not count)."""
    try:
        return surt.surt(url)
    except Exception:  # surt raises on some non-URLs; the URL itself then
        return url


def _norm_digest(value: str | None) -> str:
    return (value or "").strip().upper()


def read_original(path: Path, info: RecordInfo):
    """(HTTP head, decoded payload) of the record `info` of `path`: Content-Encoding and chunking
    undone, as a client would see it; (None, None) if it cannot be read."""
    def read(record):
        return record.http_headers, record.content_stream().read()

    if info.seekable:
        with open(path, "rb") as fh:
            fh.seek(info.offset)
            for record in ArchiveIterator(fh, arc2warc=True):
                return read(record)
        return None, None
    for offset, record in iter_archive_records(path):
        if offset == info.offset and record.rec_headers.get_header("WARC-Record-ID") == info.record_id:
            return read(record)
    return None, None
