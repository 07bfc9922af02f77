"""How far the cells that hold something reach on each sheet, found by the pre-flight before any reader runs.

python-calamine builds a dense grid from the top-left to the farthest cell with content: one value in XFD1048576
makes it try to allocate 550 GB and abort the process; one in ZZ60000 costs 1.3 GB. The extent of each sheet is
therefore measured first, while the pre-flight inflates the package anyway: each XML part is streamed through an
lxml pull parser (entities, DTDs, network and huge trees off), elements are dropped as soon as they are read, and
only the cells that hold a value (or a formula) count. Sheets beyond `MAX_SHEET_CELLS` are not handed to the reader.

* `PartExtent` streams one OOXML or ODF part: a worksheet's extent, an .ods content part's extent per table, and
  what is needed to name the worksheets (the workbook's sheet list, relationship targets).
* `sheet_extents` names the OOXML worksheets from those parts.
* `xls_extents` walks the BIFF records of a .xls workbook stream.
* `clip_box` decides how much of a sheet to read when its cells span too much but hold little: one stray value at
  Z80000 (or XFD1048576) beside a form must not cost the form. What is measured is the cells that hold something;
  far-away strays are cut off at the widest run of empty rows or columns, and the rest is read.
"""

from __future__ import annotations

import posixpath
import re
import struct
from array import array
from dataclasses import dataclass

from lxml import etree

from ..a1 import col_index

MAX_SHEET_CELLS = 2_000_000  # a form is a few hundred cells; a sheet this large is data, not a form
MAX_CLIPPED_CELLS = 200_000  # cells with content a sheet may hold and still be clipped (a form holds a few hundred)
MAX_CLIP_CUTS = 8  # cuts tried before a sheet is judged too large

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_T = lambda local: f"{{{_TABLE}}}{local}"  # noqa: E731


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|sheetData)(?=[\s/>])([^<>]*?)(/?)>")
_ROW_R = re.compile(rb"""\br\s*=\s*["']\s*([0-9]{1,9})\s*["']""")
_CELL_R = re.compile(rb"""\br\s*=\s*["']\s*\$?([A-Za-z]{1,4})\$?([0-9]{1,9})\s*["']""")
_MAX_TAG = 1 << 20  # no legitimate start tag of a row or cell is this long


class SheetScan:
    """Streams a worksheet part's bytes (any chunking) and finds how far the cells with content reach: a cell
    counts unless it is empty (`<c .../>` or `<c ...></c>`); cells and rows without `r` follow the previous one.
    Regular expressions in C do the reading (a 33 MB sheet of a million cells takes well under a second); elements
    are not built."""

    def __init__(self, collect: bool = False):
        self.rows = self.cols = 0
        self.cells = 0  # cells with content
        # with `collect`, where they are (0-based rows and columns; up to MAX_CLIPPED_CELLS + 1 of them)
        self.coords: tuple[array, array] | None = (array("I"), array("I")) if collect else None
        self.is_sheet = False
        self._row = -1
        self._col = -1
        self._carry = b""

    def feed(self, data: bytes, final: bool = False) -> None:
        window = self._carry + data
        end = len(window)
        pos = 0
        for m in _TAG.finditer(window):
            closing, name, attrs, selfclosing = m.groups()
            if name == b"c" and not closing and not selfclosing:
                rest = window[m.end():m.end() + 64].lstrip()
                if not final and len(rest) < 3 and m.end() + 64 > end:
                    pos = m.start()  # cannot tell yet whether the cell is empty
                    break
                empty = rest.startswith(b"</")
            else:
                empty = True
            pos = m.end()
            if closing:
                continue
            if name == b"sheetData":
                self.is_sheet = True
            elif name == b"row":
                r = _ROW_R.search(attrs)
                self._row = int(r.group(1)) - 1 if r else self._row + 1
                self._col = -1
            else:
                r = _CELL_R.search(attrs)
                if r:
                    self._col = col_index(r.group(1).decode())
                    row = int(r.group(2)) - 1
                else:
                    self._col += 1
                    row = self._row
                if not empty:
                    self.rows = max(self.rows, row + 1)
                    self.cols = max(self.cols, self._col + 1)
                    self.cells += 1
                    if self.coords is not None and self.cells <= MAX_CLIPPED_CELLS + 1:
                        self.coords[0].append(row)
                        self.coords[1].append(self._col)
        else:
            pos = max(pos, window.rfind(b"<"))  # keep an unfinished tag for the next chunk
            if pos < 0 or window.find(b">", pos) >= 0:
                pos = end
        self._carry = window[pos:]
        if len(self._carry) > _MAX_TAG:
            raise ValueError("a row or cell tag longer than 1 MB")

    write = feed  # a sink for the pre-flight's inflation

    def close(self) -> None:
        if self._carry:
            carry, self._carry = self._carry, b""
            self.feed(carry, final=True)


