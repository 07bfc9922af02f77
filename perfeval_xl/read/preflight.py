"""Pre-flight: decide what a received file really is, and whether it is safe to parse, before any parser sees it.

Every front end goes through `preflight` (via `open_workbook`): `perfeval check`, `perfeval batch`, the xlwings
button and the LibreOffice button (which run `check`), and `annotate` for the copy it patches. It looks at the
bytes, never at the extension, and either returns an `Inspected` (the workbook's real kind, its decrypted bytes when
a password was given, what macros it carries) or raises `Refused` with a stable code and a Chinese and an English
sentence telling the user what to do. The codes are listed in docs/security.md.

What it does, in order, never running anything in the file and never writing anything:

* size: empty, over MAX_FILE_BYTES;
* zip packages (.xlsx/.xlsm/.ods, whatever their name): the end-of-central-directory record bounds the number of
  members before the directory is parsed; the declared sizes bound the total and the compression ratio before
  anything is inflated; then every member a parser would read (XML, relationships, VML, binary parts) is inflated
  in streaming, 64 KB at a time, with a hard cap of its declared size, so a central directory that lies about sizes
  is caught after at most its declared size plus one chunk (bounded time and memory); CRCs are checked; an XML
  document type declaration (the vehicle of entity attacks: billion laughs, external entities) is refused — in a
  picture (an SVG logo), only an entity declaration is;
* OLE compound files (.xls, and password-protected OOXML): encryption recognised (msoffcrypto-tool), decrypted to
  memory with a password; macros detected with oletools (imported only for OLE files);
* anything else is sniffed to say what it is (HTML or MHTML saved as .xls, CSV/text, XML Spreadsheet 2003, PDF, …)
  and refused with advice.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import stat
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from ..a1 import col_letter
from ..errors import Refused, refuse
from ..messages import FILE_KINDS
from .extent import MAX_SHEET_CELLS, Clip, PartExtent, SheetScan, clip_box, sheet_parts, xls_extents

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # declared total of every member
MAX_PARSED_BYTES = 64 * 1024 * 1024  # declared (and so inflated) total of the members a parser reads: XML, binary
# parts. A form's XML is well under 1 MB; 64 MB of sheet XML is about 2 million cells, ~0.5 GB once read.
MAX_RATIO = 200  # uncompressed : compressed, for archives or members above BOMB_FLOOR
BOMB_FLOOR = 10 * 1024 * 1024  # small packages may compress as well as they like
MAX_MEMBERS = 10_000
MAX_CENTRAL_DIRECTORY = 8 * 1024 * 1024
CHUNK = 64 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_LOCAL = b"PK\x03\x04"
_MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp", ".svg", ".ico",
                   ".mp3", ".mp4", ".wav", ".avi", ".wmv", ".m4a", ".pdf")
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t\r\n]*<|^(?:\xff\xfe|\xfe\xff)|^\x00?<\x00?[?!a-zA-Z]")
_ODS_TYPES = ("application/vnd.oasis.opendocument.spreadsheet",
              "application/vnd.oasis.opendocument.spreadsheet-template")
# A DOCTYPE (or ENTITY) declaration, in the encodings an XML part may use. OOXML and ODF parts never carry one. A
# picture may: an SVG logo often starts with <!DOCTYPE svg PUBLIC …>. Pictures are never parsed (no reader or
# writer here looks inside them), so there only what could hurt a parser that did is refused: entity declarations.
_ENCODINGS = ("ascii", "utf-16-le", "utf-16-be")
_ENTITY_MARKS = tuple("<!ENTITY".encode(enc) for enc in _ENCODINGS)
_DTD_MARKS = tuple("<!DOCTYPE".encode(enc) for enc in _ENCODINGS) + _ENTITY_MARKS
_OVERLAP = max(len(m) for m in _DTD_MARKS)


def too_large_sheets(oversized: dict[str, tuple[int, int]], searched: bool = True) -> Refused:
    """Sheets too large to read: say which, and how far their content reaches. `searched`: the other sheets were
    read and hold no form (False: nothing was read, as for an .ods, whose reader reads every sheet at once)."""
    shown = list(oversized.items())[:3]
    return refuse("too_large", "sheets" if searched else "sheets_unread", cells=f"{MAX_SHEET_CELLS:,}",
                  where_zh="、".join(f"“{n}”（内容延伸到 {col_letter(c - 1)}{r}）" for n, (r, c) in shown),
                  where_en=", ".join(f"'{n}' (content reaches {col_letter(c - 1)}{r})" for n, (r, c) in shown))


def _not_spreadsheet(what: str) -> Refused:
    zh, en = FILE_KINDS[what]
    return refuse("not_spreadsheet", what_zh=zh, what_en=en)


def _unsupported(what: str) -> Refused:
    zh, en = FILE_KINDS[what]
    return refuse("unsupported_format", what_zh=zh, what_en=en)


@dataclass
class Inspected:
    """What the pre-flight learnt about a file that may be parsed."""

    path: Path
    kind: str  # 'xlsx' (any OOXML spreadsheet: .xlsx/.xlsm/.xltx), 'xls' or 'ods' — from the content
    data: bytes  # the bytes that were verified (decrypted, in memory only, when the file had an open password):
    # readers and the annotator use these, never the file again
    macros: str | None = None  # what code the workbook carries (never run): 'vba', 'xlm', 'vba+xlm', 'ods'
    macro_parts: tuple[str, ...] = ()
    encrypted: bool = False
    oversized: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheets too large to read (not read)
    sha256: str = ""  # of the file as received (before any decryption)
    # sheets whose cells span too much but hold little: sheet name -> (its part, what of it is read)
    clipped: dict[str, tuple[str, Clip]] = field(default_factory=dict)
    workbook_part: str | None = None  # an OOXML package's workbook part, found through _rels/.rels
    formulas: bool = True  # whether a worksheet of an OOXML package holds a formula (False: seen to hold none)

    @property
    def annotatable(self) -> bool:
        """Whether `annotate` can patch a copy (an OOXML package)."""
        return self.kind == "xlsx"


def preflight(path: str | Path, password: str | None = None) -> Inspected:
    """The file's real kind and what it carries, from its content; Refused when it must not be parsed."""
    path = Path(path)
    try:
        if path.is_dir():
            raise refuse("not_a_file")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a device or a pipe: never read (it could be endless)
            raise refuse("not_a_file", "device")
        size = info.st_size
        if size == 0:
            raise refuse("empty")
        if size > MAX_FILE_BYTES:
            raise refuse("too_large")
        data = path.read_bytes()  # once: what is verified here is what gets parsed
        digest = hashlib.sha256(data).hexdigest()
        if data.startswith(ZIP_MAGIC):
            with io.BytesIO(data) as fh:
                facts = _inspect_zip(fh, len(data))
            return Inspected(path, data=data, sha256=digest, **facts)
        if data.startswith(OLE_MAGIC):
            inspected = _inspect_ole(path, data, password)
            inspected.sha256 = digest
            return inspected
    except FileNotFoundError:
        raise refuse("not_found", path=path) from None
    except PermissionError:
        raise refuse("unreadable", "permission") from None
    except IsADirectoryError:
        raise refuse("not_a_file") from None
    except OSError as e:
        raise refuse("unreadable", why=e.strerror or e) from None
    raise _sniff(data[:8192], size)


