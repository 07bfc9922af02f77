"""The formula cells of an OOXML workbook (.xlsx/.xlsm) whose value is not in the file, read from the sheet XML.

Whether a writer calculated its formulas is decided for the whole workbook: it did when some formula cell holds a
value other than a writer's placeholder (PhpSpreadsheet's `t="str"` `<v>0</v>` when it does not pre-calculate;
xlsxwriter's `<v>0</v>` in a workbook marked `fullCalcOnLoad="1"`, when the program gave it no result).

* In a calculated workbook (Excel, WPS, LibreOffice, xlsxwriter with results) a formula cell is *uncached* when its
  `<c>` has no `<v>` (Apache POI before evaluation) or holds PhpSpreadsheet's placeholder; an empty `<v>` is the
  empty text "" (Excel and LibreOffice write it `t="str"`, xlsxwriter without a type).
* In a workbook nobody calculated (openpyxl writes `<v></v>` for every formula, PhpSpreadsheet and xlsxwriter their
  placeholders) every formula cell is uncached.

Shared formulas (`<f t="shared" ref=… si=…>` on the first cell, `<f t="shared" si=…/>` on the others) are expanded by
moving the first cell's formula; array formulas and data tables are given as '{=…}' (the evaluator leaves them
uncomputable). For the evaluator, the scan also records what a value reader cannot show: formula cells cached as the
empty text, and error values (python-calamine reads both as '').

The workbook part is found through `_rels/.rels` and the sheets through its relationships, for transitional and strict
OOXML alike. Parts are parsed with lxml with entities, DTDs, the network and huge trees off (the pre-flight has
refused any DOCTYPE already); a sheet's XML above 4 MB is streamed row by row. A calculated workbook whose every
formula is followed by its value (one regular-expression pass over each sheet's bytes) is not parsed beyond its
workbook part.
"""

from __future__ import annotations

import io
import itertools
import posixpath
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from lxml import etree

from ..a1 import MAX_COLS, parse_a1
from .evaluate import Uncomputable, Value, evaluate_workbook
from .semantics import Unsupported
from .tokens import shift_formula

_NS_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_NS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
MAX_ARRAY_CELLS = 10_000  # cells of a sheet's array formula ranges marked uncomputable (beyond them, only the first)

@dataclass
class FormulaScan:
    """What `scan_formulas` found: per sheet name, (row, col) 0-based."""

    uncached: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # formula text
    empty_text: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # formula cells cached as ""
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # cells cached as an error
    date1904: bool = False

    @property
    def count(self) -> int:
        return sum(len(cells) for cells in self.uncached.values())


def uncached_formulas(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> (row, col) -> formula text of every formula cell of the OOXML package `data` that has no
    cached value (see the module docstring); sheets without one are left out."""
    return scan_formulas(data).uncached


def compute_uncached(data: bytes, values: Mapping[str, Sequence[Sequence]]
                     ) -> dict[str, dict[tuple[int, int], Value | Uncomputable]]:
    """The formula cells of `data` with no cached value, computed from `values` (sheet name -> rows, as the
    reader's grids hold them): `evaluate_workbook` on `scan_formulas`. {} when every formula has its value."""
    found = scan_formulas(data)
    if not found.uncached:
        return {}
    return evaluate_workbook(values, found.uncached, empty_text=found.empty_text, errors=found.errors,
                             date1904=found.date1904)


# -- the package ------------------------------------------------------------------------------------------------
class _Package:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names = {n.lower(): n for n in archive.namelist()}

    def read(self, part: str) -> bytes | None:
        name = self.names.get(part.lstrip("/").lower())
        return self.archive.read(name) if name else None

    def xml(self, part: str):
        data = self.read(part)
        if data is None:
            return None
        root = etree.fromstring(data, _PARSER)
        if root.getroottree().docinfo.doctype:
            raise ValueError(f"{part}: a document type declaration is not allowed in an OOXML part")
        return root

    def relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, target part) of the relationships of `part` ('' for the package), external ones left out."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        out = []
        for rel in ([] if root is None else root.iter(f"{{{_NS_PKG}}}Relationship")):
            if rel.get("TargetMode") == "External":
                continue
            target = unquote(rel.get("Target", ""))
            path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out.append((rel.get("Id", ""), rel.get("Type", ""), path))
        return out


@dataclass
class _Book:
    sheets: list[tuple[str, str]]  # (sheet name, part) of every worksheet, in workbook order
    date1904: bool = False
    full_calc: bool = False  # <calcPr fullCalcOnLoad="1"/>: the writer asks for a recalculation (xlsxwriter, openpyxl)


def _workbook(pkg: _Package) -> _Book:
    book = next((p for _, t, p in pkg.relationships("") if t.endswith("/officeDocument")), None)
    root = pkg.xml(book) if book else None
    if root is None:
        return _Book([])
    targets = {rid: p for rid, t, p in pkg.relationships(book) if t.endswith("/worksheet")}
    out = _Book([])
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        if q.namespace not in _NS_MAIN:
            continue
        if q.localname == "workbookPr":
            out.date1904 = el.get("date1904", "").lower() in ("1", "true")
        elif q.localname == "calcPr":
            out.full_calc = el.get("fullCalcOnLoad", "").lower() in ("1", "true")
        elif q.localname == "sheet":
            rid = next((v for k, v in el.attrib.items() if etree.QName(k).namespace in _NS_REL
                        and etree.QName(k).localname == "id"), None)
            if rid in targets and el.get("name"):
                out.sheets.append((el.get("name"), targets[rid]))
    return out


# The quick look: a sheet's formula start tags (with the prefix its main namespace has), and each formula followed by
# a value, with its cell's attributes (a text cell or not) and the value.
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet\b")
_CACHED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*)>\s*<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*?"
                     rb"(?:/>|>[^<]*</(?:[A-Za-z_][\w.-]*:)?f>)\s*<(?:[A-Za-z_][\w.-]*:)?v(?:/>|>([^<]*)<)")
