"""Open a workbook defensively and hand back one value grid per sheet, whatever the file format.

The pre-flight (`preflight.py`) looks at the bytes, not the extension, and bounds, verifies and decrypts before any
parser runs. Values come from python-calamine (cached results; fast) for .xlsx/.xlsm, .xls and .ods alike; a legacy
.xls that calamine cannot parse (older BIFF versions, records it rejects) is read through xlrd instead. An OOXML
package whose workbook, shared strings or styles are not where calamine looks for them, or with a sheet clipped by
the pre-flight (a far-away stray value), is repacked in memory first (`repack.py`); a clipped .xls sheet is read
row by row through xlrd. Merged ranges are resolved to their anchor cell (calamine and xlrd give them for .xlsx and
.xls; for .ods they are read from content.xml here). Each grid knows whether its sheet is hidden.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PASS_THROUGH, Refused, refuse
from ..values import norm_label
from ..xlformula import ErrorText, Uncomputable, compute_uncached
from .extent import MAX_SHEET_CELLS
from .preflight import Inspected, preflight, too_large_sheets
from .repack import repack


@dataclass
class Grid:
    """One sheet's values, addressed by absolute 0-based (row, col); merged cells resolve to their anchor."""

    name: str
    rows: list[list]
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    hidden: str | None = None  # 'hidden' or 'veryHidden' (only VBA can show it again); None for a visible sheet

    def __post_init__(self):
        self.uncomputed: set[tuple[int, int]] = set()  # formula cells saved without a value that could not be computed
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.span: dict[tuple[int, int], tuple[int, int]] = {}
        self._labels: dict[tuple[int, int], str] = {}
        self.height = len(self.rows)
        self.width = max((len(r) for r in self.rows), default=0)
        # Merges are clipped to the cells that hold values (a file may merge A1:XFD1048576, 17 billion cells), and
        # a merge that runs into another one (Excel never writes overlaps) stops there: the work is bounded by the
        # number of cells plus the number of merges, whatever the file says.
        for (r0, c0), (r1, c1) in self.merges:
            r1, c1 = min(r1, self.height - 1), min(c1, self.width - 1)
            if r0 > r1 or c0 > c1 or r0 < 0 or c0 < 0 or (r0, c0) in self.anchor or (r0, c0) in self.span:
                continue
            self.span[(r0, c0)] = (r1, c1)
            clash = False
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) == (r0, c0):
                        continue
                    if (r, c) in self.anchor or (r, c) in self.span:
                        clash = True
                        break
                    self.anchor[(r, c)] = (r0, c0)
                if clash:
                    break

    def home(self, r: int, c: int) -> tuple[int, int]:
        """The cell holding the value shown at (r, c): its merge anchor, or itself."""
        return self.anchor.get((r, c), (r, c))

    def raw(self, r: int, c: int):
        r, c = self.home(r, c)
        try:
            v = self.rows[r][c]
        except IndexError:
            return None
        return None if v == "" else v

    def label(self, r: int, c: int) -> str:
        """Normalised text at (r, c) (merged cells resolved); '' for numbers and blanks."""
        try:  # the hot path of locating forms: one lookup per call once the cell has been seen
            return self._labels[r, c]
        except KeyError:
            home = self.anchor.get((r, c), (r, c))
            if home not in self._labels:
                v = self.raw(*home)
                self._labels[home] = norm_label(v) if isinstance(v, str) else ""
            text = self._labels[r, c] = self._labels[home]
            return text

    def is_follower(self, r: int, c: int) -> bool:
        return (r, c) in self.anchor


def open_workbook(path: str | Path, password: str | None = None) -> list[Grid]:
    """Every sheet of the workbook as a Grid, after the pre-flight; Refused when it cannot be read."""
    return read_workbook(path, password)[1]


