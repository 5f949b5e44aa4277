"""`gongkai export-wacz DIR`: the job as one WACZ file (Web Archive Collection Zipped, 1.1.1).

    archive/*.warc.gz          the job's finished WARC files, stored (not deflated again)
    indexes/index.cdxj         sorted CDXJ of them (archive/index.py)
    pages/pages.jsonl          one page per report: url, ts, title (what a player lists)
    datapackage.json           every file above with its sha256 and size
    datapackage-digest.json    the sha256 of datapackage.json

Replay tools (ReplayWeb.page, pywb) open it as is.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from archive.index import IndexDamage, iter_cdxj, warc_files

WACZ_VERSION = "1.1.1"


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def _pages(out_dir: Path) -> list[dict]:
    """Report pages of the job, last capture first seen: from reports.jsonl and the change logs."""
    pages: dict[str, dict] = {}
    sources = [out_dir / "reports.jsonl", *sorted((out_dir / "changes").glob("*.jsonl"))]
    for source in sources:
        if not source.exists():
            continue
        for line in source.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            rec = rec.get("report") or rec
            url = rec.get("url")
            if not url or rec.get("change") == "removed":
                continue
            pages.setdefault(url, {"url": url, "ts": rec.get("fetched_at"), "title": rec.get("title") or url})
    return list(pages.values())


def export_wacz(out_dir: Path, target: Path | None = None) -> tuple[Path, list[IndexDamage]]:
    out_dir = Path(out_dir)
    target = target or out_dir / f"{out_dir.resolve().name}.wacz"
    paths = warc_files(out_dir)
    damage: list[IndexDamage] = []
    lines: list[str] = []
    for path in paths:
        lines.extend(iter_cdxj(path, path.name, damage))
    lines.sort()
    index = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    pages_header = {"format": "json-pages-1.0", "id": "pages", "title": "Annual reports"}
    pages = "\n".join(json.dumps(p, ensure_ascii=False) for p in [pages_header, *_pages(out_dir)]) + "\n"
    pages_bytes = pages.encode("utf-8")

    resources = []
    tmp = target.with_suffix(target.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        for path in paths:
            # Already gzip per record; stored so a player can read records by offset.
            zf.write(path, f"archive/{path.name}", compress_type=zipfile.ZIP_STORED)
            resources.append({"name": path.name, "path": f"archive/{path.name}",
                              "hash": _file_sha256(path), "bytes": path.stat().st_size})
        for name, data in (("indexes/index.cdxj", index), ("pages/pages.jsonl", pages_bytes)):
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
            resources.append({"name": Path(name).name, "path": name, "hash": _sha256(data), "bytes": len(data)})
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": out_dir.resolve().name,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "software": "gongkai/0.1",
            "resources": resources,
        }
        package_bytes = json.dumps(package, ensure_ascii=False, indent=1).encode("utf-8")
        zf.writestr("datapackage.json", package_bytes, compress_type=zipfile.ZIP_DEFLATED)
        digest = {"path": "datapackage.json", "hash": _sha256(package_bytes)}
        zf.writestr("datapackage-digest.json", json.dumps(digest), compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(target)
    return target, damage
