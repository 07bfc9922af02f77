"""The 「核查」 button in Excel: check the open workbook and mark the findings on it, through xlwings.

The button's macro (macros/perfeval_xlwings.bas) runs

    RunPython "import perfeval_xl.xl.xlwings_adapter as a; a.main()"

Three parts, so that no check logic lives here and only one of them needs Excel:

* `main()` wires it up: it saves a copy of the open workbook (unsaved edits included) to a temporary folder,
  checks the copy with `perfeval_xl.api.check_file`, and marks the findings on the OPEN workbook.
* `actions_for(report)` is pure: which cell gets which fill and which note, what the 核查结果 sheet lists, and
  what the message box says. Wording and colours are the annotated copy's (`perfeval_xl.write.annotate`).
* `apply(book, actions)` is the only code that touches xlwings. It makes the marks, and first takes back the
  marks of the previous click, so that a corrected cell loses its colour and note when the user clicks again.
  The original fill of each marked cell and how its note was written are kept in two hidden columns (I:J) of
  the 核查结果 sheet; that sheet is the only memory between clicks.

What each xlwings engine can do (see docs/excel.md): desktop Excel through COM (Windows) does everything;
xlwings' remote engine (xlwings Server / Lite, used by the tests) records fills, values, formulas and, for an
Office.js client, new notes, but cannot read a cell's colour or a note's text synchronously; apply() then
restores "no fill" and never overwrites a note it cannot read.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..a1 import parse_range, quote_sheet
from ..api import MACRO_CHECK, Report, check_file
from ..check.findings import Finding
from ..excelmath import fits_a_cell
from ..messages import BUTTON
from ..present import (APPEND_MARK, FILL_NONE, FILL_RGB, FILL_UNKNOWN, HEADER_FILL_RGB, HEADERS, LINK_RGB,
                       NOTE_APPENDED, NOTE_NEW, NOTE_NOT_WRITTEN, OUR_NOTE, RESULTS_SHEET, STATE_HEADERS, WHOLE_SHEET,
                       column_widths, fmt_value, hex_colour, note_height, note_text, results_row, results_title,
                       row_height, summary_line)
from ..severity import Severity

__all__ = ["Fill", "Note", "ResultsSheet", "Message", "Action", "Applied", "actions_for", "apply", "main",
           "ERROR_COLOR", "WARNING_COLOR", "STATE_HEADERS"]


ERROR_COLOR = hex_colour(FILL_RGB[Severity.ERROR])  # '#FFC7CE'
WARNING_COLOR = hex_colour(FILL_RGB[Severity.WARNING])  # '#F4B084'
HEADER_COLOR = hex_colour(HEADER_FILL_RGB)
LINK_COLOR = hex_colour(LINK_RGB)
_COLOR_OF = {s: hex_colour(rgb) for s, rgb in FILL_RGB.items()}
_OUR_COLORS = frozenset(_COLOR_OF.values())

# The hidden state columns of 核查结果 (I:J), one value per finding row: present.STATE_HEADERS, shared with the
# annotated copy, so that each can take back the other's marks. FILL_UNKNOWN: here, the engine could not tell
# (remote engine): the next click clears the fill. NOTE_NOT_WRITTEN: the engine cannot add notes, or could not
# read the existing one.
_CELL = re.compile(r"^[A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?$")
_RETYPED = re.compile(r"^[=+\-@]|^[\d\s.,:/%()-]+$")  # text Excel would turn into a formula, number or date
_UNKNOWN = object()


# -- actions ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fill:
    """Colour a cell (or range) of a sheet: errors light red, warnings orange. Merged areas are coloured whole."""

    sheet: str
    cell: str  # 'F10' or 'F10:G12'
    color: str  # ERROR_COLOR or WARNING_COLOR


@dataclass(frozen=True)
class Note:
    """Put the explanation of the findings at a cell into its note (added to a note someone else wrote)."""

    sheet: str
    cell: str  # one cell: the top-left cell of the findings' range
    text: str


@dataclass(frozen=True)
class ResultsSheet:
    """(Re)write the 核查结果 sheet: a title row, the header row, one row per finding."""

    name: str
    title: str
    rows: tuple[tuple, ...]  # in HEADERS order: 序号, 检查项 ('C08 得分超出范围'), 严重程度, 工作表, 单元格, 填报值,
    # 复核值, 说明
    severities: tuple[Severity, ...]  # per row


@dataclass(frozen=True)
class Message:
    """Tell the user the outcome in a message box."""

    text: str
    title: str = "绩效自评表核查"


Action = Fill | Note | ResultsSheet | Message


def actions_for(report: Report, *, source_name: str | None = None) -> list[Action]:
    """What the open workbook should show for this report. Pure: no xlwings, no Excel, no files.

    Order: fills (warnings before errors, so an error wins where two overlap), notes, the results sheet, the
    message. A refused file gives only the message.
    """
    name = source_name or report.path.name
    if report.refusal is not None:
        return [Message(BUTTON["refused"].format(name=name, why=report.refusal.zh))]
    findings: list[Finding] = report.findings
    fill_of: dict[tuple[str, str], Severity] = {}
    notes: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.cell is None:
            continue
        cell = _norm(f.cell)
        if f.severity.marks_cell and f.severity.rank > getattr(fill_of.get((f.sheet, cell)), "rank", 0):
            fill_of[(f.sheet, cell)] = f.severity
        notes.setdefault((f.sheet, _top_left(cell)), []).append(f)
    actions: list[Action] = [Fill(sheet, cell, _COLOR_OF[severity])
                             for (sheet, cell), severity in sorted(fill_of.items(), key=lambda kv: kv[1].rank)]
    actions += [Note(sheet, cell, "\n".join(note_text(f) for f in fs)) for (sheet, cell), fs in notes.items()]
    rows = tuple(_plain_figures(results_row(n, f, _norm(f.cell) if f.cell else WHOLE_SHEET))
                 for n, f in enumerate(findings, start=1))
    actions.append(ResultsSheet(RESULTS_SHEET, results_title(name, findings), rows,
                                tuple(f.severity for f in findings)))
    forms = BUTTON["forms"].format(n=len(report.results)) if len(report.results) > 1 else ""
    done = BUTTON["done" if findings else "done_clean"]
    actions.append(Message(done.format(forms=forms, summary=summary_line(findings), sheet=RESULTS_SHEET)))
    return actions


def _norm(ref: str) -> str:
    parse_range(ref)  # ValueError for a malformed reference
    return ref.replace("$", "").upper()


def _top_left(ref: str) -> str:
    return ref.split(":")[0]


def _plain_figures(row: tuple) -> tuple:
    """A 核查结果 row with its stated and recomputed values as cells take them."""
    return (*row[:5], _plain(row[5]), _plain(row[6]), *row[7:])


def _plain(v):
    """A finding's value as a spreadsheet cell takes it (the annotated copy writes the same)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return fmt_value(v)
    if isinstance(v, Decimal):
        return float(v) if fits_a_cell(v) else fmt_value(v)
    if isinstance(v, (int, float)):
        return v if fits_a_cell(v) else fmt_value(v)
    return fmt_value(v)


