"""What an attachment is and how far we go to read it: media types, signatures, limits.

Used by pipelines/attachments.py; docs/attachments.md explains the choices.
"""

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
WPS = "application/vnd.ms-works"  # Kingsoft WPS 文字 (.wps); servers label it many ways, see below

OFD = "application/ofd"  # GB/T 33190 版式文档: a zip of XML pages; recognised and flagged, not read

READABLE_TYPES = (PDF, DOCX, DOC, WPS)

# Magic bytes. A PDF may carry junk before "%PDF-" (readers accept it within the first 1 KiB).
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WINDOW = 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: .doc, .wps, but also .xls, .ppt
# An OLE file is a Word/WPS text document only if it has this stream (directory names are UTF-16LE).
OLE_WORD_STREAM = "WordDocument".encode("utf-16-le")
DOCX_MAIN_PART = "word/document.xml"
OFD_MAIN_PART = "OFD.xml"
OFD_WARNING = ("ofd: OFD (GB/T 33190) document not read: no maintained OFD reader is installed; "
               "the report's text and statistics are missing")

# Fallbacks when the body has no signature we know (then the worker decides, usually with a warning).
EXTENSIONS = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".doc": DOC,
    ".wps": WPS,
    ".ofd": OFD,
}
CONTENT_TYPES = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    DOCX: DOCX,
    "application/msword": DOC,
    "application/vnd.ms-word": DOC,
    "application/vnd.ms-works": WPS,
    "application/kswps": WPS,
    "application/wps-office.wps": WPS,
    "application/vnd.wps-office.wps": WPS,
    "application/ofd": OFD,
}
# Bodies that start like this are pages (an error page behind a .pdf link), never attachments.
MARKUP_PREFIXES = (b"<", b"\xef\xbb\xbf<")

# --- Limits -----------------------------------------------------------------------------------
DEFAULT_TIMEOUT = 60.0  # seconds of wall clock for one attachment, worker start included
DEFAULT_MAX_BYTES = 200 * 1024**2  # refuse larger bodies outright
# Address space of the worker process (RLIMIT_AS). Python + pdfminer start near 100 MiB of
# address space; a 200 MiB report with layout analysis stays well under this.
WORKER_MEMORY_BYTES = 2 * 1024**3
MAX_PDF_PAGES = 2000  # the longest real reports run to a few hundred pages
MAX_TEXT_CHARS = 5_000_000  # cut (with a warning) beyond this: no report is that long

# DOCX (zip) bomb guards, checked on the central directory before anything is decompressed.
# zipfile stops reading a member at its declared size, so declared sizes bound the real ones.
ZIP_MAX_MEMBERS = 5000
ZIP_MAX_TOTAL_UNCOMPRESSED = 500 * 1024**2
ZIP_MAX_MEMBER_UNCOMPRESSED = 200 * 1024**2
ZIP_MAX_RATIO = 200  # deflated XML compresses 10–30×; only members over ZIP_RATIO_MIN_SIZE are checked
ZIP_RATIO_MIN_SIZE = 10 * 1024**2

# Scanned PDF detection: fewer visible characters than this per page, on average, with images
# present, means the text layer is absent or only page numbers / a watermark.
MIN_TEXT_CHARS_PER_PAGE = 20
# Share of "(cid:N)" glyphs (fonts without a Unicode map) above which the text layer is garbage.
MAX_UNMAPPED_GLYPH_SHARE = 0.3

# External readers for Word 97–2003 / WPS, tried in order; output must be UTF-8 with no wrapping.
DOC_READERS = (
    ("antiword", ["antiword", "-m", "UTF-8.txt", "-w", "0"]),
    ("catdoc", ["catdoc", "-d", "utf-8", "-w"]),
)

# --- PDF layout (pipelines/pdf_text.py, pipelines/pdf_tables.py) ------------------------------------
PDF_TABLE_EDGE_TOLERANCE = 2.0  # points: cell edges closer than this are one column/row rule
PDF_PAGE_BAND = 0.12  # share of the page height at top and bottom where running headers/footers live
PDF_CELL_GAP_EM = 1.2  # a horizontal gap wider than this (in font sizes) separates two table cells
PDF_FULL_LINE_SHARE = 0.8  # a line this wide (share of the text column) ran to the margin: may continue
PDF_INDENT_EM = 1.2  # a line starting this far right of the text column's left edge opens a paragraph
PDF_PARAGRAPH_GAP_EM = 1.2  # a vertical gap wider than this (in font sizes) ends a paragraph
# Page-number lines: "- 3 -", "—3—", "3", "第3页", "第 3 页 共 5 页", "3/5".
PDF_PAGE_NUMBER_PATTERN = r"^[-—–－‐\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*(?:共|/)\s*\d{1,4}\s*页?)?[-—–－‐\s]*$"
# A running header/footer: the same line (digits ignored) in the band of at least this share of pages.
PDF_RUNNING_LINE_SHARE = 0.5

