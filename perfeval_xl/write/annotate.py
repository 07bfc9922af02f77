"""Write an annotated copy of a workbook: findings filled and noted on their cells, plus a 核查结果 sheet.

The copy is made by patching the zip package, never by a spreadsheet library's load-and-save (which loses
text boxes, x14 validations, add-in parts, buttons and cached values; see EXCEL_NOTES.md §3). Every member
that is not touched is copied raw, byte for byte (`_zipcopy`); the parts that are touched are edited with the
small part editors of `_ooxml`, and worksheets as a stream (`sheetstream`: no object per cell, so a sheet of
millions of empty styled cells costs little). The only members rewritten are:

* the XML of each annotated worksheet (a cell's style index, new empty cells, `<legacyDrawing>`,
  `<dimension>`) and its `_rels`;
* `xl/styles.xml` (appended fills, fonts and cloned `<xf>` records; nothing existing is renumbered);
* the comments part and VML drawing of an annotated sheet, when it already has them (added to, or our own
  earlier notes taken out: the VML is patched as text);
* `[Content_Types].xml`, `xl/workbook.xml` and its `_rels` (the new sheet and its filter name).

New members: the 核查结果 worksheet, and comments/VML parts for sheets that had none. `calcChain.xml`,
`sharedStrings.xml`, `docProps/*`, drawings, charts, images and `vbaProject.bin` are never rewritten.

A workbook that comes back with the marks of an earlier check (a unit fixed the annotated copy and returned it) is
recognised by its content — a 核查结果 sheet with our header row, notes of ours — whatever its name. Every earlier
mark of ours is taken back before the new ones are made: our fills (the cell's own fill comes back, as the hidden
columns of 核查结果 remember it), our notes and the blocks we appended to the user's notes, the old 核查结果. The
user's own notes and colours stay.
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

from ..a1 import a1, col_letter, parse_a1, parse_range, quote_sheet
from ..check.findings import Finding
from ..excelmath import fits_a_cell
from ..errors import CannotAnnotate
from ..present import (APPEND_MARK, FILL_RGB, HEADERS, NOTE_APPENDED, NOTE_AUTHOR, NOTE_NEW, OUR_NOTE, RESULTS_SHEET,
                       STATE_HEADERS, TAB_RGB, WHOLE_SHEET, column_widths, fmt_value, is_our_note, note_text,
                       results_row, results_title, row_height, worst)
from ..read.preflight import Inspected, preflight
from ..severity import Severity
from ._ooxml import (CT_COMMENTS, CT_STYLES, CT_VML, CT_WORKSHEET, MAIN_PART_SUFFIX, NS_MAIN, NS_PKG_REL, NS_R,
                     NS_STRICT_MAIN, RT_COMMENTS, RT_OFFICE_DOCUMENT, RT_SHARED_STRINGS, RT_STRICT_OFFICE_DOCUMENT,
                     RT_STYLES, RT_VML, RT_WORKSHEET, WORKBOOK_ORDER, Comments, Package, Rels, Styles, Vml, esc,
                     first_group, insert_in_order, parse_xml, q, serialise, xml_text)
from ._zipcopy import Deflated, ZipCopyError, ZipSource, deflate
from .sheetstream import RowPlan, Skeleton, StrictSheet, rows

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
            (error) or orange (warning) and gets an explanatory note (info: a note only). Every finding,
            including those without a cell, is listed on the sheet "核查结果": a new last sheet, or the one an
            earlier check left (rewritten in place, after every earlier mark of ours is taken back).
        source_name: the file name shown on 核查结果 (default: src's name).
        inspected: src's pre-flight, when a check has just made it (`Report.inspected`): the bytes it verified
            (decrypted, for an encrypted src) are patched, and src is neither read nor verified again.
        encrypt_with: encrypt the copy with this password (msoffcrypto-tool), as the encrypted src was.

    Raises:
        Refused: src fails the pre-flight (damaged, zip bomb, XML entities, encrypted, not a workbook …).
        CannotAnnotate: a workbook this writer cannot patch (.xls, .ods, Strict Open XML, a zip layout it cannot
            rewrite), said in Chinese and English (a ValueError too).
        ValueError: a finding with an unknown severity or a malformed cell reference, dst equal to src, or a dst
            suffix that does not match the workbook kind.
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
        raise CannotAnnotate("format", kind="." + inspected.kind)
    with io.BytesIO(inspected.data) as fh:
        replace: dict = {}
        try:
            package = ZipSource(fh)
            patch = _Annotator(package, findings, source_name or src.name)
            replace, add, drop = patch.build()
            expected = MAIN_PART_SUFFIX.get(patch.main_content_type)
            if expected and dst.suffix.lower() != expected:
                raise ValueError(f"{src.name} is a {expected} workbook; the annotated copy must be named "
                                 f"*{expected}, not {dst.name}")
            if encrypt_with:
                write_atomically(dst, lambda out: _encrypted(lambda buf: package.write(buf, replace, add, drop),
                                                              encrypt_with, out))
            else:
                write_atomically(dst, lambda out: package.write(out, replace, add, drop))
        except ZipCopyError as e:
            raise CannotAnnotate("damaged", why=str(e)[:120]) from e
        finally:
            for data in replace.values():
                if isinstance(data, Deflated):
                    data.close()


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


def write_atomically(dst: Path, write) -> None:
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
        office = root_rels.by_type(RT_OFFICE_DOCUMENT) or root_rels.by_type(RT_STRICT_OFFICE_DOCUMENT)
        if not office:
            raise CannotAnnotate("damaged", why="no officeDocument relationship")
        if office[0].get("Type") == RT_STRICT_OFFICE_DOCUMENT:
            raise CannotAnnotate("strict")
        self.wb_part = root_rels.target(office[0])
        if not self.pkg.member(self.wb_part):
            raise CannotAnnotate("damaged", why=f"workbook part {self.wb_part} is missing")
        self.wb_part = self.pkg.member(self.wb_part)
        self.main_content_type = self.pkg.content_type(self.wb_part) or ""
        self.wb = parse_xml(self.pkg.read(self.wb_part), self.wb_part)
        if etree.QName(self.wb).namespace == NS_STRICT_MAIN:
            raise CannotAnnotate("strict")
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
        self.fill_states: dict[tuple[str, int, int], str] = {}  # (sheet, row, col) -> the cell's own fill
        self.note_states: dict[tuple[str, int, int], str] = {}  # (sheet, row, col) -> NOTE_NEW / NOTE_APPENDED
        self.marked_at: dict[int, tuple[str, int, int]] = {}  # id(finding) -> the cell its marks start at

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

    def build(self) -> tuple[dict[str, bytes | Deflated], list[tuple[str, bytes]], set[str]]:
        ours = [s for s in self.sheets if s.is_worksheet and self._is_ours(s)]
        earlier = self._earlier_marks(ours)
        by_sheet: dict[str, list[Finding]] = {}
        for f in self.findings:
            info = self.sheet_by_name(f.sheet)
            if f.cell is None or info is None or not info.is_worksheet or info in ours:
                continue
            by_sheet.setdefault(info.name, []).append(f)
        for info in self.sheets:
            if info.is_worksheet and info not in ours:
                self._annotate_sheet(info, by_sheet.get(info.name, []), earlier.get(info.name.casefold(), []))
        replaces = ours[0] if ours else None
        self._remove_sheets(ours[1:])
        self._add_results_sheet(replaces.name if replaces else self._free_results_name(), replaces)
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
        return pkg.replace, pkg.add, pkg.drop

    # -- annotated sheets ------------------------------------------------------------------------------
    def _annotate_sheet(self, info: _SheetInfo, findings: list[Finding], earlier: list[tuple]) -> None:
        """Take back the earlier marks of ours on one sheet, then mark `findings`; a sheet with neither (and no
        note of ours) is left as it is, byte for byte."""
        pkg = self.pkg
        member = pkg.member(info.part)
        rels = Rels(pkg, member)
        com_rel = rels.by_type(RT_COMMENTS)
        com_member = pkg.member(rels.target(com_rel[0]) or "") if com_rel else None
        com_data = pkg.read(com_member) if com_member else None
        if not findings and not earlier and not (com_data and _may_hold_ours(com_data)):
            return
        try:
            skeleton = Skeleton(pkg.source.stream(member), member)
        except StrictSheet:
            raise CannotAnnotate("strict") from None
        merges = skeleton.merged()
        fill_rank: dict[tuple[int, int], int] = {}
        notes: dict[tuple[int, int], list[Finding]] = {}
        for f in findings:
            r1, c1, r2, c2 = _covering(parse_range(f.cell), merges)
            notes.setdefault((r1, c1), []).append(f)
            self.marked_at[id(f)] = (info.name, r1, c1)
            if f.severity.marks_cell:
                for cell in _cells(r1, c1, r2, c2):
                    fill_rank[cell] = max(fill_rank.get(cell, 0), f.severity.rank)
        undo: dict[tuple[int, int], str | None] = {}  # cells an earlier mark of ours may have filled
        for r1, c1, r2, c2, state in earlier:
            for cell in _cells(*_covering((r1, c1, r2, c2), merges)):
                undo.setdefault(cell, state)
        for r, c in self._notes(info, skeleton, rels, com_member, com_data, notes):
            for cell in _cells(*_covering((r, c, r, c), merges)):
                undo.setdefault(cell, None)
        ours = set(FILL_RGB.values())
        rgb_of = {s.rank: FILL_RGB[s] for s in FILL_RGB}
        top_left = {(r, c) for (r, c) in notes}

        def restyle(r: int, c: int, s: int) -> int:
            if (r, c) in undo and self.styles.fill_rgb(s) in ours:
                s = self.styles.restore_fill(s, undo[(r, c)])
            if (r, c) in fill_rank:
                if (r, c) in top_left:
                    self.fill_states[(info.name, r, c)] = self.styles.fill_state(s)
                s = self.styles.with_fill(s, rgb_of[fill_rank[(r, c)]])
            return s

        plan = RowPlan(restyle)
        for r, c in undo:
            plan.want(r, c, create=False)
        for r, c in fill_rank:
            plan.want(r, c, create=True)
        skeleton.grow_dimension(fill_rank)
        changed = [skeleton.edited]
        method = 0 if pkg.source.get(member).method == 0 else 8  # a stored part stays stored
        patched = deflate(rows(pkg.source.stream(member), skeleton, plan, changed), method)
        if changed[0]:
            pkg.put(member, patched)
        else:
            patched.close()

    def _notes(self, info: _SheetInfo, skeleton: Skeleton, rels: Rels, com_member: str | None,
               com_data: bytes | None, notes: dict[tuple[int, int], list[Finding]]) -> list[tuple[int, int]]:
        """Take out our earlier notes (and the blocks we appended to the user's), write the new ones; returns the
        cells where a note of ours was (their fill was probably ours too)."""
        if not notes and com_data is None:
            return []
        pkg = self.pkg
        comments = Comments(com_data, com_member or "comments", NOTE_AUTHOR, APPEND_MARK)
        vml_rid = skeleton.legacy_drawing_rid()
        vml_rel = rels.by_id(vml_rid) if vml_rid else None
        vml_member = pkg.member(rels.target(vml_rel) or "") if vml_rel is not None else None
        if vml_member:
            vml = Vml(pkg.read(vml_member), 0)
        else:
            vml = Vml(None, self._free_idmap_block())
        if not vml.editable:
            return []  # an unusual drawing we will not patch: fills and the 核查结果 sheet still show everything
        changed = False
        were_ours: list[tuple[int, int]] = []
        wanted = {a1(r, c) for r, c in notes}
        for ref, comment in list(comments.by_ref.items()):
            author, text = comments.author(comment), comments.text_of(comment)
            if ref in wanted or author.startswith("tc="):
                continue  # a cell marked again (below), or a threaded comment's placeholder
            try:
                r, c = parse_a1(ref)
            except ValueError:
                continue
            if is_our_note(author, text):
                comments.remove(comment)
                vml.remove_note(r, c)
            elif comments.has_our_block(comment):
                comments.strip_block(comment)
            else:
                continue
            were_ours.append((r, c))
            changed = True
        for (r, c), fs in sorted(notes.items()):
            ref = a1(r, c)
            text = "\n".join(note_text(f) for f in fs)
            existing = comments.by_ref.get(ref)
            if existing is None:
                comments.new_comment(ref, text)
                vml.add_note(r, c, text)
                state = NOTE_NEW
            else:
                author = comments.author(existing)
                if author.startswith("tc="):
                    continue  # a threaded comment's placeholder: Excel shows the thread, leave it alone
                if is_our_note(author, comments.text_of(existing)):
                    comments.replace_text(existing, text)
                    were_ours.append((r, c))
                    state = NOTE_NEW
                else:
                    if comments.has_our_block(existing):
                        were_ours.append((r, c))
                    comments.append_text(existing, text)
                    state = NOTE_APPENDED
                if not vml.fit_note(r, c, comments.text_of(existing)):
                    vml.add_note(r, c, comments.text_of(existing))
            self.note_states[(info.name, r, c)] = state
            changed = True
        if changed:
            self._write_notes(info, skeleton, rels, com_member, comments, vml, vml_rid, vml_rel, vml_member)
        return were_ours

    def _write_notes(self, info, skeleton, rels, com_member, comments, vml, vml_rid, vml_rel, vml_member) -> None:
        pkg = self.pkg
        if not comments.list.findall(q("comment")):  # every note was ours and is gone: so are the parts we added
            if com_member:
                self._drop_part(com_member, rels)
            if vml_member and not vml.has_shapes():
                self._drop_part(vml_member, rels)
                skeleton.remove_legacy_drawing()
            elif vml_member and vml.changed:
                pkg.put(vml_member, vml.to_bytes())
            if rels.changed:
                pkg.put(rels.name, rels.to_bytes())
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
                skeleton.add_legacy_drawing(rels.add(RT_VML, vml_member))
            if pkg.content_type(vml_member) is None:
                pkg.ensure_default("vml", CT_VML)
        if rels.changed:
            pkg.put(rels.name, rels.to_bytes())

    def _drop_part(self, member: str, rels: Rels) -> None:
        """Leave a part out of the copy, with its relationship from `rels` and its content type."""
        self.pkg.drop.add(member)
        self.pkg.remove_override(member)
        for rel in list(rels):
            if rels.target(rel) == member:
                rels.remove(rel)

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

    # -- earlier checks: their 核查结果 sheets -------------------------------------------------------------
    def _is_ours(self, info: _SheetInfo) -> bool:
        """Whether a worksheet is a 核查结果 sheet an earlier check wrote (its header row), whatever its name."""
        rows = self._rows(info, upto=2)
        return tuple(rows.get(2, [])[:len(HEADERS)]) == HEADERS

    def _earlier_marks(self, ours: list[_SheetInfo]) -> dict[str, list[tuple]]:
        """Sheet name (casefolded) -> (r1, c1, r2, c2, the cell's own fill as remembered or None) for every cell or
        range the earlier 核查结果 sheets list."""
        out: dict[str, list[tuple]] = {}
        for info in ours:
            for n, row in sorted(self._rows(info).items()):
                if n < 3 or len(row) < 5 or not isinstance(row[3], str) or not isinstance(row[4], str):
                    continue
                try:
                    area = parse_range(row[4].strip())
                except ValueError:
                    continue  # （整表） or anything else
                state = row[8] if len(row) > 8 and isinstance(row[8], str) and row[8] else None
                out.setdefault(row[3].casefold(), []).append((*area, state))
        return out

    def _rows(self, info: _SheetInfo, upto: int | None = None) -> dict[int, list]:
        """Row number -> the values of its cells (text, numbers; shared strings resolved), read as a stream and
        only as far as row `upto`."""
        member = self.pkg.member(info.part)
        raw: dict[int, list] = {}
        parser = etree.XMLPullParser(events=("end",), resolve_entities=False, no_network=True, load_dtd=False,
                                     huge_tree=False)
        number = 0
        try:
            for chunk in self.pkg.source.stream(member):
                for at in range(0, len(chunk), 4096):  # small bites: the first rows are read without the rest
                    parser.feed(chunk[at:at + 4096])
                    for _, el in parser.read_events():
                        if etree.QName(el).localname != "row":
                            continue
                        number = int(el.get("r")) if (el.get("r") or "").isdigit() else number + 1
                        if upto is not None and number > upto:
                            return self._resolved(raw)
                        raw[number] = _row_values(el)
                        el.clear()
        except etree.XMLSyntaxError:
            return {}
        return self._resolved(raw)

    def _resolved(self, raw: dict[int, list]) -> dict[int, list]:
        wanted = {v[1] for row in raw.values() for v in row if isinstance(v, tuple)}
        strings = self._shared_strings(wanted) if wanted else {}
        return {n: [strings.get(v[1], "") if isinstance(v, tuple) else v for v in row] for n, row in raw.items()}

    def _shared_strings(self, wanted: set[int]) -> dict[int, str]:
        """The shared strings at the `wanted` indices, read as a stream."""
        rels = self.wb_rels.by_type(RT_SHARED_STRINGS)
        member = self.pkg.member(self.wb_rels.target(rels[0]) or "") if rels else None
        out: dict[int, str] = {}
        if not member:
            return out
        parser = etree.XMLPullParser(events=("end",), resolve_entities=False, no_network=True, load_dtd=False,
                                     huge_tree=False)
        i = 0
        for chunk in self.pkg.source.stream(member):
            parser.feed(chunk)
            for _, el in parser.read_events():
                if etree.QName(el).localname != "si" or not isinstance(el.tag, str):
                    continue
                if i in wanted:
                    out[i] = _text_of(el)
                i += 1
                el.clear()
                if len(out) == len(wanted):
                    return out
        return out

    def _free_results_name(self) -> str:
        n = 1
        while True:
            name = RESULTS_SHEET if n == 1 else f"{RESULTS_SHEET} ({n})"
            if self.sheet_by_name(name) is None:
                return name
            n += 1

    def _remove_sheets(self, gone: list[_SheetInfo]) -> None:
        """Take out earlier 核查结果 sheets beyond the one replaced: their entry, relationship, content type, part,
        and the sheet-scoped names; later sheets' indices move down."""
        for info in sorted(gone, key=lambda s: -s.index):
            sheets = self.wb.find(q("sheets"))
            el = list(sheets.iterfind(q("sheet")))[info.index]
            rel = self.wb_rels.by_id(el.get(q("id", NS_R)))
            sheets.remove(el)
            if rel is not None:
                self.wb_rels.remove(rel)
            member = self.pkg.member(info.part)
            self.pkg.drop.add(member)
            if self.pkg.member(_rels_of(member)):
                self.pkg.drop.add(self.pkg.member(_rels_of(member)))
            self.pkg.remove_override(member)
            names = self.wb.find(q("definedNames"))
            for dn in list(names.iterfind(q("definedName")) if names is not None else []):
                local = dn.get("localSheetId")
                if local is not None and local.isdigit():
                    if int(local) == info.index:
                        names.remove(dn)
                    elif int(local) > info.index:
                        dn.set("localSheetId", str(int(local) - 1))
            for view in self.wb.iter(q("workbookView")):
                for attr in ("activeTab", "firstSheet"):
                    value = view.get(attr)
                    if value and value.isdigit() and int(value) >= info.index and int(value) > 0:
                        view.set(attr, str(int(value) - 1))
            self.sheets.remove(info)
            for i, s in enumerate(self.sheets):
                s.index = i

    # -- the 核查结果 sheet -------------------------------------------------------------------------------
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
        self._set_sheet_name(index, "_xlnm._FilterDatabase", f"{quote_sheet(name)}!$A$2:$H${last_row}", hidden=True)
        self._set_sheet_name(index, "_xlnm.Print_Titles", f"{quote_sheet(name)}!$1:$2")  # on every printed page

    def _set_sheet_name(self, index: int, name: str, formula: str, hidden: bool = False) -> None:
        """Set a defined name local to sheet `index` (the filter range, the rows printed on every page)."""
        names = self.wb.find(q("definedNames"))
        if names is None:
            names = etree.Element(q("definedNames"))
            insert_in_order(self.wb, names, WORKBOOK_ORDER)
        for dn in names.iterfind(q("definedName")):
            if dn.get("name", "").lower() == name.lower() and dn.get("localSheetId") == str(index):
                dn.text = formula
                return
        dn = etree.SubElement(names, q("definedName"), name=name, localSheetId=str(index))
        if hidden:
            dn.set("hidden", "1")
        dn.text = formula

    def _results_xml(self) -> tuple[bytes, int]:
        st = self.styles
        sx = {k: st.extra(k) for k in ("title", "header", "text", "link", Severity.ERROR, Severity.WARNING)}
        title = results_title(self.source_name, self.findings)
        rows: list[str] = [f'<row r="1">{_istr("A1", title, sx["title"])}</row>',
                           '<row r="2">' + "".join(_istr(f"{col_letter(i)}2", h, sx["header"])
                                                   for i, h in enumerate(HEADERS + STATE_HEADERS)) + "</row>"]
        shown = [results_row(n, f, f.cell.replace("$", "").upper() if f.cell else WHOLE_SHEET)
                 for n, f in enumerate(self.findings, start=1)]
        widths = column_widths(shown)
        links: list[str] = []
        for f, values in zip(self.findings, shown):
            n, cell_text = values[0], values[4]
            r = n + 2
            info = self.sheet_by_name(f.sheet)
            styles = [sx["text"]] * len(HEADERS)
            styles[2] = sx.get(f.severity, sx["text"])
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
            marked = self.marked_at.get(id(f))  # how the cell was before: the next check takes the marks back
            for col, states in ((8, self.fill_states), (9, self.note_states)):
                if marked in states:
                    cells.append(_istr(f"{col_letter(col)}{r}", states[marked], sx["text"]))
            height = row_height(values, widths)
            fit = f' ht="{height:g}" customHeight="1"' if height else ""
            rows.append(f'<row r="{r}"{fit}>' + "".join(cells) + "</row>")
        last = len(self.findings) + 2
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:.2f}" customWidth="1"/>'
                       for i, w in enumerate(widths))
        cols += f'<col min="{len(HEADERS) + 1}" max="{len(HEADERS) + len(STATE_HEADERS)}" width="8" hidden="1"' \
                ' customWidth="1"/>'
        right = col_letter(len(HEADERS) + len(STATE_HEADERS) - 1)
        tab = TAB_RGB[worst(f for f in self.findings if f.severity.marks_cell)]
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
            f'<sheetPr><tabColor rgb="{tab}"/><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:{right}{last}"/>'
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