def read_workbook(path: str | Path, password: str | None = None) -> tuple[Inspected, list[Grid]]:
    """The pre-flight's findings and every sheet of the workbook as a Grid; Refused when it cannot be read."""
    inspected = preflight(path, password)
    if inspected.kind == "ods" and inspected.oversized:  # calamine reads every .ods table when it opens the file
        raise too_large_sheets(inspected.oversized, searched=False)
    data = inspected.data
    repacked = inspected.kind == "xlsx" and (bool(inspected.clipped) or _relocated(inspected))
    try:
        if repacked:
            data = repack(data, {part: clip for part, clip in inspected.clipped.values()})
        try:
            return inspected, _computed(data, _calamine_grids(data, inspected), inspected)
        except (Refused, *PASS_THROUGH, MemoryError):
            raise
        except BaseException as first:  # calamine's errors and panics: shared strings or styles elsewhere?
            if inspected.kind != "xlsx" or repacked:
                raise
            try:
                return inspected, _computed(data, _calamine_grids(repack(data), inspected), inspected)
            except (Refused, *PASS_THROUGH, MemoryError):
                raise
            except BaseException:  # noqa: BLE001 — not that: the file's own fault, as calamine said
                raise first from None
    except (Refused, *PASS_THROUGH):
        raise
    except MemoryError:
        raise refuse("too_large") from None
    except BaseException as e:  # noqa: BLE001 — calamine's own errors, and its Rust panics (pyo3 PanicException
        # derives from BaseException) on damaged content
        if inspected.kind == "xls":
            return inspected, _xlrd_grids(inspected.data, inspected, e)
        raise _unparseable(e) from None


def _computed(data: bytes, grids: list[Grid], inspected: Inspected) -> list[Grid]:
    """Formula cells saved without their value (openpyxl, many Java/PHP exports: calamine reads them as blank)
    computed by the safe evaluator (xlformula) and written into the grids; a cell it cannot compute is left blank
    and marked (Grid.uncomputed), so that no finding rests on it. A workbook whose formulas all carry their value
    (Excel, WPS, LibreOffice, our templates) costs one quick scan."""
    if inspected.kind != "xlsx" or not inspected.formulas:
        return grids  # .xls and .ods always carry their values; a workbook of typed values has nothing to compute
    try:
        computed = compute_uncached(data, {g.name: g.rows for g in grids if g.rows})
    except ValueError:  # a sheet part the scan cannot parse: the values calamine gave stand
        return grids
    out = []
    for grid in grids:
        cells = computed.get(grid.name)
        if not cells:
            out.append(grid)
            continue
        rows = [list(r) for r in grid.rows]
        uncomputed = set()
        for (r, c), value in cells.items():
            rows.extend([] for _ in range(r + 1 - len(rows)))
            rows[r].extend("" for _ in range(c + 1 - len(rows[r])))
            if isinstance(value, Uncomputable):
                uncomputed.add((r, c))
            rows[r][c] = "" if isinstance(value, (Uncomputable, ErrorText)) else value  # an error reads as calamine's
        again = Grid(grid.name, rows, grid.merges, hidden=grid.hidden)
        again.uncomputed = uncomputed
        out.append(again)
    return out


def _relocated(inspected: Inspected) -> bool:
    """The workbook part is not where calamine looks for it (the package relationships put it elsewhere)."""
    return inspected.workbook_part is not None and inspected.workbook_part.lower() != "xl/workbook.xml"


def _calamine_grids(data: bytes, inspected: Inspected) -> list[Grid]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    # from the content, not from the name: calamine picks its reader by extension in from_path
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    hidden = {m.name: "hidden" if m.visible == SheetVisibleEnum.Hidden else
              "veryHidden" if m.visible == SheetVisibleEnum.VeryHidden else None for m in book.sheets_metadata}
    ods_merges = _ods_merges(data) if inspected.kind == "ods" else {}
    clipped_xls = [n for n in book.sheet_names if n in inspected.clipped] if inspected.kind == "xls" else []
    sparse = _xlrd_clipped(data, inspected) if clipped_xls else {}
    grids = []
    for name in book.sheet_names:
        state = hidden.get(name)
        if name in inspected.oversized:  # measured by the pre-flight: too large to build a grid for
            grids.append(Grid(name, [], hidden=state))
            continue
        if name in sparse:
            grids.append(Grid(name, *sparse[name], hidden=state))
            continue
        sheet = book.get_sheet_by_name(name)
        if sheet.start is None or (sheet.end[0] + 1) * (sheet.end[1] + 1) > MAX_SHEET_CELLS:
            grids.append(Grid(name, [], hidden=state))
            continue
        rows = sheet.to_python(skip_empty_area=False)
        merges = ods_merges.get(name, []) if inspected.kind == "ods" else list(sheet.merged_cell_ranges or [])
        grids.append(Grid(name, rows, merges, hidden=state))
    return grids


def _unparseable(e: BaseException) -> Refused:
    text = str(e)
    low = text.lower()
    if "password" in low or "encrypt" in low:
        return refuse("encrypted")
    if "entity" in low or "doctype" in low or "dtd" in low:
        return refuse("xml_entities")
    return refuse("corrupt", "parse", why=text[:80])