# -- apply -----------------------------------------------------------------------------------------------
@dataclass
class Applied:
    """What apply() did, for the message box and the tests."""

    results_sheet: str | None = None
    fills: int = 0
    notes: int = 0
    undone: int = 0  # cells whose previous marks were taken back
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (sheet, cell, why)


def apply(book, actions: list[Action], *, started: float | None = None) -> Applied:
    """Make the marks on an open xlwings Book. The only code here that touches xlwings.

    Args:
        book: an `xlwings.Book` (desktop Excel through COM, or the remote engine's `xw.Book(json=...)`).
        actions: from `actions_for`.
        started: a `time.perf_counter()` value; the message then says how long the click took.
    """
    done = Applied()
    sheets = {s.name.casefold(): s for s in book.sheets}
    results = next((a for a in actions if isinstance(a, ResultsSheet)), None)
    fill_state: dict[tuple[str, str], str] = {}  # (sheet, cell) -> original fill, for the hidden column I
    note_state: dict[tuple[str, str], str] = {}  # (sheet, cell) -> how the note was written, for column J
    with _screen_frozen(book):
        target = previous = None
        work: dict[str, list] = {}  # sheet -> the previous click's marks to take back, then this click's marks
        if results is not None:
            target, previous = _results_target(sheets, results.name)
            for mark in _previous_marks(previous):
                work.setdefault(mark[0], []).append(mark)
        for a in actions:
            if isinstance(a, (Fill, Note)):
                work.setdefault(a.sheet.casefold(), []).append(a)
        for key, items in work.items():
            sheet = sheets.get(key)
            if sheet is None:
                done.skipped += [(a.sheet, a.cell, "工作表不存在") for a in items if not isinstance(a, tuple)]
                continue
            with _unprotected(sheet) as unlocked:
                for item in items:
                    if isinstance(item, tuple):
                        done.undone += _undo(sheet, item[1], item[2], item[3], unlocked)
                    elif isinstance(item, Fill):
                        _fill(sheet, item, unlocked, fill_state, done)
                    else:
                        state, why = _write_note(sheet.range(item.cell), item.text, unlocked)
                        note_state[(key, item.cell)] = state
                        if state == NOTE_NOT_WRITTEN:
                            done.skipped.append((item.sheet, item.cell, why))
                        else:
                            done.notes += 1
        if results is not None:
            _write_results(book, sheets, target, previous, results, fill_state, note_state)
            done.results_sheet = target
    for a in actions:
        if isinstance(a, Message):
            text = a.text
            if done.results_sheet and done.results_sheet != RESULTS_SHEET:  # a user's own sheet had our name
                text = text.replace(f"“{RESULTS_SHEET}”", f"“{done.results_sheet}”")
            missing = sum(1 for s in done.skipped if s[2].startswith("批注"))
            if missing:
                text += BUTTON["notes_missing"].format(n=missing, sheet=done.results_sheet)
            if started is not None:
                text += BUTTON["elapsed"].format(seconds=time.perf_counter() - started)
            book.app.alert(text, title=a.title)
    return done


