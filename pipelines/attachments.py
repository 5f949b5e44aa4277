"""Text and tables of report attachments: PDF (text layer by pdfminer.six, ruled tables by PyMuPDF,
scans by tesseract), DOCX (python-docx), DOC and WPS (antiword, catdoc; tables by LibreOffice); OFD is
recognised and flagged.

Many 政府信息公开年度报告 are published only as an attached file. `extract_attachment_text` turns the
fetched bytes into plain text and table grids and never raises. Readers: pipelines/pdf_text.py,
pipelines/pdf_tables.py, pipelines/ocr.py, pipelines/office_text.py; the worker: pipelines/attachment_worker.py. Parsing runs in a separate worker process
(`python -m pipelines.attachments FILE MEDIA_TYPE ...`) under a wall-clock timeout and an address-space
limit, because pdfminer on a pathological PDF can loop for minutes or grow without bound, and the crawl
must not hang or be OOM-killed for one bad file. The call blocks up to `timeout` seconds: from Twisted
code run it in a thread (deferToThread). See docs/attachments.md.

Inside an extraction worker of the crawl (crawler/extract_pool.py sets IN_EXTRACT_WORKER_ENV) the
file is parsed in that worker instead: it already is a separate process that the pool kills and
replaces when a page overruns its limit (page + per-attachment seconds), so a second interpreter
per file (~90 MB and ~0.3 s CPU before any parsing) buys nothing. The same guards hold there: the
size and zip-bomb checks run first, the worker caps its own address space (`enter_extract_worker`),
and a SIGALRM stops a parse at `timeout` with the same warning the subprocess path gives.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.attachment_worker import limit_memory as _limit_memory  # noqa: F401  (tests cap memory with it)
from pipelines.attachment_worker import parse_file, worker_main
from pipelines.office_text import _antiword_tables, _doc_text, _docx_text  # noqa: F401  (re-exported)
from pipelines.rules import attachments as rules
from pipelines.tables import TableSpec
from pipelines.text_clean import clean_text  # noqa: F401  (re-exported)

_PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Set to "1" in the crawl's extraction workers: attachments are then parsed in that process.
IN_EXTRACT_WORKER_ENV = "GONGKAI_EXTRACT_WORKER"


def enter_extract_worker() -> None:
    """Called once at the start of an extraction worker: parse attachments here, and cap this
    process's address space as the per-file converter would be capped."""
    os.environ[IN_EXTRACT_WORKER_ENV] = "1"
    _limit_memory(rules.WORKER_MEMORY_BYTES)


def _in_extract_worker() -> bool:
    return os.environ.get(IN_EXTRACT_WORKER_ENV) == "1"


class _ParseTimeout(BaseException):
    """Raised by SIGALRM in an in-process parse; a BaseException so parsers' `except Exception` keep out."""


@dataclass
class AttachmentText:
    text: str
    media_type: str  # sniffed, e.g. "application/pdf"; "" when the body is not an attachment we read
    needs_ocr: bool  # no usable text layer and OCR off or failed: text is ""
    warnings: list[str] = field(default_factory=list)
    tables: list[TableSpec] = field(default_factory=list)  # grids for pipelines.statistics
    text_source: str | None = None  # "text_layer", "ocr", "text_layer+ocr", "docx", "doc"
    ocr_confidence: float | None = None  # mean word confidence 0–100 when OCR read the text


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
    if rules.OFD_MAIN_PART in names:
        return rules.OFD  # recognised so that the report is flagged, not silently dropped
    # .xlsx, .pptx and plain zips of several reports are not read here.
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
        if media_type in (rules.DOCX, rules.OFD):  # an OFD is a zip too: read by the worker (pipelines/ofd_text.py)
            refusal = zip_bomb_check(body)
            if refusal:
                return AttachmentText("", media_type, False, [refusal])
        if media_type == rules.PDF and looks_scanned(body):
            timeout = max(timeout, rules.OCR_TIMEOUT)  # OCR takes seconds a page
        result = _run_worker(body, media_type, timeout)
        return AttachmentText(result["text"], media_type, result["needs_ocr"], result["warnings"],
                              result["tables"], result["text_source"], result["ocr_confidence"])
    except Exception as exc:  # last resort: the contract is no exceptions, whatever the bytes
        return AttachmentText("", media_type, False, [f"attachment: unexpected error: {exc!r}"])


def looks_scanned(body: bytes) -> bool:
    """A PDF with images and no font resource at all: a scan, for which OCR needs a longer timeout.
    (Only a hint for the timeout; the worker decides from the pages what needs OCR.)"""
    return b"/Image" in body and b"/Font" not in body


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


def _result(raw: dict) -> dict:
    return {"text": str(raw.get("text", "")), "needs_ocr": bool(raw.get("needs_ocr")),
            "warnings": [str(w) for w in raw.get("warnings", [])],
            "tables": _tables(raw.get("tables")), "text_source": raw.get("text_source"),
            "ocr_confidence": raw.get("ocr_confidence")}


def _parse_here(path: str, media_type: str, timeout: float) -> dict:
    """parse_file in this process, stopped by SIGALRM at `timeout` when this is the main thread
    (elsewhere the extraction pool's own per-page limit is the bound)."""
    if threading.current_thread() is not threading.main_thread():
        return _result(parse_file(path, media_type, rules.WORKER_MEMORY_BYTES, timeout))

    def alarm(signum: int, frame: object) -> None:
        raise _ParseTimeout

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return _result(parse_file(path, media_type, rules.WORKER_MEMORY_BYTES, timeout))
    except _ParseTimeout:
        return _result({"warnings": [f"attachment: parsing stopped after the {timeout:g} s timeout"]})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_worker(body: bytes, media_type: str, timeout: float) -> dict:
    """Parse `body` in a child process (in this one inside an extraction worker); kill the child's
    whole process group at `timeout` seconds."""
    fail = {"text": "", "needs_ocr": False, "warnings": [], "tables": [], "text_source": None,
            "ocr_confidence": None}
    env = dict(os.environ)
    # The worker imports this package even when the crawl runs from another directory.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    # A temp file rather than a pipe: pdfminer seeks, and antiword/catdoc need a path anyway.
    suffix = {rules.PDF: ".pdf", rules.DOCX: ".docx", rules.DOC: ".doc", rules.WPS: ".wps", rules.OFD: ".ofd"}[media_type]
    fd, path = tempfile.mkstemp(prefix="gongkai-att-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        if _in_extract_worker():
            return _parse_here(path, media_type, timeout)
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
        return _result(json.loads(out.decode("utf-8")))
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def _tables(raw: object) -> list[TableSpec]:
    """The worker's tables, checked: JSON lists of [text, colspan, rowspan] back to spec tuples."""
    out: list[TableSpec] = []
    for table in raw if isinstance(raw, list) else []:
        try:
            out.append([[(str(t), int(cs), int(rs)) for t, cs, rs in row] for row in table])
        except (TypeError, ValueError):
            continue
    return out


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
