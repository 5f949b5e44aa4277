"""Which records of a WARC/ARC file can be trusted, and where the damage between them is.

One scan per file (`scan_archive`) walks every record with warcio and checks what warcio itself
reads without complaint:

- gzip files member by member with zlib (CRC and length trailer): a torn or corrupt member is
  damage, and the scan resumes at the next gzip member that decompresses;
- every record's block against its Content-Length (a block cut short, or one whose Content-Length
  does not end at a record boundary, is damage), and its WARC-Block/Payload-Digest (warcio's own
  digest checker, as `warcio check` runs it);
- uncompressed files: after a record warcio cannot parse, the scan resumes at the next line that
  starts a WARC or ARC record;
- a gzip member holding several records (whole-file gzip, as some writers make) is readable but not
  seekable by offset: its records are read, not indexed, and the file is reported.

A record whose framing is intact but whose digest does not match is still read (its bytes are what
the archive holds) and reported as damage; a record behind a torn gzip member or unparseable bytes
is not read. `WARC-Truncated` (the writer cut the payload on purpose and says so) is not damage:
the record is read and marked. Policy and its reasons: docs/archive.md.

archive/records.iter_archive_records then yields every readable record, in file order, with its
true offset; archive/gzip_members.py walks gzip members.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.gzip_members import inflate_member, is_gzip, next_gzip_member

logger = logging.getLogger(__name__)

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
# Where a record starts: a WARC version line, or an ARC v1 URL-record header line
# (URL IP-address 14-digit-date content-type length). Some ARC writers put no newline between
# records, so neither needs to start a line.
RECORD_START = re.compile(rb"WARC/(?:1\.[01]|0\.1[78])\r?\n|(?<![A-Za-z0-9])[a-z][a-z0-9+.-]*:\S+ \S+ \d{14} \S* \d+\r?\n")
CUT_SHORT = "record cut short"
LENGTH_LIE = "record's Content-Length does not end at a record boundary"
READ_ERRORS = (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error, IndexError, KeyError)


@dataclass(frozen=True)
class Damage:
    """Something wrong in `warc_file` at byte `offset`: the start of the damaged record (or of the
    unreadable bytes, when no record can be found there)."""

    warc_file: str
    offset: int
    reason: str


@dataclass(frozen=True)
class RecordInfo:
    """A readable record: where it is and what it says about itself."""

    offset: int
    length: int
    rec_type: str
    record_id: str | None
    target_uri: str | None
    date: str | None
    payload_digest: str | None
    refers_to: str | None
    refers_to_uri: str | None
    refers_to_date: str | None
    truncated: str | None = None
    seekable: bool = True  # False: inside a gzip member with several records
    complete: bool = True  # False: the file ends inside this record's block


@dataclass
class ArchiveScan:
    """What `scan_archive` found: the pieces warcio can read, the records in them, the damage."""

    path: Path
    size: int
    pieces: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, start, end)
    records: list[RecordInfo] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    _by_offset: dict[int, RecordInfo] | None = field(default=None, repr=False)

    def at(self, offset: int) -> RecordInfo | None:
        """The (seekable) record that starts at `offset`, if any."""
        if self._by_offset is None:
            self._by_offset = {r.offset: r for r in self.records if r.seekable}
        return self._by_offset.get(offset)

    @property
    def complete_end(self) -> int:
        """End of the last complete record: what a recovery keeps."""
        torn = [r.offset for r in self.records if not r.complete]
        return min(torn) if torn else max((end for _kind, _start, end in self.pieces), default=0)


def archive_files(path: Path) -> list[Path]:
    """The WARC and ARC files (*.warc, *.warc.gz, *.arc, *.arc.gz) of `path`, sorted.

    A file is itself; a crawl job directory means its warc/ folder; any other directory is searched
    recursively. Files still being written (`*.open`) are left out: they belong to a running crawl
    (or a killed one, which the next crawl recovers first).
    """
    path = Path(path)
    if not path.is_dir():
        return [path]
    base = path / "warc" if (path / "warc").is_dir() else path
    return sorted(p for p in base.rglob("*") if p.name.endswith(ARCHIVE_SUFFIXES) and p.is_file())


class QuietArchiveIterator(ArchiveIterator):
    """warcio's iterator, minus the warning it writes straight to sys.stderr (three lines) when a
    record's Content-Length misses the record boundary: the scan reports that damage itself,
    counted by err_count as before."""

    def _consume_blanklines(self):
        with contextlib.redirect_stderr(io.StringIO()):
            return super()._consume_blanklines()


def _info(record, offset: int, length: int, seekable: bool = True, complete: bool = True) -> RecordInfo:
    h = record.rec_headers
    return RecordInfo(
        offset=offset, length=length, rec_type=record.rec_type, record_id=h.get_header("WARC-Record-ID"),
        target_uri=h.get_header("WARC-Target-URI"), date=h.get_header("WARC-Date"),
        payload_digest=h.get_header("WARC-Payload-Digest"), refers_to=h.get_header("WARC-Refers-To"),
        refers_to_uri=h.get_header("WARC-Refers-To-Target-URI"),
        refers_to_date=h.get_header("WARC-Refers-To-Date"),
        truncated=h.get_header("WARC-Truncated"), seekable=seekable, complete=complete)


def _read_whole(record) -> str | None:
    """Read a record's block to its end; what is wrong with it, or None."""
    try:
        stream = record.content_stream()
        while stream.read(1 << 20):
            pass
    except READ_ERRORS:
        pass  # undecodable chunking or Content-Encoding is the payload's business, not the WARC's
    raw = record.raw_stream
    while raw.read(1 << 20):
        pass
    short = getattr(raw, "limit", 0)
    if short > 0:
        return f"{record.rec_type} {CUT_SHORT}: {short} of its {record.length} block bytes missing"
    checker = record.digest_checker
    if checker is not None and checker.passed is False:
        return f"{record.rec_type} record fails its digest ({'; '.join(checker.problems)})"
    return None


