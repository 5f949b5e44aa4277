"""`gongkai index` (webrecorder's CDXJ: surt keys, POST bodies in the key), damage reporting, and
`gongkai export-wacz` (py-wacz)."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

from archive.exchange import request_head, response_head
from archive.revisit import payload_digest
from archive.warcwriter import RotatingWarcWriter
from crawler.cli import main
from tests.archive_helpers import ROOT

CDXJ_INDEXER = ROOT / ".venv" / "bin" / "cdxj-indexer"
# The SURT hazards a hand-written key got wrong: www2., a trailing slash, %20, an IDN host,
# dot segments, port, query order.
URLS = ("http://www.qhq.gov.cn/b.html", "http://www.qhq.gov.cn/a.html?y=2&x=1", "http://hyq.gov.cn/",
        "http://www2.qhq.gov.cn/xxgk/", "http://qhq.gov.cn/nb/2023%20年报.html", "http://政府.中国/nb/",
        "http://qhq.gov.cn/a/./b/../c.html", "http://ljz.hyq.gov.cn:8080/")


def _job(tmp_path: Path) -> Path:
    out = tmp_path / "job"
    writer = RotatingWarcWriter(out / "warc", prefix="t", relative_to=out)
    first = {}
    for url in URLS:
        body = f"<html><title>{url}</title></html>".encode()
        head = response_head(200, [("Content-Type", "text/html; charset=utf-8")], len(body))
        first[url] = writer.write_exchange(url, request_head("GET", url, []), head, body,
                                           warc_date="2026-01-02T03:04:05.000000Z"), body
    # A Hanweb-style list fetched by POST: pywb finds it only under its __wb_method=post key.
    post = "http://www.hyq.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1"
    form = b"col=1&webid=2&columnid=3&unitid=4&permissiontype=0"
    body = b"<datastore><recordset></recordset></datastore>"
    writer.write_exchange(post, request_head("POST", post, [("Content-Type", "application/x-www-form-urlencoded")]),
                          response_head(200, [("Content-Type", "text/xml")], len(body)), body,
                          request_body=form, warc_date="2026-01-02T03:04:06.000000Z")
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


def _cdxj_indexer(*paths: Path) -> list[str]:
    """What webrecorder's own command line writes: sorted (-s), POST bodies in the key (-p)."""
    done = subprocess.run([str(CDXJ_INDEXER), "-s", "-p", *map(str, paths)], capture_output=True, text=True,
                          check=True)
    return done.stdout.splitlines()


def test_index_is_cdxj_indexers_line_for_line(tmp_path):
    out = _job(tmp_path)
    assert main(["index", str(out)]) == 0
    lines = (out / "index.cdxj").read_text().splitlines()
    assert lines == _cdxj_indexer(*sorted((out / "warc").glob("*.warc.gz")))
    assert len(lines) == len(URLS) + 2  # every response, the POST, the revisit
    keys = {line.split(" ", 1)[0] for line in lines}
    assert {"cn,gov,qhq)/xxgk", "cn,gov,qhq)/a/c.html", "xn--fiqs8s,xn--mxtq1m)/nb",
            "cn,gov,qhq)/a.html?x=1&y=2", "cn,gov,hyq,ljz:8080)/"} <= keys, keys
    post = [line for line in lines if "dataproxy.jsp" in line]
    assert post[0].startswith("cn,gov,hyq)/module/web/jpage/dataproxy.jsp?__wb_method=post&col=1&")
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    revisit = next(e for e in entries if e["mime"] == "warc/revisit")
    assert revisit["digest"] == next(e for e in entries if e["url"] == "http://hyq.gov.cn/"
                                     and e["mime"] != "warc/revisit")["digest"]
    for entry in entries:
        assert (out / "warc" / entry["filename"]).exists()


def test_damaged_warc_is_indexed_around_the_damage(tmp_path, capsys):
    out = _job(tmp_path)
    path = next((out / "warc").glob("*.warc.gz"))
    data = path.read_bytes()
    whole = _cdxj_indexer(path)
    members = _member_offsets(data)
    path.write_bytes(data[: len(data) - 40])  # the last record (the revisit's request) torn
    assert main(["index", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{path.name} at offset {members[-1]}:" in err, err
    assert (out / "index.cdxj").read_text().splitlines() == whole
    assert main(["replay", str(out / "warc"), "--out", str(tmp_path / "r.jsonl")]) == 1
    assert "damaged WARC" in capsys.readouterr().err
    # Garbage between two records: every record before and after it is still indexed.
    at = members[3]
    path.write_bytes(data[:at] + b"garbage" * 50 + data[at:])
    assert main(["index", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"offset {at}:" in err, err
    lines = (out / "index.cdxj").read_text().splitlines()
    shifted = [_shift(line, at, 350) for line in whole]
    assert lines == sorted(shifted)


def _member_offsets(data: bytes) -> list[int]:
    import zlib

    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        d = zlib.decompressobj(wbits=31)
        d.decompress(data[pos:])
        pos = len(data) - len(d.unused_data)
    return offsets


def _shift(line: str, after: int, by: int) -> str:
    key, ts, entry = line.split(" ", 2)
    e = json.loads(entry)
    if int(e["offset"]) >= after:
        e["offset"] = str(int(e["offset"]) + by)
    return f"{key} {ts} {json.dumps(e)}"


def test_export_wacz_is_py_waczs(tmp_path):
    out = _job(tmp_path)
    assert main(["export-wacz", str(out)]) == 0
    wacz = out / "job.wacz"
    with zipfile.ZipFile(wacz) as zf:
        names = set(zf.namelist())
        assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl",
                "indexes/index.cdx.gz", "indexes/index.idx"} <= names
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
        # The index inside: the same captures and keys as `gongkai index` (py-wacz adds fields).
        index = gzip.decompress(zf.read("indexes/index.cdx.gz")).decode().splitlines()
    assert main(["index", str(out)]) == 0
    ours = (out / "index.cdxj").read_text().splitlines()
    assert [line.split(" ", 2)[:2] for line in index] == [line.split(" ", 2)[:2] for line in ours]
    for a, b in zip(index, ours, strict=True):
        inside, plain = json.loads(a.split(" ", 2)[2]), json.loads(b.split(" ", 2)[2])
        assert {k: inside[k] for k in plain} == plain
