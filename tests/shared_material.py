"""Where the workplace's shared material is (seeds, real pages and reports, foreign WARCs): ../shared,
beside the checkout; one definition for the tests, the fixture web's generator and the benchmarks.
A checkout elsewhere (a worktree) falls back to /work/shared. Whether it exists is for the user to
check: tests/conftest.py's `shared()` fails a test that finds it missing, never skips it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = next((p for p in (ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()), ROOT.parent / "shared")
