"""Word documents: DOCX with python-docx; DOC and WPS with antiword/catdoc for text and LibreOffice
(headless, converted to DOCX) for tables with their merged cells.

Text: one paragraph per line; a table row is `a | b | c`. Tables: pipelines/tables.py's neutral spec,
gridSpan as colspan and a vMerge run as rowspan, so the statistics walk reads them as HTML grids.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator

from pipelines import memory, word97
from pipelines.rules import attachments as rules
from pipelines.tables import TableSpec
from pipelines.text_clean import clean_text


def _visible_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


# DOCX --------------------------------------------------------------------------------------------


def _docx_text(path: str) -> dict:
    import docx

    document = docx.Document(path)
    lines: list[str] = []
    # Body paragraphs and tables in document order, including those wrapped in content controls.
    for element in document.element.body.xpath(
            "./w:p | ./w:tbl | ./w:sdt/w:sdtContent/w:p | ./w:sdt/w:sdtContent/w:tbl"):
        if element.tag.endswith("}tbl"):
            lines.extend(_table_rows(element))
        else:
            lines.append(_paragraph_text(element))
    tables = [docx_table_spec(t) for t in document.element.body.xpath(".//w:tbl[not(.//w:tbl)]")]
    return {"text": clean_text("\n".join(lines)), "needs_ocr": False, "warnings": [], "tables": tables}


def _paragraph_text(p: object) -> str:
    from docx.text.paragraph import Paragraph

    return Paragraph(p, None).text  # type: ignore[arg-type]  # text needs no parent part


def _table_rows(tbl: object) -> list[str]:
    """One line per row, cells joined by " | ". A vertically merged cell's continuation is empty
    (its text is on the first row); a horizontally merged cell appears once."""
    rows: list[str] = []
    for tr in tbl.tr_lst:  # type: ignore[attr-defined]
        cells = []
        for tc in tr.tc_lst:
            cells.append("" if tc.vMerge == "continue" else _cell_text(tc))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _cell_text(tc: object) -> str:
    pieces = []
    for child in tc.iterchildren():  # type: ignore[attr-defined]
        if child.tag.endswith("}p"):
            pieces.append(_paragraph_text(child))
        elif child.tag.endswith("}tbl"):  # nested table: its rows, inline
            pieces.append(" / ".join(_table_rows(child)))
    return " ".join(" ".join(piece.split()) for piece in pieces if piece.strip())


# DOC / WPS ---------------------------------------------------------------------------------------


def _doc_text(path: str, timeout: float) -> dict:
    warnings: list[str] = []
    for name, command in rules.DOC_READERS:
        try:
            done = subprocess.run([*command, path], capture_output=True, timeout=timeout, check=False)
        except FileNotFoundError:
            warnings.append(f"doc: {name} is not installed")
            continue
        except subprocess.TimeoutExpired:
            warnings.append(f"doc: {name} timed out")
            continue
        text = done.stdout.decode("utf-8", "replace")
        if done.returncode == 0 and _visible_chars(text):
            if name == "antiword":
                text = _antiword_tables(text)
            return {"text": clean_text(text), "needs_ocr": False, "warnings": warnings}
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1] or ["no text"]
        warnings.append(f"doc: {name} failed: {message[0][:150]}")
    return {"text": "", "needs_ocr": False, "warnings": warnings}


def _antiword_tables(text: str) -> str:
    """antiword prints table rows as "|a  |b  |"; rewrite them as "a | b" like DOCX tables."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
            cells = [cell.strip() for cell in stripped[1:-1].split("|")]
            line = " | ".join(cells) if any(cells) else ""
        lines.append(line)
    return "\n".join(lines)


