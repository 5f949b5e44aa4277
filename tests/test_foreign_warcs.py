"""WARC/ARC files other tools wrote (../shared/corpus/foreign-warcs, PROVENANCE.md): wget, wpull,
warcprox, pywb, Webrecorder, Common Crawl, Internet Archive tools, gowarc, jwarc, warcat.

Per file: `gongkai replay` exits as `warcio check` does (0 / 1), a damaged file is named with the
offset of the damaged record, the records warcio reads before the damage are read, no traceback,
and `gongkai index` is `cdxj-indexer -s -p` line for line. Then damage we make ourselves in the
clean files (a flipped byte, garbage, a lying Content-Length, a cut) must be found at the right
record, with every other record still read; and a recovery must never cut a valid file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import subprocess
import zlib
from argparse import Namespace
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.checker import Checker

from archive.integrity import scan_archive
from archive.reader import iter_response_pages
from archive.records import iter_archive_records
from archive.revisit import OriginalFinder
from archive.warcwriter import recover_open_files
from crawler.cli import main
from tests.archive_helpers import ROOT
from tests.conftest import SHARED

FOREIGN = SHARED / "corpus" / "foreign-warcs"
if not (FOREIGN / "PROVENANCE.md").is_file():
    raise RuntimeError(f"the foreign WARC test set is missing: {FOREIGN} (../shared beside the checkout)")
FILES = sorted(p for p in FOREIGN.iterdir() if p.name != "PROVENANCE.md")

# Where gongkai is stricter than `warcio check`, and why (docs/archive.md, "What counts as damage").
STRICTER = {
    # Its HTTP head's CRLFs were rewritten to LF after the ARC length was written: the record's
    # block is 12 bytes shorter than the length its header line declares; warcio checks no ARC length.
    "warcio--example-space-in-url.arc": "record cut short",
}


def _warcio_check(path: Path) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = Checker(Namespace(inputs=[str(path)], verbose=True)).process_all()
    return code, out.getvalue()


def _warcio_records(path: Path) -> list[tuple[int, tuple]]:
    """(offset, key) of what warcio's own iterator reads before it gives up."""
    found = []
    with open(path, "rb") as fh, contextlib.redirect_stderr(io.StringIO()):
        it = ArchiveIterator(fh, arc2warc=True)
        try:
            for record in it:
                record.content_stream().read()
                offset = it.get_record_offset()
                h = record.rec_headers
                found.append((offset, (record.rec_type, h.get_header("WARC-Target-URI"), h.get_header("WARC-Date"))))
        except Exception:  # what warcio cannot read is the test's subject
            pass
    return found


def _damage_lines(err: str, name: str) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(rf"damaged WARC \S*{re.escape(name)} at offset (-?\d+):", err)]


