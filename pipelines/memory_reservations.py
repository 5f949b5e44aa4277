"""Room under the family's memory bound that was let in but is not resident yet.

Why: a child let in on a look at the family (pipelines/memory.py room_for) is not resident the moment
it is let in — the script sandbox's process starts after its look, a PDF reader imports for a second.
A second child that looked meanwhile saw the first one's room as free: the sandbox let in on 499 MB,
a worker's PDF read 160 ms later on 513 MB, and the family reached 640 MB (benchmarks/browser.py,
seeds 1000-1039). So each admission is a reservation the next look counts, and looking and
reserving are one step under an flock shared by the family's processes.

A reservation lasts while its holder's block runs, and `linger` seconds after it for memory that
becomes resident later (a process that starts after the block); a holder that is gone holds nothing.
What the holder has grown since it reserved is resident, counted by the look, and no longer reserved
(a PDF read grows its own worker). The file lists one reservation per line: token, pid, bytes, expiry
(0: while the block runs), the holder's RSS when it reserved.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _path(root: int) -> str:
    return os.path.join(tempfile.gettempdir(), f"gongkai-memory-reserved-{root}")


def running(pid: int) -> bool:
    """Whether `pid` is alive (not exited, not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2:].split()[0] not in ("Z", "X")  # exited, not yet reaped


@contextlib.contextmanager
def flocked(path: str) -> Iterator[None]:
    """An exclusive flock on the file `path` + ".lock", shared by the family's processes (and threads:
    each call opens the file anew). The kernel drops it with its holder, killed or not."""
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # drops the flock


def replace_lines(path: str, lines: list[str]) -> None:
    """`path` holds `lines` (removed when there are none), rewritten whole by rename: a reader never
    sees half of it. Call under flocked(path)."""
    if not lines:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    part = f"{path}.{os.getpid()}.part"
    Path(part).write_text("".join(line + "\n" for line in lines))
    os.replace(part, path)


def admission(root: int) -> contextlib.AbstractContextManager[None]:
    """One look-and-reserve at a time in the family of `root`."""
    return flocked(_path(root))


Entry = tuple[str, int, int, float, int]  # token, pid, bytes, expiry, holder's RSS then


def resident_bytes(pid: int) -> int:
    """`pid`'s resident set now, in bytes (0 when gone or off Linux)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _entries(root: int) -> list[Entry]:
    """The reservations still in force: held, or lingering, by a live holder."""
    try:
        lines = Path(_path(root)).read_text().splitlines()
    except OSError:
        return []
    now, out = time.time(), []
    for line in lines:
        try:
            token, pid, size, until, rss = line.split()
            entry = (token, int(pid), int(size), float(until), int(rss))
        except ValueError:
            continue
        if (entry[3] == 0 or entry[3] > now) and running(entry[1]):
            out.append(entry)
    return out


def _write(root: int, entries: list[Entry]) -> None:
    replace_lines(_path(root), [" ".join(map(str, entry)) for entry in entries])


def reserved(root: int) -> int:
    """Bytes reserved in the family of `root` and not yet resident. Call under admission()."""
    return sum(max(0, size - max(0, resident_bytes(pid) - rss)) for _t, pid, size, _u, rss in _entries(root))


def reserve(root: int, size: int) -> str:
    """Reserve `size` bytes for this process until settle(); returns the reservation's token. Call
    under admission()."""
    token = uuid.uuid4().hex
    _write(root, [*_entries(root), (token, os.getpid(), size, 0.0, resident_bytes(os.getpid()))])
    return token


def settle(root: int, token: str, linger: float = 0.0) -> None:
    """The block of reservation `token` is over: it lasts `linger` seconds more (0: ends now)."""
    with contextlib.suppress(OSError), admission(root):
        entries = [e for e in _entries(root) if e[0] != token or linger > 0]
        _write(root, [(t, p, s, time.time() + linger if t == token else u, r) for t, p, s, u, r in entries])


def remove(root: int) -> None:
    """The crawl is over: its reservations and their lock file with it."""
    for path in (_path(root), _path(root) + ".lock"):
        with contextlib.suppress(OSError):
            os.unlink(path)


# The family's wanted-marker (pipelines/memory.py) lists its holders, a line each (its pid, what for),
# for as long as each holds it: a PDF read waiting for room, the script sandbox starting, a grown
# worker living out its page can overlap, and one holder's release must not end another's hold (a
# single pid in the file, overwritten by the second holder and removed by its release, let a browser
# start beside a worker still holding a PDF reader: seeds 1000-1039, 622 MB). Changed under an flock
# on a file beside it, rewritten whole by rename.
def parse_holders(text: str) -> list[tuple[int, str]]:
    """(pid, what it holds the marker for) per line: `12345 a PDF read`."""
    found = []
    for line in text.splitlines():
        pid, _, why = line.strip().partition(" ")
        if pid.isdigit():
            found.append((int(pid), why))
    return found


def holders(marker: str) -> list[tuple[int, str]]:
    try:
        return parse_holders(Path(marker).read_text())
    except OSError:
        return []


def write_holders(marker: str, entries: list[tuple[int, str]]) -> None:
    replace_lines(marker, [f"{pid} {why}".rstrip() for pid, why in entries])
