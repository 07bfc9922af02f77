"""Small editors for the OOXML parts that annotate patches: relationships, content types, styles, legacy comments
and their VML drawing (a worksheet, which may be large, is patched as a stream: `sheetstream`). Each parses only its
own part (lxml, which keeps namespace prefixes and so `mc:Ignorable`), adds to it or takes back what an earlier run
of ours added, and serialises it back."""

from __future__ import annotations

import copy
import math
import posixpath
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lxml import etree

from ..present import (BORDER_RGB, FILL_NONE, FILL_RGB, FILL_UNKNOWN, HEADER_FILL_RGB, LINK_RGB, NOTE_WIDTH_PT,
                       note_height)
from ..severity import Severity

if TYPE_CHECKING:
    from ._zipcopy import Deflated, ZipSource


# -- OOXML names ---------------------------------------------------------------------------------------
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
RT_OFFICE_DOCUMENT = NS_R + "/officeDocument"
RT_STRICT_OFFICE_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
RT_WORKSHEET = NS_R + "/worksheet"
RT_STYLES = NS_R + "/styles"
RT_COMMENTS = NS_R + "/comments"
RT_VML = NS_R + "/vmlDrawing"
RT_SHARED_STRINGS = NS_R + "/sharedStrings"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
MAIN_PART_SUFFIX = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ".xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": ".xlsm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": ".xltm",
}


def q(tag: str, ns: str = NS_MAIN) -> str:
    return f"{{{ns}}}{tag}"


# Order of the children of <worksheet> (CT_Worksheet), to insert an element where the schema wants it.
WORKSHEET_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection",
    "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells",
    "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
    "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
    "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
]
WORKBOOK_ORDER = [
    "fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups",
    "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
    "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst",
]


def _order_name(el, ns: str) -> str | None:
    """The schema name an element stands for: its own, or for mc:AlternateContent the one it wraps."""
    if not isinstance(el.tag, str):
        return None
    q = etree.QName(el)
    if q.namespace == NS_MC and q.localname == "AlternateContent":
        for inner in el.iter():
            if inner is not el and isinstance(inner.tag, str) and etree.QName(inner).namespace == ns:
                return etree.QName(inner).localname
        return None
    return q.localname if q.namespace == ns else None


def insert_in_order(parent, child, order: list[str], ns: str = NS_MAIN) -> None:
    """Insert `child` into `parent` before the first existing sibling that the schema puts after it."""
    later = set(order[order.index(etree.QName(child).localname) + 1:])
    for i, el in enumerate(parent):
        if _order_name(el, ns) in later:
            parent.insert(i, child)
            return
    parent.append(child)


# -- references and text -------------------------------------------------------------------------------
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def xml_text(s: str, limit: int = 32767) -> str:
    """Text safe for an XML text node in a cell or note: OOXML `_xHHHH_` escapes for control characters,
    and literal `_xHHHH_` sequences protected so Excel shows them as typed."""
    s = _ESCAPE_LIKE.sub(r"_x005F_\1", s)
    s = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
    s = "".join(ch for ch in s if not 0xD800 <= ord(ch) <= 0xDFFF)
    return s[:limit]


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# -- XML parts -----------------------------------------------------------------------------------------
# Every XML part of a received workbook that we parse goes through this parser: no entity expansion, no DTD
# loading, no network, no huge-tree mode (libxml2's own depth and size limits stay on). The pre-flight has already
# refused any part with a DOCTYPE; parse_xml refuses one again, should a part reach it some other way.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          strip_cdata=False)


def parse_xml(data: bytes, name: str):
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise ValueError(f"{name}: not well-formed XML ({e})") from e
    if root.getroottree().docinfo.doctype:
        raise ValueError(f"{name}: a document type declaration is not allowed in an OOXML part")
    return root


