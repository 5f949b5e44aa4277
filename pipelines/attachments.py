"""Text of report attachments: PDF (pdfminer.six), DOCX (python-docx), DOC and WPS (antiword, catdoc).

Many 政府信息公开年度报告 are published only as an attached file. `extract_attachment_text` turns the
fetched bytes into plain text and never raises. Parsing runs in a separate worker process
(`python -m pipelines.attachments FILE MEDIA_TYPE ...`) under a wall-clock timeout and an address-space
limit, because pdfminer on a pathological PDF can loop for minutes or grow without bound, and the crawl
must not hang or be OOM-killed for one bad file. The call blocks up to `timeout` seconds: from Twisted
code run it in a thread (deferToThread). See docs/attachments.md.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.rules import attachments as rules

_PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class AttachmentText:
    text: str
    media_type: str  # sniffed, e.g. "application/pdf"; "" when the body is not an attachment we read
    needs_ocr: bool  # PDF with no usable text layer (scanned, outlined text): text is ""
    warnings: list[str] = field(default_factory=list)


# --- Sniffing -------------------------------------------------------------------------------------


def sniff_media_type(body: bytes, url: str, content_type: str) -> str | None:
    """The attachment type of `body`, or None when it is not a PDF/DOCX/DOC/WPS we can read.

    Magic bytes win over the URL and the Content-Type header, which government servers get wrong
    both ways (PDFs served as text/html or application/octet-stream, HTML error pages at .pdf URLs).
    The extension and header are only used when the body has no known signature and is not markup.
    """
    try:
        head = body[: rules.PDF_MAGIC_WINDOW]
        if rules.PDF_MAGIC in head:
            return rules.PDF
        hinted = _hinted_type(url, content_type)
        if head.startswith(rules.ZIP_MAGIC):
            return _sniff_zip(body, hinted)
        if head.startswith(rules.OLE_MAGIC):
            # .xls/.ppt share the container; only a WordDocument stream makes it text we can read.
            if rules.OLE_WORD_STREAM not in body:
                return None
            return rules.WPS if hinted == rules.WPS else rules.DOC
        if head.lstrip().startswith(rules.MARKUP_PREFIXES) or not head.strip():
            return None
        return hinted
    except Exception:  # never raise on bad input; a body we cannot sniff is not one we read
        return None


def _hinted_type(url: str, content_type: str) -> str | None:
    """Type implied by the URL's extension, else by the Content-Type header."""
    path = urlsplit(url or "").path.lower()
    for ext, media_type in rules.EXTENSIONS.items():
        if path.endswith(ext):
            return media_type
    bare = (content_type or "").split(";")[0].strip().lower()
    return rules.CONTENT_TYPES.get(bare)


def _sniff_zip(body: bytes, hinted: str | None) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        # A truncated DOCX still looks like one by name; the worker will report it as corrupt.
        return rules.DOCX if hinted == rules.DOCX else None
    # .xlsx, .pptx, .ofd and plain zips of several reports are not read here.
    return rules.DOCX if rules.DOCX_MAIN_PART in names else None


# --- Entry point ----------------------------------------------------------------------------------


def extract_attachment_text(
    body: bytes,
    url: str,
    content_type: str = "",
    *,
    timeout: float = rules.DEFAULT_TIMEOUT,
    max_bytes: int = rules.DEFAULT_MAX_BYTES,
) -> AttachmentText:
    """Plain text of an attachment. Never raises: problems come back as warnings with text ""."""
    media_type = ""
    try:
        body = bytes(body or b"")
        media_type = sniff_media_type(body, url, content_type) or ""
        if len(body) > max_bytes:
            return AttachmentText("", media_type, False, [
                f"attachment: refused, {len(body)} bytes is over the {max_bytes}-byte limit"])
        if not media_type:
            shown = (content_type or "").split(";")[0].strip() or "no content-type"
            return AttachmentText("", "", False, [f"attachment: not a PDF, DOC, DOCX or WPS file ({shown})"])
        if media_type == rules.DOCX:
            refusal = zip_bomb_check(body)
            if refusal:
                return AttachmentText("", media_type, False, [refusal])
        result = _run_worker(body, media_type, timeout)
        return AttachmentText(result["text"], media_type, result["needs_ocr"], result["warnings"])
    except Exception as exc:  # last resort: the contract is no exceptions, whatever the bytes
        return AttachmentText("", media_type, False, [f"attachment: unexpected error: {exc!r}"])


