"""`gongkai index DIR`: a sorted CDXJ index of a job's WARCs (DIR/index.cdxj), pywb's format.

One line per response, revisit and resource record: `SURT TIMESTAMP {json}` with url, mime,
status, digest, length, offset and filename (relative to DIR/warc/, as pywb's collections expect),
sorted bytewise as pywb's binary search requires. Damaged files are indexed up to the damage,
which is reported (file and offset) to the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from warcio.archiveiterator import ArchiveIterator

from archive.warcwriter import complete_prefix

INDEXED_TYPES = ("response", "revisit", "resource")


@dataclass
class IndexDamage:
    warc_file: str
    offset: int
    reason: str


def surt(url: str) -> str:
    """Sort-friendly URI Reordering Transform, as pywb and the Wayback Machine key their indexes:
    host reversed and lower-cased with a leading www. dropped, default port dropped, query sorted.
    http://www.Qhq.gov.cn:80/a?b=2&a=1 → cn,gov,qhq)/a?a=1&b=2"""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().strip(".")
    if host.startswith("www.") or host == "www":
        host = host[4:]
    key = ",".join(reversed(host.split("."))) if host else ""
    port = parts.port
    if port and not (parts.scheme == "http" and port == 80 or parts.scheme == "https" and port == 443):
        key += f":{port}"
    path = (parts.path or "/").lower()
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True))).lower() if parts.query else ""
    return f"{key}){path}" + (f"?{query}" if query else "")


def _timestamp(warc_date: str) -> str:
    digits = "".join(c for c in (warc_date or "") if c.isdigit())
    return digits[:14].ljust(14, "0")


def iter_cdxj(path: Path, filename: str, damage: list[IndexDamage] | None = None) -> Iterator[str]:
    """CDXJ lines of one WARC file, in file order."""
    offset = 0
    try:
        with open(path, "rb") as stream:
            it = ArchiveIterator(stream)
            for record in it:
                offset = it.get_record_offset()
                rec_type = record.rec_type
                if rec_type not in INDEXED_TYPES:
                    continue
                headers = record.rec_headers
                url = headers.get_header("WARC-Target-URI") or ""
                entry: dict[str, str] = {"url": url}
                if rec_type == "revisit":
                    entry["mime"] = "warc/revisit"
                elif record.http_headers is not None:
                    entry["mime"] = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
                else:
                    entry["mime"] = (headers.get_header("Content-Type") or "").split(";")[0].strip()
                if record.http_headers is not None and record.http_headers.get_statuscode():
                    entry["status"] = record.http_headers.get_statuscode()
                digest = headers.get_header("WARC-Payload-Digest") or headers.get_header("WARC-Block-Digest")
                if digest:
                    entry["digest"] = digest
                it.read_to_end(record)
                entry["length"] = str(it.get_record_length())
                entry["offset"] = str(offset)
                entry["filename"] = filename
                yield f"{surt(url)} {_timestamp(headers.get_header('WARC-Date'))} {json.dumps(entry)}"
    except Exception as exc:  # warcio raises several kinds on damaged input
        if damage is not None:
            damage.append(IndexDamage(filename, offset, f"{type(exc).__name__}: {exc}"))
        return
    # warcio reads a torn last gzip member without complaint: check the file's tail ourselves.
    if path.name.endswith(".gz"):
        end, _count, error = complete_prefix(path)
        if error and damage is not None:
            damage.append(IndexDamage(filename, end, error))


def warc_files(directory: Path) -> list[Path]:
    """Finished WARC files of a job directory (DIR/warc/) or of a plain directory of WARCs."""
    base = directory / "warc" if (directory / "warc").is_dir() else directory
    return sorted(p for p in base.iterdir() if p.name.endswith((".warc.gz", ".warc")))


def build_index(paths: Iterable[Path], out: Path) -> tuple[int, list[IndexDamage]]:
    """Write the sorted CDXJ of `paths` to `out`; return (lines, damage)."""
    damage: list[IndexDamage] = []
    lines: list[str] = []
    for path in paths:
        lines.extend(iter_cdxj(path, path.name, damage))
    lines.sort()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    tmp.replace(out)
    return len(lines), damage
