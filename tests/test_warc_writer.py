"""The WARC writer: records as received, consistent heads, rotation, .open files renamed on close."""

import base64
import gzip
import hashlib

from warcio.archiveiterator import ArchiveIterator

from archive.exchange import request_head, response_head
from archive.warcwriter import RotatingWarcWriter


def _write(writer: RotatingWarcWriter, url: str, body: bytes, headers: list[tuple[str, str]]):
    return writer.write_exchange(
        url,
        request_head("GET", url, [("User-Agent", "t"), ("Proxy-Authorization", "Basic c2VjcmV0")]),
        response_head(200, headers, len(body)),
        body,
    )


def test_gzip_body_is_stored_as_received_with_consistent_head(tmp_path):
    html = "<html><body>清河区2019年政府信息公开工作年度报告</body></html>".encode()
    body = gzip.compress(html)
    writer = RotatingWarcWriter(tmp_path / "warc", relative_to=tmp_path)
    ptr = _write(writer, "http://www.a.gov.cn/r.html", body, [
        ("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", "9999"),
        ("Transfer-Encoding", "chunked"), ("Connection", "keep-alive"),
    ])
    # Until closed, the file carries .open; the pointer names the final file.
    assert list((tmp_path / "warc").iterdir())[0].name.endswith(".warc.gz.open")
    writer.close()
    assert (tmp_path / ptr.warc_file).exists() and ptr.warc_file.startswith("warc/")

    with open(tmp_path / ptr.warc_file, "rb") as fh:
        fh.seek(ptr.offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == ptr.record_id
        head = record.http_headers
        assert head.get_header("Content-Encoding") == "gzip"
        assert head.get_header("Content-Length") == str(len(body))
        assert head.get_header("Transfer-Encoding") is None and head.get_header("Connection") is None
        raw = record.raw_stream.read()
        assert raw == body
        digest = "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
        assert record.rec_headers.get_header("WARC-Payload-Digest") == digest

    with open(tmp_path / ptr.warc_file, "rb") as fh:
        records = list((r.rec_type, r.http_headers) for r in ArchiveIterator(fh))
    assert [t for t, _ in records] == ["warcinfo", "response", "request"]
    request = records[2][1]
    assert request.protocol == "GET" and request.get_header("Host") == "www.a.gov.cn"
    assert request.get_header("Proxy-Authorization") is None


def test_rotation_by_size_and_warcinfo_per_file(tmp_path):
    writer = RotatingWarcWriter(tmp_path, max_size=2000, relative_to=tmp_path)
    pointers = [_write(writer, f"http://a.gov.cn/{i}.html", bytes(range(256)) * 8, [("Content-Type", "text/html")])
                for i in range(5)]
    writer.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) >= 2 and not any(f.endswith(".open") for f in files)
    assert {p.warc_file for p in pointers} == set(files)
    for name in files:
        with open(tmp_path / name, "rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"


def test_iri_request_line_is_ascii_on_the_wire(tmp_path):
    """A URL with a Chinese path and an IDN host (as a portal links it): warcio raised on the
    request head; the request line is percent-encoded and Host punycode, as a client sends them."""
    url = "http://政府.中国/nb/2023年 报告.html?q=年报"
    writer = RotatingWarcWriter(tmp_path / "warc", relative_to=tmp_path)
    ptr = _write(writer, url, b"<html></html>", [("Content-Type", "text/html")])
    writer.close()
    with open(tmp_path / ptr.warc_file, "rb") as fh:
        records = {r.rec_type: (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers)
                   for r in ArchiveIterator(fh) if r.rec_type in ("request", "response")}
    target, head = records["request"]
    assert head.statusline == "/nb/2023%E5%B9%B4%20%E6%8A%A5%E5%91%8A.html?q=%E5%B9%B4%E6%8A%A5 HTTP/1.1"
    assert head.get_header("Host") == "xn--mxtq1m.xn--fiqs8s"
    assert records["response"][0] == target


def test_a_payload_digest_given_by_the_caller_is_the_one_warcio_would_write(tmp_path):
    """The capture middleware hashes the payload once (to decide on a revisit) and hands the digest
    over; the record must be byte-for-byte what warcio writes when it hashes the payload itself,
    but for header order, and its digests must check."""
    from archive.revisit import payload_digest

    body = "<html>清河区2019年政府信息公开工作年度报告</html>".encode() * 50
    url = "http://www.a.gov.cn/r.html"
    given, computed = RotatingWarcWriter(tmp_path / "given"), RotatingWarcWriter(tmp_path / "computed")
    for writer, digest in ((given, payload_digest(body)), (computed, None)):
        writer.write_exchange(url, request_head("GET", url, [("User-Agent", "t")]),
                              response_head(200, [("Content-Type", "text/html")], len(body)), body,
                              warc_date="2026-12-02T00:00:00.000000Z", payload_digest=digest)
        writer.close()

    def records(directory):
        out = []
        with open(next(directory.glob("*.warc.gz")), "rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                raw = record.raw_stream.read()
                headers = {k: v for k, v in record.rec_headers.headers
                           if k not in ("WARC-Record-ID", "WARC-Concurrent-To", "WARC-Filename")}
                out.append((record.rec_type, headers, raw, record.digest_checker.problems))
        return out

    with_digest, without = records(tmp_path / "given"), records(tmp_path / "computed")
    assert [r[0] for r in with_digest] == ["warcinfo", "response", "request"]
    assert with_digest[1][2] == body and with_digest[1][3] == []
    assert with_digest[1][1]["WARC-Payload-Digest"] == payload_digest(body)
    assert [(t, h, raw) for t, h, raw, _ in with_digest[1:]] == [(t, h, raw) for t, h, raw, _ in without[1:]]