def zip_bomb_check(body: bytes) -> str | None:
    """A refusal warning if the DOCX's central directory declares too much to decompress, else None.

    Only the central directory is read (no decompression). zipfile never inflates a member past its
    declared size, so bounding declared sizes bounds what python-docx can be made to allocate.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return f"docx: not a readable zip ({exc})"
    if len(infos) > rules.ZIP_MAX_MEMBERS:
        return f"docx: refused, {len(infos)} zip members (limit {rules.ZIP_MAX_MEMBERS})"
    total = sum(info.file_size for info in infos)
    if total > rules.ZIP_MAX_TOTAL_UNCOMPRESSED:
        return f"docx: refused as a zip bomb, {total} bytes declared uncompressed"
    for info in infos:
        if info.file_size > rules.ZIP_MAX_MEMBER_UNCOMPRESSED:
            return f"docx: refused as a zip bomb, {info.filename} declares {info.file_size} bytes"
        if info.file_size > rules.ZIP_RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > rules.ZIP_MAX_RATIO:
                return f"docx: refused as a zip bomb, {info.filename} compressed {ratio:.0f}:1"
    return None


# --- Parent side of the worker --------------------------------------------------------------------


def _worker_command(path: str, media_type: str, timeout: float) -> list[str]:
    """Command line of the worker; a seam for tests, which swap in a slow or greedy process."""
    return [sys.executable, "-m", "pipelines.attachments", path, media_type,
            str(rules.WORKER_MEMORY_BYTES), str(timeout)]


def _run_worker(body: bytes, media_type: str, timeout: float) -> dict:
    """Parse `body` in a child process; kill its whole process group at `timeout` seconds."""
    fail = {"text": "", "needs_ocr": False, "warnings": []}
    env = dict(os.environ)
    # The worker imports this package even when the crawl runs from another directory.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    # A temp file rather than a pipe: pdfminer seeks, and antiword/catdoc need a path anyway.
    suffix = {rules.PDF: ".pdf", rules.DOCX: ".docx", rules.DOC: ".doc", rules.WPS: ".wps"}[media_type]
    fd, path = tempfile.mkstemp(prefix="gongkai-att-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        # New session: antiword/catdoc run as grandchildren and must die with the worker.
        proc = subprocess.Popen(
            _worker_command(path, media_type, timeout), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            fail["warnings"].append(f"attachment: parsing stopped after the {timeout:g} s timeout")
            return fail
        finally:
            if proc.poll() is None:  # interrupted (KeyboardInterrupt): leave no orphan behind
                _kill_group(proc)
        if proc.returncode != 0:
            last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            how = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
                   else f"exit {proc.returncode}")
            fail["warnings"].append(f"attachment: worker failed ({how}) {last[0][:200]}".rstrip())
            return fail
        result = json.loads(out.decode("utf-8"))
        return {"text": str(result.get("text", "")), "needs_ocr": bool(result.get("needs_ocr")),
                "warnings": [str(w) for w in result.get("warnings", [])]}
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- Worker side ----------------------------------------------------------------------------------


def _limit_memory(max_bytes: int) -> None:
    """Cap this process's address space, so a runaway parse raises MemoryError instead of
    swapping the machine or drawing the OOM killer onto the crawl."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def _worker_main(argv: list[str]) -> int:
    path, media_type, mem, timeout = argv[0], argv[1], int(argv[2]), float(argv[3])
    _limit_memory(mem)
    try:
        if media_type == rules.PDF:
            result = _pdf_text(path)
        elif media_type == rules.DOCX:
            result = _docx_text(path)
        else:
            result = _doc_text(path, timeout)
    except MemoryError:
        result = {"text": "", "needs_ocr": False,
                  "warnings": [f"attachment: parsing needed more than {mem} bytes of memory"]}
    except Exception as exc:  # corrupt files raise all sorts of things from deep inside the parsers
        kind = media_type.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
        result = {"text": "", "needs_ocr": False, "warnings": [f"{kind}: cannot parse: {exc!r}"[:300]]}
    text = result["text"]
    if len(text) > rules.MAX_TEXT_CHARS:
        result["text"] = text[: rules.MAX_TEXT_CHARS]
        result["warnings"].append(f"attachment: text cut at {rules.MAX_TEXT_CHARS} characters")
    sys.stdout.buffer.write(json.dumps(result, ensure_ascii=False).encode("utf-8"))
    return 0