_T_STR = re.compile(rb"""\bt\s*=\s*["']str["']""")


@dataclass
class _Look:
    formulas: int = 0  # formula elements
    values: list[tuple[bool, bytes]] = field(default_factory=list)  # (text cell, value) of formulas followed by <v>


def _look(xml: bytes) -> _Look:
    """Counted without parsing: the formulas of a sheet, and the values that follow them."""
    out = _Look()
    root = _ROOT.search(xml)  # the root element, near the start
    prefix = root.group(1) + b":" if root and root.group(1) else b""
    if b"<" + prefix + b"f" not in xml:  # no formula at all (the common case for typed forms)
        return out
    out.formulas = len(re.findall(b"<" + re.escape(prefix) + rb"f[\s>/]", xml))
    out.values = [(_T_STR.search(m.group(1)) is not None, m.group(2) or b"") for m in _CACHED.finditer(xml)]
    return out


def _calculated(looks: list[_Look], full_calc: bool) -> bool:
    """Whether the writer calculated the workbook's formulas: some formula holds a value that is no placeholder."""
    return any(not _placeholder(text_cell, value, full_calc) for look in looks for text_cell, value in look.values)


def _all_cached(looks: list[_Look], calculated: bool) -> bool:
    """Whether no formula of the workbook lacks its value (then the sheets need not be parsed)."""
    if not any(look.formulas for look in looks):
        return True
    return calculated and all(look.formulas == len(look.values) and not any(
        text_cell and value == b"0" for text_cell, value in look.values) for look in looks)


def _placeholder(text_cell: bool, value: bytes, full_calc: bool) -> bool:
    """A value a writer puts where it did not calculate: PhpSpreadsheet's text "0", xlsxwriter's 0 (it marks the
    workbook fullCalcOnLoad), or nothing at all (openpyxl)."""
    return value == b"" or value == b"0" and (text_cell or full_calc)


@dataclass
class _SheetScan:
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)
    empty_text: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


MAX_TREE_BYTES = 4 * 1024 * 1024  # a sheet's XML up to this size is parsed whole (fast); a larger one is streamed


def _scan_sheet(xml: bytes, calculated: bool = True) -> _SheetScan:
    out = _SheetScan()
    masters: dict[str, tuple[str, int, int]] = {}  # shared formula index -> (text, row, col) of its first cell
    arrays: list[tuple[str, str]] = []  # (ref, text) of uncached array formulas and data tables
    if len(xml) <= MAX_TREE_BYTES:
        root = etree.fromstring(xml, _PARSER)
        ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        found = root.xpath("//m:sheetData/m:row/m:c[m:f or @t='e']", namespaces={"m": ns[1:-1]}) if ns else []
        if all(cell.get("r") is not None for cell in found):  # every cell placed by its own reference
            for cell in found:
                at = _position(cell.get("r"), 0, -1)
                if at is not None:
                    _cell(cell, *_formula_and_value(cell, ns), at, out, masters, arrays, calculated)
        else:
            r = -1
            for row in root.iter(*(f"{{{n}}}row" for n in _NS_MAIN)):
                r = _scan_row(row, r, out, masters, arrays, calculated)
    else:
        events = etree.iterparse(io.BytesIO(xml), events=("end",), tag=tuple(f"{{{n}}}row" for n in _NS_MAIN),
                                 resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 remove_comments=True)
        r = -1
        for _, row in events:
            r = _scan_row(row, r, out, masters, arrays, calculated)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
    budget = MAX_ARRAY_CELLS
    for ref, text in arrays:
        try:
            r0, c0 = parse_a1(ref.split(":")[0])
            r1, c1 = parse_a1(ref.split(":")[-1])
        except ValueError:
            continue
        cells = ((rr, cc) for rr in range(r0, r1 + 1) for cc in range(c0, c1 + 1))
        for at in itertools.islice(cells, budget):
            out.uncached.setdefault(at, text)
            budget -= 1
    return out