# cdxj-indexer's own output for every file, in one process of its own (no gongkai code loaded):
# `cdxj-indexer -s -p FILE`, and where that fails, what `cdxj-indexer -p FILE` wrote before failing.
REFERENCE = """
import io, json, sys
from cdxj_indexer.main import main
out = {}
for path in sys.argv[1:]:
    name = path.rsplit("/", 1)[-1]
    entry = out[name] = {}
    for key, args in (("sorted", ["-s", "-p"]), ("partial", ["-p"])):
        buf = io.StringIO()
        sys.stdout, real = buf, sys.stdout
        try:
            main([*args, path])
            entry["ok" if key == "sorted" else "partial_ok"] = True
        except BaseException:
            entry.setdefault("ok", False)
        finally:
            sys.stdout = real
        entry[key] = buf.getvalue().splitlines()
        if entry.get("ok"):
            break
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def cdxj_reference() -> dict:
    python = ROOT / ".venv" / "bin" / "python"
    done = subprocess.run([str(python), "-c", REFERENCE, *map(str, FILES)], capture_output=True, text=True,
                          check=True, timeout=300)
    return json.loads(done.stdout)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_foreign_file(path: Path, tmp_path: Path, capsys, cdxj_reference):
    check, check_out = _warcio_check(path)
    expected = 1 if path.name in STRICTER else check

    code = main(["replay", str(path), "--out", str(tmp_path / "r.jsonl")])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == expected, err
    offsets = _damage_lines(err, path.name)
    if expected:
        assert offsets, err
        if path.name in STRICTER:
            assert STRICTER[path.name] in err
    else:
        assert not offsets, err
    scan = scan_archive(path)
    for offset in offsets:
        assert 0 <= offset < path.stat().st_size
        # The start of the damaged record, or of the unreadable bytes right after a readable piece.
        assert offset in {r.offset for r in scan.records} | {end for _k, _s, end in scan.pieces} \
            or _starts_something(path, offset), offset
    # A record warcio's checker names as failing its digest is the one we name, not the one before.
    failing = re.findall(r"offset (\d+) WARC-Record-ID \S+ \S+\n\s+(?:payload|block) digest failed", check_out)
    assert {int(o) for o in failing} <= set(offsets)
    # Every record warcio reads before its first exception (at a true offset) is read here too.
    # (warcio's offsets are negative inside a whole-file gzip member: those records are compared
    # without them.)
    ours = {(r.offset, _key(r)) for r in scan.records}
    for offset, key in _warcio_records(path):
        if offset >= 0 and all(r.seekable for r in scan.records):
            assert (offset, key) in ours
        else:
            assert key in {k for _o, k in ours}

    # The index: cdxj-indexer's own lines where it can read the file; where it cannot (traceback),
    # the lines it printed before it stopped, and every other line names a readable record.
    assert main(["index", str(_alone(path, tmp_path)), "--out", str(tmp_path / "i.cdxj")]) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err
    lines = (tmp_path / "i.cdxj").read_text(encoding="utf-8").splitlines()
    ref = cdxj_reference[path.name]
    if ref["ok"]:
        assert lines == ref["sorted"]
    else:
        # Lines with a negative length (records inside a whole-file gzip member) lead nowhere.
        usable = [line for line in ref["partial"] if '"length": "-' not in line]
        assert set(usable) <= set(lines)
        for line in lines:
            entry = json.loads(line.split(" ", 2)[2])
            with open(path, "rb") as fh:
                fh.seek(int(entry["offset"]))
                record = next(iter(ArchiveIterator(fh, arc2warc=True)))
                assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]


DAMAGED = [p for p in FILES if scan_archive(p).damage and not p.name.endswith(".wacz")]


@pytest.mark.parametrize("path", DAMAGED, ids=[p.name for p in DAMAGED])
def test_records_after_the_damage_are_read(path: Path):
    """Every record start found in the raw bytes (an ARC header line or WARC version line at a
    line start; a gzip member that inflates alone to a record) is a record read, damage or not."""
    scan = scan_archive(path)
    data = path.read_bytes()
    starts = set()
    if data[:2] == b"\x1f\x8b":
        for m in re.finditer(rb"\x1f\x8b\x08", data):
            d = zlib.decompressobj(wbits=31)
            try:
                out = d.decompress(data[m.start():])
            except zlib.error:
                continue
            out = out.lstrip(b"\r\n")
            if d.eof and out.startswith(b"WARC/") and out.count(b"\r\nWARC/1.") == 0:  # one record
                starts.add(m.start())
    else:
        pattern = rb"(?m)^(?:WARC/1\.[01]\r$|[a-z]+:\S+ \d+\.\d+\.\d+\.\d+ \d{14} \S+ \d+$)"
        starts = {m.start() for m in re.finditer(pattern, data)}
    read = {r.offset for r in scan.records}
    first_damage = min(d.offset for d in scan.damage)
    assert starts <= read, sorted(starts - read)
    after = {o for o in starts if o > first_damage}
    print(f"{path.name}: {len(after)} record starts after the first damage (at {first_damage}), all read")


def _alone(path: Path, tmp_path: Path) -> Path:
    """A directory with only this file (`gongkai index` takes a directory)."""
    folder = tmp_path / "alone"
    folder.mkdir()
    # .warc.gz.bad and .wacz are not archive names: index them under the name they would have.
    name = path.name if path.name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")) else path.name + ".warc"
    shutil.copy(path, folder / name)
    return folder


def _starts_something(path: Path, offset: int) -> bool:
    """Does a gzip member or a WARC/ARC record header (or the file) start at `offset`?"""
    with open(path, "rb") as fh:
        fh.seek(offset)
        head = fh.read(200)
    return offset == 0 or head.startswith((b"\x1f\x8b", b"WARC/")) or bool(re.match(rb"\S+ \S+ \d{14} ", head))


# -- revisits without WARC-Refers-To ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["pywb--iana.warc.gz", "pywb--example-extra.warc", "pywb--dupes.warc.gz"])
def test_revisits_without_refers_to_resolve(name):
    """iana: 171 pages, 123 of them revisits (http/https originals matched by SURT, as pywb does);
    dupes: originals in iana.warc.gz, given beside it; example-extra: revisits without an HTTP head."""
    path = FOREIGN / name
    given = [path, FOREIGN / "pywb--iana.warc.gz"] if name == "pywb--dupes.warc.gz" else [path]
    scan = scan_archive(path)
    everything = [r for p in given for r in scan_archive(p).records]
    http = [r for r in scan.records if r.rec_type in ("response", "revisit") and (r.target_uri or "").startswith("http")]
    revisits = [r for r in http if r.rec_type == "revisit"]
    assert revisits and not any(r.refers_to for r in revisits)
    unresolved, damage = [], []
    pages = list(iter_response_pages(path, damage=damage, unresolved=unresolved, finder=OriginalFinder(given)))
    assert not unresolved
    assert len(pages) == len(http)
    # Each revisit's payload is its original's: the bytes whose digest the revisit names.
    by_offset = {p.warc_offset: p for p in pages}
    for r in revisits:
        page = by_offset[r.offset]
        assert page.status and page.headers
        assert any(o.payload_digest == r.payload_digest for o in everything if o.rec_type == "response")
        if "gzip" not in str(page.headers) and "chunked" not in str(page.headers):
            import base64
            import hashlib as h
            assert "sha1:" + base64.b32encode(h.sha1(page.body).digest()).decode() == r.payload_digest


def test_url_agnostic_revisit_resolves_across_the_files_given(tmp_path):
    orig, rev = FOREIGN / "pywb--example-url-agnostic-orig.warc.gz", FOREIGN / "pywb--example-url-agnostic-revisit.warc.gz"
    finder = OriginalFinder([orig, rev])
    pages = list(iter_response_pages(rev, finder=finder))
    original = list(iter_response_pages(orig))
    assert len(pages) == 1 and pages[0].body == original[0].body and pages[0].url != original[0].url
    # Alone, the original is elsewhere: not damage (the file is whole), logged, the page left out.
    alone = tmp_path / rev.name
    shutil.copy(rev, alone)
    unresolved, damage = [], []
    assert list(iter_response_pages(alone, damage=damage, unresolved=unresolved)) == []
    assert unresolved and not damage


# -- damage we make ourselves in clean files -------------------------------------------------------

CLEAN = [p for p in FILES if p.name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz"))
         and not scan_archive(p).damage and len(scan_archive(p).records) >= 3]


def _key(r) -> tuple:
    """A record's identity that survives a re-read (ARC records get a new random id each time)."""
    return r.rec_type, r.target_uri, r.date


