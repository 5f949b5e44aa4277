"""The readable records of a scanned WARC/ARC file (archive/integrity.py), with true offsets.

`iter_archive_records` is how every reader here walks a file: warcio over the pieces the scan
trusts, so the records before and after damage are read and none from inside it.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from archive.gzip_members import inflate_members
from archive.integrity import READ_ERRORS, ArchiveScan, Damage, QuietArchiveIterator, scan_archive

logger = logging.getLogger(__name__)


class _Window(io.RawIOBase):
    """bytes [start, end) of a file, with the file's own offsets (what warcio reports)."""

    def __init__(self, fh: BinaryIO, start: int, end: int) -> None:
        self.fh, self.end = fh, end
        fh.seek(start)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        left = self.end - self.fh.tell()
        if left <= 0:
            return b""
        return self.fh.read(left if size is None or size < 0 else min(size, left))

    def readinto(self, buf) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self.fh.tell()


class PieceIterator:
    """warcio's records of the readable pieces of a scanned file, with their true offsets.

    Looks like warcio's ArchiveIterator to its callers (cdxj-indexer included):
    get_record_offset()/get_record_length() of the record last yielded.
    """

    def __init__(self, fh: BinaryIO, scan: ArchiveScan, *, kinds: tuple[str, ...] = ("plain", "members", "multi"),
                 **iter_args) -> None:
        self.fh, self.scan, self.kinds, self.iter_args = fh, scan, kinds, iter_args
        self._it: ArchiveIterator | None = None
        self._fixed: tuple[int, int] | None = None
        self.seekable = True

    def __iter__(self) -> Iterator:
        for kind, start, end in self.scan.pieces:
            if kind not in self.kinds:
                continue
            if kind == "multi":  # several records in one member, or one record over several
                data = inflate_members(self.fh, start, end)
                self._it, self._fixed, self.seekable = QuietArchiveIterator(data, **self.iter_args), (start, end - start), False
            else:
                self._it = QuietArchiveIterator(_Window(self.fh, start, end), **self.iter_args)
                self._fixed, self.seekable = None, True
            try:
                yield from self._it
            except READ_ERRORS as exc:  # the scan read this piece whole; a second read should too
                logger.error("%s: piece at %d not read again: %r", self.scan.path, start, exc)

    def record_start(self) -> int:
        """Offset of the record last yielded, without reading it (get_record_offset() reads the
        record to its end, which leaves nothing for content_stream())."""
        return self._fixed[0] if self._fixed else self._it.offset

    def get_record_offset(self) -> int:
        return self._fixed[0] if self._fixed else self._it.get_record_offset()

    def get_record_length(self) -> int:
        return self._fixed[1] if self._fixed else self._it.get_record_length()

    def read_to_end(self, record=None) -> None:
        if self._it is not None:
            self._it.read_to_end(record)


def iter_archive_records(path: Path, *, name: str | None = None, damage: list[Damage] | None = None,
                         **iter_args) -> Iterator[tuple[int, object]]:
    """(offset, warcio record) of every readable record of `path`, in file order; the file's damage
    is appended to `damage` (each Damage once, when iteration starts)."""
    scan = scan_archive(path, name)
    if damage is not None:
        damage.extend(scan.damage)
    with open(path, "rb") as fh:
        it = PieceIterator(fh, scan, arc2warc=True, **iter_args)
        for record in it:
            yield it.record_start(), record


def cut_torn_tail(path: Path) -> tuple[int, int, str | None]:
    """Cut what follows the last complete record of `path` when it is damage (a tail a killed
    writer tore), and nothing else; return (bytes cut, complete records kept, first damage or None)."""
    scan = scan_archive(path)
    end = scan.complete_end
    kept = sum(1 for r in scan.records if r.complete and r.offset < end)
    error = scan.damage[0].reason if scan.damage else None
    torn = end < scan.size and (end == 0 or any(d.offset >= end for d in scan.damage))
    if torn:
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
    return (scan.size - end if torn else 0), kept, error
