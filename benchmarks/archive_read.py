"""What reading a WARC through archive/integrity.py costs, against warcio reading it bare.

Side by side on one WARC our writer makes (gzip per record, N response + request pairs):

    baseline   warcio's ArchiveIterator, every record's content read (what replay did before)
    scan       integrity.scan_archive: every gzip member inflated to its CRC, every record read to
               its Content-Length with its digests checked (once per file, cached)
    read       records.iter_archive_records after the scan, every record's content read

    .venv/bin/python -m benchmarks.archive_read [--records 2000] [--body 60000] [--repeat 3]

Prints seconds (best of --repeat) and each as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive import integrity, records
from archive.exchange import request_head, response_head
from archive.warcwriter import RotatingWarcWriter


def _make(directory: Path, records: int, body_size: int) -> Path:
    writer = RotatingWarcWriter(directory, prefix="bench", max_size=1 << 40)
    body = os.urandom(body_size // 3) + b"<p>" * (body_size // 3)  # part incompressible
    for i in range(records):
        url = f"http://www.qhq.gov.cn/xxgk/{i}.html"
        writer.write_exchange(url, request_head("GET", url, []),
                              response_head(200, [("Content-Type", "text/html")], len(body)), body)
    writer.close()
    path = directory / writer.files_written[0]
    old = time.time() - 60
    os.utime(path, (old, old))  # older than the scan cache's racy window
    return path


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--body", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = _make(Path(tmp), args.records, args.body)

        def baseline() -> None:
            with open(path, "rb") as fh:
                for record in ArchiveIterator(fh, arc2warc=True):
                    record.content_stream().read()

        def scan() -> None:
            integrity._CACHE.clear()
            integrity.scan_archive(path)

        def read() -> None:
            for _offset, record in records.iter_archive_records(path):
                record.content_stream().read()

        base = _best(baseline, args.repeat)
        scanned = _best(scan, args.repeat)
        integrity.scan_archive(path)
        reread = _best(read, args.repeat)
        size = path.stat().st_size / 1e6
        print(f"{2 * args.records + 1} records, {size:.1f} MB gzip")
        print(f"{'':10} {'seconds':>8} {'× baseline':>11}")
        for name, t in (("baseline", base), ("scan", scanned), ("read", reread), ("scan+read", scanned + reread)):
            print(f"{name:10} {t:8.2f} {t / base:11.2f}")


if __name__ == "__main__":
    main()
