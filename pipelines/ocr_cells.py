"""Numbers of scanned tables read again cell by cell, and checked against the template's arithmetic.

pipelines/ocr.py reads every table cell with chi_sim over one montage: right for the labels and for
most numbers, but a lone digit can come back doubled (`4` as `44`) or as a look-alike glyph. So each
cell that chi_sim read as a number (or as nothing) is read again by itself, as one text line with a
digit whitelist (rules.OCR_DIGIT_COMMAND): all of a document's number cells in one tesseract run, each
cell a page of its own (a list file), so the model loads once. The digit reading is used where it is
a number; chi_sim's stays as an alternative.

Then the template's identities (pipelines/stats_build.py checks) are evaluated on the scanned tables as
read. While some fail, the number cells are read again in other ways (rules.OCR_CELL_RETRIES: another
page segmentation mode, an upscaled image, another model) and a cell's differing reading is kept when
it makes fewer checks fail. Every value is one tesseract gave for that cell: the arithmetic only
chooses between readings, it never computes a number.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field

from pipelines import pdf_tables
from pipelines.rules import attachments as rules
from pipelines.statistics import parse_statistics

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


@dataclass
class NumberCell:
    cell: list  # the table's grid entry [text, colspan, rowspan]: its text is what the statistics read
    image: object  # the cell's inside (rules cut off), grey numpy array at rules.OCR_DPI
    readings: list[str] = field(default_factory=list)  # distinct readings, in the order they were made


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.replace(",", "")))


def _command(list_path: str, lang: str | None, psm: int | None) -> list[str]:
    cmd = [part.format(list=list_path) for part in rules.OCR_DIGIT_COMMAND]
    if lang:
        cmd[cmd.index("-l") + 1] = lang
    if psm:
        cmd[cmd.index("--psm") + 1] = str(psm)
    return cmd


def read_cells(images: list, warnings: list[str], lang: str | None = None, psm: int | None = None,
               upscale: int = 1) -> list[str]:
    """Each image's text, every image read by itself, in one tesseract run ("" where it failed):
    rules.OCR_DIGIT_COMMAND, or that command with another model, page segmentation mode or scale."""
    import numpy as np
    import pymupdf

    if not images:
        return []
    pad = rules.OCR_CELL_PAD_PX
    inked = [i for i, image in enumerate(images) if _ink_box(image) is not None]
    texts = [""] * len(images)
    if not inked:
        return texts
    with tempfile.TemporaryDirectory(prefix="gongkai-cells-") as tmp:
        names = []
        for i in inked:
            y0, y1, x0, x1 = _ink_box(images[i])  # type: ignore[misc]
            # Wide blank space beside a number makes tesseract add digits (11 as 114); none at all
            # loses a lone 0: keep one ink height of white on each side.
            margin = y1 - y0
            image = images[i][max(y0 - margin, 0):y1 + margin, max(x0 - margin, 0):x1 + margin]
            big = np.repeat(np.repeat(image, upscale, axis=0), upscale, axis=1) if upscale > 1 else image
            framed = np.full((big.shape[0] + 2 * pad, big.shape[1] + 2 * pad), 255, dtype=np.uint8)
            framed[pad:pad + big.shape[0], pad:pad + big.shape[1]] = big
            name = os.path.join(tmp, f"c{i:05d}.png")
            pymupdf.Pixmap(pymupdf.csGRAY, framed.shape[1], framed.shape[0], np.ascontiguousarray(framed).tobytes(),
                           False).save(name)
            names.append(name)
        list_path = os.path.join(tmp, "cells.txt")
        with open(list_path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(names) + "\n")
        try:
            done = subprocess.run(_command(list_path, lang, psm), capture_output=True, check=False,
                                  timeout=rules.OCR_PAGE_TIMEOUT, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            warnings.append(f"ocr: table cells not read again ({lang or 'digits'}, psm {psm or 7}): {exc!r}"[:200])
            return texts
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) >= 12 and parts[0] == "5" and parts[11].strip() and parts[1].isdigit():
            page = int(parts[1]) - 1  # level 5 = word; page_num counts the list's images from 1
            if 0 <= page < len(inked):
                texts[inked[page]] += parts[11].strip()
    return texts


def _ink_box(image) -> tuple[int, int, int, int] | None:
    """Rows and columns (y0, y1, x0, x1) holding ink, or None for a blank cell."""
    import numpy as np

    dark = image < rules.OCR_DARK_LEVEL
    rows, cols = np.nonzero(dark.any(axis=1))[0], np.nonzero(dark.any(axis=0))[0]
    if not len(rows):
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _failed_checks(tables: list, heights: dict[int, float]) -> int:
    trial = copy.deepcopy(tables)
    pdf_tables.mark_continuations(trial, heights)
    stats, _ = parse_statistics(None, "", pdf_tables.merged_specs(trial))
    return sum(1 for check in (stats or {}).get("checks", []) if not check["ok"])


def _choose(cells: list[NumberCell], tables: list, heights: dict[int, float], failed: int,
            budget: list[int]) -> int:
    """One pass over the cells: a differing reading is kept where fewer checks then fail."""
    for c in cells:
        if not failed or budget[0] <= 0:
            break
        current = c.cell[0]
        for alt in c.readings:
            if alt == current or budget[0] <= 0:
                continue
            budget[0] -= 1
            c.cell[0] = alt
            now = _failed_checks(tables, heights)
            if now < failed:
                failed, current = now, alt
            else:
                c.cell[0] = current
    return failed


def _vote(disputed: list[NumberCell], warnings: list[str]) -> None:
    """Where chi_sim and the digit reading disagree, read the cell in more ways (rules.OCR_CELL_VOTES)
    and use the number most readings give (the digit reading on a tie)."""
    if not disputed:
        return
    votes = [Counter({c.readings[0]: 1.5, c.readings[1]: 1}) for c in disputed]  # the .5 breaks ties
    for lang, psm, upscale in rules.OCR_CELL_VOTES:
        for c, count, text in zip(disputed, votes, read_cells([c.image for c in disputed], warnings, lang, psm,
                                                              upscale), strict=True):
            if is_number(text):
                count[text] += 1
                if text not in c.readings:
                    c.readings.append(text)
    for c, count in zip(disputed, votes, strict=True):
        best = count.most_common(1)[0][0]
        c.readings.remove(best)
        c.readings.insert(0, best)
        c.cell[0] = best


def settle(cells: list[NumberCell], tables: list, heights: dict[int, float], warnings: list[str]) -> None:
    """Read the number cells again, one by one, and set each cell's text (see the module's docstring)."""
    if not cells:
        return
    first = [c.cell[0] for c in cells]
    digits = read_cells([c.image for c in cells], warnings)
    for c, text in zip(cells, digits, strict=True):
        c.readings = [c.cell[0]]
        if is_number(text) and text not in c.readings:
            if c.cell[0]:  # chi_sim saw a number: the digit reading leads; an empty cell stays empty
                c.readings.insert(0, text)
            else:
                c.readings.append(text)
        c.cell[0] = c.readings[0]
    _vote([c for c in cells if len(c.readings) > 1 and c.readings[0] and c.readings[1]], warnings)
    failed = _failed_checks(tables, heights)
    budget = [rules.OCR_CELL_MAX_TRIALS]
    failed = _choose(cells, tables, heights, failed, budget)
    for lang, psm, upscale in rules.OCR_CELL_RETRIES:
        if not failed or budget[0] <= 0:
            break
        for c, text in zip(cells, read_cells([c.image for c in cells], warnings, lang, psm, upscale), strict=True):
            if is_number(text) and text not in c.readings:
                c.readings.append(text)
        failed = _choose(cells, tables, heights, failed, budget)
    changed = sum(1 for c, was in zip(cells, first, strict=True) if c.cell[0] != was)
    if changed:
        warnings.append(f"ocr: {changed} number cells read again one by one; the template's arithmetic "
                        f"{'holds' if not failed else f'still fails {failed} checks'}")