# -- zip packages --------------------------------------------------------------------------------------------
def _inspect_zip(fh: BinaryIO, size: int) -> dict:
    """What a zip package is and carries, as Inspected's fields (kind, macros, macro_parts, oversized, clipped,
    workbook_part)."""
    import zipfile

    bound_directory(fh, size)
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
        infos = archive.infolist()
    except Exception:  # noqa: BLE001 - BadZipFile, EOFError, struct errors, NotImplementedError …
        raise refuse("corrupt") from None
    if len(infos) > MAX_MEMBERS:
        raise refuse("zip_bomb")
    lower = {}
    for info in infos:
        key = info.filename.lower()
        if key in lower:  # two members with one name: which one a reader takes is up to the reader
            raise refuse("corrupt")
        lower[key] = info
    kind, workbook_part = _package_kind(fh, lower)

    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    for info in infos:
        if info.file_size > BOMB_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise refuse("zip_bomb")
    if total > BOMB_FLOOR and total > MAX_RATIO * packed:
        raise refuse("zip_bomb")
    if total > MAX_UNZIPPED_BYTES:
        raise refuse("too_large")

    # Every member is inflated (capped at its declared size) and CRC-checked: a reader finds its parts through
    # relationships, so a sheet may hide under any name. The declared size of everything but pictures and media is
    # bounded first; whatever turns out to be XML (by its first bytes, whatever its name) is counted while inflating
    # and scanned for DTDs.
    parts = [i for i in infos if not i.is_dir()]
    if sum(i.file_size for i in parts if not i.filename.lower().endswith(_MEDIA_SUFFIXES)) > MAX_PARSED_BYTES:
        raise refuse("too_large")
    budget = [MAX_PARSED_BYTES]
    extents: dict[str, PartExtent] = {}
    for info in parts:
        if info.flag_bits & 0x1:
            raise refuse("encrypted")  # zip-level (not Office) encryption
        inflate_checked(fh, info, budget=budget, extents=extents)
    oversized, clipped = _oversized(fh, kind, {i.filename: i for i in parts}, extents)
    macros, code_parts = _zip_macros(kind, [i.filename for i in infos])
    formulas = any(part.kind == "worksheet" and part.formulas for part in extents.values())
    return {"kind": kind, "macros": macros, "macro_parts": code_parts, "oversized": oversized, "clipped": clipped,
            "workbook_part": workbook_part, "formulas": formulas}