def _ids(scan) -> list[tuple]:
    return [_key(r) for r in scan.records]


def _damaged_copy(path: Path, tmp_path: Path, data: bytes) -> Path:
    out = tmp_path / path.name
    out.write_bytes(data)
    return out


@pytest.mark.parametrize("path", CLEAN, ids=[p.name for p in CLEAN])
def test_damage_in_the_middle_is_found_and_the_rest_read(path: Path, tmp_path: Path):
    whole = scan_archive(path)
    data = path.read_bytes()
    records = whole.records
    k = len(records) // 2
    victim = records[k]
    gz = data[:2] == b"\x1f\x8b"
    if gz:
        # A flipped byte inside the victim's gzip member: zlib's CRC (or inflate) fails.
        at = victim.offset + victim.length // 2
        broken = data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:]
        expect = _ids(whole)[:k] + _ids(whole)[k + 1:]
    else:
        # Garbage before the victim's record: found at the victim's offset, the victim read after it.
        broken = data[:victim.offset] + b"junk junk junk\r\n" * 8 + data[victim.offset:]
        expect = _ids(whole)
    copy = _damaged_copy(path, tmp_path, broken)
    scan = scan_archive(copy)
    assert [d.offset for d in scan.damage] == [victim.offset], scan.damage
    assert _ids(scan) == expect
    # Replay says so: exit 1, the file and the offset.
    damage = []
    list(iter_response_pages(copy, damage=damage))
    assert damage and damage[0].offset == victim.offset and damage[0].warc_file == str(copy)


PLAIN = [p for p in CLEAN if p.read_bytes()[:2] != b"\x1f\x8b"]