def _scan_plain(scan: ArchiveScan, fh: BinaryIO, name: str) -> None:
    """Uncompressed WARC/ARC: warcio from the start; after damage, from the next record start."""
    pos = 0
    while pos < scan.size:
        fh.seek(pos)
        it = QuietArchiveIterator(fh, check_digests=True, arc2warc=True)
        start = last_end = pos
        last: tuple[int, str | None] | None = None  # (offset, problem) of the last record read
        failure: tuple[int, str] | None = None
        try:
            for record in it:
                err_before = it.err_count
                problem = _read_whole(record)
                offset, length = it.get_record_offset(), it.get_record_length()
                if it.err_count > err_before and problem is None:
                    problem = f"{record.rec_type} {LENGTH_LIE}"
                last = (offset, problem)
                if problem:
                    scan.damage.append(Damage(name, offset, problem))
                # A record the file ends inside is still read (as warcio and cdxj-indexer read
                # it), reported, and marked: a recovery cuts it.
                scan.records.append(_info(record, offset, length, complete=not (problem and CUT_SHORT in problem)))
                last_end = offset + length
        except READ_ERRORS as exc:
            failure = (max(it.offset, start), f"unreadable record: {type(exc).__name__}: {_first_line(exc)}")
        if failure is None:  # warcio read on to the end of the file
            _add_piece(scan, fh, start, last_end)
            return
        lied = last is not None and last[1] is not None and LENGTH_LIE in last[1]
        if not lied:
            scan.damage.append(Damage(name, failure[0], failure[1]))
        # After a record whose length lies, its true end is unknown: the next record may start
        # anywhere after its own start.
        resume = _next_record_start(fh, (last[0] if lied else failure[0]) + 1, scan.size)
        _add_piece(scan, fh, start, min(last_end, resume) if resume is not None else last_end)
        if resume is None:
            return
        pos = resume


def _add_piece(scan: ArchiveScan, fh: BinaryIO, start: int, end: int) -> None:
    if end <= start:
        return
    fh.seek(end)
    if fh.read(4) == b"\r\n\r\n":
        end += 4
    scan.pieces.append(("plain", start, end))


def _first_line(exc: BaseException, most: int = 120) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= most else line[:most] + "…"


def _next_record_start(fh: BinaryIO, start: int, size: int, chunk: int = 1 << 20) -> int | None:
    pos = start
    while pos < size:
        base = max(pos - 1, 0)  # one byte before, for the look-behind
        fh.seek(base)
        data = fh.read(chunk + 512)
        m = RECORD_START.search(data, pos - base)
        if m:
            return base + m.start()
        pos += chunk
    return None


