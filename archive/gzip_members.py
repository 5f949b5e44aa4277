"""gzip members of a WARC/ARC file: where each ends, what it holds, where the next one starts.

A WARC.gz is (meant to be) one gzip member per record; zlib checks each member's CRC and length
trailer, which is how a torn or corrupt record is told from a whole one.
"""

from __future__ import annotations

import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b\x08"
_SPOOL = 8 << 20  # decompressed bytes kept in memory before spooling to a temporary file


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(3) == GZIP_MAGIC

def inflate_member(fh: BinaryIO, start: int, size: int) -> tuple[int | None, BinaryIO | None, str | None]:
    """(end of the gzip member at `start`, its decompressed bytes spooled, error)."""
    fh.seek(start)
    decomp = zlib.decompressobj(wbits=31)
    out = tempfile.SpooledTemporaryFile(_SPOOL)
    pos = start
    chunk = 1 << 16  # most members (one record each) are smaller; read more only when needed
    while True:
        data = fh.read(chunk)
        chunk = min(chunk * 4, 1 << 22)
        if not data:
            out.close()
            return None, None, "gzip member cut short (no CRC trailer)"
        try:
            out.write(decomp.decompress(data))
        except zlib.error as exc:
            out.close()
            return None, None, f"corrupt gzip member ({exc})"
        if decomp.eof:
            pos += len(data) - len(decomp.unused_data)
            out.seek(0)
            return pos, out, None
        pos += len(data)


def inflate_members(fh: BinaryIO, start: int, end: int) -> BinaryIO:
    """The decompressed bytes of the gzip members in [start, end), one after another."""
    out = tempfile.SpooledTemporaryFile(_SPOOL)
    pos = start
    while pos < end:
        pos, data, error = inflate_member(fh, pos, end)
        if error:
            break
        with data:
            out.write(data.read())
    out.seek(0)
    return out


def next_gzip_member(fh: BinaryIO, start: int, size: int) -> int | None:
    pos = start
    while pos < size:
        fh.seek(pos)
        data = fh.read(1 << 20)
        at = data.find(GZIP_MAGIC)
        while at >= 0:
            cand = pos + at
            end, spool, error = inflate_member(fh, cand, size)
            if error is None:
                spool.close()
                return cand
            fh.seek(pos)
            at = data.find(GZIP_MAGIC, at + 1)
        if len(data) < (1 << 20):
            return None
        pos += len(data) - 2
    return None
