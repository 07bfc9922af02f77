"""A narrative report read into numbered paragraphs: a Word document (.docx, through python-docx) or plain text.

A .docx paragraph's number is its 1-based place in python-docx's `document.paragraphs` (the body's paragraphs,
headings included, tables not); a text file's is its line number. The file is read once and checked before any
parser sees it (size, zip bounds, no XML entity declarations); what cannot be read is refused with a stable code.
"""

from __future__ import annotations

import hashlib
import io
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import refuse
from ..read.preflight import MAX_FILE_BYTES, OLE_MAGIC, ZIP_MAGIC, bound_directory, inflate_checked

DOCUMENT_PART = "word/document.xml"
MAX_DOCX_UNZIPPED = 300 * 1024 * 1024
HEADING_MAX_CHARS = 40  # a paragraph this short, with no sentence inside, may head the paragraphs after it
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold(text: str) -> str:
    """Full-width letters, digits and signs as their ASCII forms ('９５．０６％' -> '95.06%'), same length."""
    return text.translate(_FULL_WIDTH)


@dataclass(frozen=True)
class Paragraph:
    index: int  # 1-based: python-docx's document.paragraphs for .docx, the line for .txt
    text: str
    heading: bool  # a heading style, or a short line standing alone


@dataclass
class ReportDocument:
    path: Path
    kind: str  # 'docx' | 'txt'
    data: bytes
    sha256: str
    paragraphs: list[Paragraph]


def read_report(path: str | Path) -> ReportDocument:
    """The report's paragraphs; Refused when the file cannot be read as a report."""
    path = Path(path)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(ZIP_MAGIC):
        return ReportDocument(path, "docx", data, digest, _docx_paragraphs(data))
    if data.startswith(OLE_MAGIC):
        raise refuse("unsupported_format", "report_doc")
    if data.startswith(b"%PDF"):
        raise refuse("unsupported_format", "report_pdf")
    return ReportDocument(path, "txt", data, digest, _text_paragraphs(data))


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise refuse("not_a_file")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise refuse("not_a_file", "device")
        if info.st_size == 0:
            raise refuse("empty")
        if info.st_size > MAX_FILE_BYTES:
            raise refuse("too_large")
        return path.read_bytes()
    except FileNotFoundError:
        raise refuse("not_found", path=path) from None
    except PermissionError:
        raise refuse("unreadable", "permission") from None
    except OSError as e:
        raise refuse("unreadable", why=e.strerror or e) from None


def check_package(data: bytes) -> None:
    """Refuse a .docx that is not a Word package or is unsafe to parse: bounded directory and sizes, every XML part
    inflated under its declared size with its CRC checked and no DOCTYPE/ENTITY declaration (the workbook
    pre-flight's own checks)."""
    import zipfile

    with io.BytesIO(data) as fh:
        bound_directory(fh, len(data))
        try:
            infos = zipfile.ZipFile(fh).infolist()
        except Exception:  # noqa: BLE001 - BadZipFile, EOFError, struct errors, NotImplementedError …
            raise refuse("corrupt", "report", why="zip") from None
        names = {i.filename for i in infos}
        if DOCUMENT_PART not in names:
            raise refuse("unsupported_format", "report_package")
        if sum(i.file_size for i in infos) > MAX_DOCX_UNZIPPED:
            raise refuse("too_large")
        budget = [MAX_DOCX_UNZIPPED]
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                if info.flag_bits & 0x1:
                    raise refuse("encrypted")
                inflate_checked(fh, info, budget=budget)


def _docx_paragraphs(data: bytes) -> list[Paragraph]:
    check_package(data)
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - python-docx raises KeyError, ValueError, lxml errors … on damaged files
        raise refuse("corrupt", "report", why=f"{type(e).__name__}") from None
    out = []
    for i, p in enumerate(document.paragraphs, 1):
        style = (p.style.name if p.style is not None else "") or ""
        styled = style.lower().startswith(("heading", "title")) or style.startswith(("标题", "Heading"))
        out.append(Paragraph(i, p.text, styled or _stands_alone(p.text)))
    return out


def _text_paragraphs(data: bytes) -> list[Paragraph]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise refuse("unsupported_format", "report_binary")
    if "\x00" in text:
        raise refuse("unsupported_format", "report_binary")
    return [Paragraph(i, line, _stands_alone(line)) for i, line in enumerate(text.splitlines(), 1)]


def _stands_alone(text: str) -> bool:
    """A short paragraph with no sentence or clause inside: a heading, a title, a table cell."""
    t = text.strip()
    return 0 < len(t) <= HEADING_MAX_CHARS and not any(c in t[:-1] for c in "。；;，,！？!?")