def _scan_gzip(scan: ArchiveScan, fh: BinaryIO, name: str) -> None:
    pos = 0
    bad_run = False  # the previous member was damaged: a continuation is not a new damage
    while pos < scan.size:
        end, data, error = inflate_member(fh, pos, scan.size)
        if error:
            scan.damage.append(Damage(name, pos, error))
            nxt = next_gzip_member(fh, pos + 1, scan.size)
            if nxt is None:
                return
            pos, bad_run = nxt, True
            continue
        with data:
            found, problems = [], []
            trailing = None  # what is wrong after the member's last record
            try:
                it = QuietArchiveIterator(data, check_digests=True, arc2warc=True)
                for record in it:
                    err_before = it.err_count
                    problem = _read_whole(record)
                    it.read_to_end(record)  # consumes the blank lines after it, counting a bad end
                    if it.err_count > err_before and problem is None:
                        problem = f"{record.rec_type} {LENGTH_LIE}"
                    found.append(record)
                    problems.append(problem)
            except READ_ERRORS as exc:
                what = "does not start a record" if not found else "holds bytes after its record that are no record"
                trailing = f"gzip member {what}: {type(exc).__name__}: {_first_line(exc)}"
        if trailing and found:
            scan.damage.append(Damage(name, pos, trailing))
        if not found:
            problems = [trailing]
            if not bad_run:
                scan.damage.append(Damage(name, pos, problems[-1] if problems else "empty gzip member"))
            bad_run = True
        elif len(found) == 1 and problems[0] and CUT_SHORT in problems[0]:
            # A record its writer split over several gzip members is whole, and warcio reads it
            # across them: read, and reported. Else (cut) it is not read, and the members after it
            # that do not start a record belong to the same damage.
            spanned = _record_across_members(fh, pos, scan.size)
            if spanned is None:
                scan.damage.append(Damage(name, pos, problems[0]))
                bad_run = True
            else:
                record, span_end, count, problem = spanned
                scan.records.append(_info(record, pos, span_end - pos, seekable=False))
                scan.damage.append(Damage(name, pos, f"{record.rec_type} record split over {count} gzip members"
                                                     + (f"; {problem}" if problem else "")))
                scan.pieces.append(("multi", pos, span_end))
                pos, bad_run = span_end, False
                continue
        elif len(found) == 1:
            scan.records.append(_info(found[0], pos, end - pos))
            if problems[0]:
                scan.damage.append(Damage(name, pos, problems[0]))
            if scan.pieces and scan.pieces[-1][0] == "members" and scan.pieces[-1][2] == pos:
                scan.pieces[-1] = ("members", scan.pieces[-1][1], end)
            else:
                scan.pieces.append(("members", pos, end))
            bad_run = False
        else:
            scan.damage.append(Damage(name, pos, f"one gzip member holds {len(found)} records (whole-file gzip, "
                                                 "not gzip per record): read, but not addressable by offset"))
            for record, problem in zip(found, problems, strict=False):
                scan.records.append(_info(record, pos, end - pos, seekable=False))
                if problem:
                    scan.damage.append(Damage(name, pos, problem))
            scan.pieces.append(("multi", pos, end))
            bad_run = False
        pos = end


def _record_across_members(fh: BinaryIO, start: int, size: int, most: int = 16):
    """(record, end, members, problem) when the record starting at `start` completes within the
    next few gzip members; None when it does not (it is cut)."""
    joined = io.BytesIO()
    pos = start
    for count in range(1, most + 1):
        end, data, error = inflate_member(fh, pos, size)
        if error:
            return None
        with data:
            joined.write(data.read())
        if count > 1:
            joined.seek(0)
            it = QuietArchiveIterator(joined, check_digests=True, arc2warc=True)
            try:
                record = next(iter(it))
                problem = _read_whole(record)
            except READ_ERRORS:
                return None
            if not (problem and CUT_SHORT in problem):
                return record, end, count, problem
            joined.seek(0, io.SEEK_END)
        pos = end
        if pos >= size:
            return None
    return None


_CACHE: dict[tuple[str, int, int], ArchiveScan] = {}


def scan_archive(path: Path, name: str | None = None) -> ArchiveScan:
    """Scan one file (cached while the file is unchanged). `name` is how damage names the file."""
    path = Path(path)
    name = name or str(path)
    st = path.stat()
    key = (f"{path.resolve()}|{name}", st.st_size, st.st_mtime_ns, st.st_ino)
    if key in _CACHE:
        return _CACHE[key]
    # A file changed within the clock's granularity of its last scan could look unchanged (git's
    # "racy" timestamps): only files older than that are cached.
    cacheable = time.time() - st.st_mtime > 2.0
    scan = ArchiveScan(path, st.st_size)
    with open(path, "rb") as fh:
        if st.st_size == 0:
            scan.damage.append(Damage(name, 0, "empty file"))
        elif fh.read(4) == b"PK\x03\x04":
            scan.damage.append(Damage(name, 0, "a ZIP file (a WACZ?), not WARC or ARC: give its archive/*.warc.gz"))
        elif is_gzip(path):
            _scan_gzip(scan, fh, name)
        else:
            _scan_plain(scan, fh, name)
    if cacheable:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = scan
    return scan
