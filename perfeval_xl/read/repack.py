"""Repack an OOXML package, in memory, into the shape python-calamine reads: the workbook, its shared strings and its
styles at the fixed names calamine looks for (a valid package may put them wherever its relationships say, and
Excel and LibreOffice follow the relationships), and sheets clipped to the cells a form can use (see
`extent.clip_box`: a far-away stray is cut off). Only what calamine reads is copied (pictures and media are left
out); the received bytes are never changed, and nothing here is written to disk.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from urllib.parse import unquote

from lxml import etree

from ..a1 import a1, col_index
from .extent import Clip

FIXED = {"officeDocument": "xl/workbook.xml", "sharedStrings": "xl/sharedStrings.xml", "styles": "xl/styles.xml"}
_MEDIA = re.compile(r"\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|wdp|svg|ico|mp3|mp4|wav|avi|wmv|m4a|pdf|bin)$", re.I)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class RepackError(ValueError):
    """The package's parts cannot be put where calamine looks for them (two parts claim one fixed name)."""


def _rels_of(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _resolve(source: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _kind(rel) -> str:
    return rel.get("Type", "").rsplit("/", 1)[-1]


def repack(data: bytes, clips: dict[str, Clip] | None = None) -> bytes:
    """The package with its workbook, shared strings and styles at calamine's fixed names (relationship targets
    written as absolute part names), and the worksheet parts named in `clips` clipped. Raises RepackError (a
    ValueError) when the parts cannot be arranged so."""
    clips = {k.lower(): v for k, v in (clips or {}).items()}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = {n.lower(): n for n in z.namelist() if not n.endswith("/")}

        def read(lower: str) -> bytes:
            return z.read(names[lower])

        root = etree.fromstring(read("_rels/.rels"), _PARSER)
        office = next((r for r in root if _kind(r) == "officeDocument" and r.get("TargetMode") != "External"), None)
        if office is None:
            raise RepackError("no officeDocument relationship")
        wb = _resolve("", office.get("Target", "")).lower()
        if wb not in names:
            raise RepackError(f"workbook part {wb} is missing")
        moves = {wb: FIXED["officeDocument"]}  # lower-case member -> its new name
        out: dict[str, bytes] = {}
        rels_name = _rels_of(wb).lower()
        rels = etree.fromstring(read(rels_name), _PARSER) if rels_name in names else None
        internal = [r for r in (rels if rels is not None else []) if r.get("TargetMode") != "External"]
        targets = {_resolve(wb, r.get("Target", "")).lower() for r in internal}
        for rel in internal:
            target = _resolve(wb, rel.get("Target", "")).lower()
            if _kind(rel) in FIXED and target in names:
                moves[target] = FIXED[_kind(rel)]
        for fixed in set(moves.values()):
            if fixed in names and fixed not in moves and fixed in targets:
                raise RepackError(f"{fixed} is taken by another part")
        for rel in internal:
            target = _resolve(wb, rel.get("Target", "")).lower()
            rel.set("Target", "/" + moves.get(target, names.get(target, target)))
        if rels is not None:
            moves[rels_name] = _rels_of(FIXED["officeDocument"])
            out[moves[rels_name]] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8")
        taken = set(moves.values())
        office.set("Target", FIXED["officeDocument"])
        out["_rels/.rels"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        if "[content_types].xml" in names:
            out["[Content_Types].xml"] = _content_types(read("[content_types].xml"), moves, names)
        for lower, name in names.items():
            if lower in ("_rels/.rels", "[content_types].xml") or _MEDIA.search(lower):
                continue
            new = moves.get(lower, name)
            if new in out or (lower not in moves and lower in taken):
                continue  # written above, or a stale part whose name the moved one takes
            body = read(lower)
            out[new] = clip_sheet(body, clips[lower]) if lower in clips else body
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, body in out.items():
            z.writestr(name, body)
    return buf.getvalue()


def _content_types(data: bytes, moves: dict[str, str], names: dict[str, str]) -> bytes:
    types = etree.fromstring(data, _PARSER)
    for el in types.iter("{*}Override"):
        part = el.get("PartName", "").lstrip("/").lower()
        if part in moves:
            el.set("PartName", "/" + moves[part])
    return etree.tostring(types, xml_declaration=True, encoding="UTF-8")


# -- clipping one worksheet ------------------------------------------------------------------------------------
_P = rb"(?:[A-Za-z_][\w.\-]*:)?"
_ROW = re.compile(rb"<" + _P + rb"row\b[^>]*?/>|<" + _P + rb"row\b[^>]*>.*?</" + _P + rb"row\s*>", re.S)
_CELL = re.compile(rb"<" + _P + rb"c\b[^>]*?/>|<" + _P + rb"c\b[^>]*>.*?</" + _P + rb"c\s*>", re.S)
_START_TAG = re.compile(rb"<[^>]*>")
_ROW_R = re.compile(rb"""\sr\s*=\s*["']\s*([0-9]{1,9})\s*["']""")
_CELL_R = re.compile(rb"""\sr\s*=\s*["']\s*\$?([A-Za-z]{1,4})\$?([0-9]{1,9})\s*["']""")
_DIMENSION = re.compile(rb"(<" + _P + rb"dimension\b[^>]*?\sref\s*=\s*[\"'])([^\"']*)([\"'])")
_SHEET_DATA = re.compile(rb"<" + _P + rb"sheetData\b[^>]*?>")
_SHEET_DATA_END = re.compile(rb"</" + _P + rb"sheetData\s*>")


def clip_sheet(xml: bytes, clip: Clip) -> bytes:
    """A worksheet's XML without the rows below `clip.rows` and the cells right of `clip.cols` (rows and cells
    without a position follow the previous one, as readers count them); its dimension says what is left."""
    start = _SHEET_DATA.search(xml)
    if start is None or start.group().endswith(b"/>"):
        return xml
    close = _SHEET_DATA_END.search(xml, start.end())
    end = close.start() if close else len(xml)
    head = _DIMENSION.sub(lambda m: m.group(1) + f"A1:{a1(clip.rows - 1, clip.cols - 1)}".encode() + m.group(3),
                          xml[:start.end()], count=1)
    number = [0]

    def row(m: re.Match) -> bytes:
        tag = _START_TAG.match(m.group()).group()
        r = _ROW_R.search(tag)
        number[0] = int(r.group(1)) if r else number[0] + 1
        if number[0] > clip.rows:
            return b""
        col = [-1]

        def cell(c: re.Match) -> bytes:
            ref = _CELL_R.search(_START_TAG.match(c.group()).group())
            col[0] = col_index(ref.group(1).decode()) if ref else col[0] + 1
            return c.group() if col[0] < clip.cols else b""

        return _CELL.sub(cell, m.group())

    return head + _ROW.sub(row, xml[start.end():end]) + xml[end:]