def _oversized(fh: BinaryIO, kind: str, infos: dict, extents: dict[str, PartExtent]) -> tuple[dict, dict]:
    """The sheets whose cells with content span more than MAX_SHEET_CELLS (the reader would build a dense grid that
    large, see extent.py): sheet name -> (rows, cols) for those that are not read, and sheet name -> (part, Clip) for
    those that hold few cells and are read up to where their far-away strays begin."""
    if kind == "ods":
        out = {}
        for part in extents.values():
            if part.kind == "unparsed":  # the reader could not be bounded: better not to let it try
                raise refuse("corrupt")
            if part.kind == "ods":
                out.update({t: e for t, e in part.tables.items() if e[0] * e[1] > MAX_SHEET_CELLS})
        return out, {}
    big = {name for name, part in extents.items() if part.kind == "worksheet" and part.cells > MAX_SHEET_CELLS}
    if not big:
        return {}, {}
    clips = {}
    for name in big:  # the quick bound counts empty cells too: measure again, exactly
        scan = SheetScan(collect=True)
        try:
            inflate_checked(fh, infos[name], sink=scan)
            scan.close()
        except ValueError:
            raise refuse("corrupt") from None
        extents[name].rows, extents[name].cols = scan.rows, scan.cols
        if scan.rows * scan.cols > MAX_SHEET_CELLS:
            clips[name] = clip_box(*scan.coords, scan.cells)
    if not clips:
        return {}, {}
    for name, part in list(extents.items()):  # now the sheets need their names
        if part.kind in ("workbook", "rels"):
            extents[name] = PartExtent(names=True)
            inflate_checked(fh, infos[name], sink=extents[name])
            extents[name].close()
    named = sheet_parts(extents)
    if named is None:  # the workbook's sheets cannot be named: the oversized one cannot be left out
        raise refuse("too_large")
    oversized, clipped = {}, {}
    for sheet, part in named.items():
        if clips.get(part) is not None:
            clipped[sheet] = (part, clips[part])
        elif extents[part].cells > MAX_SHEET_CELLS:
            oversized[sheet] = (extents[part].rows, extents[part].cols)
    return oversized, clipped


def bound_directory(fh: BinaryIO, size: int) -> None:
    """Refuse an archive whose end record announces more members, or a larger directory, than a workbook has —
    before zipfile builds an object per member."""
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(_EOCD)
    if pos < 0 or pos + 22 > len(tail):
        raise refuse("corrupt")  # truncated: the end of the archive is missing
    n_total, cd_size = struct.unpack_from("<HI", tail, pos + 10)
    if n_total == 0xFFFF or cd_size == 0xFFFFFFFF:  # ZIP64: the real numbers are in the ZIP64 end record
        loc = pos - 20
        if loc < 0 or tail[loc:loc + 4] != _EOCD64_LOCATOR:
            raise refuse("corrupt")
        (offset,) = struct.unpack_from("<Q", tail, loc + 8)
        fh.seek(offset)
        rec = fh.read(56)
        if len(rec) < 56 or rec[:4] != _EOCD64:
            raise refuse("corrupt")
        n_total, cd_size = struct.unpack_from("<QQ", rec, 32)
    if n_total > MAX_MEMBERS or cd_size > MAX_CENTRAL_DIRECTORY:
        raise refuse("zip_bomb")


