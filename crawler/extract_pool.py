"""A pool of extraction worker processes, so parsing never holds up fetching.

`build_report` costs several times what fetching a page costs, and all of it is CPU: on the
reactor thread it caps a crawl at one core, and the downloader waits while a page is parsed.
Here each worker is a process that takes one page at a time over a pipe; the crawl process only
pickles the page (body bytes, headers, what the spider attached) and waits on a future.

Why not concurrent.futures.ProcessPoolExecutor: it cannot time out one task (a page that sends a
parser into a loop would hold its worker forever), and one dead worker breaks the whole executor
and fails every task in flight. Here each worker has a slot thread that owns it: the thread sends
a page, waits up to the per-page timeout, and if the worker died or hung it kills that one process,
starts a fresh one and tries the page once more. A page that fails twice is answered with
`WorkerFailure`, which the item pipeline turns into a record with a warning: a report is never lost
to a worker, and a worker is never lost to a page.

Workers are fresh interpreters started with subprocess (not fork: the crawl process runs a reactor
and threads; a fresh interpreter imports the pipelines in ~0.3 s), talking over a socket pair. They
are the crawl process's own children and are joined when the pool closes, so their CPU time counts in the crawl's rusage, as a benchmark
should see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from crawler import malloc
from pipelines import memory_reservations
from pipelines.memory import EXTRACTION_TARGET

logger = logging.getLogger(__name__)

DEFAULT_TARGET = EXTRACTION_TARGET
# Called once in each worker before its first page. Code that would otherwise isolate itself in a
# subprocess (attachment conversion) learns that it already runs in a worker this pool kills and
# replaces on a timeout or a crash, and the worker caps its address space as a converter would be.
# Named, not imported: the crawl process never needs pipelines.attachments (its converters' imports).
DEFAULT_SETUP = "pipelines.attachments:enter_extract_worker"


class WorkerFailure(Exception):
    """A page whose extraction killed or hung its worker twice; `reason` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def wait_for(future: Future) -> Any:
    """A pool task's result, awaited in the crawl without blocking its reactor: on the asyncio
    reactor (Scrapy's default) the future is wrapped; on another, its result is waited for off the
    reactor's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        from twisted.internet.threads import deferToThread  # only off asyncio: the pool needs no Twisted

        return await deferToThread(future.result)
    return await asyncio.wrap_future(future)


def default_workers(most: int | None = None) -> int:
    """One worker per core this process may run on, but one: the reactor (fetching, link finding,
    WARC writing) keeps a core of its own; never more than `most`. Each worker costs ~100 MB
    resident (the pipelines loaded) and converts its pages' attachments in its own process."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores - 1, most or cores))


def _resolve(target: str) -> Callable[[Any], Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)




def _worker_main(conn: Connection, target: str, setup: str = "") -> None:
    """A worker's whole life: receive a page, answer ("ok", result) or ("error", repr), repeat."""
    if setup:
        _resolve(setup)()
    # Ctrl-C is the crawl's to handle: it stops gracefully and still needs its workers for the pages
    # in flight; a worker whose crawl is gone sees its connection close and returns.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fn = _resolve(target)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the crawl process went away
        if task is None:
            return
        try:
            answer = ("ok", fn(task))
        except Exception as exc:  # the pipeline decides what a failed page becomes
            answer = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(answer)
        except Exception as exc:  # an unpicklable result: say so rather than die
            conn.send(("error", f"result could not be sent back: {exc!r}"))
        del task, answer
        malloc.trim()  # a page's trees and buffers were tens of MB


# The worker's first lines, run by `python -c`: the crawl's import path comes over the connection
# (targets like "tests.test_x:fn" must import as they would in the crawl process), then the loop.
_BOOT = ("import sys; from multiprocessing.connection import Connection; conn = Connection(int(sys.argv[1])); "
         "sys.path[:0] = [p for p in conn.recv() if p not in sys.path]; "
         "from crawler.extract_pool import _worker_main; _worker_main(conn, sys.argv[2], sys.argv[3])")


