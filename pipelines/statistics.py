"""Structured statistics from the national template's tables (国办公开办函〔2019〕60号 / 〔2021〕30号).

Input is either the page's HTML tables (rowspan/colspan resolved into a grid, so a cell's column is
known) or, when no table survives, the flattened report text (`a | b | c` per line, or seed 004's
one-cell-per-line form). Both become one stream of rows in document order; a small state machine
walks the stream, switching section on the tables' own labels (第二十条…, 申请人情况, 行政复议), because
portals split one template table into several <table>s or run all three into one.

Labels are matched by meaning (pipelines/rules/statistics_labels.py), numbers are only ever read,
never derived: an unreadable cell is null and the reason goes to the warnings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

from pipelines.rules import statistics_labels as L

Path_ = tuple[str, ...]  # key of an application row: ("new",) or ("denied", "state_secret")

_WS = re.compile(r"\s+")
_ENUM = re.compile(L.ENUMERATOR_PATTERN)
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_ARTICLE = re.compile(L.PROACTIVE_ARTICLE_PATTERN)
_PRO_HEADER = re.compile(L.PROACTIVE_HEADER_PATTERN)
# Longer than this, a cell is prose (a layout table holding the whole report), not a table label.
_MAX_LABEL = 90


# ---------------------------------------------------------------- cells and rows


@dataclass
class Cell:
    text: str  # whitespace removed (Chinese needs none; Word splits words and digits over spans)
    start: int | None = None  # first grid column (None for text rows)
    end: int | None = None  # one past the last grid column
    inherited: bool = False  # continues a rowspan from an earlier row


@dataclass
class Row:
    cells: list[Cell]
    table: int  # which <table> (or text block) it came from: header context never crosses tables
    grid: bool  # True when cells carry grid columns


def _squash(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text)) if text else ""


def _norm_label(text: str) -> str:
    """A label as compared with the rules: NFKC, no whitespace, no leading enumerators."""
    s = _squash(text)
    for _ in range(3):  # 三、（一）1. can stack
        new = _ENUM.sub("", s)
        if new == s:
            break
        s = new
    return s


def _matches(patterns: list[str], label: str) -> bool:
    return any(re.search(p, label) for p in patterns)


def _clean_number_text(text: str) -> str:
    s = _squash(text).replace(",", "")
    for unit in L.NUMBER_UNITS:
        if s.endswith(unit) and len(s) > len(unit):
            s = s[: -len(unit)]
            break
    return s


def _is_label(text: str) -> bool:
    """A cell that names something (not a number, not a blank or a null marker)."""
    s = _clean_number_text(text)
    return bool(s) and s not in L.NULL_MARKERS and not _NUMBER.match(s)


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(_clean_number_text(text)))


# ---------------------------------------------------------------- HTML tables to grids


def _cell_text(el: etree._Element) -> str:
    # text() nodes only: comments and script bodies are not cell content.
    return _squash("".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")))


def _span(el: etree._Element, name: str) -> int:
    try:
        n = int(str(el.get(name, "1")).strip() or 1)
    except ValueError:
        return 1
    return n if 1 <= n <= 200 else 1  # rowspan="0" and absurd spans: treat as 1


def _table_rows(table: etree._Element, index: int) -> list[Row]:
    """Resolve rowspan/colspan into a grid; return rows of distinct cells with their columns."""
    carry: dict[int, tuple[Cell, int]] = {}  # column -> (cell from a rowspan above, rows still to cover)
    rows: list[Row] = []
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        placed: dict[int, tuple[Cell, bool]] = {c: (cell, True) for c, (cell, _) in carry.items()}
        new_carry: dict[int, tuple[Cell, int]] = {}
        col = 0
        for td in tr.xpath("./td|./th"):
            while col in placed:
                col += 1
            cs, rs = _span(td, "colspan"), _span(td, "rowspan")
            cell = Cell(_cell_text(td), col, col + cs)
            for c in range(col, col + cs):
                placed.setdefault(c, (cell, False))
                if rs > 1:
                    new_carry[c] = (cell, rs - 1)
            col += cs
        carry = {c: (cell, left - 1) for c, (cell, left) in carry.items() if left > 1}
        carry.update(new_carry)
        cells: list[Cell] = []
        last: Cell | None = None
        for c in sorted(placed):
            cell, inherited = placed[c]
            if cell is last:
                continue  # the same cell spanning several columns
            last = cell
            cells.append(Cell(cell.text, cell.start, cell.end, inherited))
        rows.append(Row(cells, index, True))
    return rows


def _html_rows(tree: etree._Element) -> list[Row]:
    rows: list[Row] = []
    # Innermost tables only: old portals wrap the whole page in layout tables.
    for i, table in enumerate(tree.xpath("//table[not(.//table)]")):
        rows.extend(_table_rows(table, i))
    return rows


# ---------------------------------------------------------------- flattened text to rows


def _split_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [_squash(c) for c in s.split("|")]


def _text_rows(text: str) -> list[Row]:
    """Rows from flattened text: `| a | b |` lines (trafilatura) or seed 004's blocks, where a lone `|`
    line opens a row and every cell follows on its own line ending in ` |` (a cell may wrap)."""
    rows: list[Row] = []
    lines = text.splitlines()
    block: list[str] | None = None
    table = 0
    prev_was_row = False

    def flush() -> None:
        nonlocal block
        if block is not None:
            rows.append(Row([Cell(c) for c in _split_cells("".join(block))], table, False))
        block = None

    for i, raw in enumerate(lines):
        line = raw.strip()
        if line == "|":
            flush()
            block = []
            prev_was_row = True
            continue
        if block is not None:
            if "|" in line:
                block.append(line)
                continue
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if line and "|" in nxt and nxt != "|":
                block.append(line)  # a cell wrapped over two lines
                continue
            flush()
        if "|" in line and len(line) > 1:
            rows.append(Row([Cell(c) for c in _split_cells(line)], table, False))
            prev_was_row = True
        elif line and len(line) <= 40 and _ARTICLE.search(_norm_label(line)):
            # 第二十条第（一）项 spans the whole table width, so flatteners print it without a `|`.
            rows.append(Row([Cell(_squash(line))], table, False))
            prev_was_row = True
        elif line:
            if prev_was_row:
                table += 1  # prose between tables: a new table for header purposes
            prev_was_row = False
    flush()
    return rows


# ---------------------------------------------------------------- the parser


@dataclass
class _State:
    section: str | None = None
    article: str | None = None
    pro_header: list[Cell] = field(default_factory=list)
    headers: dict[tuple[str, int], list[Row]] = field(default_factory=dict)
    colmaps: dict[tuple[str, int], dict[int, object]] = field(default_factory=dict)
    last_block: str | None = None
    apps: dict[Path_, dict[str, str | None]] = field(default_factory=dict)
    review: dict[str, dict[str, str | None]] | None = None
    proactive: list[dict] = field(default_factory=list)
    labels_seen: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _labels_and_values(row: Row, colmap: dict[int, object] | None) -> tuple[list[Cell], list[Cell]]:
    """Split a row into label cells and value cells (by grid column where the header is known)."""
    if colmap:
        labels = [c for c in row.cells if not any(k in colmap for k in range(c.start or 0, c.end or 0))]
        values = [c for c in row.cells if c not in labels]
        return [c for c in labels if c.text], values
    last_label = -1
    for i, c in enumerate(row.cells):
        if _is_label(c.text):
            last_label = i
    labels = [c for c in row.cells[: last_label + 1] if c.text]
    return labels, row.cells[last_label + 1:]


def _fit(values: list[Cell], n: int) -> list[Cell]:
    """Drop the empty padding that colspans leave in flattened rows, down to n cells if possible."""
    vals = list(values)
    while len(vals) > n and not vals[-1].text:
        vals.pop()
    while len(vals) > n and not vals[0].text:
        vals.pop(0)
    return vals


def _resolve_app_row(labels: list[str], st: _State) -> Path_ | None:
    if not labels:
        return None
    leaf = labels[-1]
    for key, pats in L.APPLICATION_TOP_ROWS.items():
        if any(_matches(pats, lab) for lab in labels):
            st.last_block = None
            return (key,)
    row_block = None
    for lab in labels[:-1]:
        for block, pats in L.APPLICATION_BLOCKS.items():
            if _matches(pats, lab):
                row_block = block
                break
    context = row_block or st.last_block
    for group, reasons in L.APPLICATION_REASONS.items():
        for reason, pats in reasons.items():
            if _matches(pats, leaf):
                if (group, reason) in L.CONTEXT_ONLY_REASONS and context != group:
                    continue
                st.last_block = group
                return (group, reason)
    for block, pats in L.APPLICATION_BLOCKS.items():
        if _matches(pats, leaf):
            st.last_block = block
            return (block,)
    return None


def _header_stacks(headers: list[Row]) -> dict[int, list[str]]:
    """Per grid column, the header texts above it, top to bottom (a spanning cell counts for
    every column it covers; a cell repeated down a rowspan counts once)."""
    stacks: dict[int, list[str]] = {}
    for row in headers:
        for c in row.cells:
            for k in range(c.start or 0, c.end or 0):
                stack = stacks.setdefault(k, [])
                if c.text and (not stack or stack[-1] != c.text):
                    stack.append(c.text)
    return stacks


def _colmap_applications(headers: list[Row]) -> dict[int, object]:
    colmap: dict[int, object] = {}
    for k, stack in _header_stacks(headers).items():
        for text in reversed(stack):  # the header cell nearest the data names the column
            lab = _norm_label(text)
            key = next((col for col, pats in L.APPLICATION_COLUMN_LABELS.items() if _matches(pats, lab)), None)
            if key:
                colmap[k] = key
                break
    # Only a complete, one-to-one header is trusted; otherwise fall back to the template's order.
    if sorted(map(str, colmap.values())) != sorted(L.APPLICATION_COLUMNS):
        return {}
    return colmap


def _colmap_review(headers: list[Row]) -> dict[int, object]:
    colmap: dict[int, object] = {}
    for k, raw in _header_stacks(headers).items():
        stack = [_norm_label(text) for text in raw]
        group = next((g for g, pats in L.REVIEW_GROUP_LABELS.items() if any(_matches(pats, t) for t in stack)), None)
        measure = None
        for text in reversed(stack):
            measure = next((m for m, pats in L.REVIEW_MEASURE_LABELS.items() if _matches(pats, text)), None)
            if measure:
                break
        if group and measure:
            colmap[k] = (group, measure)
    if len(set(colmap.values())) != len(L.REVIEW_GROUPS) * len(L.REVIEW_MEASURES) or len(colmap) != 15:
        return {}
    return colmap


def _positional(values: list[Cell], colmap: dict[int, object], where: str, st: _State) -> dict[object, str | None]:
    out: dict[object, str | None] = {}
    for c in values:
        keys = [colmap[k] for k in range(c.start or 0, c.end or 0) if k in colmap]
        if len(keys) == 1:
            out[keys[0]] = c.text
        elif len(keys) > 1:
            for key in keys:
                out[key] = None
            if c.text:
                st.warnings.append(
                    f"{where}: cell {c.text!r} spans {len(keys)} columns; cannot tell which, left null")
    return out


def _section_of(row: Row) -> str | None:
    texts = [_norm_label(c.text) for c in row.cells if c.text and len(c.text) <= _MAX_LABEL]
    if any(_ARTICLE.search(t) for t in texts):
        return "proactive"
    if any(_matches(L.APPLICATION_TABLE_MARKERS, t) for t in texts):
        return "applications"
    if any(_matches(L.REVIEW_TABLE_MARKERS, t) for t in texts):
        return "review"
    return None


def _walk(rows: list[Row], st: _State) -> None:
    for row in rows:
        section = _section_of(row)
        if section and section != st.section:
            st.section = section
            st.last_block = None
        st.labels_seen.extend(_norm_label(c.text) for c in row.cells if _is_label(c.text) and len(c.text) <= _MAX_LABEL)
        if st.section == "proactive":
            _proactive_row(row, st)
        elif st.section == "applications":
            _application_row(row, st)
        elif st.section == "review":
            _review_row(row, st)


def _application_row(row: Row, st: _State) -> None:
    key = ("applications", row.table)
    colmap = st.colmaps.get(key) if row.grid else None
    labels, values = _labels_and_values(row, colmap)
    names = [_norm_label(c.text) for c in labels]
    header = any(_matches(L.APPLICATION_HEADER_ONLY, n) for n in names)
    path = None if header else _resolve_app_row(names, st)
    if path is None:
        if row.grid and not any(_is_number(c.text) for c in values):
            st.headers.setdefault(key, []).append(row)
        return
    if row.grid and key not in st.colmaps:
        st.colmaps[key] = _colmap_applications(st.headers.get(key, []))
        colmap = st.colmaps[key]
        if colmap:
            labels, values = _labels_and_values(row, colmap)
    where = "applications." + ".".join(path)
    if path in st.apps:
        st.warnings.append(f"{where}: row appears twice; the first is kept")
        return
    if path[0] in ("denied", "unable", "not_processed") and len(path) == 1:
        st.warnings.append(f"{where}: a group row with numbers but no reason; not kept")
        return
    if colmap:
        got = _positional(values, colmap, where, st)
        st.apps[path] = {c: got.get(c) for c in L.APPLICATION_COLUMNS}
        return
    vals = _fit([c for c in values if not c.inherited], len(L.APPLICATION_COLUMNS))
    if len(vals) == len(L.APPLICATION_COLUMNS):
        st.apps[path] = {c: v.text for c, v in zip(L.APPLICATION_COLUMNS, vals, strict=True)}
    else:
        st.apps[path] = dict.fromkeys(L.APPLICATION_COLUMNS)
        st.warnings.append(
            f"{where}: {len(vals)} value cells for {len(L.APPLICATION_COLUMNS)} columns; "
            "cannot tell which column is which, left null")


def _review_row(row: Row, st: _State) -> None:
    key = ("review", row.table)
    if st.review is not None:
        return
    labels, values = _labels_and_values(row, None)
    n = len(L.REVIEW_GROUPS) * len(L.REVIEW_MEASURES)
    numbers = sum(1 for c in values if c.text and not _is_label(c.text))
    if numbers < 3:
        if row.grid:
            st.headers.setdefault(key, []).append(row)
        return
    colmap = _colmap_review(st.headers.get(key, [])) if row.grid else {}
    if colmap:
        got = _positional(row.cells, colmap, "review_litigation", st)
    else:
        vals = _fit([c for c in values if not c.inherited], n)
        if len(vals) != n:
            st.warnings.append(f"review_litigation: {len(vals)} value cells for {n} columns; left null")
            got = {}
        else:
            pairs = [(g, m) for g in L.REVIEW_GROUPS for m in L.REVIEW_MEASURES]
            got = {p: v.text for p, v in zip(pairs, vals, strict=True)}
    st.review = {g: {m: got.get((g, m)) for m in L.REVIEW_MEASURES} for g in L.REVIEW_GROUPS}


def _proactive_row(row: Row, st: _State) -> None:
    cells = []
    for c in row.cells:
        m = _ARTICLE.search(_norm_label(c.text)) if len(c.text) <= _MAX_LABEL else None
        if m:
            if not c.inherited:
                st.article = m.group(0)
                st.pro_header = []
            continue
        cells.append(c)
    cells = [c for c in cells if not c.inherited or _is_label(c.text)]
    if not cells:
        return
    first = next((c for c in cells if c.text), None)
    if first is not None and _PRO_HEADER.match(_norm_label(first.text)):
        i = cells.index(first)
        st.pro_header = [c for c in cells[i + 1:] if c.text]
        return
    labels, values = _labels_and_values(Row(cells, row.table, row.grid), None)
    if not labels or not any(c.text for c in values) or not st.pro_header:
        return
    item = labels[-1].text
    where = f"proactive.{st.article}.{item}"
    out: dict[str, str | None] = {}
    if row.grid and all(h.start is not None for h in st.pro_header):
        for v in values:
            h = next((h for h in st.pro_header if (h.start or 0) <= (v.start or 0) < (h.end or 0)), None)
            if h is None:
                continue
            if out.get(h.text) and v.text and out[h.text] != v.text:
                st.warnings.append(f"{where}: two values under {h.text!r}; the first is kept")
                continue
            if not out.get(h.text):
                out[h.text] = v.text
    else:
        vals = _fit(values, len(st.pro_header))
        if len(vals) == len(st.pro_header):
            out = {h.text: v.text for h, v in zip(st.pro_header, vals, strict=True)}
        else:
            st.warnings.append(f"{where}: {len(vals)} values for {len(st.pro_header)} columns; left null")
            out = dict.fromkeys(h.text for h in st.pro_header)
    st.proactive.append({"article": st.article, "item": item, "values": out})


# ---------------------------------------------------------------- numbers


def _to_number(raw: str | None, where: str, bad: list[str], allow_float: bool) -> int | float | None:
    if raw is None:
        return None
    s = _clean_number_text(raw)
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
        warnings.append(f"{table}: {len(bad)} cell(s) not a number, read as null: {shown}")


def _row_numbers(raw: dict[str, str | None] | None, where: str, bad: list[str]) -> dict[str, int | None]:
    raw = raw or {}
    return {c: _to_number(raw.get(c), f"{where}.{c}", bad, False) for c in L.APPLICATION_COLUMNS}  # type: ignore[misc]


def _template(st: _State) -> str:
    if any(p[0] == "other" and len(p) == 2 for p in st.apps):
        return "2021"
    if ("other",) in st.apps:
        return "2019"
    if any(_matches(L.TEMPLATE_2021_MARKERS, t) for t in st.labels_seen):
        return "2021"
    if not any(_matches(L.TEMPLATE_2019_MARKERS, t) for t in st.labels_seen):
        st.warnings.append("template variant not identified from the tables; assuming 2019")
    return "2019"


def _build(st: _State) -> dict:
    template = _template(st)
    bad: list[str] = []
    missing: list[str] = []
    apps: dict[str, object] = {}

    def get(path: Path_) -> dict[str, int | None]:
        if path not in st.apps:
            missing.append(".".join(path))
        return _row_numbers(st.apps.get(path), ".".join(path), bad)

    for key in ("new", "carried_over", "granted", "partially_granted"):
        apps[key] = get((key,))
    for group in ("denied", "unable", "not_processed"):
        apps[group] = {r: get((group, r)) for r in L.APPLICATION_REASONS[group]}
    if template == "2021":
        apps["other"] = {r: get(("other", r)) for r in L.APPLICATION_REASONS["other"]}
    else:
        apps["other"] = get(("other",))
    for key in ("total_handled", "carried_forward"):
        apps[key] = get((key,))
    warnings = st.warnings
    if st.apps and missing:
        warnings.append("applications: rows not found, left null: " + ", ".join(missing))
    _report_bad("applications", bad, warnings)

    bad = []
    review = None
    if st.review is not None:
        review = {g: {m: _to_number(st.review[g][m], f"{g}.{m}", bad, False) for m in L.REVIEW_MEASURES}
                  for g in L.REVIEW_GROUPS}
    _report_bad("review_litigation", bad, warnings)

    bad = []
    proactive = []
    for entry in st.proactive:
        vals = {k: _to_number(v, f"{entry['article']}.{entry['item']}.{k}", bad, True)
                for k, v in entry["values"].items()}
        proactive.append({"article": entry["article"], "item": entry["item"], "values": vals})
    _report_bad("proactive", bad, warnings)

    stats = {
        "template": template,
        "applications": apps if st.apps else None,
        "review_litigation": review,
        "proactive": proactive,
        "checks": [],
    }
    stats["checks"] = _checks(stats, {".".join(p) for p in st.apps}, warnings)
    return stats


# ---------------------------------------------------------------- the template's arithmetic


def _leaf_rows(apps: dict) -> list[tuple[str, dict[str, int | None]]]:
    out = []
    for key, val in apps.items():
        if isinstance(val, dict) and "total" in val:
            out.append((key, val))
        elif isinstance(val, dict):
            out.extend((f"{key}.{r}", row) for r, row in val.items())
    return out


def _checks(stats: dict, found: set[str], warnings: list[str]) -> list[dict]:
    checks: list[dict] = []

    def add(rule: str, ok: bool, detail: str) -> None:
        checks.append({"rule": rule, "ok": ok})
        if not ok:
            warnings.append(f"check failed: {rule} ({detail})")

    apps = stats["applications"]
    if apps:
        rows = _leaf_rows(apps)
        parts_cols = L.APPLICATION_COLUMNS[:-1]
        # Each row: applicant columns sum to 总计. Blank cells count as 0 here (the template's blanks
        # mean none), but a row nobody could read is not checked.
        for name, row in rows:
            parts = [row[c] for c in parts_cols]
            if name not in found or row["total"] is None or all(p is None for p in parts):
                continue
            s = sum(p or 0 for p in parts)
            add(f"applications.{name}: columns sum to total", s == row["total"], f"{s} != {row['total']}")
        outcome = [(n, r) for n, r in rows if n not in ("new", "carried_over", "total_handled", "carried_forward")]
        for col in L.APPLICATION_COLUMNS:
            # 第一项加第二项之和，等于第三项加第四项之和 — the table states this itself.
            if {"new", "total_handled"} <= found and apps["new"][col] is not None and apps["total_handled"][col] is not None:
                left = (apps["new"][col] or 0) + (apps["carried_over"][col] or 0)
                right = (apps["total_handled"][col] or 0) + (apps["carried_forward"][col] or 0)
                add(f"applications.{col}: new + carried_over = total_handled + carried_forward", left == right,
                    f"{left} != {right}")
            if "total_handled" in found and apps["total_handled"][col] is not None and any(
                    r[col] is not None for _, r in outcome):
                s = sum(r[col] or 0 for _, r in outcome)
                add(f"applications.{col}: outcome rows sum to total_handled", s == apps["total_handled"][col],
                    f"{s} != {apps['total_handled'][col]}")
    review = stats["review_litigation"]
    if review:
        for group, row in review.items():
            parts = [row[m] for m in L.REVIEW_MEASURES[:-1]]
            if row["total"] is None or all(p is None for p in parts):
                continue
            s = sum(p or 0 for p in parts)
            add(f"review_litigation.{group}: results sum to total", s == row["total"], f"{s} != {row['total']}")
    return checks


# ---------------------------------------------------------------- before 2019: prose

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def _cn_number(s: str) -> int | None:
    s = unicodedata.normalize("NFKC", s)
    if s.isdigit():
        return int(s)
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _prose(text: str) -> tuple[int, str] | None:
    sentences = [s.strip() for s in re.split(r"(?<=[。；;！!？?])|\n", text) if s.strip()]
    for s in sentences:
        flat = _WS.sub("", s)
        for pat in L.PROSE_APPLICATION_PATTERNS:
            m = re.search(pat, flat)
            if m:
                n = _cn_number(m.group("n"))
                if n is not None:
                    return n, s
    for s in sentences:
        if any(re.search(p, _WS.sub("", s)) for p in L.PROSE_NO_APPLICATION_PATTERNS):
            return 0, s
    return None


def _prose_statistics(text: str) -> dict | None:
    found = _prose(text)
    if found is None:
        return None
    n, sentence = found
    apps: dict[str, object] = {}
    empty = dict.fromkeys(L.APPLICATION_COLUMNS)
    for key in ("new", "carried_over", "granted", "partially_granted"):
        apps[key] = dict(empty)
    for group in ("denied", "unable", "not_processed"):
        apps[group] = {r: dict(empty) for r in L.APPLICATION_REASONS[group]}
    apps["other"] = dict(empty)
    for key in ("total_handled", "carried_forward"):
        apps[key] = dict(empty)
    apps["new"]["total"] = n  # type: ignore[index]
    return {
        "template": None,
        "applications": apps,
        "review_litigation": None,
        "proactive": [],
        "checks": [],
        "evidence": {"applications.new.total": sentence},
    }


# ---------------------------------------------------------------- entry point


def _has_tables(st: _State) -> bool:
    return bool(st.apps or st.review is not None or st.proactive)


def parse_statistics(tree: etree._Element | None, text: str) -> tuple[dict | None, list[str]]:
    """Statistics of a report's template tables, or None when it has none; plus warnings.

    Reads the HTML tables when `tree` has them, else the flattened `text`; for a prose report
    (before 2019) reads the number of applications received from a sentence, with that sentence as
    evidence. Never raises on odd input, never mutates `tree`.
    """
    st = _State()
    if tree is not None:
        try:
            _walk(_html_rows(tree), st)
        except Exception as exc:  # a malformed tree must not cost the report its record
            st = _State(warnings=[f"statistics: HTML tables unreadable ({exc!r}); using text"])
    if not _has_tables(st) and text:
        carried = st.warnings
        st = _State(warnings=carried)
        _walk(_text_rows(text), st)
    if _has_tables(st):
        return _build(st), st.warnings
    prose = _prose_statistics(text or "")
    return prose, st.warnings