# One spelling to search: XML whitespace, '>' and '/' become spaces, either quote '"', and ':' '<' (so that a
# prefixed <x:c … counts as <c …; a stray colon elsewhere can only raise the bound).
_WS = bytes.maketrans(b"\t\r\n'>/:", b'   "  <')
_NAMED_CELL = re.compile(rb' r *= *"\$?([A-Za-z]{1,4})\$?([0-9]{1,9})"')
_NAMED_ROW = re.compile(rb' r *= *"([0-9]{1,9})"')


class SheetBound:
    """A quick upper bound of a worksheet's extent, by C-level searches only: the largest row and column any cell
    or row names, plus one for each cell or row that names none (those follow the previous one). Empty cells count
    too, so a bound over the limit is measured again exactly (`SheetScan`). About 0.1 ms for a form's sheet."""

    def __init__(self):
        self.rows = self.cols = 0
        self.formulas = False  # whether any cell holds a formula
        self._cells = self._named_cells = self._rows = self._named_rows = 0
        self._carry = b""

    def feed(self, data: bytes) -> None:
        window = self._carry + data
        cut = window.rfind(b"<", max(0, len(window) - 64))  # a tag cut by the chunk boundary waits for the next
        if cut < 0:
            cut = len(window)
        block, self._carry = window[:cut].translate(_WS), window[cut:]
        refs = _NAMED_CELL.findall(block)
        if refs:
            letters, digits = zip(*refs)
            letters = {c.upper() for c in set(letters)}
            width = max(map(len, letters))
            self.cols = max(self.cols, col_index(max(c for c in letters if len(c) == width).decode()) + 1)
            self.rows = max(self.rows, max(map(int, set(digits))))
        rows = _NAMED_ROW.findall(block)
        if rows:
            self.rows = max(self.rows, max(map(int, set(rows))))
        self.formulas = self.formulas or b"<f " in block  # <f>, <x:f t="shared"/> … once ':', '>', '/' are spaces
        self._cells += block.count(b"<c ")
        self._named_cells += len(refs)
        self._rows += block.count(b"<row ")
        self._named_rows += len(rows)

    def close(self) -> None:
        if self._carry:
            carry, self._carry = self._carry, b""
            self.feed(carry + b" ")
        self.rows += max(0, self._rows - self._named_rows)
        self.cols += max(0, self._cells - self._named_cells)


