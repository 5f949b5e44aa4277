"""`gongkai export-wacz DIR`: the job as one WACZ file, written by py-wacz (webrecorder's `wacz`).

    archive/*.warc.gz                          the job's finished WARC files, as they are
    indexes/index.cdx.gz, indexes/index.idx    the CDXJ index (compressed, with its lookup table)
    pages/pages.jsonl                          one page per report: url, title (what a player lists)
    datapackage.json, datapackage-digest.json  every file with its hash; the hash of that

py-wacz does the packaging and the indexing (its indexer is cdxj-indexer's, POST bodies appended
as pywb looks them up). What we add is the same damage handling as `gongkai index`
(archive/index.py): only the pieces of each file that archive/integrity.py trusts are indexed, and
the damage is reported instead of a traceback. ReplayWeb.page opens the WACZ as is; pywb through
`wb-manager add --unpack-wacz` (scripts/pywb.sh serve-wacz), which uses this index.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from argparse import Namespace
from pathlib import Path

from wacz import main as wacz_main
from wacz.waczindexer import WACZIndexer

from archive.index import IndexDamage, ScannedPieces, warc_files

logger = logging.getLogger(__name__)


class _ScannedWACZIndexer(ScannedPieces, WACZIndexer):
    """py-wacz's indexer over the trusted pieces of each file."""


def _pages(out_dir: Path) -> list[dict]:
    """Report pages of the job, each once: from reports.jsonl and the change logs."""
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
            # No "ts": py-wacz then matches the page to the URL's first capture.
            pages.setdefault(url, {"url": url, "title": rec.get("title") or url})
    return list(pages.values())


def export_wacz(out_dir: Path, target: Path | None = None) -> tuple[Path, list[IndexDamage]]:
    out_dir = Path(out_dir)
    target = Path(target or out_dir / f"{out_dir.resolve().name}.wacz")
    paths = warc_files(out_dir)
    tmp = target.with_suffix(target.suffix + ".tmp")
    pages_file = target.with_suffix(".pages.jsonl.tmp")
    header = {"format": "json-pages-1.0", "id": "pages", "title": "Annual reports"}
    pages_file.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in [header, *_pages(out_dir)]),
                          encoding="utf-8")
    args = Namespace(inputs=[str(p) for p in paths], output=str(tmp), pages=str(pages_file), copy_pages=False,
                     extra_pages=None, text=False, detect_pages=False, hash_type="sha256", log_directory=None,
                     split_seeds=False, ts=None, url=None, date=None, title=out_dir.resolve().name,
                     desc="gongkai crawl job", signing_url=None, signing_token=None, file=False)
    made: list[_ScannedWACZIndexer] = []

    def indexer(*a, **kw):
        made.append(_ScannedWACZIndexer(*a, names={str(p): p.name for p in paths}, **kw))
        return made[-1]

    said = io.StringIO()
    try:
        # create_wacz builds its indexer itself: hand it ours. py-wacz talks on stdout; we log it.
        wacz_main.WACZIndexer = indexer
        with contextlib.redirect_stdout(said):
            status = wacz_main.create_wacz(args)
    finally:
        wacz_main.WACZIndexer = WACZIndexer
        pages_file.unlink(missing_ok=True)
        for line in said.getvalue().splitlines():
            logger.debug("py-wacz: %s", line)
    if status:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"py-wacz could not write {target}: {said.getvalue()[-500:]}")
    tmp.replace(target)
    return target, (made[0].damage if made else [])
