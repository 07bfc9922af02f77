"""Patch one worksheet's XML as a stream: restyle the cells asked for (creating the missing ones that are to be
marked), widen the dimension, hook a legacy drawing — and copy every other byte of the rows as it came.

Only the worksheet without its rows (sheetPr … cols before, mergeCells … extLst after) is parsed as a tree
(`Skeleton`). The rows go by one at a time (`rows`), read from the zip member in chunks; a row is parsed only when
it holds a cell to restyle. A sheet of two million empty bordered cells therefore costs what its largest row costs,
not an object per cell, and the patched part is deflated as it is produced (`_zipcopy.deflate`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from ..a1 import a1, parse_a1, parse_range
from ._ooxml import NS_MAIN, NS_R, NS_STRICT_MAIN, WORKSHEET_ORDER, insert_in_order, parse_xml, q, serialise

_P = rb"(?:[A-Za-z_][\w.\-]*:)?"
_SHEET_DATA = re.compile(rb"<(" + _P + rb")sheetData\b[^>]*>")
_SHEET_DATA_END = re.compile(rb"</" + _P + rb"sheetData\s*>")
_ROW = re.compile(rb"<" + _P + rb"row\b")
_ROW_TAG = re.compile(rb"<" + _P + rb"row\b[^>]*>")
_ROW_END = re.compile(rb"</" + _P + rb"row\s*>")
_ROW_R = re.compile(rb"""\sr\s*=\s*["']\s*([0-9]{1,9})\s*["']""")
_MAX_PENDING = 64 * 1024 * 1024  # no single row of a worksheet is this long (the pre-flight bounds the part)


class StrictSheet(ValueError):
    """The worksheet is Strict Open XML (another namespace): this writer only patches transitional parts."""


@dataclass
class _Piece:
    kind: str  # 'head' (up to the sheetData start tag), 'rows' (whole rows, and what lies between them), 'tail'
    data: bytes
    tag: bytes = b""  # the sheetData start tag, for 'head' (b"" when the sheet has none)


def _pieces(chunks: Iterable[bytes]) -> Iterator[_Piece]:
    """The worksheet's XML cut into its head, blocks of whole rows (cut after a row's end tag, as the chunks come),
    and its tail: C-level searches only, whatever the number of rows."""
    it = iter(chunks)
    buf = b""
    m = None
    while m is None:
        m = _SHEET_DATA.search(buf)
        if m is None:
            chunk = next(it, None)
            if chunk is None:
                yield _Piece("head", buf)
                return
            buf += chunk
    yield _Piece("head", buf[:m.start()], m.group())
    buf = buf[m.end():]
    if m.group().endswith(b"/>"):
        yield _Piece("tail", buf + b"".join(it))
        return
    row_end = b"</" + m.group(1) + b"row>"
    while True:
        end = _SHEET_DATA_END.search(buf)
        if end is not None:
            if end.start():
                yield _Piece("rows", buf[:end.start()])
            yield _Piece("tail", buf[end.start():] + b"".join(it))
            return
        cut = buf.rfind(row_end)
        if cut >= 0:
            cut += len(row_end)
            yield _Piece("rows", buf[:cut])
            buf = buf[cut:]
        chunk = next(it, None)
        if chunk is None:
            raise ValueError("the worksheet ends inside its sheetData")
        buf += chunk
        if len(buf) > _MAX_PENDING:
            raise ValueError("a worksheet row longer than 64 MB")


def _row_number(tag: bytes, previous: int) -> tuple[int, bool]:
    """A row's 1-based number from its start tag (the previous one + 1 without `r`), and whether it said so."""
    m = _ROW_R.search(tag)
    return (int(m.group(1)), True) if m else (previous + 1, False)


class Skeleton:
    """A worksheet without its rows: read in one streamed pass, it tells the merged areas, the legacy drawing and
    the column styles, and carries the edits made outside the rows (dimension, legacyDrawing)."""

    def __init__(self, chunks: Iterable[bytes], name: str):
        head = tail = b""
        sd_tag = b""
        self.has_rows = False
        for piece in _pieces(chunks):
            if piece.kind == "head":
                head, sd_tag = piece.data, piece.tag
            elif piece.kind == "rows":
                self.has_rows = self.has_rows or _ROW_TAG.search(piece.data) is not None
            elif piece.kind == "tail":
                tail = piece.data
        self._marker = f"perfeval-rows-{secrets.token_hex(8)}"
        if sd_tag:
            prefix = _SHEET_DATA.match(sd_tag).group(1)
            opening = sd_tag[:-2] + b">" if sd_tag.endswith(b"/>") else sd_tag
            if sd_tag.endswith(b"/>"):
                tail = b"</" + prefix + b"sheetData>" + tail
            doc = head + opening + f"<!--{self._marker}-->".encode() + tail
        else:
            doc = head
        self.root = parse_xml(doc, name)
        if etree.QName(self.root).namespace == NS_STRICT_MAIN:
            raise StrictSheet(name)
        self.data = self.root.find(q("sheetData"))
        added = self.data is None
        if added:  # a worksheet without sheetData: one is added, rows to come
            self.data = etree.Element(q("sheetData"))
            insert_in_order(self.root, self.data, WORKSHEET_ORDER)
        if not any(isinstance(c, etree._Comment) and c.text == self._marker for c in self.data):
            self.data.append(etree.Comment(self._marker))
        self.nsmap = dict(self.data.nsmap)
        self._cols: list[tuple[int, int, int]] | None = None
        self.edited = added  # changed outside the rows (dimension, legacyDrawing, a sheetData added)

    def merged(self) -> list[tuple[int, int, int, int]]:
        out = []
        mc = self.root.find(q("mergeCells"))
        if mc is not None:
            for m in mc.iterfind(q("mergeCell")):
                try:
                    out.append(parse_range(m.get("ref", "")))
                except ValueError:
                    pass
        return out

    def col_style(self, col: int) -> int:
        """The style of column `col` (0-based) from <cols>, 0 when none."""
        if self._cols is None:
            self._cols = []
            cols = self.root.find(q("cols"))
            if cols is not None:
                for c in cols.iterfind(q("col")):
                    try:
                        self._cols.append((int(c.get("min")), int(c.get("max")), int(c.get("style", "0"))))
                    except (TypeError, ValueError):
                        pass
        return next((style for lo, hi, style in self._cols if lo <= col + 1 <= hi), 0)

    def legacy_drawing_rid(self) -> str | None:
        el = self.root.find(q("legacyDrawing"))
        return None if el is None else el.get(q("id", NS_R))

    def add_legacy_drawing(self, rid: str) -> None:
        nsmap = None if NS_R in self.root.nsmap.values() else {"r": NS_R}
        el = etree.Element(q("legacyDrawing"), nsmap=nsmap)
        el.set(q("id", NS_R), rid)
        insert_in_order(self.root, el, WORKSHEET_ORDER)
        self.edited = True

    def remove_legacy_drawing(self) -> None:
        el = self.root.find(q("legacyDrawing"))
        if el is not None:
            el.getparent().remove(el)
            self.edited = True

    def grow_dimension(self, cells: Iterable[tuple[int, int]]) -> None:
        """Widen <dimension> (when there is one) to take in `cells` (0-based), as cells created there will be."""
        cells = list(cells)
        dim = self.root.find(q("dimension"))
        if not cells or dim is None:
            return
        try:
            r1, c1, r2, c2 = parse_range(dim.get("ref", ""))
        except ValueError:
            return
        rows, cols = [r for r, _ in cells], [c for _, c in cells]
        if (r1, c1, r2, c2) == (0, 0, 0, 0) and not self.has_rows:
            r1, c1, r2, c2 = min(rows), min(cols), max(rows), max(cols)
        n = (min(r1, *rows), min(c1, *cols), max(r2, *rows), max(c2, *cols))
        if n != (r1, c1, r2, c2):
            dim.set("ref", a1(n[0], n[1]) if n[:2] == n[2:] else f"{a1(n[0], n[1])}:{a1(n[2], n[3])}")
            self.edited = True

    def around_rows(self) -> tuple[bytes, bytes]:
        """The serialised worksheet up to and including the sheetData start tag, and from its end tag on."""
        whole = serialise(self.root)
        head, _, tail = whole.partition(f"<!--{self._marker}-->".encode())
        return head, tail


@dataclass
class RowPlan:
    """What to do in the rows: `restyle(row, col, style)` gives a cell's new style (0-based row and column);
    `cells` maps each row (1-based) to the columns to restyle there and whether a missing cell is to be created."""

    restyle: Callable[[int, int, int], int]
    cells: dict[int, dict[int, bool]] = field(default_factory=dict)

    def want(self, row: int, col: int, create: bool) -> None:
        cols = self.cells.setdefault(row + 1, {})
        cols[col] = cols.get(col, False) or create


def rows(chunks: Iterable[bytes], skeleton: Skeleton, plan: RowPlan, changed: list[bool]) -> Iterator[bytes]:
    """The patched worksheet, in chunks: the skeleton's head, the rows (copied as they came, but for those holding a
    cell of `plan` and those without their number), the new rows in their places, the skeleton's tail.
    `changed[0]` is set when anything in the rows changed."""
    head, tail = skeleton.around_rows()
    yield head
    todo = sorted(plan.cells)
    editor = _RowEditor(skeleton, plan)
    number = 0
    for piece in _pieces(chunks):
        if piece.kind == "head":
            continue
        if piece.kind == "tail":
            break
        block, out, last = piece.data, [], 0
        for m in _ROW_TAG.finditer(block):
            number, said = _row_number(m.group(), number)
            due = bool(todo) and todo[0] <= number
            if said and not due:
                continue  # copied with the block
            out.append(block[last:m.start()])
            while todo and todo[0] < number:
                out.append(editor.new_row(todo.pop(0), changed))
            if m.group().endswith(b"/>"):
                end = m.end()
            else:
                close = _ROW_END.search(block, m.end())
                end = close.end() if close else len(block)
            row = block[m.start():end]
            if todo and todo[0] == number:
                todo.pop(0)
                out.append(editor.edit(row, number, changed))
            elif not said:  # give the row its number, so that a row inserted before it cannot renumber it
                named = _ROW.match(row).end()
                out.append(row[:named] + f' r="{number}"'.encode() + row[named:])
                changed[0] = True
            else:
                out.append(row)
            last = end
        out.append(block[last:])
        yield b"".join(out)
    yield b"".join(editor.new_row(n, changed) for n in todo)
    yield tail


class _RowEditor:
    """Edits one row at a time: the row is parsed alone (inside an element that declares the worksheet's
    namespaces, so that its prefixes stay as they were) and serialised back without those declarations."""

    def __init__(self, skeleton: Skeleton, plan: RowPlan):
        self.skeleton, self.plan = skeleton, plan
        decls = []
        for prefix, uri in skeleton.nsmap.items():
            decls.append(f'xmlns{":" + prefix if prefix else ""}="{_attr(uri)}"')
        self._open = f"<perfeval-row-wrapper {' '.join(decls)}>".encode()
        self._close = b"</perfeval-row-wrapper>"
        self._parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                       strip_cdata=False)

    def edit(self, data: bytes, number: int, changed: list[bool]) -> bytes:
        wrapper = etree.fromstring(self._open + data + self._close, self._parser)
        row = wrapper[0]
        row.set("r", str(number))
        if self._apply(row, number):
            changed[0] = True
        return self._serialised(wrapper)

    def new_row(self, number: int, changed: list[bool]) -> bytes:
        if not any(self.plan.cells[number].values()):
            return b""  # only cells to restyle if they exist, and the row does not
        wrapper = etree.fromstring(self._open + self._close, self._parser)
        row = etree.SubElement(wrapper, q("row"), r=str(number))
        self._apply(row, number)
        changed[0] = True
        return self._serialised(wrapper)

    def _serialised(self, wrapper) -> bytes:
        text = etree.tostring(wrapper, encoding="UTF-8", xml_declaration=False)
        return text[text.index(b">") + 1:len(text) - len(self._close)]

    def _apply(self, row, number: int) -> bool:
        """Restyle (and create) the planned cells of one row; whether anything changed."""
        cells = list(row.iterfind(q("c")))
        if any(c.get("r") is None for c in cells):  # number every cell, so that an inserted one renumbers none
            prev = -1
            for c in cells:
                col = _col_of(c.get("r")) if c.get("r") else prev + 1
                c.set("r", a1(number - 1, col))
                prev = col
        by_col = {_col_of(c.get("r")): c for c in cells}
        changed = False
        for col, create in sorted(self.plan.cells[number].items()):
            cell = by_col.get(col)
            if cell is None:
                if not create:
                    continue
                cell = self._new_cell(row, number - 1, col)
                by_col[col] = cell
                changed = True
            old = int(cell.get("s", "0") or 0)
            new = self.plan.restyle(number - 1, col, old)
            if new != old:
                cell.set("s", str(new))
                changed = True
        return changed

    def _new_cell(self, row, r: int, col: int):
        """A cell created in column order, styled like its row (a custom row format) or else its column."""
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            style = int(row.get("s"))
        else:
            style = self.skeleton.col_style(col)
        c = etree.Element(q("c"), r=a1(r, col))
        if style:
            c.set("s", str(style))
        after = next((x for x in row.iterfind(q("c")) if _col_of(x.get("r")) > col), None)
        if after is not None:
            after.addprevious(c)
        else:
            cells = list(row.iterfind(q("c")))
            if cells:
                cells[-1].addnext(c)
            else:
                row.insert(0, c)  # before any extLst
        _extend_spans(row, col)
        return c


def _col_of(ref: str | None) -> int:
    try:
        return parse_a1(ref or "")[1]
    except ValueError:
        return -1


def _extend_spans(row, col: int) -> None:
    spans = row.get("spans")
    if not spans:
        return
    m = re.fullmatch(r"\s*(\d+):(\d+)\s*", spans)
    if not m:
        del row.attrib["spans"]  # optional hint; several ranges are not worth maintaining
        return
    lo, hi = int(m.group(1)), int(m.group(2))
    if not lo <= col + 1 <= hi:
        row.set("spans", f"{min(lo, col + 1)}:{max(hi, col + 1)}")


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


__all__ = ["Skeleton", "RowPlan", "rows", "StrictSheet", "NS_MAIN"]
