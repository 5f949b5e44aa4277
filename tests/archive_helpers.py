"""Shared by the archive tests: crawl the fixture web into a job directory in a subprocess.

A subprocess because a job's crawls must be separate processes (Scrapy's reactor runs once per
process, and the resume test kills one with SIGKILL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GONGKAI = [sys.executable, "-m", "crawler.cli"]
# Fast but faithful: no politeness delays on a local fixture; one quick retry (the transient 503).
FAST = ["--set", "AUTOTHROTTLE_ENABLED=False", "--set", "RETRY_TIMES=1",
        "--set", "GONGKAI_RETRY_BACKOFF_BASE=0.01", "--log-level", "WARNING"]


def crawl_env(proxy_url: str) -> dict[str, str]:
    env = dict(os.environ, http_proxy=proxy_url, HTTP_PROXY=proxy_url, no_proxy="", NO_PROXY="")
    env["PYTHONPATH"] = str(ROOT)
    return env


def crawl_cmd(start_urls: list[str], out: Path, *extra: str) -> list[str]:
    return [*GONGKAI, "crawl", *start_urls, "--out", str(out), *FAST, *extra]


def run_crawl(web, out: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(crawl_cmd(web.start_urls, out, *extra), env=crawl_env(web.proxy_url), cwd=ROOT,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def read_jsonl(path: Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(json.loads(line))
    return out


def changes_files(out: Path) -> list[Path]:
    return sorted((out / "changes").glob("*.jsonl"))