def _package_kind(fh: BinaryIO, members: dict) -> tuple[str, str | None]:
    """The package's kind ('xlsx' or 'ods'; Refused for anything else) and, for OOXML, its main part as the package
    relationships name it (it need not be xl/workbook.xml)."""
    if "mimetype" in members:
        info = members["mimetype"]
        mime = _small_member(fh, info).decode("ascii", "replace").strip() if info.file_size <= 200 else ""
        if mime in _ODS_TYPES:
            return "ods", None
        if mime.startswith("application/vnd.oasis.opendocument."):
            raise _not_spreadsheet("odf_other")
    if "[content_types].xml" in members:
        main, content_type = _main_part(fh, members)
        if "xl/workbook.bin" in members or ".binary." in content_type:
            raise _unsupported("xlsb")
        if "spreadsheetml" in content_type or "ms-excel.sheet" in content_type or "ms-excel.template" in content_type:
            return "xlsx", main
        if "wordprocessingml" in content_type:
            raise _not_spreadsheet("word")
        if "presentationml" in content_type:
            raise _not_spreadsheet("powerpoint")
        if any(n.startswith("xl/") for n in members):
            return "xlsx", main
        if any(n.startswith("word/") for n in members):
            raise _not_spreadsheet("word")
        if any(n.startswith("ppt/") for n in members):
            raise _not_spreadsheet("powerpoint")
    raise refuse("not_spreadsheet", "archive")


_SMALL_PART = 1024 * 1024  # the package relationships and content types of a workbook are a few KB


def _main_part(fh: BinaryIO, members: dict) -> tuple[str | None, str]:
    """The member the package relationships (_rels/.rels) name as the main document, and its content type ('' when
    either cannot be told). Both parts are small; they are read with the safe parser (no entities, no DTD)."""
    from lxml import etree

    rels, types = members.get("_rels/.rels"), members.get("[content_types].xml")
    if rels is None or types is None or max(rels.file_size, types.file_size) > _SMALL_PART:
        return None, ""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(_small_member(fh, rels), parser)
        ct = etree.fromstring(_small_member(fh, types), parser)
    except etree.XMLSyntaxError:
        return None, ""
    target = next((el.get("Target", "") for el in root.iter("{*}Relationship")
                   if el.get("Type", "").endswith("/officeDocument") and el.get("TargetMode") != "External"), "")
    name = posixpath.normpath(unquote(target).lstrip("/")) if target else ""
    info = members.get(name.lower())
    if info is None:
        return None, ""
    part = "/" + name.lower()
    for el in ct.iter("{*}Override"):
        if el.get("PartName", "").lower() == part:
            return info.filename, el.get("ContentType", "")
    ext = posixpath.splitext(name)[1].lstrip(".").lower()
    return info.filename, next((el.get("ContentType", "") for el in ct.iter("{*}Default")
                                if el.get("Extension", "").lower() == ext), "")


def _data_offset(fh: BinaryIO, info) -> int:
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) != 30 or head[:4] != _LOCAL:
        raise refuse("corrupt")
    n_len, x_len = struct.unpack_from("<HH", head, 26)
    return info.header_offset + 30 + n_len + x_len


def _small_member(fh: BinaryIO, info) -> bytes:
    out = io.BytesIO()
    inflate_checked(fh, info, sink=out)
    return out.getvalue()