def serialise(root) -> bytes:
    tree = root.getroottree()
    standalone = ' standalone="yes"' if tree.docinfo.standalone else ""
    decl = f'<?xml version="1.0" encoding="UTF-8"{standalone}?>\r\n'.encode()
    return decl + etree.tostring(tree, encoding="UTF-8", xml_declaration=False)


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


class Rels:
    """A relationships part (read, added to)."""

    def __init__(self, package: Package, source_part: str):
        self.source_part = source_part
        self.name = _rels_name(source_part)
        self.member = package.member(self.name)
        if self.member:
            self.root = parse_xml(package.read(self.member), self.member)
        else:
            self.root = etree.Element(q("Relationships", NS_PKG_REL), nsmap={None: NS_PKG_REL})
        self.changed = False
        self._package = package

    def __iter__(self):
        return iter(self.root.iter(q("Relationship", NS_PKG_REL)))

    def target(self, rel) -> str | None:
        """The zip path a relationship points to (None for external targets)."""
        if rel.get("TargetMode") == "External":
            return None
        target = unquote(rel.get("Target", ""))
        if target.startswith("/"):
            path = target[1:]
        else:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(self.source_part), target))
        return self._package.member(path) or path

    def by_type(self, rel_type: str) -> list:
        return [r for r in self if r.get("Type") == rel_type]

    def by_id(self, rid: str):
        return next((r for r in self if r.get("Id") == rid), None)

    def remove(self, rel) -> None:
        rel.getparent().remove(rel)
        self.changed = True

    def add(self, rel_type: str, target_part: str) -> str:
        used = {r.get("Id") for r in self}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        rid = f"rId{n}"
        target = posixpath.relpath(target_part, posixpath.dirname(self.source_part) or ".")
        etree.SubElement(self.root, q("Relationship", NS_PKG_REL), Id=rid, Type=rel_type, Target=target)
        self.changed = True
        return rid

    def to_bytes(self) -> bytes:
        if self.member:
            return serialise(self.root)
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + etree.tostring(self.root,
                                                                                               encoding="UTF-8")


class Package:
    """The source package: member lookup (case-insensitive, as OPC part names are) and the parts we edit."""

    def __init__(self, source: ZipSource):
        self.source = source
        self.names = source.names()
        self._lower = {n.lower(): n for n in self.names}
        self.replace: dict[str, bytes | Deflated] = {}
        self.add: list[tuple[str, bytes]] = []
        self.drop: set[str] = set()
        self._reserved: set[str] = set(self._lower)
        ct = self.member("[Content_Types].xml")
        if ct is None:
            raise ValueError("not an OOXML package: [Content_Types].xml is missing")
        self.ct_root = parse_xml(source.read(ct), ct)
        self.ct_changed = False

    def member(self, path: str) -> str | None:
        return self._lower.get(path.lstrip("/").lower())

    def read(self, member: str) -> bytes:
        return self.source.read(member)

    def new_part_name(self, pattern: str) -> str:
        """A free part name from a pattern with one '{}' ('xl/comments{}.xml')."""
        overrides = {o.get("PartName", "").lstrip("/").lower() for o in self.ct_root.iter(q("Override", NS_CT))}
        n = 1
        while True:
            name = pattern.format(n)
            if name.lower() not in self._reserved and name.lower() not in overrides:
                self._reserved.add(name.lower())
                return name
            n += 1

    # content types
    def content_type(self, part: str) -> str | None:
        want = "/" + part.lstrip("/").lower()
        for o in self.ct_root.iter(q("Override", NS_CT)):
            if o.get("PartName", "").lower() == want:
                return o.get("ContentType")
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        for d in self.ct_root.iter(q("Default", NS_CT)):
            if d.get("Extension", "").lower() == ext:
                return d.get("ContentType")
        return None

    def add_override(self, part: str, content_type: str) -> None:
        etree.SubElement(self.ct_root, q("Override", NS_CT), PartName="/" + part, ContentType=content_type)
        self.ct_changed = True

    def ensure_default(self, ext: str, content_type: str) -> None:
        for d in self.ct_root.iter(q("Default", NS_CT)):
            if d.get("Extension", "").lower() == ext:
                return
        el = etree.Element(q("Default", NS_CT), Extension=ext, ContentType=content_type)
        defaults = list(self.ct_root.iter(q("Default", NS_CT)))
        if defaults:
            defaults[-1].addnext(el)
        else:
            self.ct_root.insert(0, el)
        self.ct_changed = True

    def remove_override(self, part: str) -> None:
        want = "/" + part.lstrip("/").lower()
        for o in list(self.ct_root.iter(q("Override", NS_CT))):
            if o.get("PartName", "").lower() == want:
                o.getparent().remove(o)
                self.ct_changed = True

    def put(self, member: str, data: bytes | Deflated) -> None:
        """Record new content for an existing member (bytes, or already deflated), or a new member (bytes)."""
        existing = self.member(member)
        if existing and existing in self.names:
            self.replace[existing] = data
        else:
            self.add = [(n, d) for n, d in self.add if n != member] + [(member, data)]


