"""Structured statistics from the national template's tables (国办公开办函〔2019〕60号 / 〔2021〕30号).

Input is any form a report takes: HTML tables, tables read from a PDF's page geometry or a DOCX/DOC
(all resolved into one grid by pipelines/tables.py, so a cell's column is known), or, when no table
survives, flattened report text (`a | b | c` per line, seed 004's one-cell-per-line form, OCR rows).
All become one stream of rows in document order; a small state machine walks the stream, switching
section on the tables' own labels (第二十条…, 申请人情况, 行政复议), because portals split one
template table into several tables, run all three into one, or a PDF breaks one over pages.

Labels are matched by meaning (pipelines/rules/statistics_labels.py); numbers, layout and arithmetic:
pipelines/stats_build.py; reports before 2019: pipelines/stats_prose.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from pipelines import warnings as W
from pipelines.rules import statistics_labels as L
from pipelines.stats_build import Path_, build, is_label, is_number
from pipelines.stats_prose import prose_statistics
from pipelines.stats_rows import by_enumerator, fuzzy_row, leading_enumerator, proactive_text
from pipelines.tables import Cell, Row, TableSpec, html_rows, norm_label, spec_rows, text_rows

_ARTICLE = re.compile(L.PROACTIVE_ARTICLE_PATTERN)
_PRO_HEADER = re.compile(L.PROACTIVE_HEADER_PATTERN)
_HEADINGS = [re.compile(p) for p in L.TEMPLATE_TABLE_HEADINGS]
# Longer than this, a cell is prose (a layout table holding the whole report), not a table label.
_MAX_LABEL = 90


@cache
def _alternation(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _matches(patterns: list[str], label: str) -> bool:
    """Any of the patterns found in the label (one compiled alternation per list: this runs per cell)."""
    return _alternation(tuple(patterns)).search(label) is not None


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
        if is_label(c.text):
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
            lab = norm_label(text)
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
        stack = [norm_label(text) for text in raw]
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
                st.warnings.append(W.warning(
                    W.STATS_CELL_AMBIGUOUS, f"{where}: cell {c.text!r} spans {len(keys)} columns; cannot tell which, left null"))
    return out


def _section_of(row: Row) -> str | None:
    texts = [norm_label(c.text) for c in row.cells if c.text and len(c.text) <= _MAX_LABEL]
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
        st.labels_seen.extend(norm_label(c.text) for c in row.cells if is_label(c.text) and len(c.text) <= _MAX_LABEL)
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
    own_label = any(not c.inherited for c in labels)  # not just the group cells a rowspan carries down
    lead = None if own_label or colmap else leading_enumerator(values, len(L.APPLICATION_COLUMNS))
    if lead is not None:
        labels, values = [*labels, lead], values[values.index(lead) + 1:]
    names = [norm_label(c.text) for c in labels]
    header = any(_matches(L.APPLICATION_HEADER_ONLY, n) for n in names)
    path = None if header else _resolve_app_row(names, st)
    if path is None and not header and names and any(is_number(c.text) for c in values):
        path = fuzzy_row(names[-1], st.apps) or by_enumerator(labels[-1].text, st.last_block, st.apps)
        if path is not None and len(path) == 2:
            st.last_block = path[0]
    if path is None:
        if row.grid and not any(is_number(c.text) for c in values):
            st.headers.setdefault(key, []).append(row)
        return
    if row.grid and key not in st.colmaps:
        st.colmaps[key] = _colmap_applications(st.headers.get(key, []))
        colmap = st.colmaps[key]
        if colmap:
            labels, values = _labels_and_values(row, colmap)
    where = "applications." + ".".join(path)
    if path in st.apps:
        st.warnings.append(W.warning(W.STATS_ROW_AMBIGUOUS, f"{where}: row appears twice; the first is kept"))
        return
    if path[0] in ("denied", "unable", "not_processed") and len(path) == 1:
        st.warnings.append(W.warning(W.STATS_ROW_AMBIGUOUS, f"{where}: a group row with numbers but no reason; not kept"))
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
        st.warnings.append(W.warning(
            W.STATS_COLUMNS_MISMATCH, f"{where}: {len(vals)} value cells for {len(L.APPLICATION_COLUMNS)} columns; "
            "cannot tell which column is which, left null"))


def _review_row(row: Row, st: _State) -> None:
    key = ("review", row.table)
    if st.review is not None:
        return
    labels, values = _labels_and_values(row, None)
    n = len(L.REVIEW_GROUPS) * len(L.REVIEW_MEASURES)
    numbers = sum(1 for c in values if c.text and not is_label(c.text))
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
            st.warnings.append(W.warning(
                W.STATS_COLUMNS_MISMATCH, f"review_litigation: {len(vals)} value cells for {n} columns; left null"))
            got = {}
        else:
            pairs = [(g, m) for g in L.REVIEW_GROUPS for m in L.REVIEW_MEASURES]
            got = {p: v.text for p, v in zip(pairs, vals, strict=True)}
    st.review = {g: {m: got.get((g, m)) for m in L.REVIEW_MEASURES} for g in L.REVIEW_GROUPS}


def _proactive_row(row: Row, st: _State) -> None:
    cells = []
    for c in row.cells:
        m = _ARTICLE.search(norm_label(c.text)) if len(c.text) <= _MAX_LABEL else None
        if m:
            if not c.inherited:
                st.article = m.group(0)
                st.pro_header = []
            continue
        cells.append(c)
    cells = [c for c in cells if not c.inherited or is_label(c.text)]
    if not cells:
        return
    first = next((c for c in cells if c.text), None)
    if first is not None and _PRO_HEADER.match(norm_label(first.text)):
        i = cells.index(first)
        st.pro_header = [Cell(proactive_text(c.text, True), c.start, c.end, c.inherited) for c in cells[i + 1:] if c.text]
        return
    labels, values = _labels_and_values(Row(cells, row.table, row.grid), None)
    if not labels or not any(c.text for c in values) or not st.pro_header:
        return
    item = proactive_text(labels[-1].text, False)
    where = f"proactive.{st.article}.{item}"
    out: dict[str, str | None] = {}
    if row.grid and all(h.start is not None for h in st.pro_header):
        for v in values:
            h = next((h for h in st.pro_header if (h.start or 0) <= (v.start or 0) < (h.end or 0)), None)
            if h is None:
                continue
            if out.get(h.text) and v.text and out[h.text] != v.text:
                st.warnings.append(W.warning(W.STATS_CELL_AMBIGUOUS, f"{where}: two values under {h.text!r}; the first is kept"))
                continue
            if not out.get(h.text):
                out[h.text] = v.text
    else:
        vals = _fit(values, len(st.pro_header))
        if len(vals) == len(st.pro_header):
            out = {h.text: v.text for h, v in zip(st.pro_header, vals, strict=True)}
        else:
            st.warnings.append(W.warning(
                W.STATS_COLUMNS_MISMATCH, f"{where}: {len(vals)} values for {len(st.pro_header)} columns; left null"))
            out = dict.fromkeys(h.text for h in st.pro_header)
    st.proactive.append({"article": st.article, "item": item, "values": out})


# ---------------------------------------------------------------- which template


def _template(st: _State) -> str:
    if any(p[0] == "other" and len(p) == 2 for p in st.apps):
        return "2021"
    if ("other",) in st.apps:
        return "2019"
    if any(_matches(L.TEMPLATE_2021_MARKERS, t) for t in st.labels_seen):
        return "2021"
    if not any(_matches(L.TEMPLATE_2019_MARKERS, t) for t in st.labels_seen):
        st.warnings.append(W.warning(W.STATS_TEMPLATE_ASSUMED, "template variant not identified from the tables; assuming 2019"))
    return "2019"


# ---------------------------------------------------------------- entry point


def _has_tables(st: _State) -> bool:
    return bool(st.apps or st.review is not None or st.proactive)


def has_template_headings(text: str) -> bool:
    """The text names the template's tables (so a null would hide tables we failed to read)."""
    flat = "".join((text or "").split())
    return any(h.search(flat) for h in _HEADINGS)


