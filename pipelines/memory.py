"""Resident memory of a process family (a process and all its live descendants), read from /proc.

Why: the crawl's memory bound (issue 9: the crawl process, its extraction workers, the Playwright
driver, chromium and LibreOffice together) is a bound on the sum of their resident sets, as `ps`
shows them. Components that start a large process (chromium, soffice) look at the family first.
Off Linux (no /proc) the family reads as empty: 0 bytes, and nothing waits.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from pipelines import memory_reservations as reservations

logger = logging.getLogger(__name__)

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
    """`root` and every live descendant, with resident bytes and command line. A child that reads
    exactly as its parent (same command line, same memory to the page) is its parent's address
    space still — vfork'd for a subprocess, before its exec — and is not counted a second time."""
    children = _children()
    out, stack = [], [(root, None)]
    while stack:
        pid, parent = stack.pop()
        try:
            statm = Path(f"/proc/{pid}/statm").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            rss = int(statm.split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
        stack.extend((child, (statm, cmd)) for child in children.get(pid, []))
        if parent != (statm, cmd):
            out.append(Member(pid, rss, cmd))
    return out


def family_rss(root: int) -> int:
    """Resident bytes of `root` and its descendants, summed per process."""
    return sum(m.rss for m in family(root))


# --- room for a large child or a large read: LibreOffice or a PDF while the crawl's browser is up ------
# Set by the crawl process for its children (crawler/item_pipelines/extraction.py from the start when the
# browser is enabled, crawler/browser_handler.py at the first render): whose family to measure, and the
# crawl's bound (bytes). Unset (replay, tools, tests): nobody waits.
FAMILY_ROOT_ENV = "GONGKAI_FAMILY_ROOT"
FAMILY_BUDGET_ENV = "GONGKAI_FAMILY_RSS_BUDGET"
# The RSS (bytes) the crawl's chromium may reach before it is replaced (GONGKAI_BROWSER_MAX_RSS_MB).
FAMILY_BROWSER_RSS_ENV = "GONGKAI_FAMILY_BROWSER_RSS"
# Bytes kept free when a child is let in (GONGKAI_FAMILY_RSS_MARGIN_MB): what is up grows beside it.
FAMILY_MARGIN_ENV = "GONGKAI_FAMILY_RSS_MARGIN"
# How many extraction workers the crawl's pool may run (set by crawler/item_pipelines/extraction.py).
FAMILY_WORKERS_ENV = "GONGKAI_FAMILY_WORKERS"
FAMILY_ENV = (FAMILY_ROOT_ENV, FAMILY_BUDGET_ENV, FAMILY_BROWSER_RSS_ENV, FAMILY_MARGIN_ENV, FAMILY_WORKERS_ENV)
# What an extraction worker runs (crawler/extract_pool.py's default target): it names the worker in
# its command line.
EXTRACTION_TARGET = "pipelines.report:build_report"
# An extraction worker at work on HTML pages: 49-57 MB (41 after start-up). The pool starts one for the
# next page (after an idle exit, after a recycle) without asking for room, so each counts at this
# size at least: the family reached 601 MB with a worker at 71 MB beside the sandbox, chromium, the
# driver and the crawl (benchmarks.discovery, seeds 1000-1039).
WORKER_RSS = 57 * 2 ** 20


def export_family_bound(budget: int, browser_rss: int = 0, margin: int = 0) -> None:
    """Tell the children this process starts from now on to measure its family against `budget` bytes,
    counting its chromium at `browser_rss` bytes at least (0: as it is), and to start only with `margin`
    bytes to spare."""
    os.environ[FAMILY_ROOT_ENV] = str(os.getpid())
    os.environ[FAMILY_BUDGET_ENV] = str(budget)
    os.environ[FAMILY_BROWSER_RSS_ENV] = str(browser_rss)
    os.environ[FAMILY_MARGIN_ENV] = str(margin)


def export_family_bound_of(settings: Any) -> int:
    """export_family_bound with the crawl's settings (GONGKAI_FAMILY_RSS_BUDGET_MB, _MARGIN_MB,
    GONGKAI_BROWSER_MAX_RSS_MB), when the bound is on; returns the budget in bytes (0: off)."""
    budget = settings.getint("GONGKAI_FAMILY_RSS_BUDGET_MB") * 2 ** 20
    if budget:
        export_family_bound(budget, settings.getint("GONGKAI_BROWSER_MAX_RSS_MB") * 2 ** 20,
                            settings.getint("GONGKAI_FAMILY_RSS_MARGIN_MB") * 2 ** 20)
    return budget


class BrowserLock:
    """An flock on a file of the family: the crawl's browser holds it exclusively from before its driver
    starts until it is down (crawler/browser_handler.py); a child holds it shared while it runs what
    must not run beside a browser it found down. Without it, "down" is a look at the family, and a
    render past its wait could launch between a conversion's look and its start: LibreOffice then
    converted beside a chromium coming up (benchmarks/browser.py: 0.8 s, family 700 MB). The kernel
    drops the lock with its holder, killed or not."""

    def __init__(self, root: int) -> None:
        self.path = os.path.join(tempfile.gettempdir(), f"gongkai-browser-up-{root}")
        self._fd: int | None = None

    def acquire(self, *, shared: bool) -> bool:
        """Take the lock without waiting; whether this holder has it now."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# What a LibreOffice conversion of a report adds (soffice.bin peaked at 213 MB resident in
# benchmarks/browser.py on generated seeds 1000-1039, before DOCs without tables skipped it).
LIBREOFFICE_RSS = 220 * 2 ** 20
# What reading a PDF adds to an extraction worker: pdfminer (+11 MB) and PyMuPDF's table finder
# (+36 MB on import), then the document (+15 MB): 42 -> 101-106 MB on the three real reports of
# shared/corpus/real-reports; once they are imported, only the document's share is new.
PDF_READER_RSS = 70 * 2 ** 20
PDF_DOCUMENT_RSS = 20 * 2 ** 20
# The script sandbox's process once it runs scripts (crawler/sandbox.py asks before it starts one): ~30 MB
# interpreter and page code, then V8 (mini-racer's library ~29 MB resident, an isolate and its heap
# ~19 MB): its own peak was 77 MB in benchmarks/browser.py on seeds 1000-1039.
SANDBOX_RSS = 80 * 2 ** 20
# Its room stays reserved this long after its look (its process starts after it): it was at 74 MB
# within 0.8 s of its look (benchmarks/browser.py, seeds 1000-1039).
SANDBOX_START_SECONDS = 3.0
_POLL_SECONDS = 0.25


def wanted_marker(root: int) -> str:
    """The file that says "a member of `root`'s family is waiting for memory, or using what it
    waited for": the crawl's browser closes when idle and does not start again while it exists."""
    return os.path.join(tempfile.gettempdir(), f"gongkai-memory-wanted-{root}")


def memory_wanted(marker: str) -> bool:
    """Whether a member of the family holds the wanted-marker `marker`. A holder that is gone (an
    extraction worker killed at its timeout mid-conversion never reaches its `finally`) is stale: it
    is taken off, and nobody waits for it."""
    try:
        text = Path(marker).read_text()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    holders = reservations.parse_holders(text)
    if not holders:
        return True  # written by hand or by an older gongkai: somebody wants the memory
    live = [pid for pid, _why in holders if reservations.running(pid)]
    if len(live) < len(holders):
        with reservations.flocked(marker):
            reservations.write_holders(marker, [h for h in reservations.holders(marker) if reservations.running(h[0])])
    return bool(live)


def _hold(marker: str, why: str = "a child of the crawl") -> None:
    """This process holds the marker once more (a process may hold it twice: threads of the crawl),
    for `why`, which the browser names in its log when it closes for it."""
    with reservations.flocked(marker):
        reservations.write_holders(marker, [*reservations.holders(marker), (os.getpid(), " ".join(why.split()))])


def _release(marker: str) -> None:
    """One hold of this process ends; the others' stay."""
    with contextlib.suppress(OSError), reservations.flocked(marker):
        holders = reservations.holders(marker)
        mine = next((h for h in holders if h[0] == os.getpid()), None)
        if mine is not None:
            holders.remove(mine)
            reservations.write_holders(marker, holders)


def wanted_for(marker: str) -> list[str]:
    """What the marker's holders hold it for, each once ("a PDF read", "the script sandbox's start")."""
    return list(dict.fromkeys(why or "a child of the crawl" for _pid, why in reservations.holders(marker)))


def forget_family(root: int) -> None:
    """The crawl is over: its marker, its reservations and their lock files with it."""
    marker = wanted_marker(root)
    for path in (marker, marker + ".lock"):
        with contextlib.suppress(OSError):
            os.unlink(path)
    reservations.remove(root)


def browser_kind(cmdline: str) -> str | None:
    """"chromium" or "playwright driver (node)" for the crawl's browser processes, else None: the
    members of the family that close while the wanted-marker is held."""
    if "chromium" in cmdline or cmdline.startswith("/proc/self/exe --type="):  # chromium's children
        return "chromium"
    if "playwright/driver" in cmdline:
        return "playwright driver (node)"
    return None


def _workers_to_come(members: list[Member]) -> int:
    """What the extraction workers will add on their own: their floor (WORKER_RSS each) less what
    they hold now."""
    floor = _env_bytes(FAMILY_WORKERS_ENV) * WORKER_RSS
    return max(0, floor - sum(m.rss for m in members if EXTRACTION_TARGET in m.cmdline))


def _room(root: int, need: int, budget: int, lock: BrowserLock | None = None) -> bool:
    """`need` bytes fit under the budget — or the browser is down (and, with `lock`, cannot start
    while the lock is held): what is left (the crawl and its workers) cannot give memory back, and
    waiting on would only leave the browser time to come back. A driver up without chromium is a
    browser launching (or closing): chromium's ~170 MB are not resident yet, so the sum says nothing;
    measured, a conversion let in on that sum ran beside the chromium that came up a second later
    (benchmarks/browser.py's peak: 736 MB). Chromium counts at its replacement bound at least: it
    grows while it renders, and renders go on beside what was let in (the family was over its bound
    only while all of crawler, chromium, driver, a worker and the sandbox were up). And the margin is
    kept free: the crawl and chromium grow beside the child too (chromium 206 MB at a bound of 200;
    the family at 599 MB with the sandbox let in on 80 MB of room: benchmarks.discovery)."""
    members = family(root)
    kinds = {browser_kind(m.cmdline) for m in members} - {None}
    if not kinds:
        return lock is None or lock.acquire(shared=True)
    if "chromium" not in kinds:
        return False
    chromium = sum(m.rss for m in members if browser_kind(m.cmdline) == "chromium")
    others = sum(m.rss for m in members) - chromium + _workers_to_come(members)
    return others + max(chromium, _env_bytes(FAMILY_BROWSER_RSS_ENV)) + need + _env_bytes(FAMILY_MARGIN_ENV) <= budget


# What the crawl's browser adds when it launches, beside chromium at its replacement bound: the
# Playwright driver (node), 101-105 MB resident (benchmarks/browser.py, seeds 1000-1039).
DRIVER_RSS = 105 * 2 ** 20


def admit_browser(lock: BrowserLock) -> bool:
    """The crawl's browser, about to launch: take its `lock` (exclusive) if the driver and chromium
    at its replacement bound fit beside the family and what its children reserved — children let in
    while the browser was down are still up after their block (a worker grown by a PDF until it is
    replaced, the sandbox until it idles out), and a browser launched beside both took the family to
    603 MB (benchmarks.discovery, seeds 1000-1039). The margin is kept as for a child: the crawl and
    chromium grow beside what is up (with the five kinds up together the family was at 582 MB, chromium
    at 187 of its 200 and the crawl at 157 of its 186). Looked at under the children's admission lock, so none is
    let in between the look and the lock."""
    bound = _family_bound()
    if bound is None:
        return lock.acquire(shared=False)
    root, budget = bound
    with reservations.admission(root):
        members = family(root)
        held = sum(m.rss for m in members) + _workers_to_come(members) + reservations.reserved(root)
        return (held + _browser_need() <= budget or _never_fits(root, budget)) and lock.acquire(shared=False)


def _family_bound() -> tuple[int, int] | None:
    """(the crawl's pid, its family's budget in bytes) as the crawl exported them; None: no bound."""
    try:
        return int(os.environ[FAMILY_ROOT_ENV]), int(os.environ[FAMILY_BUDGET_ENV])
    except (KeyError, ValueError):
        return None


def _env_bytes(name: str) -> int:
    return int(os.environ.get(name) or 0)


def _browser_need() -> int:
    return DRIVER_RSS + _env_bytes(FAMILY_BROWSER_RSS_ENV) + _env_bytes(FAMILY_MARGIN_ENV)


def browser_never_fits() -> bool:
    """The crawl process and its workers' floor alone leave the browser no room under the bound: the
    crawl grows with its frontier (~230 MB at 1,000 portals against ~210 at 20), and then a launch
    waiting for room waits for what no child can give back — each waited its whole 60 s, one render a
    minute. The browser then starts as soon as no child runs with it down (its lock is free)."""
    bound = _family_bound()
    return bound is not None and _never_fits(*bound)


def _never_fits(root: int, budget: int) -> bool:
    steady = reservations.resident_bytes(root) + _env_bytes(FAMILY_WORKERS_ENV) * WORKER_RSS
    return steady + _browser_need() > budget


def _admit(root: int, need: int, budget: int, lock: BrowserLock) -> str | None:
    """Look and reserve in one step (pipelines/memory_reservations.py): a reservation's token when
    `need` fits beside what is resident and what others reserved (or the browser is down), else None."""
    with reservations.admission(root):
        if _room(root, need + reservations.reserved(root), budget, lock):
            return reservations.reserve(root, need)
    return None


@contextlib.contextmanager
def room_for(need: int, wait: float, *, hold: bool = True, linger: float = 0.0,
             why: str = "a child of the crawl") -> Iterator[bool]:
    """Wait up to `wait` seconds for the family to have `need` bytes of room under its budget or for
    the browser to be down, holding the family's wanted-marker meanwhile (the browser closes once its
    render is done, and starts none); then run the block. Yields whether there was room (the block
    runs either way: a report's text is worth more than the bound).
    The room is reserved while the block runs and `linger` seconds after (for memory that becomes
    resident after the block: a process started once it is done), so nobody else is let in on it.
    `hold`: keep the marker while the block runs too, so no browser starts beside it — for a
    LibreOffice conversion (~210 MB for seconds). Without it (a PDF read: ~70 MB for under a second,
    many per crawl) there is no marker at all when there is room; a browser the read waited for
    starts again once the block is done (BrowserLock: a browser found down stays down while it runs)."""
    bound = _family_bound()
    if bound is None:
        yield True
        return
    root, budget = bound
    marker = wanted_marker(root)
    lock = BrowserLock(root)  # held (shared) only when the browser was down: it stays down meanwhile
    token = None
    try:
        token = _admit(root, need, budget, lock)
        if token is not None and not hold:
            yield True
            return
        _hold(marker, why)
        try:
            deadline = time.monotonic() + wait
            while token is None and time.monotonic() < deadline:
                time.sleep(_POLL_SECONDS)
                token = _admit(root, need, budget, lock)
            room = token is not None
            if not room:
                logger.warning("Memory: no room for %.0f MB under the family bound of %.0f MB after %.0f s; "
                               "going ahead beside the browser", need / 2 ** 20, budget / 2 ** 20, wait)
                with reservations.admission(root):
                    token = reservations.reserve(root, need)  # going ahead: nobody else on its room
            if not hold:
                _release(marker)
            yield room
        finally:
            _release(marker)
    finally:
        if token is not None:
            reservations.settle(root, token, linger)
        lock.release()


# Set by the crawl's extraction pipeline for its workers: the RSS (bytes) past which a worker is replaced
# once its page is done (GONGKAI_EXTRACT_RECYCLE_RSS_MB).
WORKER_RECYCLE_RSS_ENV = "GONGKAI_WORKER_RECYCLE_RSS"


def hold_while_alive() -> bool:
    """After a large read: keep the family's marker for as long as this process lives, when it will
    not outlive its page — an extraction worker grown past its recycle bound is replaced as soon as
    the page is done, and its marker, its holder gone, is stale and removed by the next look. Until
    then no render starts: a browser relaunched beside a worker still holding a PDF reader's ~70 MB
    was the family's peak once the read itself had waited for room (benchmarks/browser.py: 646 MB).
    Returns whether it holds; a process that will live on holds nothing. The marker also closes a
    browser that is up (one marker, one meaning): a read that had room beside it still costs the
    browser a relaunch — part of the 19-32 relaunches per crawl on seeds 1000-1039."""
    try:
        root, limit = int(os.environ[FAMILY_ROOT_ENV]), int(os.environ[WORKER_RECYCLE_RSS_ENV])
    except (KeyError, ValueError):
        return False
    rss = reservations.resident_bytes(os.getpid())
    if not limit or rss <= limit:
        return False
    _hold(wanted_marker(root), "a worker grown by a large read, until it is replaced")
    return True
