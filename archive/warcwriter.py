"""Rotating, gzip-per-record WARC writer.

Files are written as `NAME.warc.gz.open` and renamed to `NAME.warc.gz` when closed, so a reader
(or a resumed crawl) can tell a finished file from one a crash left behind. A warcinfo record opens
every file. Each record is flushed as written: a crash loses at most the record being written, and
`recover_open_files` (run when the next crawl of the job starts) cuts that torn tail off, and
nothing else, and closes the file. A failed write (a full disk) is undone the same way at once: the file is truncated back to
the end of its last complete record before the error goes up, so what was written stays readable.
"""

from __future__ import annotations

import io
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.integrity import scan_archive
from archive.records import cut_torn_tail

OPEN_SUFFIX = ".open"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Where the record a revisit refers to is (file relative to the crawl directory, "#", offset): not a
# WARC field (no standard one exists), only a hint that saves readers a scan; WARC-Refers-To rules.
REFERS_TO_LOCATION = "Gongkai-Refers-To-Location"

logger = logging.getLogger(__name__)


def complete_prefix(path: Path) -> tuple[int, int, str | None]:
    """(end offset of the last complete record, number of complete records, first damage or None).

    archive/integrity.py decides what is complete: each gzip member checked to its CRC trailer and
    its record to its Content-Length and digests (warcio alone reads a torn member without
    complaint), any record layout warcio reads (gzip per record or not, with or without the
    trailing CRLF CRLF, heads of any size, ARC).
    """
    scan = scan_archive(path)
    end = scan.complete_end
    count = sum(1 for r in scan.records if r.complete and r.offset < end)
    return end, count, scan.damage[0].reason if scan.damage else None


def recover_open_files(directory: Path) -> list[tuple[str, int, int]]:
    """Close every `.open` WARC a killed writer left in `directory`.

    Only a torn tail is cut: the bytes after the last complete record, when what follows it is
    damage (a record the kill interrupted). Every complete record is kept, damage before it
    included (that is for a reader to report, not for a recovery to delete). The file is then
    renamed to its final name; one without a single complete record is removed.
    Returns (final name, bytes cut, records kept) per file.
    """
    done = []
    directory = Path(directory)
    if not directory.is_dir():
        return done
    for open_path in sorted(directory.glob("*" + OPEN_SUFFIX)):
        final = Path(str(open_path)[: -len(OPEN_SUFFIX)])
        cut, count, error = cut_torn_tail(open_path)
        if count == 0:
            open_path.unlink()
        else:
            os.replace(open_path, final)
        logger.warning("Recovered %s: kept %d complete records, cut %d bytes%s", final.name, count,
                       cut, f" ({error})" if error else "")
        done.append((final.name, cut, count))
    return done


@dataclass(frozen=True)
class RecordPointer:
    """Where a record lives: file name relative to the crawl directory, record id, byte offset."""

    warc_file: str
    record_id: str
    offset: int