# PDF ---------------------------------------------------------------------------------------------

_CID_RE = re.compile(r"\(cid:\d+\)")


def _pdf_text(path: str) -> dict:
    import logging

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    # pdfminer logs every small deviation from the spec; real gov PDFs have many.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    warnings: list[str] = []
    pages: list[str] = []
    image_pages = 0  # pages with images and (almost) no text: scanned
    images = 0
    with open(path, "rb") as fp:
        manager = PDFResourceManager(caching=True)
        device = PDFPageAggregator(manager, laparams=LAParams())
        interpreter = PDFPageInterpreter(manager, device)
        for number, page in enumerate(PDFPage.get_pages(fp), 1):
            if number > rules.MAX_PDF_PAGES:
                warnings.append(f"pdf: stopped after {rules.MAX_PDF_PAGES} pages")
                break
            try:
                interpreter.process_page(page)
            except MemoryError:
                raise
            except Exception as exc:  # one broken content stream should not lose the other pages
                warnings.append(f"pdf: page {number} unreadable: {exc!r}"[:200])
                pages.append("")
                continue
            parts: list[str] = []
            page_images = _render_layout(device.get_result(), parts)
            page_text = "".join(parts)
            images += page_images
            if page_images and _visible_chars(page_text) < rules.MIN_TEXT_CHARS_PER_PAGE:
                image_pages += 1
            pages.append(page_text)
    if not pages:
        return {"text": "", "needs_ocr": False, "warnings": [*warnings, "pdf: no pages"]}
    text = "\n\n".join(pages)
    unmapped = len(_CID_RE.findall(text))
    if unmapped:
        text = _CID_RE.sub("", text)
        share = unmapped / max(unmapped + _visible_chars(text), 1)
        if share > rules.MAX_UNMAPPED_GLYPH_SHARE:
            return {"text": "", "needs_ocr": True, "warnings": [*warnings,
                    f"pdf: {unmapped} glyphs have no Unicode mapping, text layer unusable: needs OCR"]}
        warnings.append(f"pdf: dropped {unmapped} glyphs with no Unicode mapping")
    if _visible_chars(text) < rules.MIN_TEXT_CHARS_PER_PAGE * len(pages):
        why = f"{images} images" if images else "no images; text may be drawn as outlines"
        return {"text": "", "needs_ocr": True, "warnings": [*warnings,
                f"pdf: no text layer on {len(pages)} pages ({why}): needs OCR"]}
    if image_pages:
        warnings.append(f"pdf: {image_pages} of {len(pages)} pages are images without text (partly scanned)")
    return {"text": clean_text(text, pdf=True), "needs_ocr": False, "warnings": warnings}


def _render_layout(item: object, parts: list[str]) -> int:
    """Append the text of a pdfminer layout in reading order (as pdfminer's TextConverter does)
    and return how many images it holds."""
    from pdfminer.layout import LTContainer, LTImage, LTText, LTTextBox

    if isinstance(item, LTImage):
        return 1
    images = 0
    if isinstance(item, LTContainer):
        for child in item:
            images += _render_layout(child, parts)
    elif isinstance(item, LTText):
        parts.append(item.get_text())
    if isinstance(item, LTTextBox):
        parts.append("\n")  # a blank line between boxes: paragraph boundary for clean_text
    return images


def _visible_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


# DOCX --------------------------------------------------------------------------------------------


def _docx_text(path: str) -> dict:
    import docx

    document = docx.Document(path)
    lines: list[str] = []
    # Body paragraphs and tables in document order, including those wrapped in content controls.
    for element in document.element.body.xpath(
            "./w:p | ./w:tbl | ./w:sdt/w:sdtContent/w:p | ./w:sdt/w:sdtContent/w:tbl"):
        if element.tag.endswith("}tbl"):
            lines.extend(_table_rows(element))
        else:
            lines.append(_paragraph_text(element))
    return {"text": clean_text("\n".join(lines)), "needs_ocr": False, "warnings": []}


