"""A private redis-server for one crawl: started by gongkai, stopped by gongkai, never left running.

It listens on a unix socket in a fresh temporary directory (no TCP port at all, so nothing else on
the machine can reach it and no port can clash), keeps nothing on disk, and is tied to the process
that started it: Linux's parent-death signal stops it even when that process is killed outright.
"""

from __future__ import annotations

import ctypes
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

PR_SET_PDEATHSIG = 1


class RedisUnavailable(RuntimeError):
    pass


def die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: the context manager's stop is the only guard
        pass


class LocalRedis:
    """`with LocalRedis() as redis: redis.url` → "unix:///tmp/…/redis.sock"."""

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or shutil.which("redis-server") or "/usr/bin/redis-server"
        self._dir: Path | None = None
        self._proc: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        assert self._dir is not None
        return self._dir / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> LocalRedis:
        if not Path(self.executable).exists():
            raise RedisUnavailable("redis-server is not installed (Debian package redis-server; scripts/setup.sh)")
        self._dir = Path(tempfile.mkdtemp(prefix="gongkai-redis-"))
        self._proc = subprocess.Popen(
            [self.executable, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self._dir), "--logfile", str(self._dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                log = (self._dir / "redis.log").read_text(errors="replace")[-500:] \
                    if (self._dir / "redis.log").exists() else ""
                self.stop()
                raise RedisUnavailable(f"redis-server did not start: {log.strip() or 'no log'}")
            time.sleep(0.02)
        return self

    def _answers(self) -> bool:
        """The socket accepts a connection and answers PING (the file appears before it listens)."""
        if not self.socket.exists():
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(1)
                conn.connect(str(self.socket))
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(5)
            self._proc = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
