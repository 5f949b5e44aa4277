"""`gongkai index` (sorted CDXJ, SURT keys), damage reporting, and `gongkai export-wacz`."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from archive.exchange import request_head, response_head
from archive.index import surt
from archive.revisit import payload_digest
from archive.warcwriter import RotatingWarcWriter
from crawler.cli import main


def _job(tmp_path: Path) -> Path:
    out = tmp_path / "job"
    writer = RotatingWarcWriter(out / "warc", prefix="t", relative_to=out)
    first = {}
    for url in ("http://www.qhq.gov.cn/b.html", "http://www.qhq.gov.cn/a.html?y=2&x=1", "http://hyq.gov.cn/"):
        body = f"<html><title>{url}</title></html>".encode()
        head = response_head(200, [("Content-Type", "text/html; charset=utf-8")], len(body))
        first[url] = writer.write_exchange(url, request_head("GET", url, []), head, body,
                                           warc_date="2026-01-02T03:04:05.000000Z"), body
    url = "http://hyq.gov.cn/"
    pointer, body = first[url]
    writer.write_revisit(url, request_head("GET", url, []),
                         response_head(200, [("Content-Type", "text/html")], len(body)),
                         payload_digest=payload_digest(body), refers_to_uri=url,
                         refers_to_date="2026-01-02T03:04:05.000000Z", refers_to_id=pointer.record_id,
                         warc_date="2026-02-02T03:04:05.000000Z")
    writer.close()
    (out / "reports.jsonl").write_text(json.dumps({"url": url, "title": "报告", "fetched_at": "2026-01-02T03:04:05Z"},
                                                  ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def test_surt():
    assert surt("http://www.Qhq.gov.cn:80/A.html?y=2&x=1") == "cn,gov,qhq)/a.html?x=1&y=2"
    assert surt("http://ljz.hyq.gov.cn:8080/") == "cn,gov,hyq,ljz:8080)/"


def test_index_is_sorted_cdxj(tmp_path, capsys):
    out = _job(tmp_path)
    assert main(["index", str(out)]) == 0
    lines = (out / "index.cdxj").read_text().splitlines()
    assert lines == sorted(lines) and len(lines) == 4  # 3 responses + 1 revisit
    keys = [line.split(" ", 2) for line in lines]
    assert keys[0][0] == "cn,gov,hyq)/" and keys[0][1] == "20260102030405"
    entries = [json.loads(k[2]) for k in keys]
    assert entries[1]["mime"] == "warc/revisit" and entries[1]["digest"] == entries[0]["digest"]
    for entry in entries:
        assert {"url", "offset", "length", "filename", "digest"} <= set(entry)
        assert (out / "warc" / entry["filename"]).exists()


def test_damaged_warc_is_used_and_reported(tmp_path, capsys):
    out = _job(tmp_path)
    path = next((out / "warc").glob("*.warc.gz"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the last record torn
    assert main(["index", str(out)]) == 1
    err = capsys.readouterr().err
    assert path.name in err and "offset" in err
    assert len((out / "index.cdxj").read_text().splitlines()) >= 3  # the readable records
    assert main(["replay", str(out / "warc"), "--out", str(tmp_path / "r.jsonl")]) == 1
    assert "damaged WARC" in capsys.readouterr().err
    # Garbage in the middle: records before it are still indexed.
    path.write_bytes(data[:400] + b"garbage" * 50 + data[400:])
    assert main(["index", str(out)]) == 1


def test_export_wacz(tmp_path):
    out = _job(tmp_path)
    assert main(["export-wacz", str(out)]) == 0
    wacz = out / "job.wacz"
    with zipfile.ZipFile(wacz) as zf:
        names = set(zf.namelist())
        assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl", "indexes/index.cdxj"} <= names
        warcs = [n for n in names if n.startswith("archive/")]
        assert warcs and all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in warcs)
        package = json.loads(zf.read("datapackage.json"))
        assert package["profile"] == "data-package" and package["wacz_version"]
        for res in package["resources"]:
            data = zf.read(res["path"])
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and res["bytes"] == len(data)
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
        assert pages[0]["format"] == "json-pages-1.0"
        assert pages[1]["url"] == "http://hyq.gov.cn/" and pages[1]["ts"] and pages[1]["title"] == "报告"
