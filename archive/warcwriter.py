"""Rotating, gzip-per-record WARC writer.

Files are written as `NAME.warc.gz.open` and renamed to `NAME.warc.gz` when closed, so a reader
(or a resumed crawl) can tell a finished file from one a crash left behind. A warcinfo record opens
every file. Each record is flushed as written: a crash loses at most the record being written, and
`recover_open_files` (run when the next crawl of the job starts) cuts that torn tail off and closes
the file. A failed write (a full disk) is undone the same way at once: the file is truncated back to
the end of its last complete record before the error goes up, so what was written stays readable.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Where the record a revisit refers to is (file relative to the crawl directory, "#", offset): not a
# WARC field (no standard one exists), only a hint that saves readers a scan; WARC-Refers-To rules.
REFERS_TO_LOCATION = "Gongkai-Refers-To-Location"

logger = logging.getLogger(__name__)


def _record_is_whole(block: bytes, length: int) -> bool:
    """Does one decompressed gzip member hold a whole WARC record (head, block, CRLF CRLF)?"""
    head_end = block.find(b"\r\n\r\n")
    if not block.startswith(b"WARC/") or head_end < 0:
        return False
    declared = None
    for line in block[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            declared = int(value.strip())
    return declared is not None and length >= head_end + 4 + declared + 4


def complete_prefix(path: Path, chunk_size: int = 1 << 20) -> tuple[int, int, str | None]:
    """(end offset of the last complete record, number of complete records, error or None).

    Walks the gzip members of a record-per-member WARC (ours): a record counts only when its member
    ended with a valid gzip trailer (zlib checks the CRC and length) and holds as many block bytes
    as its Content-Length says. warcio's iterator is no help here: it reads a torn member without
    complaint, which is exactly the case to catch.
    """
    end = count = 0
    pos = 0  # compressed bytes consumed so far
    decomp = zlib.decompressobj(wbits=31)
    head = b""  # first bytes of the current member's record (enough for the WARC head)
    length = 0  # decompressed length of the current member
    with open(path, "rb") as fh:
        pending = b""
        while True:
            data = pending or fh.read(chunk_size)
            pending = b""
            if not data:
                break
            try:
                out = decomp.decompress(data)
            except zlib.error as exc:
                return end, count, f"corrupt gzip member at offset {end}: {exc}"
            if len(head) < 65536:
                head += out[: 65536 - len(head)]
            length += len(out)
            if decomp.eof:
                unused = decomp.unused_data
                pos += len(data) - len(unused)
                if not _record_is_whole(head, length):
                    return end, count, f"record at offset {end} is incomplete"
                end, count = pos, count + 1
                decomp = zlib.decompressobj(wbits=31)
                head, length = b"", 0
                pending = unused
            else:
                pos += len(data)
    if pos > end:
        return end, count, f"record at offset {end} is cut short"
    return end, count, None


def recover_open_files(directory: Path) -> list[tuple[str, int, int]]:
    """Close every `.open` WARC a killed writer left in `directory`.

    Each is truncated to its last complete record and renamed to its final name (an empty one,
    without even its warcinfo, is removed). Returns (final name, bytes cut, records kept) per file.
    """
    done = []
    directory = Path(directory)
    if not directory.is_dir():
        return done
    for open_path in sorted(directory.glob("*" + OPEN_SUFFIX)):
        final = Path(str(open_path)[: -len(OPEN_SUFFIX)])
        size = open_path.stat().st_size
        end, count, error = complete_prefix(open_path)
        if end < size:
            with open(open_path, "r+b") as fh:
                fh.truncate(end)
                fh.flush()
                os.fsync(fh.fileno())
        if count == 0:
            open_path.unlink()
        else:
            os.replace(open_path, final)
        logger.warning("Recovered %s: kept %d complete records, cut %d bytes%s", final.name, count,
                       size - end, f" ({error})" if error else "")
        done.append((final.name, size - end, count))
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
    ) -> RecordPointer:
        """Write a response record and its request record; return where the response is."""
        writer = self._writer_for_next_record()
        warc_headers = {"WARC-Date": warc_date} if warc_date else {}
        warc_headers.update(extra_headers or {})
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