def _fill(sheet, a: Fill, unlocked: bool, fill_state: dict, done: Applied) -> None:
    rng = _whole(sheet.range(a.cell))
    key = (a.sheet.casefold(), a.cell)
    first = key not in fill_state
    if first:
        fill_state[key] = _state_of_color(_read_color(rng))
    try:
        rng.color = a.color
    except Exception as e:
        if unlocked:
            raise
        if first:
            del fill_state[key]
        done.skipped.append((a.sheet, a.cell, f"底色未能设置（工作表受保护）：{e}"))
        return
    done.fills += 1


# -- undoing the previous click --------------------------------------------------------------------------
def _results_target(sheets: dict, base: str):
    """The results sheet's name and, when a previous click (or the annotated copy) wrote it, that sheet."""
    n = 1
    while True:
        name = base if n == 1 else f"{base} ({n})"
        sheet = sheets.get(name.casefold())
        if sheet is None:
            return name, None
        if _is_ours(sheet):
            return sheet.name, sheet
        n += 1


def _is_ours(sheet) -> bool:
    return tuple(sheet.range((2, 1), (2, len(HEADERS))).value) == HEADERS


def _previous_marks(previous) -> list[tuple[str, str, object, object]]:
    """(sheet, cell, fill state, note state) for each cell the previous 核查结果 sheet lists, once each."""
    if previous is None:
        return []
    last = previous.used_range.last_cell.row
    if last < 3:
        return []
    rows = previous.range((3, 1), (last, len(HEADERS) + len(STATE_HEADERS))).options(ndim=2).value
    marks, seen = [], set()
    for row in rows:
        sheet_name, cell = row[3], row[4]
        if not isinstance(sheet_name, str) or not isinstance(cell, str) or not _CELL.match(cell.upper()):
            continue
        key = (sheet_name.casefold(), cell.upper())
        if key not in seen:
            seen.add(key)
            marks.append((*key, row[8], row[9]))
    return marks


def _undo(sheet, cell: str, fill, note, unlocked: bool) -> int:
    try:
        _undo_fill(_whole(sheet.range(cell)), fill)
        _undo_note(sheet.range(_top_left(cell)), note)
    except Exception:
        if unlocked:
            raise
        return 0
    return 1


def _undo_fill(rng, state) -> None:
    current = _read_color(rng)
    if current is _UNKNOWN:
        if state not in (FILL_NONE, FILL_UNKNOWN) and not _is_hex(state):
            return  # no record that we coloured it (an annotated copy's results sheet), and we cannot look
    elif current not in _OUR_COLORS:
        return  # never ours, or recoloured by the user since
    rng.color = state if _is_hex(state) else None


def _undo_note(rng, state) -> None:
    note = rng.note
    if note is None:
        return
    text = _note_text(note)
    if text is _UNKNOWN:
        if state == NOTE_NEW:
            note.delete()
        return
    if OUR_NOTE.match(text):
        note.delete()
    elif APPEND_MARK in text:
        note.text = _without_our_block(text)


# -- fills and notes -------------------------------------------------------------------------------------
def _whole(rng):
    """A single cell inside a merged area stands for the whole area (COM); engines that cannot tell keep the cell."""
    if rng.shape != (1, 1):
        return rng
    try:
        return rng.merge_area
    except NotImplementedError:
        return rng


def _read_color(rng):
    try:
        color = rng.color
    except NotImplementedError:
        return _UNKNOWN
    if color is None:
        return None
    if isinstance(color, str):
        return ("#" + color.lstrip("#")).upper()
    red, green, blue = color
    return f"#{red:02X}{green:02X}{blue:02X}"