def _xlrd_grids(data: bytes, inspected: Inspected, calamine_error: BaseException) -> list[Grid]:
    """Every sheet of a legacy .xls read through xlrd (BIFF 2–8), with calamine's value types: dates as datetimes,
    booleans as bool, error cells as their text. Refused (with calamine's reason) when xlrd cannot read it either."""
    try:
        return [Grid(name, rows, merges, hidden=state) for name, (rows, merges, state) in _xlrd_read(
            data, inspected, None).items()]
    except MemoryError:
        raise refuse("too_large") from None
    except Exception:  # noqa: BLE001 — xlrd's XLRDError, struct/index errors on damaged records
        raise _unparseable(calamine_error) from None


def _xlrd_clipped(data: bytes, inspected: Inspected) -> dict[str, tuple[list, list]]:
    """The clipped sheets of a .xls (calamine would build their whole span), read through xlrd: name -> (rows,
    merges)."""
    return {name: (rows, merges) for name, (rows, merges, _) in _xlrd_read(data, inspected, set(
        inspected.clipped)).items()}


def _xlrd_read(data: bytes, inspected: Inspected, only: set[str] | None) -> dict[str, tuple[list, list, str | None]]:
    """Sheet name -> (rows, merges, hidden state) through xlrd, row by row (ragged: an empty cell far away costs
    nothing), clipped where the pre-flight says; oversized sheets come back empty."""
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=False, ragged_rows=True,
                              logfile=io.StringIO())
    out = {}
    for index, name in enumerate(book.sheet_names()):
        if only is not None and name not in only:
            continue
        sheet = book.sheet_by_index(index)
        state = {1: "hidden", 2: "veryHidden"}.get(sheet.visibility)
        if name in inspected.oversized:
            out[name] = ([], [], state)
            continue
        clip = inspected.clipped.get(name, (None, None))[1]
        n_rows = sheet.nrows if clip is None else min(sheet.nrows, clip.rows)
        n_cols = sheet.ncols if clip is None else min(sheet.ncols, clip.cols)
        if n_rows * n_cols > MAX_SHEET_CELLS:
            out[name] = ([], [], state)
            continue
        rows = [[_xlrd_value(sheet.cell(r, c), book.datemode) for c in range(min(sheet.row_len(r), n_cols))]
                for r in range(n_rows)]
        merges = [((r0, c0), (r1 - 1, c1 - 1)) for r0, r1, c0, c1 in sheet.merged_cells]
        out[name] = (rows, merges, state)
        book.unload_sheet(index)
    return out


def _xlrd_value(cell, datemode: int):
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#N/A")
    return value


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_merges(data: bytes) -> dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Merged ranges of every sheet of an .ods (calamine does not give them), from content.xml: cells with
    table:number-columns-spanned / number-rows-spanned, counting repeated rows and cells. Parsed by lxml with
    entities, DTDs, the network and huge trees all off (the pre-flight has refused any DOCTYPE already)."""
    import zipfile

    from lxml import etree

    t = lambda local: f"{{{_ODS_TABLE}}}{local}"  # noqa: E731
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        content = z.open("content.xml")
        out: dict[str, list] = {}
        sheet, row = None, 0
        events = etree.iterparse(content, events=("start", "end"), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=False, remove_comments=True)
        for event, el in events:
            tag = el.tag
            if event == "start":
                if tag == t("table"):
                    sheet, row = el.get(t("name"), ""), 0
                    out.setdefault(sheet, [])
                continue
            if tag == t("table-row") and sheet is not None:
                col = 0
                for cell in el:
                    if cell.tag not in (t("table-cell"), t("covered-table-cell")):
                        continue
                    cols = int(cell.get(t("number-columns-spanned"), "1") or 1)
                    rows = int(cell.get(t("number-rows-spanned"), "1") or 1)
                    if cell.tag == t("table-cell") and (cols > 1 or rows > 1) and len(out[sheet]) < 100_000:
                        out[sheet].append(((row, col), (row + rows - 1, col + cols - 1)))
                    col += max(1, int(cell.get(t("number-columns-repeated"), "1") or 1))
                row += max(1, int(el.get(t("number-rows-repeated"), "1") or 1))
                el.clear()
            elif tag == t("table"):
                sheet = None
                el.clear()
    return out