def docx_table_spec(tbl: object) -> TableSpec:
    """A w:tbl as rows of (text, colspan, rowspan): gridSpan is the colspan; a cell that restarts a
    vertical merge spans down over the `continue` cells below it in the same grid column."""
    grid: list[list[tuple[int, object]]] = []  # per row: (grid column, tc)
    for tr in tbl.tr_lst:  # type: ignore[attr-defined]
        col = tr.grid_before
        cells = []
        for tc in tr.tc_lst:
            cells.append((col, tc))
            col += tc.grid_span
        grid.append(cells)
    spec: TableSpec = []
    for r, cells in enumerate(grid):
        row = []
        for col, tc in cells:
            if tc.vMerge == "continue":
                continue  # covered by the rowspan of the cell above
            rowspan = 1
            if tc.vMerge == "restart":
                for below in grid[r + 1:]:
                    if not any(c == col and t.vMerge == "continue" for c, t in below):
                        break
                    rowspan += 1
            row.append((_cell_text(tc), tc.grid_span, rowspan))
        spec.append(row)
    return spec


# One lock file per user on this machine: at most one soffice (~200 MB resident) runs at a time,
# whichever extraction worker or converter process of whichever crawl wants it.
_LIBREOFFICE_LOCK = os.path.join(tempfile.gettempdir(), f"gongkai-libreoffice-{os.getuid()}.lock")


@contextlib.contextmanager
def _one_libreoffice(timeout: float) -> Iterator[bool]:
    """Hold the LibreOffice lock (yields True), or yield False after waiting `timeout` seconds."""
    with open(_LIBREOFFICE_LOCK, "a") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.1)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run_group(command: list[str], timeout: float) -> int | None:
    """Run `command` in a session of its own; its exit code, or None when it overran `timeout`.
    The whole group is killed on the way out whatever happened: `soffice` is a launcher whose
    soffice.bin child would outlive a kill of the launcher alone."""
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(timeout=max(timeout, 0.1))
    except subprocess.TimeoutExpired:
        return None
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def doc_tables(path: str, timeout: float) -> tuple[list[TableSpec], str, list[str]]:
    """Tables and text of a .doc/.wps by LibreOffice's layout: convert to DOCX and read that (antiword
    prints a table with merged cells as broken rows or drops it). A Word 97 file whose text holds no
    table mark (pipelines/word97.py) has no table to read: LibreOffice (~200 MB) is not started and
    antiword's text stands."""
    if word97.has_tables(path) is False:
        return [], "", []
    if not shutil.which(rules.LIBREOFFICE_COMMAND[0]):
        return [], "", ["doc: tables not read, LibreOffice (soffice) is not installed"]
    with tempfile.TemporaryDirectory(prefix="gongkai-lo-") as tmp:
        # A profile of its own: a second soffice with the same profile would hand its work to the first.
        profile = f"-env:UserInstallation=file://{tmp}/profile"
        src = os.path.join(tmp, "in" + os.path.splitext(path)[1])
        shutil.copyfile(path, src)
        started = time.monotonic()
        with _one_libreoffice(timeout) as got:
            if not got:
                return [], "", ["doc: another LibreOffice conversion held the lock too long; tables not read"]
            # Under the crawl's family bound: the crawl's browser closes once its render is done and
            # stays closed while this converts (pipelines/memory.py). The wait is all of the time
            # but what a conversion needs: at a third of it (10 s) a render with pager clicks on a
            # loaded box outlasted it, and LibreOffice ran beside chromium (benchmarks/browser.py:
            # 7.4 s of it, family 763 MB). After the wait it converts regardless.
            left = timeout - (time.monotonic() - started)
            with memory.room_for(memory.LIBREOFFICE_RSS, wait=max(0.0, left - rules.LIBREOFFICE_CONVERT_SECONDS),
                             why="a LibreOffice conversion"):
                returncode = _run_group([*rules.LIBREOFFICE_COMMAND, profile, "--outdir", tmp, src],
                                        timeout - (time.monotonic() - started))
        if returncode is None:
            return [], "", ["doc: LibreOffice timed out; tables not read"]
        out = os.path.join(tmp, "in.docx")
        if returncode != 0 or not os.path.exists(out):
            return [], "", ["doc: LibreOffice could not convert the file; tables not read"]
        result = _docx_text(out)
        return result["tables"], result["text"], []
