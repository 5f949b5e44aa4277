"""Does a Word 97–2003 binary document (.doc, and .wps saved in that format) hold any table?

Why: tables of a .doc are read by converting it with LibreOffice (pipelines/office_text.py), a
~200 MB process. In the Word binary format every table cell and every table row ends with the
character 0x07 in the document's text, and 0x07 means nothing else there ([MS-DOC] 2.4.3: cell
and TTP marks); so a document whose text (main body, headers, footnotes, text boxes: every story)
holds no 0x07 has no table, and LibreOffice has nothing to add to antiword's text.

Read here: the OLE2 compound file (header, FAT, DIFAT, directory, mini stream), the FIB of the
WordDocument stream, and the piece table (CLX) in the 0Table/1Table stream, which says where each
run of text lies and whether it is stored as cp1252 bytes or UTF-16. Anything unexpected (not a
compound file, no WordDocument, Word 6/95, encrypted, pieces outside the stream) answers None:
"cannot tell", and the caller converts as before.
"""

from __future__ import annotations

import struct

_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_NO_STREAM = 0xFFFFFFFF
_WORD_IDENT = 0xA5EC
_FIRST_WORD97_NFIB = 0x00C1  # Word 97; earlier FIBs lay out their fields differently
_F_WHICH_TBL_STM = 0x0200
_F_ENCRYPTED = 0x0100
_CLX_INDEX = 33  # fcClx/lcbClx: the 34th pair of FibRgFcLcb97
_CELL_MARK = 0x07
_MAX_SECTORS = 1 << 20  # a chain longer than this is a loop in a damaged file


class _Unreadable(Exception):
    pass


class _CompoundFile:
    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or data[:8] != _MAGIC:
            raise _Unreadable("not a compound file")
        self.data = data
        self.sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        self.mini = 1 << struct.unpack_from("<H", data, 0x20)[0]
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, first_minifat, _n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s != _FREE]
        sect, seen = first_difat, 0
        while sect not in (_END_OF_CHAIN, _FREE) and seen < n_difat:
            block = self._sector(sect)
            ids = struct.unpack(f"<{len(block) // 4}I", block)
            fat_sectors.extend(s for s in ids[:-1] if s != _FREE)
            sect, seen = ids[-1], seen + 1
        fat_sectors = fat_sectors[:n_fat]
        fat_bytes = b"".join(self._sector(s) for s in fat_sectors)
        self.fat = struct.unpack(f"<{len(fat_bytes) // 4}I", fat_bytes)
        directory = self._chain(first_dir, self.fat, self._sector)
        self.entries: dict[str, tuple[int, int, int]] = {}
        root: tuple[int, int] | None = None
        for off in range(0, len(directory) - 127, 128):
            name_len, kind = struct.unpack_from("<HB", directory, off + 0x40)
            start, size = struct.unpack_from("<II", directory, off + 0x74)
            name = directory[off:off + max(0, name_len - 2)].decode("utf-16-le", "replace")
            if kind == 5:
                root = (start, size)
            elif kind == 2:
                self.entries.setdefault(name, (start, size, kind))
        self.mini_stream = b""
        self.minifat: tuple[int, ...] = ()
        if root is not None and first_minifat not in (_END_OF_CHAIN, _FREE):
            self.mini_stream = self._chain(root[0], self.fat, self._sector)[:root[1]]
            raw = self._chain(first_minifat, self.fat, self._sector)
            self.minifat = struct.unpack(f"<{len(raw) // 4}I", raw)

    def _sector(self, sect: int) -> bytes:
        start = (sect + 1) * self.sector
        if start >= len(self.data):
            raise _Unreadable(f"sector {sect} outside the file")
        return self.data[start:start + self.sector]

    def _mini_sector(self, sect: int) -> bytes:
        start = sect * self.mini
        if start >= len(self.mini_stream):
            raise _Unreadable(f"mini sector {sect} outside the mini stream")
        return self.mini_stream[start:start + self.mini]

    @staticmethod
    def _chain(first: int, table: tuple[int, ...], read) -> bytes:
        parts, sect = [], first
        while sect not in (_END_OF_CHAIN, _FREE):
            if sect >= len(table) or len(parts) > _MAX_SECTORS:
                raise _Unreadable("broken sector chain")
            parts.append(read(sect))
            sect = table[sect]
        return b"".join(parts)

    def stream(self, name: str) -> bytes:
        if name not in self.entries:
            raise _Unreadable(f"no {name} stream")
        start, size, _kind = self.entries[name]
        if size < self.cutoff:
            return self._chain(start, self.minifat, self._mini_sector)[:size]
        return self._chain(start, self.fat, self._sector)[:size]


def _clx_pieces(clx: bytes) -> list[tuple[int, int, int]]:
    """(character count, file offset, compressed) of each piece of the piece table."""
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: property modifiers, skipped
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise _Unreadable("no piece table")
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + lcb]
    n = (len(plc) - 4) // 12
    if n <= 0:
        raise _Unreadable("empty piece table")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    pieces = []
    for i in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        compressed = bool(fc & 0x40000000)
        offset = (fc & 0x3FFFFFFF) // 2 if compressed else fc
        pieces.append((max(0, cps[i + 1] - cps[i]), offset, compressed))
    return pieces


def has_tables(path: str) -> bool | None:
    """True when the document's text holds a table cell mark, False when it holds none, None when
    the file is not a Word 97–2003 binary document this reader understands."""
    try:
        with open(path, "rb") as fh:
            cf = _CompoundFile(fh.read())
        word = cf.stream("WordDocument")
        ident, nfib = struct.unpack_from("<HH", word, 0)
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if ident != _WORD_IDENT or nfib < _FIRST_WORD97_NFIB or flags & _F_ENCRYPTED:
            return None
        csw = struct.unpack_from("<H", word, 0x20)[0]
        cslw = struct.unpack_from("<H", word, 0x22 + 2 * csw)[0]
        rg = 0x22 + 2 * csw + 2 + 4 * cslw
        if struct.unpack_from("<H", word, rg)[0] <= _CLX_INDEX:
            return None
        fc_clx, lcb_clx = struct.unpack_from("<II", word, rg + 2 + 8 * _CLX_INDEX)
        table = cf.stream("1Table" if flags & _F_WHICH_TBL_STM else "0Table")
        if lcb_clx == 0 or fc_clx + lcb_clx > len(table):
            return None
        for chars, offset, compressed in _clx_pieces(table[fc_clx:fc_clx + lcb_clx]):
            size = chars if compressed else 2 * chars
            if offset + size > len(word):
                return None
            text = word[offset:offset + size]
            if compressed:
                if _CELL_MARK in text:
                    return True
            elif "\x07" in text.decode("utf-16-le", "replace"):
                return True
        return False
    except (_Unreadable, struct.error, OSError, ValueError):
        return None