def inflate_checked(fh: BinaryIO, info, *, budget: list[int] | None = None, sink=None,
                     extents: dict | None = None) -> int:
    """Inflate one member in CHUNK-sized steps, never producing more than its declared size (a larger output is a
    lying header: zip_bomb); check its CRC. A member whose first bytes are XML is scanned for a document type
    declaration (refused: xml_entities) and charged to `budget` (bytes of XML still allowed; too_large beyond).
    Returns the number of bytes produced; keeps none of them (unless `sink`). A picture or media member (by its
    name: an SVG logo is XML) may carry a document type declaration, not an entity declaration."""
    fh.seek(_data_offset(fh, info))
    marks = _ENTITY_MARKS if info.filename.lower().endswith(_MEDIA_SUFFIXES) else _DTD_MARKS
    left = info.compress_size
    declared = info.file_size
    produced, crc, carry = 0, 0, b""
    head = b""  # the first bytes, until they tell whether this is XML
    xml: bool | None = None
    extent: PartExtent | None = None

    def scan(out: bytes) -> None:
        nonlocal carry, extent
        if budget is not None:
            budget[0] -= len(out)
            if budget[0] < 0:
                raise refuse("too_large")
        window = carry + out
        if b"!" in window and any(m in window for m in marks):
            raise refuse("xml_entities")
        carry = window[-_OVERLAP:]
        if extents is not None:
            if extent is None:
                extent = extents[info.filename] = PartExtent()
            extent.feed(out)

    def take(out: bytes, final: bool = False) -> None:
        nonlocal produced, crc, head, xml
        produced += len(out)
        if produced > declared:
            raise refuse("zip_bomb")
        crc = zlib.crc32(out, crc)
        if sink is not None:
            sink.write(out)
        if xml is None:
            head += out
            if len(head) < 16 and not final:
                return
            xml = bool(_XML_START.match(head))
            out, head = head, b""
        if xml:
            scan(out)

    if info.compress_type == 0:  # stored
        if info.compress_size != declared:
            raise refuse("corrupt")
        while left:
            block = fh.read(min(CHUNK, left))
            if not block:
                raise refuse("corrupt")
            left -= len(block)
            take(block)
    elif info.compress_type == 8:  # deflate
        d = zlib.decompressobj(-15)
        pending = b""
        try:
            while not d.eof:
                if not pending:
                    if not left:
                        raise refuse("corrupt")  # the deflate stream ends early
                    pending = fh.read(min(CHUNK, left))
                    if not pending:
                        raise refuse("corrupt")
                    left -= len(pending)
                take(d.decompress(pending, CHUNK))
                pending = d.unconsumed_tail
        except zlib.error:
            raise refuse("corrupt") from None
    else:  # Excel, WPS and LibreOffice write only stored and deflated members
        raise refuse("corrupt")
    take(b"", final=True)
    if produced != declared or crc != info.CRC:
        raise refuse("corrupt")
    if extent is not None:
        extent.close()
    return produced


def _zip_macros(kind: str, names: list[str]) -> tuple[str | None, tuple[str, ...]]:
    """Code-bearing parts, by name (their content is never parsed, let alone run)."""
    low = [(n, n.lower()) for n in names]
    if kind == "ods":
        parts = tuple(n for n, k in low if k.startswith(("basic/", "scripts/")) and not k.endswith("/")
                      and not k.endswith("manifest.xml"))
        return ("ods" if parts else None), parts
    vba = tuple(n for n, k in low if k.rsplit("/", 1)[-1] == "vbaproject.bin")
    xlm = tuple(n for n, k in low if k.startswith("xl/macrosheets/") and not k.endswith(("/", ".rels")))
    kinds = "+".join(k for k, found in (("vba", vba), ("xlm", xlm)) if found)
    return (kinds or None), vba + xlm


# -- OLE compound files --------------------------------------------------------------------------------------
def _inspect_ole(path: Path, data: bytes, password: str | None) -> Inspected:
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        entries = {"/".join(e).lower() for e in ole.listdir(streams=True, storages=True)}
        ole.close()
    except Exception:  # noqa: BLE001 - hostile input: any parser failure has one meaning here
        raise refuse("corrupt") from None
    if "encryptioninfo" in entries and "encryptedpackage" in entries:  # an OOXML workbook with an open password
        plain = _decrypt(data, password)
        with io.BytesIO(plain) as fh:
            facts = _inspect_zip(fh, len(plain))
        return Inspected(path, data=plain, encrypted=True, **facts)
    if "workbook" in entries or "book" in entries:
        encrypted = _xls_encrypted(data)
        if encrypted:
            data = _decrypt(data, password)
        macros = _ole_macros(data, entries)
        oversized, clipped = _xls_oversized(data)
        return Inspected(path, "xls", data, macros,
                         ("_VBA_PROJECT_CUR",) if macros and "vba" in macros else (), encrypted=encrypted,
                         oversized=oversized, clipped=clipped)
    if "worddocument" in entries:
        raise _not_spreadsheet("word")
    if "powerpoint document" in entries:
        raise _not_spreadsheet("powerpoint")
    raise _not_spreadsheet("ole_other")