class RotatingWarcWriter:
    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "gongkai",
        max_size: int = 256 * 1024 * 1024,
        info: dict[str, str] | None = None,
        relative_to: Path | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.info = {"software": "gongkai/0.1 (warcio)", "hostname": socket.gethostname(),
                     "format": "WARC File Format 1.1", **(info or {})}
        self.relative_to = Path(relative_to) if relative_to else self.directory
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._name: str | None = None
        self._serial = 0
        self._stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        self.files_written: list[str] = []

    # -- files -----------------------------------------------------------------------------------
    def _open_next(self) -> None:
        while True:
            self._serial += 1
            self._name = f"{self.prefix}-{self._stamp}-{self._serial:05d}.warc.gz"
            path = self.directory / self._name
            if not path.exists() and not Path(str(path) + OPEN_SUFFIX).exists():
                break
        self._file = open(str(path) + OPEN_SUFFIX, "wb")
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(self._name, self.info))
        self._file.flush()

    def _close_current(self) -> None:
        if self._file is None:
            return
        self._file.close()
        path = self.directory / self._name
        os.replace(str(path) + OPEN_SUFFIX, path)
        self.files_written.append(self._name)
        self._file = self._writer = None

    def close(self) -> None:
        self._close_current()

    def _writer_for_next_record(self) -> WARCWriter:
        if self._file is not None and self._file.tell() >= self.max_size:
            self._close_current()
        if self._file is None:
            self._open_next()
        return self._writer

    def _write_atomically(self, write) -> int:
        """Run `write` (which appends whole records) and flush; return the start offset.

        On any OSError (ENOSPC above all) the file is cut back to where it was, so it still ends
        with a complete record, and the error goes up to the caller, who stops the crawl.
        """
        offset = self._file.tell()
        try:
            write()
            self._file.flush()
        except OSError:
            try:
                self._file.seek(offset)
                self._file.truncate(offset)
            except OSError as exc:  # the file may be beyond saving; recover_open_files will cut it
                logger.error("Could not cut %s back to offset %d: %s", self._name, offset, exc)
            raise
        return offset

    def _relative_name(self) -> str:
        return str((self.directory / self._name).relative_to(self.relative_to))

    # -- records ---------------------------------------------------------------------------------
    def write_exchange(
        self,
        url: str,
        request_head: StatusAndHeaders,
        response_head: StatusAndHeaders,
        payload: bytes,
        *,
        request_body: bytes = b"",
        warc_date: str | None = None,
        extra_headers: dict[str, str] | None = None,
        payload_digest: str | None = None,
    ) -> RecordPointer:
        """Write a response record and its request record; return where the response is.

        `payload_digest`: the payload's WARC-Payload-Digest if the caller computed it already
        (archive.revisit.payload_digest, to decide on a revisit), so warcio does not hash it again.
        """
        writer = self._writer_for_next_record()
        warc_headers = {"WARC-Date": warc_date} if warc_date else {}
        warc_headers.update(extra_headers or {})
        if payload_digest:
            warc_headers["WARC-Payload-Digest"] = payload_digest
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(payload), length=len(payload),
            http_headers=response_head, warc_headers_dict=warc_headers,
        )
        request = _request_record(writer, url, request_head, request_body)
        offset = self._write_atomically(lambda: writer.write_request_response_pair(request, response))
        return RecordPointer(self._relative_name(), response.rec_headers.get_header("WARC-Record-ID"), offset)

    def write_record(self, record_type: str, url: str, payload: bytes, *, content_type: str,
                     warc_headers: dict[str, str] | None = None) -> RecordPointer:
        """Write one non-HTTP record (resource, metadata, conversion)."""
        writer = self._writer_for_next_record()
        record = writer.create_warc_record(
            url, record_type, payload=io.BytesIO(payload), length=len(payload),
            warc_content_type=content_type, warc_headers_dict=dict(warc_headers or {}),
        )
        offset = self._write_atomically(lambda: writer.write_record(record))
        return RecordPointer(self._relative_name(), record.rec_headers.get_header("WARC-Record-ID"), offset)

    def write_revisit(
        self,
        url: str,
        request_head: StatusAndHeaders,
        response_head: StatusAndHeaders,
        *,
        payload_digest: str,
        refers_to_uri: str,
        refers_to_date: str,
        refers_to_id: str,
        refers_to_location: str | None = None,
        request_body: bytes = b"",
        warc_date: str | None = None,
    ) -> RecordPointer:
        """Write an identical-payload-digest revisit (HTTP head kept, no payload) and its request."""
        writer = self._writer_for_next_record()
        warc_headers = {"WARC-Date": warc_date} if warc_date else {}
        warc_headers["WARC-Refers-To"] = refers_to_id
        if refers_to_location:
            warc_headers[REFERS_TO_LOCATION] = refers_to_location
        revisit = writer.create_revisit_record(
            url, payload_digest, refers_to_uri, refers_to_date,
            http_headers=response_head, warc_headers_dict=warc_headers,
        )
        request = _request_record(writer, url, request_head, request_body)
        offset = self._write_atomically(lambda: writer.write_request_response_pair(request, revisit))
        return RecordPointer(self._relative_name(), revisit.rec_headers.get_header("WARC-Record-ID"), offset)


def _request_record(writer: WARCWriter, url: str, head: StatusAndHeaders, body: bytes):
    """The request record that accompanies a response or revisit record."""
    return writer.create_warc_record(url, "request", payload=io.BytesIO(body), length=len(body), http_headers=head)