def _state_of_color(color) -> str:
    if color is _UNKNOWN:
        return FILL_UNKNOWN
    if color is None or color in _OUR_COLORS:  # our own colour left by an earlier run that left no record
        return FILL_NONE
    return color


def _is_hex(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", value) is not None


def _note_text(note):
    try:
        return note.text
    except NotImplementedError:
        return _UNKNOWN


def _without_our_block(text: str) -> str:
    at = text.find("\n" + APPEND_MARK)
    return text[:at if at >= 0 else text.find(APPEND_MARK)]


def _write_note(rng, text: str, unlocked: bool) -> tuple[str, str]:
    """Write the note; returns its state and, when it was not written, why."""
    try:
        note = rng.note
        full = text
        if note is None:
            note = _add_note(rng, text)
            state = NOTE_NEW
        else:
            current = _note_text(note)
            if current is _UNKNOWN:
                return NOTE_NOT_WRITTEN, "批注未写入：已有批注，本环境无法读取其内容，未覆盖"
            if OUR_NOTE.match(current):
                note.text, state = text, NOTE_NEW
            else:
                base = _without_our_block(current) if APPEND_MARK in current else current
                full = base.rstrip("\n") + "\n" + APPEND_MARK + "\n" + text
                note.text, state = full, NOTE_APPENDED
    except NotImplementedError as e:
        return NOTE_NOT_WRITTEN, f"批注未写入：{e}"
    except Exception as e:
        if unlocked:
            raise
        return NOTE_NOT_WRITTEN, f"批注未写入（工作表受保护）：{e}"
    _fit(note, full)
    return state, ""


def _add_note(rng, text: str):
    add = getattr(rng, "add_note", None)
    if add is not None:
        return add(text)
    return rng.api.AddComment(text)  # xlwings before 0.37 (COM): no Range.add_note yet


def _fit(note, text: str) -> None:
    """Give a note room for its text, as the annotated copy does (COM only; cosmetic)."""
    try:
        shape = getattr(note, "api", note).Shape
        shape.Width = 216
        shape.Height = note_height(text)
    except Exception:  # noqa: BLE001 - the remote engine has no shapes for notes; size is cosmetic
        pass


# -- the results sheet -----------------------------------------------------------------------------------
def _write_results(book, sheets, name, previous, results: ResultsSheet, fill_state, note_state) -> None:
    if previous is not None:
        sheet = previous
        sheet.clear()
    else:
        active = book.sheets.active
        sheet = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
        active.activate()  # adding a sheet activates it: the user stays on the form
    last = len(results.rows) + 2
    table = [[results.title] + [None] * (len(HEADERS) + len(STATE_HEADERS) - 1),
             list(HEADERS) + list(STATE_HEADERS)]
    links = []
    for i, row in enumerate(results.rows):
        sheet_name, cell = row[3], row[4]
        key = (sheet_name.casefold(), cell)
        values = [_cell_value(v) for v in row]
        if sheet_name.casefold() in sheets:
            target = "A1" if cell == WHOLE_SHEET else cell
            location = f"#{quote_sheet(sheets[sheet_name.casefold()].name)}!{target}".replace('"', '""')
            values[4] = f'=HYPERLINK("{location}","{cell}")'
            links.append(i + 3)
        values.append(fill_state.get(key, ""))
        values.append(note_state.get((key[0], _top_left(cell)), ""))
        table.append(values)
    sheet.range((1, 1), (last, len(table[0]))).value = table
    sheet.range((1, 1)).font.bold = True
    header = sheet.range((2, 1), (2, len(HEADERS)))
    header.font.bold = True
    header.color = HEADER_COLOR
    for first, stop, severity in _runs(results.severities):
        if severity.marks_cell:
            sheet.range((first + 3, 3), (stop + 2, 3)).color = _COLOR_OF[severity]
    for first, stop, linked in _runs([r + 3 in links for r in range(len(results.rows))]):
        if linked:
            sheet.range((first + 3, 5), (stop + 2, 5)).font.color = LINK_COLOR
    scale = _width_unit(book)
    widths = column_widths(results.rows)
    for i, width in enumerate(widths):
        sheet.range((2, i + 1)).column_width = round(width * scale, 1)
    if results.rows:
        sheet.range((3, 1), (last, len(HEADERS))).wrap_text = True
        for r, row in enumerate(results.rows, start=3):
            height = row_height(row, widths)
            if height:
                sheet.range((r, 1)).row_height = height
    sheet.range((2, len(HEADERS) + 1), (2, len(HEADERS) + len(STATE_HEADERS))).columns.hidden = True
    _frame_for_print(sheet, last)


def _frame_for_print(sheet, last: int) -> None:
    """Thin borders round the table and the title and header rows on every printed page, as the annotated copy
    has them (COM only: the remote engine has neither; cosmetic)."""
    try:
        sheet.range((2, 1), (last, len(HEADERS))).api.Borders.LineStyle = 1  # xlContinuous
        sheet.api.PageSetup.PrintTitleRows = "$1:$2"
    except Exception:  # noqa: BLE001 - cosmetic, as _fit
        pass


def _runs(items):
    """(first, stop, item) for each run of equal items: items[first:stop] are equal."""
    out, start = [], 0
    for i in range(1, len(items) + 1):
        if i == len(items) or items[i] != items[start]:
            out.append((start, i, items[start]))
            start = i
    return out


def _width_unit(book) -> float:
    """Column widths are in characters on desktop Excel, in points on the remote engine (Office.js)."""
    return _POINTS_PER_CHARACTER if getattr(book.app.engine, "name", "") == "remote" else 1.0


_POINTS_PER_CHARACTER = 6.0  # Excel's default 8.43-character column is 48 pt wide (plus padding)


def _cell_value(v):
    """Text that Excel would read as a formula, number or date is written with a leading apostrophe."""
    if isinstance(v, str) and _RETYPED.match(v):
        return "'" + v
    return v


# -- engine helpers --------------------------------------------------------------------------------------
@contextmanager
def _screen_frozen(book):
    """Switch screen updating off while marking (COM); engines that cannot say leave it alone."""
    app = book.app
    try:
        before = app.screen_updating
    except NotImplementedError:
        yield
        return
    app.screen_updating = False
    try:
        yield
    finally:
        app.screen_updating = before


_PROTECTION_FLAGS = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
                     "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
                     "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
                     "AllowUsingPivotTables")


