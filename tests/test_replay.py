"""`gongkai replay`: the same extraction, offline, from our WARCs and from wget's."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import GONGKAI, ROOT, proxy_env
from tests.fixtureweb import expected as E

VOLATILE = {"fetched_at", "warc_file"}


def _lines(path) -> dict[str, dict]:
    return {d["url"]: d for d in (json.loads(x) for x in path.read_text(encoding="utf-8").splitlines())}


def test_replay_of_our_warcs_reproduces_the_crawl(demo_crawl, tmp_path):
    out = tmp_path / "replayed.jsonl"
    proc = subprocess.run([*GONGKAI, "replay", str(demo_crawl.out / "warc"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    live, replayed = _lines(demo_crawl.out / "reports.jsonl"), _lines(out)
    assert replayed.keys() == live.keys()
    for url, rec in live.items():
        again = replayed[url]
        assert {k: v for k, v in again.items() if k not in VOLATILE} == {k: v for k, v in rec.items() if k not in VOLATILE}, url


def test_replay_reads_a_wget_warc(fixture_web, tmp_path):
    reports = [r for r in E.EXPECTED_REPORTS if "qhq" in r["url"]][:2] + [r for r in E.EXPECTED_REPORTS if "slx" in r["url"]][:1]
    warc = tmp_path / "wget"
    subprocess.run(["wget", "-q", "--warc-file", str(warc), "--no-warc-keep-log", "-O", "/dev/null",
                    "--header", "Accept-Encoding: gzip", *[r["url"] for r in reports]],
                   env=proxy_env(fixture_web), cwd=tmp_path, timeout=120, check=False)
    out = tmp_path / "wget.jsonl"
    proc = subprocess.run([*GONGKAI, "replay", str(tmp_path / "wget.warc.gz"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = _lines(out)
    assert set(got) == {r["url"] for r in reports}
    for exp in reports:
        rec = got[exp["url"]]
        assert (rec["title"], rec["agency"], rec["publish_date"]) == (exp["title"], exp["agency"], exp["publish_date"])
        assert len(rec["text"]) > 200


def test_replay_of_a_truncated_warc_keeps_what_it_can_read_and_says_so(demo_crawl, tmp_path):
    source = max((demo_crawl.out / "warc").iterdir(), key=lambda p: p.stat().st_size)
    broken = tmp_path / "broken.warc.gz"
    data = source.read_bytes()
    broken.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "partial.jsonl"
    proc = subprocess.run([*GONGKAI, "replay", str(broken), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "broken.warc.gz" in proc.stderr and "offset" in proc.stderr
    assert out.exists() and len(_lines(out)) >= 1
