"""export_stats: report JSON lines -> one tidy row per report and measure (CSV, Parquet)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from pipelines.document import parse_html
from pipelines.statistics import parse_statistics
from pipelines.stats_export import FIELDS, export_stats, main

FIX = Path(__file__).parent / "fixtures" / "statistics"


def _record(url: str, agency: str, year: int, name: str) -> dict:
    body = (FIX / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        stats, warnings = parse_statistics(parse_html(body), "")
    else:
        stats, warnings = parse_statistics(None, body)
    return {"url": url, "title": "…", "agency": agency, "report_year": year, "statistics": stats,
            "warnings": warnings}


@pytest.fixture()
def jsonl(tmp_path: Path) -> Path:
    recs = [
        _record("http://a.gov.cn/1.html", "沭河县发展和改革局", 2023, "ucap_2021.html"),
        _record("http://b.gov.cn/2.html", "某某镇人民政府", 2022, "bad_arithmetic_2021.txt"),
        _record("http://c.gov.cn/3.html", "某某区人民政府", 2017, "prose_2017.txt"),
        {"url": "http://d.gov.cn/4.html", "agency": "无表", "report_year": 2016, "statistics": None},
    ]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\nnot json\n", encoding="utf-8")
    return path


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv(jsonl: Path, tmp_path: Path):
    out = tmp_path / "stats.csv"
    summary = export_stats([jsonl], "csv", out)
    rows = _read_csv(out)
    assert tuple(rows[0]) == FIELDS
    by_url: dict[str, list[dict]] = {}
    for r in rows:
        by_url.setdefault(r["url"], []).append(r)
    assert set(by_url) == {"http://a.gov.cn/1.html", "http://b.gov.cn/2.html", "http://c.gov.cn/3.html"}

    def value(url: str, table: str, row: str, column: str) -> str:
        hits = [r["value"] for r in by_url[url] if (r["table"], r["row"], r["column"]) == (table, row, column)]
        assert len(hits) == 1, (table, row, column)
        return hits[0]

    a = "http://a.gov.cn/1.html"
    assert value(a, "applications", "new", "natural_person") == "30"
    assert value(a, "applications", "new", "total") == "38"
    assert value(a, "applications", "denied.third_party_rights", "natural_person") == "2"
    assert value(a, "applications", "other.other", "legal_services") == "1"
    assert value(a, "review_litigation", "litigation_direct", "pending") == "1"
    assert value(a, "proactive", "第二十条第(八)项/行政事业性收费", "本年收费金额(单位:万元)") == "23.6"
    assert value(a, "checks", "applications.total: new + carried_over = total_handled + carried_forward", "ok") == "1"
    assert by_url[a][0]["agency"] == "沭河县发展和改革局" and by_url[a][0]["report_year"] == "2023"
    # blank cells (the research column of this report) are not measures
    assert not [r for r in by_url[a] if r["table"] == "applications" and r["column"] == "research"]
    # 25 rows × 6 filled columns + 15 review + 10 proactive values + 40 checks
    assert len(by_url[a]) == 25 * 6 + 15 + 10 + 40

    b = "http://b.gov.cn/2.html"
    assert value(b, "checks", "review_litigation.review: results sum to total", "ok") == "0"
    assert len(by_url[b]) == 25 * 7 + 15 + (25 + 7 + 7 + 3)  # checks: rows, balances, outcome sums, review

    c = "http://c.gov.cn/3.html"
    assert [(r["table"], r["row"], r["column"], r["value"]) for r in by_url[c]] == [
        ("applications", "new", "total", "92")]

    assert summary.splitlines()[0] == (
        f"4 records read, 3 with statistics (2021: 2, prose: 1); {len(rows)} measures written to {out}")
    assert "1 report(s) with failed checks" in summary
    assert "applications received (new.total): 145 over 3 report(s); most:" in summary
    assert "  92 某某区人民政府 2017" in summary
    assert "1 unreadable lines" in summary


def test_csv_with_pandas(jsonl: Path, tmp_path: Path):
    pd = pytest.importorskip("pandas")
    out = tmp_path / "stats.csv"
    export_stats([jsonl], "csv", out)
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert list(df.columns) == list(FIELDS)
    assert df[(df.table == "applications") & (df.row == "new") & (df.column == "total")]["value"].sum() == 145


def test_parquet(jsonl: Path, tmp_path: Path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "stats.parquet"
    export_stats([jsonl.parent], "parquet", out)  # a directory stands for its *.jsonl
    t = pq.read_table(out)
    assert t.column_names == list(FIELDS)
    assert t.num_rows == len(_read_csv(_csv(jsonl, tmp_path)))
    rows = t.to_pylist()
    hit = [r for r in rows if r["url"] == "http://c.gov.cn/3.html"]
    assert hit == [{"url": "http://c.gov.cn/3.html", "agency": "某某区人民政府", "report_year": 2017,
                    "table": "applications", "row": "new", "column": "total", "value": 92.0}]


def _csv(jsonl: Path, tmp_path: Path) -> Path:
    out = tmp_path / "again.csv"
    export_stats([jsonl], "csv", out)
    return out


def test_parquet_without_pyarrow(jsonl: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(RuntimeError, match="needs pyarrow"):
        export_stats([jsonl], "parquet", tmp_path / "x.parquet")
    assert main([str(jsonl), "--format", "parquet", "--out", str(tmp_path / "x.parquet")]) == 2


def test_main_csv(jsonl: Path, tmp_path: Path, capsys):
    out = tmp_path / "sub" / "s.csv"
    assert main([str(jsonl), "--format", "csv", "--out", str(out)]) == 0
    assert "3 with statistics" in capsys.readouterr().out
    assert len(_read_csv(out)) > 0


def test_unknown_format(jsonl: Path, tmp_path: Path):
    with pytest.raises(ValueError):
        export_stats([jsonl], "xlsx", tmp_path / "x")