class PartExtent:
    """Feed one XML part chunk by chunk; afterwards `kind` says what it was ('worksheet', 'ods', 'workbook', 'rels'
    or 'other') and the attributes what it held. Worksheets are read by `SheetScan`; the small parts that name the
    sheets and the .ods content part by an lxml pull parser (entities, DTDs, network, huge trees off; elements
    dropped once read). A worksheet gets a quick upper bound (`SheetBound`); `exact` says whether it is exact enough
    to be believed as it is."""

    _ROOTS = {b"worksheet": "worksheet", b"document-content": "ods", b"document": "ods", b"workbook": "workbook",
              b"Relationships": "rels"}
    _ROOT = re.compile(rb"<(?!\?|!)(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")

    def __init__(self, names: bool = False):
        self.names = names  # read the workbook's sheet list and relationship targets (only when they are needed)
        self.kind: str | None = None
        self.rows = self.cols = 0  # a worksheet's extent: cells with content span rows x cols from A1
        self.formulas = False  # a worksheet: whether any cell holds a formula
        self.tables: dict[str, tuple[int, int]] = {}  # an .ods content part: the extent of each table
        self.sheets: list[tuple[str, str]] = []  # a workbook part: (sheet name, relationship id)
        self.targets: dict[str, str] = {}  # a relationships part: id -> target
        self.office_document: str | None = None
        self._head = b""
        self._sheet: SheetBound | None = None
        self._parser = None
        self._table: str | None = None
        self._ods_row = self._col = self._last = 0

    def feed(self, data: bytes) -> None:
        if self.kind is None:
            self._head += data
            m = self._ROOT.search(self._head.replace(b"\x00", b""))
            if m is None:
                if len(self._head) > 65536:
                    self.kind = "other"
                return
            self.kind = self._ROOTS.get(m.group(1), "other")
            data, self._head = self._head, b""
            if self.kind == "worksheet":
                self._sheet = SheetBound()
            elif self.kind == "ods" or self.kind in ("workbook", "rels") and self.names:
                self._parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True,
                                                   load_dtd=False, huge_tree=False, remove_comments=True,
                                                   remove_pis=True)
        if self.kind == "worksheet":
            self._sheet.feed(data)
        elif self._parser is not None:
            try:
                self._parser.feed(data)
                self._events()
            except etree.XMLSyntaxError:
                self._parser = None  # the reader will judge it; names or table extents stay as far as read
                if self.kind == "ods":
                    self.kind = "unparsed"

    write = feed  # a sink for the pre-flight's inflation

    def close(self) -> None:
        if self.kind is None and self._head:
            self.kind = "other"
        if self._sheet is not None:
            self._sheet.close()
            self.rows, self.cols = self._sheet.rows, self._sheet.cols
            self.formulas = self._sheet.formulas
        elif self._parser is not None:
            try:
                self._parser.close()
                self._events()
            except etree.XMLSyntaxError:
                if self.kind == "ods":
                    self.kind = "unparsed"

    @property
    def cells(self) -> int:
        if self.kind == "ods":
            return max((r * c for r, c in self.tables.values()), default=0)
        return self.rows * self.cols

    # -- the pull parser's events (workbook, relationships, .ods content) ------------------------------------------
    def _events(self) -> None:
        for event, el in self._parser.read_events():
            local = _local(el.tag)
            if event == "start":
                if self.kind == "ods" and el.tag == _T("table"):
                    self._table, self._ods_row = el.get(_T("name"), ""), 0
                    self.tables.setdefault(self._table, (0, 0))
                elif self.kind == "ods" and el.tag == _T("table-row"):
                    self._col, self._last = 0, 0
                continue
            if self.kind == "ods":
                self._ods_end(el)
            elif self.kind == "workbook" and local == "sheet":
                self.sheets.append((el.get("name", ""), el.get(f"{{{_R}}}id", "")))
            elif self.kind == "rels" and local == "Relationship":
                self.targets[el.get("Id", "")] = el.get("Target", "")
                if el.get("Type", "").endswith("/officeDocument"):
                    self.office_document = el.get("Target", "")
            parent = el.getparent()  # what has been read is dropped: memory stays flat however long the part
            if parent is not None:
                el.clear()
                while el.getprevious() is not None:
                    del parent[0]

    def _ods_end(self, el) -> None:
        if self._table is None:
            return
        if el.tag in (_T("table-cell"), _T("covered-table-cell")):
            repeated = _count(el.get(_T("number-columns-repeated")))
            if el.get(f"{{{_OFFICE}}}value-type") is not None or len(el):
                self._last = self._col + repeated
            self._col += repeated
        elif el.tag == _T("table-row"):
            repeated = _count(el.get(_T("number-rows-repeated")))
            if self._last:
                rows, cols = self.tables[self._table]
                self.tables[self._table] = (max(rows, self._ods_row + repeated), max(cols, self._last))
            self._ods_row += repeated
        elif el.tag == _T("table"):
            self._table = None


def _count(text) -> int:
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1


def sheet_extents(parts: dict[str, PartExtent]) -> dict[str, tuple[int, int]] | None:
    """Sheet name -> (rows, cols) for the worksheets of an OOXML package, from its streamed parts (the workbook and
    relationship parts read with `names=True`); None when the workbook's sheets cannot be named."""
    named = sheet_parts(parts)
    if named is None:
        return None
    return {name: (parts[part].rows, parts[part].cols) for name, part in named.items()}


def sheet_parts(parts: dict[str, PartExtent]) -> dict[str, str] | None:
    """Sheet name -> the member holding that worksheet, found through the package's relationships (the workbook part
    wherever `_rels/.rels` puts it); None when the workbook's sheets cannot be named."""
    lower = {k.lower(): k for k in parts}
    root = parts.get(lower.get("_rels/.rels", ""))
    if root is None or root.office_document is None:
        return None
    wb_name = _resolve("", root.office_document)
    wb = parts.get(lower.get(wb_name.lower(), ""))
    rels = parts.get(lower.get(posixpath.join(posixpath.dirname(wb_name), "_rels",
                                              posixpath.basename(wb_name) + ".rels").lower(), ""))
    if wb is None or rels is None or wb.kind != "workbook":
        return None
    out = {}
    for name, rid in wb.sheets:
        target = rels.targets.get(rid)
        member = lower.get(_resolve(posixpath.dirname(wb_name), target).lower()) if target else None
        if member is not None and parts[member].kind == "worksheet":
            out[name] = member
    return out


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(base, target)) if base else posixpath.normpath(target)


# -- clipping a sparse sheet -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clip:
    """How much of a sheet is read: rows x cols from A1 (the cells beyond were strays: `dropped` of them, the farthest
    at `far`, 0-based)."""

    rows: int
    cols: int
    dropped: int
    far: tuple[int, int]