def _xls_oversized(data: bytes) -> tuple[dict, dict]:
    """The .xls sheets whose value records span more than MAX_SHEET_CELLS (at most 65,536 x 256 in BIFF8): sheet
    name -> (rows, cols) for those not read, sheet name -> ('', Clip) for those read up to their far-away strays."""
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            name = "Workbook" if ole.exists("Workbook") else "Book"
            stream = ole.openstream(name).read()
        extents = xls_extents(stream)
    except Exception:  # noqa: BLE001 - hostile input: any parser failure has one meaning here
        return {}, {}  # the reader will judge the file; its grid cannot exceed 65,536 x 256 anyway
    oversized, clipped = {}, {}
    for sheet, e in extents.items():
        if e.rows * e.cols > MAX_SHEET_CELLS:
            clip = clip_box(*e.coords, e.cells)
            if clip is None:
                oversized[sheet] = (e.rows, e.cols)
            else:
                clipped[sheet] = ("", clip)
    return oversized, clipped


def _xls_encrypted(data: bytes) -> bool:
    import msoffcrypto

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # noqa: BLE001 - hostile input: any parser failure has one meaning here
        return False  # not recognised as encrypted: the reader decides whether it can read it


def _decrypt(data: bytes, password: str | None) -> bytes:
    if not password:
        raise refuse("encrypted")
    import msoffcrypto
    from msoffcrypto import exceptions as mx

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        try:
            office.load_key(password=password, verify_password=True)
        except TypeError:  # formats whose load_key has no verify_password
            office.load_key(password=password)
        out = io.BytesIO()
        office.decrypt(out)
    except mx.InvalidKeyError:
        raise refuse("wrong_password") from None
    except (mx.DecryptionError, mx.FileFormatError, mx.ParseError, NotImplementedError, ValueError,
            AssertionError) as e:
        text = str(e).lower()
        if "password" in text or "key" in text:
            raise refuse("wrong_password") from None
        raise refuse("encrypted", "method") from None
    plain = out.getvalue()
    if len(plain) > MAX_FILE_BYTES:
        raise refuse("too_large")
    return plain


def _ole_macros(data: bytes, entries: set[str]) -> str | None:
    """VBA projects and Excel 4.0 (XLM) macro sheets in a .xls, found statically by oletools."""
    import logging
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # oletools' pyparsing grammar warns about deprecated names
            from oletools.olevba import VBA_Parser
        logging.getLogger("olevba").setLevel(logging.CRITICAL)
    except ImportError:  # oletools missing: the VBA storage still tells
        return "vba" if any(e.startswith("_vba_project_cur") for e in entries) else None
    found = []
    try:
        parser = VBA_Parser("workbook.xls", data=data)
        try:
            if parser.detect_vba_macros():
                found.append("vba")
            try:
                if parser.detect_xlm_macros():
                    found.append("xlm")
            except Exception:  # noqa: BLE001 - hostile input: any parser failure has one meaning here
                pass
        finally:
            parser.close()
    except Exception:  # noqa: BLE001 - hostile input: any parser failure has one meaning here
        if any(e.startswith("_vba_project_cur") for e in entries):
            found.append("vba")
    return "+".join(found) or None


# -- everything else: say what it is -------------------------------------------------------------------------
def _sniff(head: bytes, size: int) -> Refused:
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head.decode("utf-16").lstrip("\ufeff \t\r\n").lower().encode("utf-8", "replace")
        except UnicodeDecodeError:
            pass
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head", b"<body")) or (
            text.startswith(b"<") and (b"<table" in text or b"<html" in text)
            and b"urn:schemas-microsoft-com:office:spreadsheet" not in text):
        return _not_spreadsheet("html")
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text or (text.startswith(b"<?xml") and b"<workbook" in text):
        return _unsupported("xml2003")
    if text.startswith(b"mime-version") or b"content-type: multipart/related" in text:
        return _not_spreadsheet("mhtml")
    if head.startswith(b"%PDF"):
        return _not_spreadsheet("pdf")
    if head.startswith(b"{\\rtf"):
        return _not_spreadsheet("rtf")
    if head.startswith((b"\x50\x4b\x05\x06", b"\x50\x4b\x07\x08")):
        return refuse("corrupt")
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")):
        return _not_spreadsheet("archive")
    if _looks_like_text(head):
        return _not_spreadsheet("text")
    return _not_spreadsheet("unknown")


def _looks_like_text(head: bytes) -> bool:
    for enc in ("utf-8", "gb18030", "utf-16"):
        try:
            s = head.decode(enc)
        except UnicodeDecodeError:
            if enc == "utf-8":  # a multi-byte character cut at the end of the sample
                try:
                    s = head[:-3].decode(enc)
                except UnicodeDecodeError:
                    continue
            else:
                continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in s)
        if s and printable / len(s) > 0.95:
            return True
    return False