@contextmanager
def _unprotected(sheet):
    """Lift a password-less sheet protection (the toolkit's templates have one) while marking, then put it back
    with the same options. Yields False when the sheet stays protected (a password): marks may then fail."""
    api = sheet.api
    try:
        protected = bool(api.ProtectContents)  # COM only; the remote engine's api is a dict
    except AttributeError:
        yield True
        return
    if not protected:
        yield True
        return
    try:
        options = {flag: bool(getattr(api.Protection, flag)) for flag in _PROTECTION_FLAGS}
        options.update(DrawingObjects=bool(api.ProtectDrawingObjects), Contents=True,
                       Scenarios=bool(api.ProtectScenarios))
        api.Unprotect("")
    except Exception:  # noqa: BLE001 - protected with a password
        yield False
        return
    try:
        yield True
    finally:
        api.Protect("", **options)


# -- the button ------------------------------------------------------------------------------------------
_BOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm"}


def main(book=None) -> Applied:
    """What the 「核查」 button runs (RunPython): check the calling workbook and mark it. Needs desktop Excel."""
    started = time.perf_counter()
    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    with tempfile.TemporaryDirectory(prefix="perfeval_", ignore_cleanup_errors=True) as tmp:
        name = book.name if Path(book.name).suffix.lower() in _BOOK_SUFFIXES else f"{book.name}.xlsx"
        copy = Path(tmp) / name
        _save_copy(book, copy)
        report = _without_own_macros(check_file(copy))
    return apply(book, actions_for(report, source_name=book.name), started=started)


def _without_own_macros(report: Report) -> Report:
    """The button runs from a macro workbook (RunPython needs the VBA module), which the user opened with macros
    enabled: S01 ("the workbook contains macros") would only describe the button itself, so it is left out here.
    `perfeval check` and `perfeval batch` on a received file always report it."""
    for result in report.results:
        result.findings = [f for f in result.findings if f.check != MACRO_CHECK]
    return report


def _save_copy(book, path: Path) -> None:
    """Save the open workbook, as it is now, to `path`, leaving the open workbook where it is."""
    try:
        save_copy_as = book.api.SaveCopyAs  # Windows: COM Workbook.SaveCopyAs
    except AttributeError:
        save_copy_as = None
    if save_copy_as is not None:
        save_copy_as(str(path))
        return
    # macOS (untested): Excel's AppleScript has no "save a copy", and book.save(path) would make the open window
    # the temporary file (later saves would go there and be deleted). Save in place, as Ctrl+S does, and copy.
    fullname = Path(book.fullname)
    if not fullname.is_file():
        raise RuntimeError(BUTTON["save_first"])
    book.save()
    shutil.copyfile(fullname, path)
