"""Write an annotated copy of a workbook: findings filled and noted on their cells, plus a 核查结果 sheet.

The copy is made by patching the zip package, never by a spreadsheet library's load-and-save (which loses
text boxes, x14 validations, add-in parts, buttons and cached values; see EXCEL_NOTES.md §3). Every member
that is not touched is copied raw, byte for byte (`_zipcopy`); the parts that are touched are edited with the
small part editors of `_ooxml`. The only members rewritten are:

* the XML of each annotated worksheet (a cell's style index, new empty cells, `<legacyDrawing>`,
  `<dimension>`) and its `_rels`;
* `xl/styles.xml` (appended fills, fonts and cloned `<xf>` records; nothing existing is renumbered);
* the comments part and VML drawing of an annotated sheet, when it already has them (added to, never
  rewritten: the VML is patched as text);
* `[Content_Types].xml`, `xl/workbook.xml` and its `_rels` (the new sheet and its filter name).

New members: the 核查结果 worksheet, and comments/VML parts for sheets that had none. `calcChain.xml`,
`sharedStrings.xml`, `docProps/*`, drawings, charts, images and `vbaProject.bin` are never rewritten.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import secrets
from decimal import Decimal
from pathlib import Path

from lxml import etree

from ..a1 import a1, col_letter, parse_range, quote_sheet
from ..check.findings import Finding
from ..excelmath import fits_a_cell
from ..present import (APPEND_MARK, FILL_RGB, HEADERS, NOTE_AUTHOR, RESULTS_SHEET, TAB_RGB, WHOLE_SHEET, column_widths,
                       fmt_value, note_text, results_title, worst)
from ..read.preflight import Inspected, preflight
from ..severity import Severity
from ._ooxml import (CT_COMMENTS, CT_STYLES, CT_VML, CT_WORKSHEET, MAIN_PART_SUFFIX, NS_MAIN, NS_PKG_REL, NS_R,
                     NS_STRICT_MAIN, RT_COMMENTS, RT_OFFICE_DOCUMENT, RT_SHARED_STRINGS, RT_STYLES, RT_VML,
                     RT_WORKSHEET, WORKBOOK_ORDER, Comments, Package, Rels, Sheet, Styles, Vml, esc, first_group,
                     insert_in_order, parse_xml, q, serialise, xml_text)
from ._zipcopy import ZipCopyError, ZipSource

__all__ = ["annotate", "package_suffix", "RESULTS_SHEET", "NOTE_AUTHOR"]

_MAX_CELLS_PER_FINDING = 2000  # a finding on a huge range or merge fills at most this many cells


# -- public API ----------------------------------------------------------------------------------------
def annotate(src: str | os.PathLike, dst: str | os.PathLike, findings: list[Finding], *,
             source_name: str | None = None, inspected: Inspected | None = None,
             encrypt_with: str | None = None) -> None:
    """Write a copy of workbook `src` (.xlsx/.xlsm) to `dst` with the findings marked on it.

    Args:
        src: the received workbook; opened read-only, never modified. It goes through the same pre-flight as a
            check (`perfeval_xl.read.preflight`) before any of its XML is parsed.
        dst: where the copy goes; must keep the workbook's kind (.xlsm stays .xlsm). Written atomically:
            a temporary file in dst's folder, then `os.replace`; on failure no temporary file is left.
        findings: what the checker found. A finding's cell (A1 reference or range) is filled light red
            (error) or amber (warning) and gets an explanatory note (info: a note only). Every finding,
            including those without a cell, is listed on a new last sheet "核查结果".
        source_name: the file name shown on 核查结果 (default: src's name).
        inspected: src's pre-flight, when a check has just made it (`Report.inspected`): the bytes it verified
            (decrypted, for an encrypted src) are patched, and src is neither read nor verified again.
        encrypt_with: encrypt the copy with this password (msoffcrypto-tool), as the encrypted src was.

    Raises:
        Refused: src fails the pre-flight (damaged, zip bomb, XML entities, encrypted, not a workbook …).
        ValueError: a finding with an unknown severity or a malformed cell reference, dst equal to src,
            a dst suffix that does not match the workbook kind, or a package this writer cannot patch
            (.xls, .ods, Strict Open XML …).
        OSError: reading src or writing dst failed.
    """
    src, dst = Path(src), Path(dst)
    findings = list(findings)
    for f in findings:
        if not isinstance(f.severity, Severity):
            raise ValueError(f"finding {f.check}: unknown severity {f.severity!r}")
        if f.cell is not None:
            parse_range(f.cell)  # raises ValueError
    if dst.exists() and src.exists() and os.path.samefile(src, dst):
        raise ValueError("dst must not be the source workbook")
    if inspected is None:
        inspected = preflight(src)
    if inspected.kind != "xlsx":
        raise ValueError(f"{src.name} is an .{inspected.kind} workbook; only .xlsx/.xlsm copies can be annotated "
                         "(save it as .xlsx first)")
    with io.BytesIO(inspected.data) as fh:
        try:
            package = ZipSource(fh)
        except ZipCopyError as e:
            raise ValueError(f"{src.name}: {e}") from e
        patch = _Annotator(package, findings, source_name or src.name)
        replace, add = patch.build()
        expected = MAIN_PART_SUFFIX.get(patch.main_content_type)
        if expected and dst.suffix.lower() != expected:
            raise ValueError(f"{src.name} is a {expected} workbook; the annotated copy must be named *{expected},"
                             f" not {dst.name}")
        if encrypt_with:
            _write_atomically(dst, lambda out: _encrypted(lambda buf: package.write(buf, replace, add),
                                                          encrypt_with, out))
        else:
            _write_atomically(dst, lambda out: package.write(out, replace, add))


def _encrypted(write, password: str, out) -> None:
    """The package `write` produces, encrypted with `password` (ECMA-376 agile encryption, as Excel does)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    buf = io.BytesIO()
    write(buf)
    buf.seek(0)
    OOXMLFile(buf).encrypt(password, out)


def package_suffix(data: bytes) -> str | None:
    """The file suffix an OOXML package's main part calls for ('.xlsx', '.xlsm', '.xltx', '.xltm'), or None."""
    with io.BytesIO(data) as fh:
        try:
            pkg = Package(ZipSource(fh))
        except ZipCopyError as e:
            raise ValueError(str(e)) from e
        office = Rels(pkg, "").by_type(RT_OFFICE_DOCUMENT)
        part = pkg.member(Rels(pkg, "").target(office[0]) or "") if office else None
        return MAIN_PART_SUFFIX.get(pkg.content_type(part) or "") if part else None


def _write_atomically(dst: Path, write) -> None:
    tmp = dst.with_name(f".~{dst.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# -- the annotator -------------------------------------------------------------------------------------
class _SheetInfo:
    def __init__(self, name: str, index: int, part: str | None, is_worksheet: bool):
        self.name, self.index, self.part, self.is_worksheet = name, index, part, is_worksheet


class _Annotator:
    def __init__(self, source: ZipSource, findings: list[Finding], source_name: str):
        self.pkg = Package(source)
        self.findings = findings
        self.source_name = source_name
        root_rels = Rels(self.pkg, "")
        office = root_rels.by_type(RT_OFFICE_DOCUMENT)
        if not office:
            raise ValueError("not a spreadsheet package: no officeDocument relationship")
        self.wb_part = root_rels.target(office[0])
        if not self.pkg.member(self.wb_part):
            raise ValueError(f"workbook part {self.wb_part} is missing")
        self.wb_part = self.pkg.member(self.wb_part)
        self.main_content_type = self.pkg.content_type(self.wb_part) or ""
        self.wb = parse_xml(self.pkg.read(self.wb_part), self.wb_part)
        if etree.QName(self.wb).namespace == NS_STRICT_MAIN:
            raise ValueError("Strict Open XML workbooks are not supported; save as a normal .xlsx")
        self.wb_rels = Rels(self.pkg, self.wb_part)
        self.sheets: list[_SheetInfo] = []
        sheets_el = self.wb.find(q("sheets"))
        for i, s in enumerate(sheets_el.iterfind(q("sheet")) if sheets_el is not None else []):
            rel = self.wb_rels.by_id(s.get(q("id", NS_R)))
            part = self.wb_rels.target(rel) if rel is not None else None
            is_ws = rel is not None and rel.get("Type") == RT_WORKSHEET and bool(part and self.pkg.member(part))
            self.sheets.append(_SheetInfo(s.get("name", ""), i, part, is_ws))
        self._styles: Styles | None = None
        self._styles_member: str | None = None

    # styles are parsed only when something needs them
    @property
    def styles(self) -> Styles:
        if self._styles is None:
            rels = self.wb_rels.by_type(RT_STYLES)
            member = self.pkg.member(self.wb_rels.target(rels[0])) if rels else None
            if member:
                self._styles = Styles(self.pkg.read(member), member)
                self._styles_member = member
            else:
                self._styles_member = ("xl/styles.xml" if not self.pkg.member("xl/styles.xml")
                                       else self.pkg.new_part_name("xl/styles{}.xml"))
                self._styles = Styles(None, self._styles_member)
        return self._styles

    def sheet_by_name(self, name: str) -> _SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        folded = name.casefold()
        return next((s for s in self.sheets if s.name.casefold() == folded), None)

    def build(self) -> tuple[dict[str, bytes], list[tuple[str, bytes]]]:
        results_name, results_info = self._results_sheet_name()
        by_sheet: dict[str, list[Finding]] = {}
        for f in self.findings:
            info = self.sheet_by_name(f.sheet)
            if f.cell is None or info is None or not info.is_worksheet or info is results_info:
                continue
            by_sheet.setdefault(info.name, []).append(f)
        for name, fs in by_sheet.items():
            self._annotate_sheet(self.sheet_by_name(name), fs)
        self._add_results_sheet(results_name, results_info)
        pkg = self.pkg
        if self._styles is not None and self._styles.changed:
            pkg.put(self._styles_member, self._styles.to_bytes())
            if self._styles.created:
                self.wb_rels.add(RT_STYLES, self._styles_member)
                pkg.add_override(self._styles_member, CT_STYLES)
        pkg.put(self.wb_part, serialise(self.wb))
        if self.wb_rels.changed:
            pkg.put(self.wb_rels.name, self.wb_rels.to_bytes())
        if pkg.ct_changed:
            pkg.put(pkg.member("[Content_Types].xml"), serialise(pkg.ct_root))
        return pkg.replace, pkg.add

    # -- annotated sheets ------------------------------------------------------------------------------
    def _annotate_sheet(self, info: _SheetInfo, findings: list[Finding]) -> None:
        pkg = self.pkg
        sheet = Sheet(pkg.read(pkg.member(info.part)), info.part)
        merges = sheet.merged()
        fill_rank: dict[tuple[int, int], int] = {}
        notes: dict[tuple[int, int], list[Finding]] = {}
        for f in findings:
            r1, c1, r2, c2 = parse_range(f.cell)
            for m in merges:  # a reference into a merged area covers the whole area
                if m[0] <= r2 and r1 <= m[2] and m[1] <= c2 and c1 <= m[3]:
                    r1, c1, r2, c2 = min(r1, m[0]), min(c1, m[1]), max(r2, m[2]), max(c2, m[3])
            notes.setdefault((r1, c1), []).append(f)
            rank = f.severity.rank
            if f.severity.marks_cell:
                count = 0
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        fill_rank[(r, c)] = max(fill_rank.get((r, c), 0), rank)
                        count += 1
                        if count >= _MAX_CELLS_PER_FINDING:
                            break
                    if count >= _MAX_CELLS_PER_FINDING:
                        break
        rgb_of = {s.rank: FILL_RGB[s] for s in FILL_RGB}
        for (r, c) in sorted(fill_rank):
            cell = sheet.cell(r, c)
            s = int(cell.get("s", "0") or 0)
            new = self.styles.with_fill(s, rgb_of[fill_rank[(r, c)]])
            if new != s:
                cell.set("s", str(new))
        self._add_notes(info, sheet, notes)
        pkg.put(pkg.member(info.part), sheet.to_bytes())

    def _add_notes(self, info: _SheetInfo, sheet: Sheet, notes: dict[tuple[int, int], list[Finding]]) -> None:
        pkg = self.pkg
        rels = Rels(pkg, pkg.member(info.part))
        com_rel = rels.by_type(RT_COMMENTS)
        com_member = pkg.member(rels.target(com_rel[0])) if com_rel else None
        comments = Comments(pkg.read(com_member) if com_member else None, com_member or "comments",
                            NOTE_AUTHOR, APPEND_MARK)
        vml_rid = sheet.legacy_drawing_rid()
        vml_rel = rels.by_id(vml_rid) if vml_rid else None
        vml_member = pkg.member(rels.target(vml_rel)) if vml_rel is not None else None
        if vml_member:
            vml = Vml(pkg.read(vml_member), 0)
        else:
            vml = Vml(None, self._free_idmap_block())
        if not vml.editable:
            return  # an unusual drawing we will not patch: fills and the 核查结果 sheet still show everything
        changed = False
        for (r, c), fs in sorted(notes.items()):
            ref = a1(r, c)
            text = "\n".join(note_text(f) for f in fs)
            existing = comments.by_ref.get(ref)
            if existing is None:
                comments.new_comment(ref, text)
                vml.add_note(r, c, text)
            else:
                author = comments.author(existing)
                if author.startswith("tc="):
                    continue  # a threaded comment's placeholder: Excel shows the thread, leave it alone
                if author == NOTE_AUTHOR:
                    comments.replace_text(existing, text)
                else:
                    comments.append_text(existing, text)
                if not vml.fit_note(r, c, comments.text_of(existing)):
                    vml.add_note(r, c, comments.text_of(existing))
            changed = True
        if not changed:
            return
        if com_member:
            pkg.put(com_member, comments.to_bytes())
        else:
            com_member = pkg.new_part_name("xl/comments{}.xml")
            pkg.put(com_member, comments.to_bytes())
            rels.add(RT_COMMENTS, com_member)
            pkg.add_override(com_member, CT_COMMENTS)
        if vml_member:
            if vml.changed:
                pkg.put(vml_member, vml.to_bytes())
        else:
            vml_member = pkg.new_part_name("xl/drawings/vmlDrawing{}.vml")
            pkg.put(vml_member, vml.to_bytes())
            target = posixpath.relpath(vml_member, posixpath.dirname(info.part))
            if vml_rel is not None:  # a legacyDrawing whose drawing is missing: point it at the new one
                vml_rel.set("Target", target)
                vml_rel.attrib.pop("TargetMode", None)
                rels.changed = True
            elif vml_rid:  # a legacyDrawing with a dangling id
                etree.SubElement(rels.root, q("Relationship", NS_PKG_REL), Id=vml_rid, Type=RT_VML, Target=target)
                rels.changed = True
            else:
                sheet.add_legacy_drawing(rels.add(RT_VML, vml_member))
            if pkg.content_type(vml_member) is None:
                pkg.ensure_default("vml", CT_VML)
        if rels.changed:
            pkg.put(rels.name, rels.to_bytes())

    def _free_idmap_block(self) -> int:
        """A VML shape-id block (o:idmap) no drawing in the package uses, for a new drawing."""
        if not hasattr(self, "_idmap_used"):
            self._idmap_used = {0}
            for name in self.pkg.names:
                if name.lower().endswith(".vml"):
                    head = self.pkg.read(name)[:4096].decode("utf-8", "replace")
                    self._idmap_used.update(int(b) for b in re.findall(r"\d+", first_group(re.search(
                        r'<o:idmap\b[^>]*\bdata="([^"]*)"', head))))
        block = max(self._idmap_used) + 1
        self._idmap_used.add(block)
        return block

    # -- the 核查结果 sheet -------------------------------------------------------------------------------
    def _results_sheet_name(self) -> tuple[str, _SheetInfo | None]:
        """The name for the results sheet, and the sheet it replaces (one an earlier run wrote), if any."""
        n = 1
        while True:
            name = RESULTS_SHEET if n == 1 else f"{RESULTS_SHEET} ({n})"
            info = self.sheet_by_name(name)
            if info is None:
                return name, None
            if info.is_worksheet and info.index == len(self.sheets) - 1 and self._is_ours(info):
                return info.name, info
            n += 1

    def _is_ours(self, info: _SheetInfo) -> bool:
        root = parse_xml(self.pkg.read(self.pkg.member(info.part)), info.part)
        texts = []
        for c in root.iterfind(f"{q('sheetData')}/{q('row')}[@r='2']/{q('c')}"):
            if c.get("t") == "inlineStr":
                texts.append("".join(t.text or "" for t in c.iter(q("t"))))
            elif c.get("t") == "s":
                texts.append(self._shared_string(int(c.findtext(q("v")) or -1)))
            else:
                texts.append(c.findtext(q("v")) or "")
        return tuple(texts[:len(HEADERS)]) == HEADERS

    def _shared_string(self, i: int) -> str:
        if not hasattr(self, "_sst"):
            rels = self.wb_rels.by_type(RT_SHARED_STRINGS)
            member = self.pkg.member(self.wb_rels.target(rels[0])) if rels else None
            self._sst = []
            if member:
                sst = parse_xml(self.pkg.read(member), member)
                for si in sst.iterfind(q("si")):
                    self._sst.append("".join(t.text or "" for t in si.iter(q("t"))
                                             if etree.QName(t.getparent()).localname != "rPh"))
        return self._sst[i] if 0 <= i < len(self._sst) else ""

    def _add_results_sheet(self, name: str, replaces: _SheetInfo | None) -> None:
        pkg = self.pkg
        xml, last_row = self._results_xml()
        if replaces is not None:
            part, index = pkg.member(replaces.part), replaces.index
        else:
            part = pkg.new_part_name("xl/worksheets/sheet{}.xml")
            index = len(self.sheets)
            rid = self.wb_rels.add(RT_WORKSHEET, part)
            sheets = self.wb.find(q("sheets"))
            if sheets is None:
                sheets = etree.Element(q("sheets"))
                insert_in_order(self.wb, sheets, WORKBOOK_ORDER)
            ids = [int(s.get("sheetId")) for s in sheets.iterfind(q("sheet")) if (s.get("sheetId") or "").isdigit()]
            el = etree.SubElement(sheets, q("sheet"), name=name, sheetId=str(max(ids + [0]) + 1))
            el.set(q("id", NS_R), rid)
            pkg.add_override(part, CT_WORKSHEET)
        pkg.put(part, xml)
        self._set_filter_name(index, f"{quote_sheet(name)}!$A$2:$H${last_row}")

    def _set_filter_name(self, index: int, formula: str) -> None:
        names = self.wb.find(q("definedNames"))
        if names is None:
            names = etree.Element(q("definedNames"))
            insert_in_order(self.wb, names, WORKBOOK_ORDER)
        for dn in names.iterfind(q("definedName")):
            if dn.get("name", "").lower() == "_xlnm._filterdatabase" and dn.get("localSheetId") == str(index):
                dn.text = formula
                return
        dn = etree.SubElement(names, q("definedName"), name="_xlnm._FilterDatabase", localSheetId=str(index),
                              hidden="1")
        dn.text = formula

    def _results_xml(self) -> tuple[bytes, int]:
        st = self.styles
        sx = {k: st.extra(k) for k in ("title", "header", "text", "wrap", "link", Severity.ERROR, Severity.WARNING)}
        title = results_title(self.source_name, self.findings)
        rows: list[str] = [f'<row r="1">{_istr("A1", title, sx["title"])}</row>',
                           '<row r="2">' + "".join(_istr(f"{col_letter(i)}2", h, sx["header"])
                                                   for i, h in enumerate(HEADERS)) + "</row>"]
        shown: list[tuple] = []
        links: list[str] = []
        for n, f in enumerate(self.findings, start=1):
            r = n + 2
            info = self.sheet_by_name(f.sheet)
            cell_text = f.cell.replace("$", "").upper() if f.cell else WHOLE_SHEET
            values = [n, f.check, f.severity.label, f.sheet, cell_text, f.stated, f.computed, f.message]
            shown.append(tuple(values))
            styles = [sx["text"], sx["text"], sx.get(f.severity, sx["text"]), sx["text"], sx["text"], sx["text"],
                      sx["text"], sx["wrap"]]
            if info is not None and info.is_worksheet:
                target = f.cell.replace("$", "").upper() if f.cell else "A1"
                location = f"{quote_sheet(info.name)}!{target}"
                links.append(f'<hyperlink ref="E{r}" location="{esc(xml_text(location))}" '
                             f'display="{esc(xml_text(cell_text))}"/>')
                styles[4] = sx["link"]
            cells = []
            for i, (v, s) in enumerate(zip(values, styles)):
                ref = f"{col_letter(i)}{r}"
                if v is None:
                    cells.append(f'<c r="{ref}" s="{s}"/>')
                elif isinstance(v, (int, float, Decimal)) and fits_a_cell(v):
                    cells.append(f'<c r="{ref}" s="{s}"><v>{_number(v)}</v></c>')
                else:
                    cells.append(_istr(ref, fmt_value(v), s))
            rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
        last = len(self.findings) + 2
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:.2f}" customWidth="1"/>'
                       for i, w in enumerate(column_widths(shown)))
        tab = TAB_RGB[worst(f for f in self.findings if f.severity.marks_cell)]
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
            f'<sheetPr><tabColor rgb="{tab}"/><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:H{last}"/>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" activePane="bottomLeft"'
            ' state="frozen"/><selection pane="bottomLeft" activeCell="A3" sqref="A3"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            f'<cols>{cols}</cols>'
            f'<sheetData>{"".join(rows)}</sheetData>'
            f'<autoFilter ref="A2:H{last}"/>'
            + (f'<hyperlinks>{"".join(links)}</hyperlinks>' if links else "")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            '</worksheet>')
        return xml.encode("utf-8"), last


def _istr(ref: str, text: str, style: int) -> str:
    return (f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{esc(xml_text(text))}</t>'
            "</is></c>")


def _number(v) -> str:
    if isinstance(v, Decimal):
        return format(v, "f") if abs(v.adjusted()) < 20 else format(v, "E")
    if isinstance(v, float):
        return repr(v)
    return str(v)
