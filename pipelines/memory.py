"""Resident memory of a process family (a process and all its live descendants), read from /proc.

Why: the crawl's memory bound (issue 9: the crawl process, its extraction workers, the Playwright
driver, chromium and LibreOffice together) is a bound on the sum of their resident sets, as `ps`
shows them. Components that start a large process (chromium, soffice) look at the family first.
Off Linux (no /proc) the family reads as empty: 0 bytes, and nothing waits.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Member(NamedTuple):
    pid: int
    rss: int  # bytes
    cmdline: str


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # exited while we looked
            children[int(raw[raw.rindex(")") + 2:].split()[1])].append(int(entry))
    return children


def family(root: int) -> list[Member]:
    """`root` and every live descendant, with resident bytes and command line."""
    children = _children()
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, IndexError, ValueError):
            continue
        out.append(Member(pid, rss, cmd))
    return out


def family_rss(root: int) -> int:
    """Resident bytes of `root` and its descendants, summed per process."""
    return sum(m.rss for m in family(root))
