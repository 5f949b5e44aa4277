"""Shared fixtures: the fixture web, and one real crawl of it through `gongkai crawl`.

Every crawl in the tests goes through the fixture web via http_proxy; nothing reaches the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtureweb import FixtureWeb, LoggedRequest
from tests.shared_material import SHARED

ROOT = Path(__file__).resolve().parent.parent


def shared(rel: str) -> Path:
    """A file or folder of ../shared. Missing, the test fails and says why: it never skips quietly."""
    path = SHARED / rel
    if not path.exists():
        pytest.fail(f"{path} is missing: the suite reads the real material in ../shared beside the checkout",
                    pytrace=False)
    return path
GONGKAI = [str(ROOT / ".venv" / "bin" / "gongkai")] if (ROOT / ".venv" / "bin" / "gongkai").exists() \
    else [sys.executable, "-m", "crawler.cli"]
# Tests keep AutoThrottle on (it is the default) but start it faster than for a real portal.
FAST = ["--set", "AUTOTHROTTLE_START_DELAY=0.05", "--set", "GONGKAI_RETRY_BACKOFF_BASE=0.2"]


def proxy_env(web: FixtureWeb) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy", "all_proxy")}
    env["http_proxy"] = env["HTTP_PROXY"] = web.proxy_url
    return env


@dataclass
class CrawlRun:
    out: Path
    returncode: int
    stdout: str
    stderr: str
    requests: list[LoggedRequest]

    @property
    def requested_urls(self) -> set[str]:
        return {r.url for r in self.requests}

    def reports(self) -> list[dict]:
        path = self.out / "reports.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []

    def stats(self) -> dict:
        return json.loads((self.out / "crawl-stats.json").read_text(encoding="utf-8"))


def run_crawl(web: FixtureWeb, out: Path, *extra: str, urls: list[str] | None = None, timeout: int = 300) -> CrawlRun:
    before = len(web.requests())
    proc = subprocess.run(
        [*GONGKAI, "crawl", *(urls or web.start_urls), "--out", str(out), *FAST, *extra],
        env=proxy_env(web), cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )
    return CrawlRun(out, proc.returncode, proc.stdout, proc.stderr, web.requests()[before:])


@pytest.fixture(scope="session")
def fixture_web():
    with FixtureWeb() as web:
        yield web


@pytest.fixture(scope="session")
def demo_crawl(fixture_web: FixtureWeb, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    """One crawl of the whole fixture web, shared by the end-to-end tests that only read its output."""
    fixture_web.reset()
    return run_crawl(fixture_web, tmp_path_factory.mktemp("demo") / "job")
