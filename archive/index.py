"""`gongkai index DIR`: the sorted CDXJ index of a job's WARCs (DIR/index.cdxj), webrecorder's own.

The lines are written by cdxj-indexer (the library behind `cdxj-indexer -s -p` and py-wacz): SURT
keys by the `surt` package, POST/PUT request bodies appended to the key (`__wb_method=post&…`) as
pywb looks them up, offsets and lengths as warcio reads them, sorted. So our index is line for line
what webrecorder's tools write, and pywb finds every capture in it.

What we add is damage handling (archive/integrity.py): cdxj-indexer stops at the first damaged
record with a traceback; here only the readable pieces of a file are handed to it, so the records
before and after damage are indexed, and each damaged record is reported (file, offset). Records
inside a gzip member that holds several records cannot be reached by offset and are not indexed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer

from archive.integrity import Damage, archive_files, scan_archive
from archive.records import PieceIterator

IndexDamage = Damage  # the name callers know
warc_files = archive_files  # the files `gongkai index DIR` indexes


class ScannedPieces:
    """Mixin for cdxj-indexer's indexers (py-wacz's too): read only the pieces of each file that
    integrity.scan_archive trusts, collect the damage it found, name files by `names`."""

    def __init__(self, *args, names: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.names = names  # path as opened -> filename written in the index
        self.damage: list[Damage] = []

    def _resolve_rel_path(self, filename: str) -> str:
        return self.names.get(str(filename)) or super()._resolve_rel_path(filename)

    def process_one(self, input_, output, filename) -> None:
        scan = scan_archive(Path(filename), self._resolve_rel_path(filename))
        self.damage.extend(scan.damage)
        self._current_scan = scan
        super().process_one(input_, output, filename)

    def _create_record_iter(self, input_):
        return PieceIterator(input_, self._current_scan, kinds=("plain", "members"),
                             no_record_parse=not self.record_parse, arc2warc=True,
                             verify_http=self.verify_http)


class _ScannedIndexer(ScannedPieces, CDXJIndexer):
    # Our own copy: importing py-wacz appends "warcinfo" to CDXJIndexer.DEFAULT_RECORDS in place,
    # which would change what this index holds depending on what else the process imported.
    DEFAULT_RECORDS = ["response", "revisit", "resource", "metadata"]


def index_lines(paths: Iterable[Path], *, relative_to: Path | None = None) -> tuple[list[str], list[Damage]]:
    """Sorted CDXJ lines of `paths` (filename relative to `relative_to`, default: base name)."""
    paths = [Path(p) for p in paths]
    names = {str(p): (os.path.relpath(p, relative_to) if relative_to else p.name) for p in paths}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "index.cdxj"
        indexer = _ScannedIndexer(str(out), [str(p) for p in paths], names=names, post_append=True, sort=True)
        indexer.process_all()
        lines = out.read_text(encoding="utf-8").splitlines()
    return lines, indexer.damage


def build_index(paths: Iterable[Path], out: Path, *, relative_to: Path | None = None) -> tuple[int, list[Damage]]:
    """Write the sorted CDXJ of `paths` to `out` (atomically); return (lines, damage)."""
    lines, damage = index_lines(paths, relative_to=relative_to)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(out)
    return len(lines), damage