@pytest.mark.parametrize("path", PLAIN, ids=[p.name for p in PLAIN])
def test_flipped_payload_byte_and_lying_content_length(path: Path, tmp_path: Path):
    whole = scan_archive(path)
    data = path.read_bytes()
    digested = [r for r in whole.records if r.payload_digest and r.rec_type == "response"]
    if digested:
        victim = digested[0]
        at = victim.offset + victim.length - 10  # in the payload
        copy = _damaged_copy(path, tmp_path, data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:])
        scan = scan_archive(copy)
        assert victim.offset in [d.offset for d in scan.damage] and "digest" in scan.damage[0].reason
        assert _ids(scan) == _ids(whole)  # the framing is whole: every record still read
    # A Content-Length 5 bytes short of the truth, in the first record (one byte short of a block
    # that ends in a newline is invisible without a digest: only blank lines would be left over).
    m = re.search(rb"Content-Length: (\d+)\r\n", data)
    if m and data.startswith(b"WARC/"):
        lie = data[:m.start(1)] + str(int(m.group(1)) - 5).encode() + data[m.end(1):]
        copy = _damaged_copy(path, tmp_path, lie)
        scan = scan_archive(copy)
        assert scan.damage and scan.damage[0].offset == 0, scan.damage
        assert set(_ids(whole)[1:]) <= set(_ids(scan))  # every record after it still read


@pytest.mark.parametrize("path", CLEAN[:6], ids=[p.name for p in CLEAN[:6]])
def test_cut_file_keeps_every_record_before_the_cut(path: Path, tmp_path: Path):
    whole = scan_archive(path)
    last = whole.records[-1]
    data = path.read_bytes()
    copy = _damaged_copy(path, tmp_path, data[: last.offset + max(last.length // 2, 1)])
    scan = scan_archive(copy)
    assert scan.damage and scan.damage[0].offset == last.offset
    assert [_key(r) for r in scan.records if r.complete] == _ids(whole)[:-1]


# -- recovery never cuts a valid file --------------------------------------------------------------

RECOVER = [p for p in FILES if p.name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz"))]


def test_recover_open_files_keeps_every_complete_record(tmp_path: Path):
    for path in RECOVER:
        shutil.copy(path, tmp_path / (path.name + ".open"))
    before = {p.name: (scan_archive(p), p.read_bytes()) for p in RECOVER}
    done = {name: (cut, kept) for name, cut, kept in recover_open_files(tmp_path)}
    assert set(done) == {p.name for p in RECOVER}
    for name, (scan, data) in before.items():
        cut, kept = done[name]
        after = (tmp_path / name).read_bytes()
        complete = [r for r in scan.records if r.complete]
        assert kept == len(complete), name
        if not scan.damage:  # a valid file is left byte for byte as it was
            assert cut == 0 and hashlib.sha256(after).digest() == hashlib.sha256(data).digest(), name
        else:  # only a torn tail goes; every complete record stays, where it was
            assert after == data[: len(after)] and len(after) >= max(r.offset for r in complete), name
            assert [_key(r) for r in scan_archive(tmp_path / name).records if r.complete] == \
                [_key(r) for r in complete], name


def test_gowarc_trailing_garbage_is_the_only_thing_cut(tmp_path: Path):
    path = FOREIGN / "gowarc--corrupted-trailing-bytes.warc.gz"
    shutil.copy(path, tmp_path / (path.name + ".open"))
    [(name, cut, kept)] = recover_open_files(tmp_path)
    data = path.read_bytes()
    d = zlib.decompressobj(wbits=31)
    d.decompress(data)
    assert cut == len(d.unused_data) and kept == 30
    assert (tmp_path / name).read_bytes() == data[: len(data) - cut]


def test_iter_archive_records_reads_arc_with_urls():
    for name in ("warcio--example.arc", "warcio--example.arc.gz"):
        records = [r for _o, r in iter_archive_records(FOREIGN / name)]
        urls = [r.rec_headers.get_header("WARC-Target-URI") for r in records if r.rec_type == "response"]
        assert urls == ["http://example.com/"], name
        pages = list(iter_response_pages(FOREIGN / name))
        assert len(pages) == 1 and b"Example Domain" in pages[0].body


@pytest.mark.parametrize("name", ["warcio--example.warc", "warcio--example.warc.gz", "warcio--example.arc"])
def test_recovery_of_a_torn_foreign_file_cuts_only_the_torn_record(name: str, tmp_path: Path):
    path = FOREIGN / name
    whole = scan_archive(path)
    last = whole.records[-1]
    data = path.read_bytes()
    (tmp_path / (name + ".open")).write_bytes(data[: last.offset + last.length // 2])
    [(final, cut, kept)] = recover_open_files(tmp_path)
    assert final == name and kept == len(whole.records) - 1
    after = (tmp_path / name).read_bytes()
    assert after == data[: len(after)] and last.offset <= len(after) <= last.offset + 4
    assert [_key(r) for r in scan_archive(tmp_path / name).records] == _ids(whole)[:-1]
    assert not scan_archive(tmp_path / name).damage