def _covering(area: tuple[int, int, int, int], merges: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    """The area a reference marks: a reference into a merged area covers the whole area."""
    r1, c1, r2, c2 = area
    for m in merges:
        if m[0] <= r2 and r1 <= m[2] and m[1] <= c2 and c1 <= m[3]:
            r1, c1, r2, c2 = min(r1, m[0]), min(c1, m[1]), max(r2, m[2]), max(c2, m[3])
    return r1, c1, r2, c2


def _cells(r1: int, c1: int, r2: int, c2: int) -> list[tuple[int, int]]:
    """The cells of an area, row by row, at most _MAX_CELLS_PER_FINDING of them."""
    out = []
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            out.append((r, c))
            if len(out) >= _MAX_CELLS_PER_FINDING:
                return out
    return out


_OUR_SIGNS = (NOTE_AUTHOR.encode(), APPEND_MARK.encode())


def _may_hold_ours(comments: bytes) -> bool:
    """Whether a comments part may hold a note of ours (our author, our appended block, our '[C08] 错误：'),
    before it is parsed."""
    return any(sign in comments for sign in _OUR_SIGNS) or re.search(
        OUR_NOTE.pattern.lstrip("^").encode(), comments) is not None


def _row_values(row) -> list:
    """The values of one row's cells by column (None where there is none): text, numbers, or ('s', index) for a
    shared string still to be looked up."""
    out: list = []
    col = -1
    for c in row.iterfind("{*}c"):
        try:
            col = parse_a1(c.get("r"))[1] if c.get("r") else col + 1
        except ValueError:
            col += 1
        if col >= 64:
            break
        kind, v = c.get("t"), c.findtext("{*}v")
        if kind == "inlineStr":
            value = _text_of(c.find("{*}is")) if c.find("{*}is") is not None else ""
        elif kind == "s":
            value = ("s", int(v)) if (v or "").strip().isdigit() else ""
        elif kind in ("str", "e", "b", "d"):
            value = v or ""
        else:
            try:
                value = float(v) if v is not None else None
            except ValueError:
                value = v
        out.extend([None] * (col + 1 - len(out)))
        out[col] = value
    return out


def _text_of(el) -> str:
    """The text of a string item (<si>, <is>): its runs, without phonetic guides."""
    return "".join(t.text or "" for t in el.iter("{*}t") if etree.QName(t.getparent()).localname != "rPh")


def _rels_of(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _istr(ref: str, text: str, style: int) -> str:
    return (f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{esc(xml_text(text))}</t>'
            "</is></c>")


def _number(v) -> str:
    if isinstance(v, Decimal):
        return format(v, "f") if abs(v.adjusted()) < 20 else format(v, "E")
    if isinstance(v, float):
        return repr(v)
    return str(v)
