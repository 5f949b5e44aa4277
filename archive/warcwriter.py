"""Rotating, gzip-per-record WARC writer.

Files are written as `NAME.warc.gz.open` and renamed to `NAME.warc.gz` when closed, so a reader
(or a resumed crawl) can tell a finished file from one a crash left behind. A warcinfo record opens
every file. Each record is flushed as written: a crash loses at most the record being written.
"""

from __future__ import annotations

import io
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"


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
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(request_body), length=len(request_body),
            http_headers=request_head,
        )
        offset = self._file.tell()
        writer.write_request_response_pair(request, response)
        self._file.flush()
        return RecordPointer(self._relative_name(), response.rec_headers.get_header("WARC-Record-ID"), offset)

    def write_record(self, record_type: str, url: str, payload: bytes, *, content_type: str,
                     warc_headers: dict[str, str] | None = None) -> RecordPointer:
        """Write one non-HTTP record (resource, metadata, conversion)."""
        writer = self._writer_for_next_record()
        record = writer.create_warc_record(
            url, record_type, payload=io.BytesIO(payload), length=len(payload),
            warc_content_type=content_type, warc_headers_dict=dict(warc_headers or {}),
        )
        offset = self._file.tell()
        writer.write_record(record)
        self._file.flush()
        return RecordPointer(self._relative_name(), record.rec_headers.get_header("WARC-Record-ID"), offset)