# --- OCR of scans (pipelines/ocr.py): Debian's tesseract with the chi_sim model -----------------------
OCR_ENABLED = True  # off: a scan is only flagged needs_ocr
OCR_ENV = "GONGKAI_OCR"  # GONGKAI_OCR=off in the environment turns OCR off for a run
OCR_COMMAND = ("tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "tsv")
OCR_DPI = 200  # tesseract reads CJK best at 200–300 dpi; 200 keeps a page near 3 s on one core
OCR_MAX_PAGES = 60  # a scanned report longer than this is OCRed in part, with a warning
OCR_PAGE_TIMEOUT = 60.0  # seconds for one page
OCR_TIMEOUT = 600.0  # seconds for a whole scanned attachment (instead of DEFAULT_TIMEOUT)
OCR_MIN_CONFIDENCE = 70.0  # mean word confidence (0–100) below which the OCR text gets a warning

# --- DOC/WPS tables via LibreOffice (converted to DOCX, then read like one) --------------------------
LIBREOFFICE_COMMAND = ("soffice", "--headless", "--norestore", "--convert-to", "docx")
# Seconds of a DOC's time kept for the conversion itself (a report converts in 2-5 s, 10 at nice 10 on a
# loaded box); the rest of its share may be spent waiting for room under the crawl's memory bound.
LIBREOFFICE_CONVERT_SECONDS = 12.0
# Seconds a PDF waits for room under the crawl's memory bound (the browser's render in progress to end
# and the browser to close), at most half its timeout; then it is read regardless (at 15 s a render
# with pager clicks on a box at load 12 outlasted it: benchmarks/browser.py, worker 121 MB beside chromium).
PDF_ROOM_WAIT_SECONDS = 30.0
# A DOC's share of its timeout spent on tables (waiting for room, then LibreOffice); antiword's text,
# read first, takes well under a second.
DOC_TABLES_SHARE = 0.75
OCR_DARK_LEVEL = 128  # grey level (0–255) below which a pixel is ink
# A dark run at least this long (points) is a table rule, not a stroke of a glyph: across, the
# narrowest value column; down, one text line's row (a CJK glyph's strokes stay under ~10 pt).
OCR_RULE_MIN_PT = 24.0
OCR_VERTICAL_RULE_MIN_PT = 12.0
# chi_sim misreads digits alone in a table cell as look-alike glyphs; a cell whose text becomes a number
# by these (and by dropping stray quotes and dots around it) is read as that number.
OCR_DIGIT_LOOKALIKES = {"工": "1", "l": "1", "I": "1", "|": "1", "丨": "1", "]": "1", "[": "1", "o": "0", "O": "0",
                        "〇": "0", "口": "0", "s": "5", "S": "5", "B": "8", "Z": "2", "z": "2"}
OCR_CELL_STRAY = "\"'“”‘’`.,，。·:：;；_~?？"  # never - or +: 本年增/减 prints signed numbers
OCR_RULE_MERGE_PX = 4  # parallel rule pixels this close (and overlapping) are one rule
OCR_MONTAGE_PAD_PX = 24  # white space between cells in the montage tesseract reads (pixels at OCR_DPI)
OCR_CELL_INSET_PX = 3  # cut this much off each side of a cell: what is left of its rules
# Numbers of scanned tables read again cell by cell (pipelines/ocr_cells.py): every cell a page of its
# own in one tesseract run (a list file: the model loads once), as one text line with a digit whitelist.
OCR_DIGIT_COMMAND = ("tesseract", "{list}", "stdout", "-l", "eng", "--psm", "7",
                     "-c", "tessedit_char_whitelist=0123456789+-.,", "tsv")
# When the template's arithmetic fails on the tables as read, the number cells are read again in these
# ways, (tesseract language, page segmentation mode, integer upscale), and a differing reading that
# makes fewer checks fail is kept.
OCR_CELL_RETRIES = (("eng", 8, 2), ("eng", 7, 3), ("chi_sim", 7, 2))
# Where the montage's chi_sim reading and the digit reading of a cell disagree, these readings vote too
# (measured on 803 number cells of six generated scans: the digit reading alone was wrong once, 11 as
# 114, and these three read that cell as 11, 11 and 1).
OCR_CELL_VOTES = (("eng", 7, 2), ("eng", 7, 3), ("chi_sim", 7, 1))
OCR_CELL_PAD_PX = 20  # white margin around a cell image read by itself
OCR_CELL_MAX_TRIALS = 400  # readings tried against the arithmetic, at most, per document
PDF_LABEL_COLUMN_GAP_EM = 0.4  # in an unruled table, a gap this wide down a whole row separates label columns
# OCR words of justified prose sit far apart (tesseract boxes each run of characters): outside ruled
# tables, only a gap this wide (in font sizes) separates cells on an OCR line.
OCR_CELL_GAP_EM = 3.0
