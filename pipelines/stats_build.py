"""From the cells the table walk kept to the statistics record: numbers, template layout, arithmetic.

Numbers are only ever read, never derived: an unreadable cell is null and the reason goes to the
warnings. The layout of table 三 and the template's arithmetic identities are data
(pipelines/rules/statistics_labels.py: APPLICATION_ROWS, GROUPED_ROWS, *_IDENTITIES).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipelines import warnings as W
from pipelines.rules import statistics_labels as L
from pipelines.tables import squash

Path_ = tuple[str, ...]  # key of an application row: ("new",) or ("denied", "state_secret")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


@lru_cache(maxsize=1 << 16)  # asked for every cell by is_label/is_number, again and again
def clean_number_text(text: str) -> str:
    s = squash(text).replace(",", "")
    for unit in L.NUMBER_UNITS:
        if s.endswith(unit) and len(s) > len(unit):
            s = s[: -len(unit)]
            break
    return s


def is_label(text: str) -> bool:
    """A cell that names something (not a number, not a blank or a null marker)."""
    s = clean_number_text(text)
    return bool(s) and s not in L.NULL_MARKERS and not _NUMBER.match(s)


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(clean_number_text(text)))


def to_number(raw: str | None, where: str, bad: list[str], allow_float: bool) -> int | float | None:
    if raw is None:
        return None
    s = clean_number_text(raw)
    if not s:
        return None  # an empty cell: null, as the template's blanks are
    if _NUMBER.match(s):
        if "." in s:
            if allow_float:
                return float(s)
            bad.append(f"{where}={raw!r}")
            return None
        return int(s)
    bad.append(f"{where}={raw!r}")
    return None


def _report_bad(table: str, bad: list[str], warnings: list[str]) -> None:
    if bad:
        shown = ", ".join(bad[:6]) + (f", … ({len(bad) - 6} more)" if len(bad) > 6 else "")
        warnings.append(W.warning(W.STATS_NOT_A_NUMBER, f"{table}: {len(bad)} cell(s) not a number, read as null: {shown}"))


def row_paths(template: str) -> list[Path_]:
    """Every row of table 三 in the template's layout, as paths."""
    paths: list[Path_] = []
    for key in L.APPLICATION_ROWS:
        if key in L.GROUPED_ROWS[template]:
            paths.extend((key, reason) for reason in L.APPLICATION_REASONS[key])
        else:
            paths.append((key,))
    return paths


def empty_applications(template: str) -> dict:
    return nest({p: dict.fromkeys(L.APPLICATION_COLUMNS) for p in row_paths(template)})


def nest(rows: dict[Path_, dict]) -> dict:
    out: dict[str, object] = {}
    for path, row in rows.items():
        if len(path) == 1:
            out[path[0]] = row
        else:
            out.setdefault(path[0], {})[path[1]] = row  # type: ignore[index]
    return out


def build(template: str, apps_raw: dict[Path_, dict], review_raw: dict | None, proactive_raw: list[dict],
          warnings: list[str]) -> dict:
    bad: list[str] = []
    missing: list[str] = []
    rows: dict[Path_, dict] = {}
    for path in row_paths(template):
        where = ".".join(path)
        if path not in apps_raw:
            missing.append(where)
        raw = apps_raw.get(path) or {}
        rows[path] = {c: to_number(raw.get(c), f"{where}.{c}", bad, False) for c in L.APPLICATION_COLUMNS}
    if apps_raw and missing:
        warnings.append(W.warning(W.STATS_ROWS_MISSING, "applications: rows not found, left null: " + ", ".join(missing)))
    _report_bad("applications", bad, warnings)

    bad = []
    review = None
    if review_raw is not None:
        review = {g: {m: to_number(review_raw[g][m], f"{g}.{m}", bad, False) for m in L.REVIEW_MEASURES}
                  for g in L.REVIEW_GROUPS}
    _report_bad("review_litigation", bad, warnings)

    bad = []
    proactive = []
    for entry in proactive_raw:
        vals = {k: to_number(v, f"{entry['article']}.{entry['item']}.{k}", bad, True)
                for k, v in entry["values"].items()}
        proactive.append({"article": entry["article"], "item": entry["item"], "values": vals})
    _report_bad("proactive", bad, warnings)

    stats = {
        "template": template,
        "applications": nest(rows) if apps_raw else None,
        "review_litigation": review,
        "proactive": proactive,
        "checks": [],
    }
    found = {p for p in apps_raw}
    stats["checks"] = checks(rows if apps_raw else {}, found, review, warnings)
    return stats


# ---------------------------------------------------------------- the template's arithmetic


def checks(rows: dict[Path_, dict], found: set[Path_], review: dict | None, warnings: list[str]) -> list[dict]:
    out: list[dict] = []

    def add(rule: str, ok: bool, detail: str) -> None:
        out.append({"rule": rule, "ok": ok})
        if not ok:
            warnings.append(W.warning(W.STATS_CHECK_FAILED, f"check failed: {rule} ({detail})"))

    # Each row: applicant columns sum to 总计. Blank cells count as 0 here (the template's blanks mean
    # none), but a row nobody could read is not checked.
    for path, row in rows.items():
        parts = [row[c] for c in L.APPLICATION_PART_COLUMNS]
        if path not in found or row["total"] is None or all(p is None for p in parts):
            continue
        s = sum(p or 0 for p in parts)
        add(f"applications.{'.'.join(path)}: columns sum to total", s == row["total"], f"{s} != {row['total']}")

    def side(keys: list[str], col: str) -> list[int | None]:
        return [r[col] for p, r in rows.items() if p[0] in keys]

    for col in L.APPLICATION_COLUMNS:
        for ident in L.APPLICATION_COLUMN_IDENTITIES:
            when = [(k,) for k in ident["when"]]
            if not all(p in found and rows[p][col] is not None for p in when):
                continue
            left, right = side(ident["left"], col), side(ident["right"], col)
            if ident.get("any_of_left") and all(v is None for v in left):
                continue
            a, b = sum(v or 0 for v in left), sum(v or 0 for v in right)
            add(f"applications.{col}: {ident['rule']}", a == b, f"{a} != {b}")
    for group, row in (review or {}).items():
        parts = [row[m] for m in L.REVIEW_PART_MEASURES]
        if row["total"] is None or all(p is None for p in parts):
            continue
        s = sum(p or 0 for p in parts)
        add(f"review_litigation.{group}: results sum to total", s == row["total"], f"{s} != {row['total']}")
    return out


def flat_cells(stats: dict | None) -> dict[str, int | float | None]:
    """Every cell of a statistics record under a dotted key (applications.denied.state_secret.total,
    review_litigation.review.upheld, proactive.第二十条第(一)项.规章.本年制发件数): for comparing forms."""
    out: dict[str, int | float | None] = {}
    if not stats:
        return out

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)
        else:
            out[prefix] = value  # type: ignore[assignment]

    walk("applications", stats.get("applications") or {})
    walk("review_litigation", stats.get("review_litigation") or {})
    for entry in stats.get("proactive") or []:
        for k, v in entry["values"].items():
            out[f"proactive.{entry['article']}.{entry['item']}.{k}"] = v
    return out