class _Worker:
    """One worker process: a fresh interpreter started with subprocess (not multiprocessing, whose
    spawn method starts a resource-tracker process too, ~13 MB resident for the crawl's whole life,
    that tracks nothing a worker uses), joined to the pool by a socket pair it inherits."""

    def __init__(self, target: str, nice: int = 0, setup: str = DEFAULT_SETUP) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen([sys.executable, "-c", _BOOT, str(theirs.fileno()), target, setup],
                                        pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        if nice:  # before its first page; what it starts (a converter) inherits it
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.process.pid, os.getpriority(os.PRIO_PROCESS, 0) + nice)
        self.conn = Connection(ours.detach())
        self.conn.send(list(sys.path))
        self.pages = 0  # pages this process has extracted: it is retired after the pool's recycle_after

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def rss(self) -> int:
        """Resident bytes now (0 when gone or off Linux)."""
        return memory_reservations.resident_bytes(self.process.pid)

    def is_alive(self) -> bool:
        return self.process.poll() is None

    @property
    def exitcode(self) -> int | None:
        return self.process.poll()

    def join(self, timeout: float) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def kill(self) -> None:
        if self.is_alive():
            self.process.kill()
        self.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.join(2)
        self.kill()


class ExtractPool:
    """`submit(page)` → Future of `target(page)`, run in one of `workers` processes.

    The future's exception is `WorkerFailure` when the page killed or hung its worker on both
    tries, or `RuntimeError` carrying the worker's own exception text when the target raised.
    """

    def __init__(self, workers: int | None = None, *, timeout: float = 120.0, target: str = DEFAULT_TARGET,
                 retries: int = 1, recycle_after: int = 0, recycle_rss: int = 0, idle_seconds: float = 0.0,
                 nice: int = 0, setup: str = DEFAULT_SETUP, before_start: Callable[[], None] | None = None) -> None:
        self.size = workers or default_workers()
        # Workers run this much nicer than the crawl process: when cores are short, the reactor
        # (latency-bound fetching) is served first and extraction takes what is left.
        self.nice = nice
        self.timeout = timeout
        self.retries = retries
        self.target = target
        self.setup = setup  # "module:function" each worker calls once before its first task ("": none)
        # Called in the slot's thread before a worker process starts, and may wait: a process that
        # must find room under the crawl's family memory bound first (crawler/sandbox.py).
        self.before_start = before_start
        # A worker is stopped after this many pages (0: never) and the next page starts a fresh one,
        # so what a long crawl leaves in its heap (parser caches, fragmentation) is given back.
        self.recycle_after = recycle_after
        # A worker whose resident set is past this many bytes after a page (0: never) is stopped too.
        # What makes one grow is what it imported for a page (PDF: pdfminer and PyMuPDF are ~60 MB
        # that no later HTML page needs) and the heap a large page left: a fresh one is ~45 MB.
        self.recycle_rss = recycle_rss
        # A worker that has had no page for this long (0: never) exits; the next page starts one. While
        # the crawl waits on renders (the family's peak: chromium and its driver are up), it holds nothing.
        self.idle_seconds = idle_seconds
        self.idled = 0  # workers stopped after idle_seconds without a page
        self.replaced = 0  # workers killed and started again (died or timed out)
        self.recycled = 0  # workers retired after recycle_after pages
        self.started = 0  # worker processes started; none before the first page (they start lazily)
        self._tasks: queue.Queue = queue.Queue()
        self._workers: list[_Worker | None] = [None] * self.size
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [threading.Thread(target=self._slot, args=(i,), daemon=True, name=f"extract-slot-{i}")
                         for i in range(self.size)]
        for t in self._threads:
            t.start()

    # -- public ------------------------------------------------------------------------------------
    def submit(self, task: Any, timeout: float | None = None) -> Future:
        """`timeout`: this task's own limit in seconds (default: the pool's)."""
        if self._closed:
            raise RuntimeError("extraction pool is closed")
        future: Future = Future()
        self._tasks.put((task, future, timeout or self.timeout))
        return future

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers if w is not None and w.pid]

    def close(self) -> None:
        """Finish what was submitted, then stop every worker."""
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._tasks.put(None)
        for t in self._threads:
            t.join()

    def __enter__(self) -> ExtractPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one slot: a thread that owns one worker process -------------------------------------------
    def _worker(self, i: int) -> _Worker:
        if self.before_start is not None:
            with self._lock:
                worker = self._workers[i]
                if worker is not None and worker.is_alive():
                    return worker
            self.before_start()  # outside the lock: other slots go on meanwhile
        with self._lock:
            worker = self._workers[i]
            if worker is None or not worker.is_alive():
                if worker is not None:
                    worker.kill()
                worker = self._workers[i] = _Worker(self.target, self.nice, self.setup)
                self.started += 1
            return worker

    def _recycle(self, i: int) -> None:
        with self._lock:
            worker = self._workers[i]
            if worker is None or not ((self.recycle_after and worker.pages >= self.recycle_after)
                                      or (self.recycle_rss and worker.rss() > self.recycle_rss)):
                return
            self._workers[i] = None
            self.recycled += 1
        worker.stop()

    def _replace(self, i: int) -> None:
        with self._lock:
            worker, self._workers[i] = self._workers[i], None
            self.replaced += 1
        if worker is not None:
            worker.kill()

    def _idle(self, i: int) -> None:
        with self._lock:
            worker, self._workers[i] = self._workers[i], None
            if worker is None:
                return
            self.idled += 1
        worker.stop()

    def _slot(self, i: int) -> None:
        while True:
            try:
                item = self._tasks.get(timeout=self.idle_seconds or None)
            except queue.Empty:
                self._idle(i)
                continue
            if item is None:
                with self._lock:
                    worker, self._workers[i] = self._workers[i], None
                if worker is not None:
                    worker.stop()
                return
            task, future, timeout = item
            if not future.set_running_or_notify_cancel():
                continue
            failure = ""
            for attempt in range(1 + self.retries):
                outcome, value = self._run(i, task, timeout)
                if outcome == "ok":
                    future.set_result(value)
                    break
                if outcome == "error":  # the target raised: a property of the page, not of the worker
                    future.set_exception(RuntimeError(value))
                    break
                failure = value
                logger.warning("Extraction worker %s on attempt %d; replacing it", value, attempt + 1)
                self._replace(i)
            else:
                future.set_exception(WorkerFailure(failure))
            if self.recycle_after or self.recycle_rss:  # after the answer is out: a stop waits for the exit
                self._recycle(i)
            del task, future, item, value
            # The crawl process too: the page's pickle and the record were tens of KB to MBs each.
            malloc.trim()  # a page's trees and buffers were tens of MB

    def _run(self, i: int, task: Any, timeout: float) -> tuple[str, Any]:
        """("ok", result) | ("error", text) | ("lost", why) when the worker died or hung."""
        try:
            worker = self._worker(i)
            worker.conn.send(task)
        except (OSError, EOFError, BrokenPipeError) as exc:
            return "lost", f"could not take the page ({exc!r})"
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "lost", f"timed out after {timeout:.0f} s (pid {worker.pid})"
            try:
                if worker.conn.poll(min(left, 1.0)):
                    worker.pages += 1
                    return worker.conn.recv()
            except (EOFError, OSError):
                return "lost", self._death(worker)
            if not worker.is_alive():
                return "lost", self._death(worker)

    @staticmethod
    def _death(worker: _Worker) -> str:
        worker.join(1)
        code = worker.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
        return f"died (pid {worker.pid}, {how})"