# -- styles --------------------------------------------------------------------------------------------
_MINIMAL_STYLES = (
    f'<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
    'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
    '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
).encode()
_STYLESHEET_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                     "tableStyles", "colors", "extLst"]


class Styles:
    """styles.xml, only ever appended to: new fills/fonts at the end of their lists, cloned <xf> records."""

    def __init__(self, data: bytes | None, name: str):
        self.root = parse_xml(data or _MINIMAL_STYLES, name)
        self.created = data is None
        self.changed = False
        self._fills = self._list("fills")
        self._fonts = self._list("fonts")
        self._xfs = self._list("cellXfs")
        self._fill_ids: dict[str, int] = {}
        self._with_fill: dict[tuple[int, str], int] = {}
        self._xf_index: dict[bytes, int] | None = None
        self._extra: dict[str, int] = {}
        self._by_shape: dict[bytes, list[int]] | None = None  # <xf> without its fill -> the records of that shape
        self._restored: dict[tuple[int, str | None], int] = {}

    def _list(self, tag: str):
        el = self.root.find(q(tag))
        if el is None:
            el = etree.Element(q(tag), count="0")
            insert_in_order(self.root, el, _STYLESHEET_ORDER)
        return el

    def _append(self, parent, child) -> int:
        parent.append(child)
        n = len(parent.findall(q(etree.QName(child).localname)))
        parent.set("count", str(n))
        self.changed = True
        return n - 1

    def fill_id(self, rgb: str) -> int:
        """Id of a solid fill of colour `rgb` (an existing identical one is reused)."""
        if rgb in self._fill_ids:
            return self._fill_ids[rgb]
        fills = self._fills.findall(q("fill"))
        for i, fill in enumerate(fills):
            if self._solid_rgb(fill) == rgb:
                self._fill_ids[rgb] = i
                return i
        fill = etree.Element(q("fill"))
        pf = etree.SubElement(fill, q("patternFill"), patternType="solid")
        etree.SubElement(pf, q("fgColor"), rgb=rgb)
        etree.SubElement(pf, q("bgColor"), indexed="64")
        self._fill_ids[rgb] = self._append(self._fills, fill)
        return self._fill_ids[rgb]

    @staticmethod
    def _solid_rgb(fill) -> str | None:
        pf = fill.find(q("patternFill"))
        if pf is None or pf.get("patternType") != "solid" or len(fill) != 1:
            return None
        fg = pf.find(q("fgColor"))
        if fg is None or set(fg.attrib) != {"rgb"}:
            return None
        return fg.get("rgb", "").upper()

    def _xf(self, s: int):
        xfs = self._xfs.findall(q("xf"))
        if not xfs:
            xf = etree.Element(q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
            self._append(self._xfs, xf)
            xfs = [xf]
        return xfs[s] if 0 <= s < len(xfs) else xfs[0]

    def _add_xf(self, xf) -> int:
        """Index of an <xf> equal to `xf`, appending it if there is none."""
        if self._xf_index is None:
            self._xf_index = {}
            for i, el in enumerate(self._xfs.findall(q("xf"))):
                self._xf_index.setdefault(etree.tostring(el, method="c14n"), i)
        key = etree.tostring(xf, method="c14n")
        if key not in self._xf_index:
            self._xf_index[key] = self._append(self._xfs, xf)
        return self._xf_index[key]

    def fill_rgb(self, s: int) -> str | None:
        """The colour of cell style `s`'s fill when it is a plain solid colour ('FFFFC7CE'), else None."""
        fills = self._fills.findall(q("fill"))
        fill_id = int(self._xf(s).get("fillId", "0") or 0)
        return self._solid_rgb(fills[fill_id]) if 0 <= fill_id < len(fills) else None

    def fill_state(self, s: int) -> str:
        """How cell style `s` is filled, as 核查结果 remembers it: '无', '#RRGGBB', or '未知' (a theme colour, a
        pattern, a gradient)."""
        fills = self._fills.findall(q("fill"))
        fill_id = int(self._xf(s).get("fillId", "0") or 0)
        fill = fills[fill_id] if 0 <= fill_id < len(fills) else None
        if fill is None or _is_no_fill(fill):
            return FILL_NONE
        rgb = self._solid_rgb(fill)
        return "#" + rgb[-6:] if rgb else FILL_UNKNOWN

    def restore_fill(self, s: int, state: str | None) -> int:
        key = (s, state)
        if key not in self._restored:
            self._restored[key] = self._restore_fill(s, state)
        return self._restored[key]

    def _restore_fill(self, s: int, state: str | None) -> int:
        """Style index of cell style `s` (filled with one of our colours) with the cell's own fill back: the one
        `state` remembers ('无', '#RRGGBB'), else — a copy marked before fills were remembered, or a fill that
        cannot be told as a colour — the fill of the style it was cloned from (an <xf> equal to it but for its
        fill), preferring no fill where several could be."""
        xf = self._xf(s)
        siblings = self._siblings(xf)
        if state == FILL_NONE or (state and state.startswith("#")):
            want = None if state == FILL_NONE else "FF" + state[1:].upper()
            for i in siblings:
                if self._fill_is(i, want):
                    return i
            clone = copy.deepcopy(xf)
            clone.set("fillId", str(self.no_fill_id() if want is None else self.fill_id(want)))
            if want is None:
                clone.attrib.pop("applyFill", None)
            return self._add_xf(clone)
        if siblings:
            fills = {int(self._xf(i).get("fillId", "0") or 0) for i in siblings}
            if len(fills) == 1:
                return siblings[0]
            return next((i for i in siblings if self._fill_is(i, None)), siblings[0])
        return self._restore_fill(s, FILL_NONE)

    def _fill_is(self, s: int, rgb: str | None) -> bool:
        """Whether style `s` has no fill (rgb None) or the solid fill `rgb`."""
        if rgb is not None:
            return self.fill_rgb(s) == rgb
        fills = self._fills.findall(q("fill"))
        fill_id = int(self._xf(s).get("fillId", "0") or 0)
        return not 0 <= fill_id < len(fills) or _is_no_fill(fills[fill_id])

    def _siblings(self, xf) -> list[int]:
        """The <xf> records (as the file had them) equal to `xf` but for their fill, whose fill is not one of ours,
        in order."""
        if self._by_shape is None:
            ours = set(FILL_RGB.values())
            self._by_shape = {}
            for i, el in enumerate(self._xfs.findall(q("xf"))):
                if self.fill_rgb(i) not in ours:
                    self._by_shape.setdefault(_without_fill(el), []).append(i)
        return self._by_shape.get(_without_fill(xf), [])

    def no_fill_id(self) -> int:
        """Id of a fill that is no fill (the first such; one is appended if there is none)."""
        for i, fill in enumerate(self._fills.findall(q("fill"))):
            if _is_no_fill(fill):
                return i
        fill = etree.Element(q("fill"))
        etree.SubElement(fill, q("patternFill"), patternType="none")
        return self._append(self._fills, fill)

    def with_fill(self, s: int, rgb: str) -> int:
        """Style index of cell style `s` with its fill replaced by solid `rgb` (font, border, number format,
        alignment and protection kept). One clone per (style, colour)."""
        key = (s, rgb)
        if key not in self._with_fill:
            xf = self._xf(s)
            fills = self._fills.findall(q("fill"))
            current = int(xf.get("fillId", "0") or 0)
            if 0 <= current < len(fills) and self._solid_rgb(fills[current]) == rgb and 0 <= s < len(
                    self._xfs.findall(q("xf"))):
                self._with_fill[key] = s
            else:
                clone = copy.deepcopy(xf)
                clone.set("fillId", str(self.fill_id(rgb)))
                clone.set("applyFill", "1")
                self._with_fill[key] = self._add_xf(clone)
        return self._with_fill[key]

    def _font(self, kind: str) -> int:
        base = self._fonts.find(q("font"))
        font = copy.deepcopy(base) if base is not None else etree.Element(q("font"))
        for child in list(font):
            if etree.QName(child).localname in ("b", "u", "color", "i", "strike"):
                font.remove(child)
        if kind == "bold":
            font.insert(0, etree.Element(q("b")))
        elif kind == "link":
            font.insert(0, etree.Element(q("u")))
            font.insert(1, etree.Element(q("color"), rgb=LINK_RGB))
        return self._append(self._fonts, font)

    def extra(self, kind: str) -> int:
        """Style indices for the 核查结果 sheet: title, header, text, link, error, warning. Every cell of the table
        (all but the title) is framed by thin borders and wraps its text."""
        if kind not in self._extra:
            xf = etree.Element(q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
            align = {"vertical": "top", "wrapText": "1"}
            if kind != "title":
                xf.set("borderId", str(self._thin_border()))
                xf.set("applyBorder", "1")
            if kind in ("title", "header"):
                xf.set("fontId", str(self._font_cached("bold")))
                xf.set("applyFont", "1")
                align = {"vertical": "center"}
            if kind == "header":
                align["wrapText"] = "1"
                xf.set("fillId", str(self.fill_id(HEADER_FILL_RGB)))
                xf.set("applyFill", "1")
                align["horizontal"] = "center"
            if kind == "link":
                xf.set("fontId", str(self._font_cached("link")))
                xf.set("applyFont", "1")
            if isinstance(kind, Severity) and kind in FILL_RGB:
                xf.set("fillId", str(self.fill_id(FILL_RGB[kind])))
                xf.set("applyFill", "1")
            xf.set("applyAlignment", "1")
            etree.SubElement(xf, q("alignment"), **align)
            self._extra[kind] = self._add_xf(xf)
        return self._extra[kind]

    def _thin_border(self) -> int:
        """Id of a thin grey border on all four sides, added once."""
        if "border" not in self._extra:
            borders = self._list("borders")
            if not len(borders):  # border 0 is every cell's default: it must stay empty
                self._append(borders, etree.Element(q("border")))
            border = etree.Element(q("border"))
            for side in ("left", "right", "top", "bottom"):
                etree.SubElement(etree.SubElement(border, q(side), style="thin"), q("color"), rgb=BORDER_RGB)
            etree.SubElement(border, q("diagonal"))
            self._extra["border"] = self._append(borders, border)
        return self._extra["border"]

    def _font_cached(self, kind: str) -> int:
        k = "font:" + kind
        if k not in self._extra:
            self._extra[k] = self._font(kind)
        return self._extra[k]

    def to_bytes(self) -> bytes:
        if self.created:
            return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + etree.tostring(
                self.root, encoding="UTF-8")
        return serialise(self.root)


def _is_no_fill(fill) -> bool:
    pf = fill.find(q("patternFill"))
    return fill.find(q("gradientFill")) is None and (pf is None or pf.get("patternType") in (None, "none"))


def _without_fill(xf) -> bytes:
    """An <xf> in canonical form without its fill, to find the record a marked one was cloned from."""
    el = copy.deepcopy(xf)
    for attr in ("fillId", "applyFill"):
        el.attrib.pop(attr, None)
    return etree.tostring(el, method="c14n")


# -- notes: comments part + VML drawing ----------------------------------------------------------------
class Comments:
    """A legacy comments part: new notes by `author`; notes by others get a block opened by `mark` appended."""

    def __init__(self, data: bytes | None, name: str, author: str, mark: str):
        self.our_author, self.mark = author, mark
        if data is None:
            self.root = etree.Element(q("comments"), nsmap={None: NS_MAIN})
            etree.SubElement(self.root, q("authors"))
            etree.SubElement(self.root, q("commentList"))
            self.new = True
        else:
            self.root = parse_xml(data, name)
            self.new = False
        self.authors = self.root.find(q("authors"))
        if self.authors is None:
            self.authors = etree.Element(q("authors"))
            self.root.insert(0, self.authors)
        self.list = self.root.find(q("commentList"))
        if self.list is None:
            self.list = etree.Element(q("commentList"))
            self.authors.addnext(self.list)
        self.by_ref = {c.get("ref", "").upper(): c for c in self.list.iterfind(q("comment"))}

    def author(self, comment) -> str:
        names = self.authors.findall(q("author"))
        try:
            return names[int(comment.get("authorId", "0"))].text or ""
        except (ValueError, IndexError):
            return ""

    def author_id(self, name: str) -> int:
        names = self.authors.findall(q("author"))
        for i, a in enumerate(names):
            if (a.text or "") == name:
                return i
        etree.SubElement(self.authors, q("author")).text = name
        return len(names)

    @staticmethod
    def text_of(comment) -> str:
        text = comment.find(q("text"))
        if text is None:
            return ""
        return "".join(t.text or "" for t in text.iter(q("t")) if etree.QName(t.getparent()).localname != "rPh")

    @staticmethod
    def _run(text: str, like=None):
        r = etree.Element(q("r"))
        if like is not None and like.find(q("rPr")) is not None:
            rpr = copy.deepcopy(like.find(q("rPr")))
            for child in list(rpr):
                if etree.QName(child).localname in ("b", "i", "u", "strike"):
                    rpr.remove(child)
            r.append(rpr)
        else:
            rpr = etree.SubElement(r, q("rPr"))
            etree.SubElement(rpr, q("sz"), val="9")
            etree.SubElement(rpr, q("color"), indexed="81")
            etree.SubElement(rpr, q("rFont"), val="宋体")
            etree.SubElement(rpr, q("charset"), val="134")
        t = etree.SubElement(r, q("t"))
        t.text = xml_text(text)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return r

    def new_comment(self, ref: str, text: str) -> None:
        c = etree.SubElement(self.list, q("comment"), ref=ref, authorId=str(self.author_id(self.our_author)))
        etree.SubElement(c, q("text")).append(self._run(text))
        self.by_ref[ref.upper()] = c

    def replace_text(self, comment, text: str) -> None:
        body = comment.find(q("text"))
        if body is None:
            body = etree.SubElement(comment, q("text"))
        for child in list(body):
            body.remove(child)
        body.append(self._run(text))

    def append_text(self, comment, text: str) -> None:
        """Append our block to someone else's note, replacing the block a previous run appended."""
        body = comment.find(q("text"))
        if body is None:
            body = etree.SubElement(comment, q("text"))
        self._cut_block(body)
        plain = body.find(q("t"))
        if plain is not None:  # plain text: make it a run, so the note is runs only
            wrapper = etree.Element(q("r"))
            plain.addprevious(wrapper)
            wrapper.append(plain)
        runs = body.findall(q("r"))
        run = self._run("\n" + self.mark + "\n" + text, like=runs[-1] if runs else None)
        if runs:
            runs[-1].addnext(run)
        else:
            body.insert(0, run)

    def remove(self, comment) -> None:
        """Delete a note."""
        comment.getparent().remove(comment)
        self.by_ref = {k: v for k, v in self.by_ref.items() if v is not comment}

    def has_our_block(self, comment) -> bool:
        return self.mark in self.text_of(comment)

    def strip_block(self, comment) -> None:
        """Remove the block a previous run appended to someone else's note."""
        body = comment.find(q("text"))
        if body is not None:
            self._cut_block(body)

    def _cut_block(self, body) -> None:
        """Cut a note's text at our mark: the block appended there, and everything after it, goes — whether the
        note keeps it in runs of its own or (saved again by another program) in one run or plain text."""
        items = [el for el in body if isinstance(el.tag, str) and etree.QName(el).localname in ("r", "t")]
        for i, el in enumerate(items):
            t = el if etree.QName(el).localname == "t" else el.find(q("t"))
            at = (t.text or "").find(self.mark) if t is not None else -1
            if at < 0:
                continue
            t.text = t.text[:at]
            for later in items[i + 1:]:
                body.remove(later)
            if not t.text and i:
                body.remove(el)
            last = next((x for x in reversed(items[:i + 1]) if x.getparent() is body), None)
            last_t = last if last is None or etree.QName(last).localname == "t" else last.find(q("t"))
            if last_t is not None:  # the line breaks that led to our block go with it
                last_t.text = (last_t.text or "").rstrip("\n")
            return

    def to_bytes(self) -> bytes:
        if self.new:
            return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + etree.tostring(
                self.root, encoding="UTF-8")
        return serialise(self.root)


_VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
           "x": "urn:schemas-microsoft-com:office:excel"}
_NOTE_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
_ROW_PT, _COL_PT = 15.0, 48.0  # default row height and column width, to place a new note's anchor


class Vml:
    """A legacy VML drawing, patched as text so that whatever else it holds (buttons, other notes) stays as is."""

    def __init__(self, data: bytes | None, block: int):
        if data is None:
            self.text = (
                '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
                ' xmlns:x="urn:schemas-microsoft-com:office:excel">\r\n <o:shapelayout v:ext="edit">\r\n'
                f'  <o:idmap v:ext="edit" data="{block}"/>\r\n </o:shapelayout>\r\n</xml>')
            self.new = True
        else:
            self.text = data.decode("utf-8", "surrogateescape")
            self.new = False
        self.changed = self.new
        ids = [int(n) for n in re.findall(r'_x0000_s(\d+)', self.text)]
        blocks = [int(b) for b in re.findall(r"\d+", first_group(re.search(r'<o:idmap\b[^>]*\bdata="([^"]*)"',
                                                                        self.text)))]
        self._next_id = max(ids + [min(blocks or [block]) * 1024]) + 1
        self.editable = self._check()

    def _check(self) -> bool:
        if self.text.rfind("</xml>") < 0:
            return False
        start = re.search(r"<xml\b[^>]*>", self.text)
        if not start:
            return False
        head = start.group(0)
        missing = ""
        for prefix, uri in _VML_NS.items():
            m = re.search(rf'xmlns:{prefix}\s*=\s*["\']([^"\']*)["\']', head)
            if m and m.group(1) != uri:
                return False  # prefix bound elsewhere: leave this drawing alone
            if not m:
                missing += f' xmlns:{prefix}="{uri}"'
        if missing:
            self.text = self.text[:start.start()] + "<xml" + missing + head[4:] + self.text[start.end():]
        return True

    def add_note(self, row: int, col: int, text: str) -> None:
        if 'id="_x0000_t202"' not in self.text:  # define the note shape type before any shape uses it
            layout = self.text.find("</o:shapelayout>")
            at = layout + len("</o:shapelayout>") if layout >= 0 else re.search(r"<xml\b[^>]*>", self.text).end()
            self.text = self.text[:at] + _NOTE_SHAPETYPE + self.text[at:]
            self.changed = True
        height = note_height(text)
        top = max(row - 1, 0)
        n_cols = math.ceil(NOTE_WIDTH_PT / _COL_PT)
        n_rows = math.ceil(height / _ROW_PT)
        anchor = f"{col + 1}, 15, {top}, 10, {col + 1 + n_cols}, 15, {top + n_rows}, 4"
        sid = self._next_id
        self._next_id += 1
        shape = (
            f'<v:shape id="_x0000_s{sid}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:{(col + 1) * _COL_PT + 11.25:.2f}pt;margin-top:{top * _ROW_PT + 7.5:.2f}pt;'
            f'width:{NOTE_WIDTH_PT:.2f}pt;height:{height:.2f}pt;z-index:{sid % 1024};visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f'<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>'
            f'<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>')
        self._insert(shape)

    def fit_note(self, row: int, col: int, text: str) -> bool:
        """Make the existing note shape of (row, col) tall enough for `text`; False when there is none."""
        for m in self._note_shapes():
            block = m.group(0)
            r = re.search(r"<x:Row>\s*(\d+)\s*</x:Row>", block)
            c = re.search(r"<x:Column>\s*(\d+)\s*</x:Column>", block)
            if not (r and c and int(r.group(1)) == row and int(c.group(1)) == col):
                continue
            width = re.search(r"width:\s*([\d.]+)pt", block)
            height = re.search(r"height:\s*([\d.]+)pt", block)
            need = note_height(text, float(width.group(1)) if width else NOTE_WIDTH_PT)
            if height and float(height.group(1)) < need:
                new = block[:height.start(1)] + f"{need:.2f}" + block[height.end(1):]
                a = re.search(r"<x:Anchor>([^<]*)</x:Anchor>", new)
                if a:
                    parts = [p.strip() for p in a.group(1).split(",")]
                    if len(parts) == 8 and all(p.lstrip("-").isdigit() for p in parts):
                        parts[6] = str(int(parts[2]) + math.ceil(need / _ROW_PT))
                        new = new[:a.start(1)] + ", ".join(parts) + new[a.end(1):]
                self.text = self.text[:m.start()] + new + self.text[m.end():]
                self.changed = True
            return True
        return False

    def remove_note(self, row: int, col: int) -> bool:
        """Delete the note shape of (row, col); False when there is none."""
        for m in self._note_shapes():
            block = m.group(0)
            r = re.search(r"<x:Row>\s*(\d+)\s*</x:Row>", block)
            c = re.search(r"<x:Column>\s*(\d+)\s*</x:Column>", block)
            if r and c and int(r.group(1)) == row and int(c.group(1)) == col:
                end = m.end()
                while self.text[end:end + 2] == "\r\n":
                    end += 2
                self.text = self.text[:m.start()] + self.text[end:]
                self.changed = True
                return True
        return False

    def has_shapes(self) -> bool:
        """Whether the drawing still holds any shape (a note, a button …)."""
        return re.search(r"<v:shape[\s>]", self.text) is not None

    def _note_shapes(self):
        for m in re.finditer(r"<v:shape\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(?<!/)>.*?</v:shape>", self.text, re.S):
            if 'ObjectType="Note"' in m.group(0):
                yield m

    def _insert(self, fragment: str) -> None:
        end = self.text.rfind("</xml>")
        self.text = self.text[:end] + fragment + "\r\n" + self.text[end:]
        self.changed = True

    def to_bytes(self) -> bytes:
        return self.text.encode("utf-8", "surrogateescape")


def first_group(m) -> str:
    return m.group(1) if m else ""