def _walk_safely(rows_of, source: str, st: _State) -> _State:
    try:
        _walk(rows_of(), st)
        return st
    except Exception as exc:  # a malformed input must not cost the report its record
        return _State(warnings=[*st.warnings, W.warning(
            W.STATS_TABLES_UNREADABLE, f"statistics: {source} tables unreadable ({exc!r}); using text")])


def parse_statistics(tree: etree._Element | None, text: str,
                     tables: list[TableSpec] | None = None) -> tuple[dict | None, list[str]]:
    """Statistics of a report's template tables, or None when it has none; plus warnings.

    Reads `tables` (grids from an attachment: PDF geometry, DOCX, DOC) when given, else the HTML
    tables of `tree`, else the flattened `text`; for a prose report (before 2019) reads the number of
    applications received from a sentence, with that sentence as evidence. A text that names the
    template's tables but yields none gets the warning L.TABLES_NOT_READ_WARNING. Never raises on odd
    input, never mutates `tree`.
    """
    st = _State()
    if tables:
        st = _walk_safely(lambda: spec_rows(tables), "attachment", st)
    if not _has_tables(st) and tree is not None:
        st = _walk_safely(lambda: html_rows(tree), "HTML", _State(warnings=st.warnings))
    if not _has_tables(st) and text:
        st = _walk_safely(lambda: text_rows(text), "text", _State(warnings=st.warnings))
    if _has_tables(st):
        return build(_template(st), st.apps, st.review, st.proactive, st.warnings), st.warnings
    prose = prose_statistics(text or "")
    if prose is None and has_template_headings(text):
        st.warnings.append(W.warning(W.STATS_TABLES_NOT_READ, L.TABLES_NOT_READ_WARNING))
    return prose, st.warnings
