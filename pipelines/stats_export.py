"""Export the `statistics` of report JSON lines as one tidy table: a row per report and measure.

Columns: url, agency, report_year, table, row, column, value. `table` is applications,
review_litigation, proactive or checks; `row` is the dotted row key (`denied.state_secret`), or for
proactive `第二十条第(一)项/规章`; `column` the column key or, for proactive, the report's own label.
Null cells are left out (a blank is not a measurement); checks are rows with value 1 (ok) or 0.

CSV needs only the standard library; Parquet needs pyarrow (`pip install gongkai[parquet]`).

    python -m pipelines.stats_export OUT_DIR_OR_JSONL... --format csv --out stats.csv
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

FIELDS = ("url", "agency", "report_year", "table", "row", "column", "value")


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def _expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a directory stands for every *.jsonl / *.jsonl.gz below it."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.name.endswith((".jsonl", ".jsonl.gz"))))
        else:
            out.append(p)
    return out


def read_records(paths: Iterable[Path], bad: Counter | None = None) -> Iterator[dict]:
    """Report records from JSON-lines files; unreadable lines are counted in `bad`, not fatal."""
    for path in _expand(paths):
        with _open(path) as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    if bad is not None:
                        bad["unreadable lines"] += 1
                    continue
                if isinstance(rec, dict):
                    yield rec


def _rows_of(table: str, prefix: str, obj: dict) -> Iterator[tuple[str, str, str, object]]:
    # A leaf row is a dict of column -> number; a group (denied, unable, …) nests leaf rows.
    for key, val in obj.items():
        if not isinstance(val, dict):
            continue
        name = f"{prefix}{key}"
        if val and all(not isinstance(v, dict) for v in val.values()):
            for col, num in val.items():
                yield table, name, col, num
        else:
            yield from _rows_of(table, name + ".", val)


def measures(record: dict) -> Iterator[dict]:
    """Tidy rows of one record's statistics (none when it has none)."""
    stats = record.get("statistics")
    if not isinstance(stats, dict):
        return
    base = {"url": record.get("url"), "agency": record.get("agency"), "report_year": record.get("report_year")}
    found: list[tuple[str, str, str, object]] = []
    if isinstance(stats.get("applications"), dict):
        found.extend(_rows_of("applications", "", stats["applications"]))
    if isinstance(stats.get("review_litigation"), dict):
        found.extend(_rows_of("review_litigation", "", stats["review_litigation"]))
    for entry in stats.get("proactive") or []:
        row = f"{entry.get('article')}/{entry.get('item')}"
        for col, num in (entry.get("values") or {}).items():
            found.append(("proactive", row, col, num))
    for check in stats.get("checks") or []:
        found.append(("checks", str(check.get("rule")), "ok", 1 if check.get("ok") else 0))
    for table, row, col, num in found:
        if num is None or isinstance(num, bool) or not isinstance(num, int | float):
            continue
        yield base | {"table": table, "row": row, "column": col, "value": num}


def _write_csv(rows: Iterable[dict], out: Path) -> int:
    n = 0
    # utf-8-sig: Excel (what most readers of these reports open a CSV with) needs the BOM for Chinese.
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(r)
            n += 1
    return n


def _write_parquet(rows: Iterable[dict], out: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RuntimeError(
            "Parquet output needs pyarrow, which is not installed: `pip install pyarrow` "
            "(or `pip install gongkai[parquet]`), or use --format csv") from exc
    data = list(rows)
    schema = pa.schema([
        ("url", pa.string()), ("agency", pa.string()), ("report_year", pa.int32()), ("table", pa.string()),
        ("row", pa.string()), ("column", pa.string()),
        ("value", pa.float64()),  # one column for counts and amounts (采购总金额, 收费金额 are decimals)
    ])
    cols = {f: [r[f] for r in data] for f in FIELDS}
    cols["report_year"] = [_year(y) for y in cols["report_year"]]
    cols["value"] = [float(v) for v in cols["value"]]
    pq.write_table(pa.table(cols, schema=schema), out)
    return len(data)


def _year(y: object) -> int | None:
    try:
        return int(y) if y is not None else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def export_stats(jsonl_paths: list[Path], fmt: str, out: Path) -> str:
    """Write the tidy table of every record's statistics to `out`; return a short summary."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: csv or parquet")
    out = Path(out)
    bad: Counter = Counter()
    seen = {"records": 0, "with": 0}
    templates: Counter = Counter()
    failed_reports = 0
    failed_rules: Counter = Counter()
    totals: list[tuple[int, str]] = []

    def rows() -> Iterator[dict]:
        nonlocal failed_reports
        for rec in read_records(jsonl_paths, bad):
            seen["records"] += 1
            stats = rec.get("statistics")
            if not isinstance(stats, dict):
                continue
            seen["with"] += 1
            templates[stats.get("template") or "prose"] += 1
            fails = [c.get("rule") for c in stats.get("checks") or [] if not c.get("ok")]
            if fails:
                failed_reports += 1
                failed_rules.update(str(r) for r in fails)
            new = ((stats.get("applications") or {}).get("new") or {}).get("total")
            if isinstance(new, int):
                who = f"{rec.get('agency') or rec.get('url')} {rec.get('report_year') or ''}".strip()
                totals.append((new, who))
            yield from measures(rec)

    out.parent.mkdir(parents=True, exist_ok=True)
    n = _write_csv(rows(), out) if fmt == "csv" else _write_parquet(rows(), out)
    lines = [
        f"{seen['records']} records read, {seen['with']} with statistics "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(templates.items())) or 'none'}); "
        f"{n} measures written to {out}",
        f"{failed_reports} report(s) with failed checks",
    ]
    for rule, count in failed_rules.most_common(3):
        lines.append(f"  {count} × {rule}")
    if totals:
        totals.sort(key=lambda t: -t[0])
        lines.append(f"applications received (new.total): {sum(t[0] for t in totals)} over {len(totals)} report(s); most:")
        lines.extend(f"  {v} {who}" for v, who in totals[:5])
    if bad:
        lines.append(", ".join(f"{v} {k}" for k, v in bad.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipelines.stats_export", description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", type=Path, help="JSON-lines files, or directories holding them")
    ap.add_argument("--format", choices=("csv", "parquet"), default="csv")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    try:
        print(export_stats(args.inputs, args.format, args.out))
    except (RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