def _paragraph_text(p: object) -> str:
    from docx.text.paragraph import Paragraph

    return Paragraph(p, None).text  # type: ignore[arg-type]  # text needs no parent part


def _table_rows(tbl: object) -> list[str]:
    """One line per row, cells joined by " | ". A vertically merged cell's continuation is empty
    (its text is on the first row); a horizontally merged cell appears once."""
    rows: list[str] = []
    for tr in tbl.tr_lst:  # type: ignore[attr-defined]
        cells = []
        for tc in tr.tc_lst:
            cells.append("" if tc.vMerge == "continue" else _cell_text(tc))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _cell_text(tc: object) -> str:
    pieces = []
    for child in tc.iterchildren():  # type: ignore[attr-defined]
        if child.tag.endswith("}p"):
            pieces.append(_paragraph_text(child))
        elif child.tag.endswith("}tbl"):  # nested table: its rows, inline
            pieces.append(" / ".join(_table_rows(child)))
    return " ".join(" ".join(piece.split()) for piece in pieces if piece.strip())


# DOC / WPS ---------------------------------------------------------------------------------------


def _doc_text(path: str, timeout: float) -> dict:
    warnings: list[str] = []
    for name, command in rules.DOC_READERS:
        try:
            done = subprocess.run([*command, path], capture_output=True, timeout=timeout, check=False)
        except FileNotFoundError:
            warnings.append(f"doc: {name} is not installed")
            continue
        except subprocess.TimeoutExpired:
            warnings.append(f"doc: {name} timed out")
            continue
        text = done.stdout.decode("utf-8", "replace")
        if done.returncode == 0 and _visible_chars(text):
            if name == "antiword":
                text = _antiword_tables(text)
            return {"text": clean_text(text), "needs_ocr": False, "warnings": warnings}
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1] or ["no text"]
        warnings.append(f"doc: {name} failed: {message[0][:150]}")
    return {"text": "", "needs_ocr": False, "warnings": warnings}


def _antiword_tables(text: str) -> str:
    """antiword prints table rows as "|a  |b  |"; rewrite them as "a | b" like DOCX tables."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
            cells = [cell.strip() for cell in stripped[1:-1].split("|")]
            line = " | ".join(cells) if any(cells) else ""
        lines.append(line)
    return "\n".join(lines)


# --- Cleaning -------------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SPACE_RUN = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u200b-\u200d\ufeff]")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
# A line may continue on the next if it ends in a CJK character or mid-sentence punctuation;
# 。！？；： and closing brackets end it.
_JOINABLE_END = re.compile(f"[{_CJK}，、（《“‘]$")
_FULL_LINE_SHARE = 0.8  # a line at least this share of its block's longest line ran to the margin
_MIN_BLOCK_WIDTH = 10  # blocks of short lines (tables, lists) are never joined


def clean_text(text: str, *, pdf: bool = False) -> str:
    """Minimal cleaning: unify line ends and spaces, strip lines, drop control characters.

    DOCX/DOC text keeps one paragraph per line, with no blank lines. PDF text keeps one blank line
    between pdfminer's text boxes (roughly paragraphs) and between pages.

    For PDFs also: drop single spaces between CJK characters (justified text comes out "政 府"),
    and join a line to the next when it was broken only by the page width — the line ends in a
    CJK character or ，、, the next starts with a CJK character, and the line is nearly as long as
    the longest in its block (so short headings like "一、总体情况" are never glued to the
    paragraph below). Blocks are pdfminer text boxes, separated by blank lines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n")]
    if pdf:
        lines = [_SPACE_BETWEEN_CJK.sub("", line) for line in lines]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    if pdf:
        blocks = [_join_broken_lines(block) for block in blocks]
    separator = "\n\n" if pdf else "\n"
    return separator.join("\n".join(block) for block in blocks if block)


def _join_broken_lines(block: list[str]) -> list[str]:
    if not block:
        return block
    width = max(len(line) for line in block)
    if width < _MIN_BLOCK_WIDTH:
        return block
    out = [block[0]]
    previous = block[0]  # the raw previous line: out[-1] grows as lines are joined
    for line in block[1:]:
        if (len(previous) >= _FULL_LINE_SHARE * width and _JOINABLE_END.search(previous)
                and _CJK_CHAR.match(line)):
            out[-1] += line
        else:
            out.append(line)
        previous = line
    return out


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