def clip_box(rows: array, cols: array, cells: int, limit: int = MAX_SHEET_CELLS) -> Clip | None:
    """The part of a sheet to read when the cells with content (at rows[i], cols[i]; `cells` of them in all) span more
    than `limit` cells: the sheet is cut, at most MAX_CLIP_CUTS times, after the widest run of empty rows or empty
    columns, whichever leaves the smaller area, until what is left spans at most `limit` cells. None when it holds
    too much to be clipped (more than MAX_CLIPPED_CELLS) or no such cut makes it small enough: data, not a form."""
    if cells > MAX_CLIPPED_CELLS or not cells:
        return None
    every = list(zip(rows, cols))
    kept = every
    for _ in range(MAX_CLIP_CUTS):
        best = None
        for axis in (0, 1):
            cut = _after_widest_gap(sorted({cell[axis] for cell in kept}))
            if cut is not None:
                left = [cell for cell in kept if cell[axis] <= cut]
                if best is None or _area(left) < _area(best):
                    best = left
        if best is None:
            return None
        kept = best
        if _area(kept) <= limit:
            kept_set = set(kept)
            far = max(cell for cell in every if cell not in kept_set)
            return Clip(max(r for r, _ in kept) + 1, max(c for _, c in kept) + 1, len(every) - len(kept), far)
    return None


def _area(cells: list[tuple[int, int]]) -> int:
    return (max(r for r, _ in cells) + 1) * (max(c for _, c in cells) + 1)


def _after_widest_gap(values: list[int]) -> int | None:
    """The last value before the widest gap between consecutive values (the later one of equal gaps); None when the
    values run without a gap."""
    best, at = 1, None
    for a, b in zip(values, values[1:]):
        if b - a >= best:
            best, at = b - a, a
    return at if best > 1 else None


# -- .xls ----------------------------------------------------------------------------------------------------
_BOF, _EOF, _BOUNDSHEET = 0x0809, 0x000A, 0x0085
_CELL_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6}  # NUMBER RK LABELSST LABEL FORMULA …
_MULRK = 0x00BD


@dataclass
class XlsExtent:
    """How far a .xls sheet's value records reach, how many there are, and where (up to MAX_CLIPPED_CELLS + 1)."""

    rows: int = 0
    cols: int = 0
    cells: int = 0
    coords: tuple[array, array] = None

    def __post_init__(self):
        self.coords = (array("I"), array("I"))

    def add(self, r: int, c: int) -> None:
        self.rows, self.cols = max(self.rows, r + 1), max(self.cols, c + 1)
        self.cells += 1
        if self.cells <= MAX_CLIPPED_CELLS + 1:
            self.coords[0].append(r)
            self.coords[1].append(c)


def xls_extents(stream: bytes) -> dict[str, XlsExtent]:
    """Sheet name -> the extent of its value records, from a BIFF5/8 workbook stream."""
    sheets: list[tuple[str, int]] = []
    pos, n = 0, len(stream)
    while pos + 4 <= n:  # the workbook globals, up to their EOF
        rtype, size = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + size]
        pos += 4 + size
        if rtype == _BOUNDSHEET and len(body) >= 8:
            offset, cch, flags = struct.unpack_from("<I", body)[0], body[6], body[7]
            raw = body[8:]
            if len(body) >= 8 and flags in (0, 1) and len(raw) >= cch * (2 if flags else 1):
                name = raw[:cch * 2].decode("utf-16-le", "replace") if flags else raw[:cch].decode("latin-1")
            else:  # BIFF5: 8-bit name right after the length byte
                name = body[7:7 + cch].decode("cp1252", "replace")
            sheets.append((name, offset))
        elif rtype == _EOF:
            break
    out = {}
    for name, offset in sheets:
        extent = XlsExtent()
        pos = offset
        while 0 <= pos and pos + 4 <= n:
            rtype, size = struct.unpack_from("<HH", stream, pos)
            body = stream[pos + 4:pos + 4 + size]
            pos += 4 + size
            if rtype in _CELL_RECORDS and len(body) >= 4:
                extent.add(*struct.unpack_from("<HH", body))
            elif rtype == _MULRK and len(body) >= 6:
                r, first = struct.unpack_from("<HH", body)
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                for c in range(first, first + (len(body) - 6) // 6):  # one RK value per 6 bytes
                    extent.add(r, c)
                extent.rows, extent.cols = max(extent.rows, r + 1), max(extent.cols, last + 1)
            elif rtype == _EOF:
                break
        out[name] = extent
    return out
