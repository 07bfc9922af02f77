"""The formula cells of an OOXML workbook (.xlsx/.xlsm) that carry no cached value, read from the sheet XML.

A formula cell is *uncached* when its `<c>` has an `<f>` and no `<v>`, or an empty `<v>` of a cell that is not a text
(`<v></v>`, `<v/>`: openpyxl, Apache POI before evaluation), or the `t="str"` `<v>0</v>` PhpSpreadsheet writes for
every formula when it does not pre-calculate. Shared formulas (`<f t="shared" ref=… si=…>` on the first cell, `<f
t="shared" si=…/>` on the others) are expanded by moving the first cell's formula; array formulas and data tables
are given as '{=…}' (the evaluator leaves them uncomputable). For the evaluator, the scan also records what a value
reader cannot show: formula cells cached as the empty text (`t="str"` with an empty `<v>`), and error values.

The workbook part is found through `_rels/.rels` and the sheets through its relationships, for transitional and strict
OOXML alike. Parts are parsed with lxml with entities, DTDs, the network and huge trees off (the pre-flight has
refused any DOCTYPE already), sheets streamed row by row. A sheet whose every formula is followed by a non-empty
cached value (one regular-expression pass over its bytes) is not parsed at all, nor is anything else when no sheet
has an uncached formula.
"""

from __future__ import annotations

import io
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
MAX_ARRAY_CELLS = 10_000  # cells of one array formula's range marked uncomputable (the rest of a larger one is not)

# Quick exit: every formula start tag, and every formula followed by a non-empty cached value (its cell's attributes
# kept, to tell PhpSpreadsheet's placeholder apart). Equal counts: no uncached formula in the sheet.
_F_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CACHED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*)>\s*<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*?"
                     rb"(?:/>|>[^<]*</(?:[A-Za-z_][\w.-]*:)?f>)\s*<(?:[A-Za-z_][\w.-]*:)?v>([^<]+)<")
_T_STR = re.compile(rb"""\bt\s*=\s*["']str["']""")


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


def _worksheets(pkg: _Package) -> tuple[list[tuple[str, str]], bool]:
    """(sheet name, part) of every worksheet in workbook order, and whether dates count from 1904."""
    book = next((p for _, t, p in pkg.relationships("") if t.endswith("/officeDocument")), None)
    root = pkg.xml(book) if book else None
    if root is None:
        return [], False
    targets = {rid: p for rid, t, p in pkg.relationships(book) if t.endswith("/worksheet")}
    out = []
    date1904 = False
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        if q.namespace not in _NS_MAIN:
            continue
        if q.localname == "workbookPr":
            date1904 = el.get("date1904", "").lower() in ("1", "true")
        elif q.localname == "sheet":
            rid = next((v for k, v in el.attrib.items() if etree.QName(k).namespace in _NS_REL
                        and etree.QName(k).localname == "id"), None)
            if rid in targets and el.get("name"):
                out.append((el.get("name"), targets[rid]))
    return out, date1904


def _all_cached(xml: bytes) -> bool:
    """Whether every formula of a sheet's XML is followed by a non-empty cached value (a fast look, no parse)."""
    if b"<f" not in xml and b":f" not in xml:  # no formula element at all (the common case for typed forms)
        return True
    starts = len(_F_START.findall(xml))
    if not starts:
        return True
    cached = sum(1 for m in _CACHED.finditer(xml) if not (m.group(2) == b"0" and _T_STR.search(m.group(1))))
    return cached == starts


@dataclass
class _SheetScan:
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)
    empty_text: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


MAX_TREE_BYTES = 4 * 1024 * 1024  # a sheet's XML up to this size is parsed whole (fast); a larger one is streamed


def _scan_sheet(xml: bytes) -> _SheetScan:
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
                    _cell(cell, *_formula_and_value(cell, ns), at, out, masters, arrays)
        else:
            r = -1
            for row in root.iter(*(f"{{{n}}}row" for n in _NS_MAIN)):
                r = _scan_row(row, r, out, masters, arrays)
    else:
        events = etree.iterparse(io.BytesIO(xml), events=("end",), tag=tuple(f"{{{n}}}row" for n in _NS_MAIN),
                                 resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 remove_comments=True)
        r = -1
        for _, row in events:
            r = _scan_row(row, r, out, masters, arrays)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
    for ref, text in arrays:
        try:
            r0, c0 = parse_a1(ref.split(":")[0])
            r1, c1 = parse_a1(ref.split(":")[-1])
        except ValueError:
            continue
        cells = [(rr, cc) for rr in range(r0, r1 + 1) for cc in range(c0, c1 + 1)][:MAX_ARRAY_CELLS]
        for at in cells:
            out.uncached.setdefault(at, text)
    return out


def _scan_row(row, previous: int, out: _SheetScan, masters: dict, arrays: list) -> int:
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
            _cell(cell, f, v, at, out, masters, arrays)
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


def _cell(cell, f, v, at: tuple[int, int], out: _SheetScan, masters: dict, arrays: list) -> None:
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
                text = ""  # a master the tokenizer refuses: the cell is uncomputable
    if value:
        if kind == "str" and value == "0":  # PhpSpreadsheet's placeholder for a formula it did not calculate
            out.uncached[at] = text
        elif kind == "e":
            out.errors[at] = value
        return
    if v is not None and kind == "str":
        out.empty_text.add(at)
        return
    if ftype in ("array", "dataTable"):
        shown = "{=" + (text if ftype == "array" else "TABLE()") + "}"
        arrays.append((f.get("ref") or "", shown))
        out.uncached[at] = shown
        return
    out.uncached[at] = text


def scan_formulas(data: bytes) -> FormulaScan:
    """The formula cells of an OOXML package with no cached value, and what a value reader cannot show (cells
    cached as "" or as an error); `data` has passed the pre-flight (read/preflight.py). When no sheet has an
    uncached formula, nothing is parsed beyond the workbook part and the result is empty."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pkg = _Package(archive)
        sheets, date1904 = _worksheets(pkg)
        xmls = {}
        for name, part in sheets:
            xml = pkg.read(part)
            if xml is not None:
                xmls[name] = xml
        found = FormulaScan(date1904=date1904)
        if all(_all_cached(xml) for xml in xmls.values()):
            return found
        for name, xml in xmls.items():
            scanned = _scan_sheet(xml)
            if scanned.uncached:
                found.uncached[name] = scanned.uncached
            if scanned.empty_text:
                found.empty_text[name] = scanned.empty_text
            if scanned.errors:
                found.errors[name] = scanned.errors
        return found
