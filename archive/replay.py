"""Re-extract reports from WARC files offline, through the very path the live crawl uses."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from archive.reader import WarcDamage, iter_response_pages
from pipelines.report import build_report

logger = logging.getLogger(__name__)


def replay_records(warc_paths: Iterable[Path], *, relative_to: Path | None = None,
                   damage: list[WarcDamage] | None = None) -> Iterable[dict]:
    """Report records from WARC files, one per report URL (the last capture wins on duplicates)."""
    by_url: dict[str, dict] = {}
    for path in warc_paths:
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        for page in iter_response_pages(path, name=name, damage=damage):
            try:
                record = build_report(page)
            except Exception as exc:  # same policy as the live pipeline: log, count, go on
                logger.exception("Extraction failed for %s in %s: %r", page.url, name, exc)
                continue
            if record is not None:
                by_url[record["url"]] = record
    return list(by_url.values())


def replay_to_jsonl(warc_paths: list[Path], out: Path, *, relative_to: Path | None = None) -> tuple[int, list[WarcDamage]]:
    damage: list[WarcDamage] = []
    records = replay_records(warc_paths, relative_to=relative_to, damage=damage)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records), damage