def _scan_row(row, previous: int, out: _SheetScan, masters: dict, arrays: list, calculated: bool) -> int:
    """The cells of one <row>, placed by their references or, where a cell or the row has none, by counting;
    returns the row's index."""
    ns = row.tag[:row.tag.index("}") + 1]
    r = int(row.get("r")) - 1 if (row.get("r") or "").isdigit() else previous + 1
    last, after = None, 0  # the last cell reference written in the row, and the cells after it without one
    for cell in row.iterchildren(ns + "c"):
        ref = cell.get("r")
        if ref is None:
            after += 1
        else:
            last, after = ref, 0
        f, v = _formula_and_value(cell, ns)
        if f is None and cell.get("t") != "e":
            continue
        at = _position(last, after, r)
        if at is not None:
            _cell(cell, f, v, at, out, masters, arrays, calculated)
    return r


def _formula_and_value(cell, ns: str):
    """The <f> and <v> children of a <c> (None where absent)."""
    f = v = None
    for child in cell:
        tag = child.tag
        if tag == ns + "f":
            f = child
        elif tag == ns + "v":
            v = child
    return f, v


def _position(last: str | None, after: int, row: int) -> tuple[int, int] | None:
    """(row, col) of a cell: its own reference, or `after` columns past the last one written in its row."""
    if last is None:
        return (row, after - 1) if row >= 0 else None
    try:
        r, c = parse_a1(last)
    except ValueError:
        return None
    return (r, c + after) if c + after < MAX_COLS else None


def _cell(cell, f, v, at: tuple[int, int], out: _SheetScan, masters: dict, arrays: list, calculated: bool) -> None:
    """One cell with a formula or an error value: uncached (its formula text), cached as "" or as an error, or cached
    (nothing to record). `calculated`: the writer calculated the workbook's formulas (see the module docstring)."""
    kind = cell.get("t", "n")
    value = v.text if v is not None else None
    if f is None:
        if kind == "e" and value:
            out.errors[at] = value
        return
    ftype = f.get("t", "normal")
    text = f.text or ""
    if ftype == "shared" and f.get("si") is not None:
        si = f.get("si")
        if text:
            masters[si] = (text, *at)
        elif si in masters:
            base, r0, c0 = masters[si]
            try:
                text = shift_formula(base, at[0] - r0, at[1] - c0)
            except Unsupported:
                text = ""  # a first cell the tokenizer refuses: the cell is uncomputable
    if calculated:
        if value:
            if kind == "e":
                out.errors[at] = value
            if not (kind == "str" and value == "0"):  # PhpSpreadsheet's placeholder is computed again
                return
        elif v is not None:
            out.empty_text.add(at)
            return
    if ftype in ("array", "dataTable"):
        shown = "{=" + (text if ftype == "array" else "TABLE()") + "}"
        arrays.append((f.get("ref") or "", shown))
        out.uncached[at] = shown
        return
    out.uncached[at] = text


def scan_formulas(data: bytes) -> FormulaScan:
    """The formula cells of an OOXML package whose value is not in the file, and what a value reader cannot show (cells
    cached as "" or as an error); `data` has passed the pre-flight (read/preflight.py). A calculated workbook whose
    formulas all have their values is not parsed beyond its workbook part, and the result is empty.

    Raises ValueError when the package or one of its parts cannot be read (damaged zip, XML that does not parse)."""
    try:
        return _scan(data)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError) as e:
        raise ValueError(f"formulas not read: {type(e).__name__}: {e}") from e


def _scan(data: bytes) -> FormulaScan:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pkg = _Package(archive)
        book = _workbook(pkg)
        xmls = {}
        for name, part in book.sheets:
            xml = pkg.read(part)
            if xml is not None:
                xmls[name] = xml
    looks = [_look(xml) for xml in xmls.values()]
    calculated = _calculated(looks, book.full_calc)
    found = FormulaScan(date1904=book.date1904)
    if _all_cached(looks, calculated):
        return found
    for name, xml in xmls.items():
        scanned = _scan_sheet(xml, calculated)
        if scanned.uncached:
            found.uncached[name] = scanned.uncached
        if scanned.empty_text:
            found.empty_text[name] = scanned.empty_text
        if scanned.errors:
            found.errors[name] = scanned.errors
    return found
