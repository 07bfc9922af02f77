"""The Excel 「核查」 button: perfeval_xl.xl.xlwings_adapter and macros/perfeval_xlwings.bas.

What these tests cover, and what they cannot:

(a) `actions_for` on real sample workbooks (a planted error, the 12-form workbook, a clean framework, a file
    that is refused): the exact fills, notes, 核查结果 rows and message. Pure Python; always runs.
(b) `apply` against xlwings' REMOTE engine (`xw.Book(json=...)`, the engine behind xlwings Server and Lite), with
    a payload built from a real workbook's values. These are remote-engine contract tests, NOT Excel tests: they
    show that `apply` drives the xlwings object model as intended and what the engine records
    (`book.json()["actions"]`). They say nothing about desktop Excel through COM: merged areas, reading a colour
    or a note, sheet protection, SaveCopyAs, RunPython, the button. Skipped without xlwings; they need the
    xlwings PRO code, used here under `XLWINGS_LICENSE_KEY=noncommercial` (PolyForm Noncommercial; set the
    variable to an empty value to opt out, and they skip).
(d) the branches only desktop Excel takes (a colour or note that can be read, merged areas, a protected sheet,
    `main()` with SaveCopyAs) against `FakeBook`, a small in-memory model of xlwings' desktop behaviour written
    here. It checks our logic under our assumptions about Excel, not Excel; docs/windows_manual_test.md does that.
(c) the VBA source: ASCII with CRLF, the Sub, and the Python command it runs names a module that exists.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import importlib.util
import os
import re
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfeval_xl.api import check_file, write_annotated
from perfeval_xl.a1 import parse_a1
from perfeval_xl.present import HEADERS, RESULTS_SHEET
from perfeval_xl.xl import xlwings_adapter as xa
from perfeval_xl.xl.xlwings_adapter import (ERROR_COLOR, STATE_HEADERS, WARNING_COLOR, Fill, Message, Note,
                                            ResultsSheet, actions_for, apply)
from sample_data import build
from sample_data.seed004 import FORMS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
BAS = ROOT / "macros" / "perfeval_xlwings.bas"
BY_SLUG = {f["slug"]: f for f in FORMS}
FORM = "项目支出绩效自评表"
PLANTED = {("budget", 0, "rate"): "73.38%"}  # 总额 执行率: 142.88 / 200.16 is 71.38%
C02_NOTE = ("[C02] 错误：总额的预算执行率应为 71.38%（142.88÷200.16），表中填报 73.38%。\n"
            "填报值：0.7338；复核值：0.7138")
WARNED = ["D17", "D18", "D19", "D20", "D21", "G21"]  # the sample's own warnings (C10 ×5, C23)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return build.build_workbook(tmp_path_factory.mktemp("xl") / "planted.xlsx", [BY_SLUG["04_window_outsourcing"]],
                                overrides=PLANTED)


# -- (a) actions_for on real workbooks ------------------------------------------------------------------
def test_actions_for_a_planted_error(planted):
    actions = actions_for(check_file(planted))
    fills = [a for a in actions if isinstance(a, Fill)]
    notes = [a for a in actions if isinstance(a, Note)]
    [results] = [a for a in actions if isinstance(a, ResultsSheet)]
    assert [type(a) for a in actions] == [Fill] * 7 + [Note] * 7 + [ResultsSheet, Message]
    assert fills == [Fill(FORM, c, WARNING_COLOR) for c in WARNED] + [Fill(FORM, "F10", ERROR_COLOR)]
    assert notes[0] == Note(FORM, "F10", C02_NOTE)
    assert [n.cell for n in notes[1:]] == WARNED
    for n in notes[1:6]:
        assert n.text.startswith("[C10] 警告：“") and re.search(r"\n填报值：（空白）；复核值：[≥≤]$", n.text)
    assert notes[6].text.startswith("[C23] 警告：成本指标") and notes[6].text.endswith("\n填报值：162.71；复核值：142.88")
    assert results.name == RESULTS_SHEET == "核查结果"
    assert results.title == "文件：planted.xlsx　错误 1 项，警告 6 项"
    assert results.rows[0] == (1, "C02 预算执行率", "错误", FORM, "F10", 0.7338, 0.7138,
                               "总额的预算执行率应为 71.38%（142.88÷200.16），表中填报 73.38%。")
    assert [r[:5] for r in results.rows[1:]] == [(n, "C10 必填项缺失", "警告", FORM, c) for n, c in
                                                 enumerate(WARNED[:5], 2)] + [(7, "C23 成本指标与执行数", "警告", FORM, "G21")]
    assert results.rows[6][5:7] == (162.71, 142.88)
    assert results.severities == ("error",) + ("warning",) * 6
    assert actions[-1] == Message("核查完成：错误 1 项，警告 6 项。\n有问题的单元格已标色并加批注，明细见“核查结果”工作表。")


def test_results_rows_are_what_the_annotated_copy_lists(planted, tmp_path):
    """The button and `perfeval check --annotate` say the same thing, word for word."""
    report = check_file(planted)
    [results] = [a for a in actions_for(report) if isinstance(a, ResultsSheet)]
    ws = openpyxl.load_workbook(write_annotated(report, tmp_path / "planted_核查.xlsx"))[RESULTS_SHEET]
    assert ws["A1"].value == results.title
    assert tuple(c.value for c in ws[2]) == HEADERS + STATE_HEADERS  # both keep how marked cells were (hidden)
    assert [tuple(c.value for c in row)[:len(HEADERS)] for row in ws.iter_rows(min_row=3)] == list(results.rows)


def test_actions_for_the_twelve_form_workbook():
    report = check_file(SAMPLES / "meishan_2023_all.xlsx")
    actions = actions_for(report, source_name="汇总.xlsx")
    fills = {(a.sheet, a.cell): a.color for a in actions if isinstance(a, Fill)}
    notes = {(a.sheet, a.cell) for a in actions if isinstance(a, Note)}
    cells = {(f.sheet, f.cell) for f in report.findings}
    assert len(report.results) == 12 and len(report.findings) == 87
    assert fills == {c: WARNING_COLOR for c in cells}  # 87 warnings, no errors, on 87 distinct cells
    assert notes == cells
    [results] = [a for a in actions if isinstance(a, ResultsSheet)]
    assert results.title == "文件：汇总.xlsx　错误 0 项，警告 87 项"
    assert [r[0] for r in results.rows] == list(range(1, 88))
    assert {r[3] for r in results.rows} == {f"自评表{i}" for i in range(1, 13)}
    assert actions[-1].text.startswith("核查完成（12 张表）：错误 0 项，警告 87 项。")


def test_actions_for_a_clean_workbook():
    report = check_file(SAMPLES / "frameworks" / "meishan_2023_dept_system.xlsx")
    assert actions_for(report) == [
        ResultsSheet(RESULTS_SHEET, "文件：meishan_2023_dept_system.xlsx　未发现问题", (), ()),
        Message("核查完成：未发现问题。")]


def test_a_refused_workbook_gives_only_a_message(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "不是自评表"
    wb.save(tmp_path / "other.xlsx")
    [message] = actions_for(check_file(tmp_path / "other.xlsx"))
    assert message.text.startswith("未能核查“other.xlsx”：文件中没有找到绩效自评表")


def test_the_second_click_checks_a_copy_that_carries_the_first_clicks_marks(planted, tmp_path):
    """What SaveCopyAs hands the checker on the second click: the form plus our fills, notes and 核查结果."""
    report = check_file(planted)
    again = check_file(write_annotated(report, tmp_path / "marked.xlsx"))
    assert [f.as_dict() for f in again.findings] == [f.as_dict() for f in report.findings]


def test_actions_for_is_fast(planted):
    report = check_file(planted)
    t = time.perf_counter()
    for _ in range(100):
        actions_for(report)
    assert (time.perf_counter() - t) / 100 < 0.01


# -- (b) apply against xlwings' remote engine: remote-engine contract tests, not Excel tests ------------
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # must precede the import of xlwings


@pytest.fixture(scope="module")
def xw():
    xw = pytest.importorskip("xlwings", minversion="0.37.8")
    try:
        xw.Book(json=payload_of_values({"S": [["x"]]}, "Office.js", xw.__version__))
    except xw.LicenseError as e:
        pytest.skip(f"xlwings' remote engine needs XLWINGS_LICENSE_KEY: {e}")
    return xw


def payload_of_values(sheets: dict, client: str, version: str, notes: dict | None = None) -> dict:
    """A book payload as a client sends it to xlwings (see xlwings' tests/test_engines/test_engines.py)."""
    return {
        "client": client, "version": version,
        "book": {"name": "form.xlsx", "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [{"name": name, "values": values or [[]], "pictures": [], "tables": [], "shapes": [], "charts": [],
                    "notes": [{"address": a} for a in (notes or {}).get(name, [])]}
                   for name, values in sheets.items()],
    }


def values_of(path: Path) -> dict:
    """Every sheet's values as a client sends them: '' for blanks, ISO text for dates."""
    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        out[name] = [["" if v is None else v.isoformat() if isinstance(v, (dt.date, dt.time)) else v for v in row]
                     for row in rows]
    return out


def remote_book(xw, path: Path, client="Office.js", extra_sheets=None, notes=None):
    sheets = values_of(path)
    sheets.update(extra_sheets or {})
    return xw.Book(json=payload_of_values(sheets, client, xw.__version__, notes))


def by_func(book, func):
    return [a for a in book.json()["actions"] if a["func"] == func]


def at(action):
    return action["sheet_position"], action["start_row"], action["start_column"], action["row_count"], action[
        "column_count"]


def test_remote_apply_records_fills_notes_and_the_results_sheet(xw, planted):
    """Office.js client (xlwings Lite / Office.js add-ins): the one remote client that can add notes."""
    book = remote_book(xw, planted)
    actions = actions_for(check_file(planted))
    done = apply(book, actions)
    assert (done.fills, done.notes, done.undone, done.skipped, done.results_sheet) == (7, 7, 0, [], "核查结果")
    colours = [(at(a), a["args"][0]) for a in by_func(book, "setRangeColor") if a["sheet_position"] == 0]
    assert colours == [((0, 16 + i, 3, 1, 1), WARNING_COLOR) for i in range(5)] + [
        ((0, 20, 6, 1, 1), WARNING_COLOR), ((0, 9, 5, 1, 1), ERROR_COLOR)]  # D17:D21, G21, then F10
    added = by_func(book, "addNote")
    assert added[0]["args"] == ["$F$10", C02_NOTE] and at(added[0]) == (0, 9, 5, 1, 1)
    assert [a["args"][0] for a in added[1:]] == [f"${c[0]}${c[1:]}" for c in WARNED]
    assert by_func(book, "addSheet")[0]["args"] == [1, "核查结果"]
    assert by_func(book, "activateSheet")[0]["args"] == [0]  # the user stays on the form
    [table] = [a for a in by_func(book, "setValues") if a["sheet_position"] == 1]
    assert at(table) == (1, 0, 0, 9, 10)
    values = table["values"]
    assert values[0][0] == "文件：planted.xlsx　错误 1 项，警告 6 项"
    assert tuple(values[1]) == HEADERS + STATE_HEADERS
    assert values[2] == [1, "C02 预算执行率", "错误", FORM, "=HYPERLINK(\"#'项目支出绩效自评表'!F10\",\"F10\")", 0.7338, 0.7138,
                         "总额的预算执行率应为 71.38%（142.88÷200.16），表中填报 73.38%。", "未知", "新建"]
    assert [row[4] for row in values[3:]] == [f"=HYPERLINK(\"#'{FORM}'!{c}\",\"{c}\")" for c in WARNED]
    assert {(row[8], row[9]) for row in values[3:]} == {("未知", "新建")}  # the engine cannot read colours
    results_colours = [(at(a), a["args"][0]) for a in by_func(book, "setRangeColor") if a["sheet_position"] == 1]
    assert results_colours == [((1, 1, 0, 1, 8), "#D9E1F2"), ((1, 2, 2, 1, 1), ERROR_COLOR),
                               ((1, 3, 2, 6, 1), WARNING_COLOR)]
    assert [a["args"] for a in by_func(book, "setColumnHidden")] == [[True]]
    assert at(by_func(book, "setColumnHidden")[0]) == (1, 1, 8, 1, 2)  # I:J, the state columns


def test_remote_clients_without_notes_still_get_fills_and_the_sheet(xw, planted):
    """xlwings Server's VBA / Office Scripts clients have no note actions: the notes are reported, not lost."""
    book = remote_book(xw, planted, client="Microsoft Office Scripts")
    done = apply(book, actions_for(check_file(planted)))
    assert done.fills == 7 and done.notes == 0 and not by_func(book, "addNote")
    assert [s[:2] for s in done.skipped] == [(FORM, "F10")] + [(FORM, c) for c in WARNED]
    assert all(s[2].startswith("批注未写入：Adding notes requires an Office.js client") for s in done.skipped)
    [table] = [a for a in by_func(book, "setValues") if a["sheet_position"] == 1]
    assert {row[9] for row in table["values"][2:]} == {"未写"}
    [alert] = by_func(book, "alert")
    assert "（7 条批注未能写入；各项说明均列在“核查结果”工作表。）" in alert["args"][0]


def test_remote_second_click_takes_back_the_first_clicks_marks(xw, planted):
    """Click, correct the rate, click again: F10 loses its fill and note; the warnings are marked afresh."""
    first = remote_book(xw, planted)
    apply(first, actions_for(check_file(planted)))
    [table] = [a for a in by_func(first, "setValues") if a["sheet_position"] == 1]
    shown = [[re.sub(r'^=HYPERLINK\(".*","(.*)"\)$', r"\1", v) if isinstance(v, str) else v for v in row]
             for row in table["values"]]  # what Excel sends back: a HYPERLINK formula's value
    fixed = SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx"
    book = remote_book(xw, fixed, extra_sheets={"核查结果": shown}, notes={FORM: ["F10"] + WARNED})
    done = apply(book, actions_for(check_file(fixed)))
    assert done.undone == 7 and done.fills == 6 and done.notes == 6 and done.results_sheet == "核查结果"
    acts = [(a["func"], at(a)[1:3], a["args"]) for a in book.json()["actions"] if a["sheet_position"] == 0]
    assert acts[:2] == [("setRangeColor", (9, 5), [None]), ("deleteNote", (9, 5), ["$F$10"])]  # F10 first
    assert ("setRangeColor", (9, 5), [ERROR_COLOR]) not in acts and ("addNote", (9, 5)) not in [a[:2] for a in acts]
    d17 = [a for a in acts if a[1] == (16, 3)]
    assert [a[0] for a in d17] == ["setRangeColor", "deleteNote", "setRangeColor", "addNote"]
    assert d17[0][2] == [None] and d17[2][2] == [WARNING_COLOR]
    assert not by_func(book, "addSheet")
    assert [a["sheet_position"] for a in by_func(book, "sheetClear")] == [1]  # the old results sheet, rewritten
    [table] = [a for a in by_func(book, "setValues") if a["sheet_position"] == 1]
    assert table["values"][0][0] == "文件：04_window_outsourcing.xlsx　错误 0 项，警告 6 项"


def test_remote_a_users_own_sheet_named_like_ours_is_left_alone(xw, planted):
    book = remote_book(xw, planted, extra_sheets={"核查结果": [["我的笔记"], ["随便写的"]]})
    done = apply(book, actions_for(check_file(planted)))
    assert done.results_sheet == "核查结果 (2)" and done.undone == 0
    assert by_func(book, "addSheet")[0]["args"] == [2, "核查结果 (2)"]
    assert not by_func(book, "sheetClear")
    assert "明细见“核查结果 (2)”工作表" in by_func(book, "alert")[0]["args"][0]


def test_remote_apply_speed(xw, planted):
    report = check_file(planted)
    t = time.perf_counter()
    for _ in range(20):
        apply(remote_book(xw, planted), actions_for(report))
    assert (time.perf_counter() - t) / 20 < 0.1  # engine-side only: says nothing of COM round trips


# -- (d) COM-only branches against an in-memory model of xlwings' desktop behaviour (not Excel) ----------
def _rc(ref: str) -> tuple[int, int]:
    """'C10' -> (10, 3): 1-based, as xlwings counts."""
    r, c = parse_a1(ref)
    return r + 1, c + 1


class FakeNote:
    def __init__(self, sheet, key):
        self.sheet, self.key = sheet, key

    @property
    def text(self):
        return self.sheet.notes[self.key]

    @text.setter
    def text(self, value):
        self.sheet.require_unlocked()
        self.sheet.notes[self.key] = value

    def delete(self):
        self.sheet.require_unlocked()
        del self.sheet.notes[self.key]


class FakeFont:
    def __init__(self, rng):
        self.rng = rng

    def __setattr__(self, name, value):
        if name == "rng":
            object.__setattr__(self, name, value)
        else:
            self.rng.sheet.formats.append((self.rng.box, name, value))


class FakeRange:
    """A range as xlwings' COM engine presents it: colours and notes readable, merged areas known."""

    def __init__(self, sheet, r1, c1, r2=None, c2=None):
        self.sheet, self.box = sheet, (r1, c1, r2 or r1, c2 or c1)

    shape = property(lambda self: (self.box[2] - self.box[0] + 1, self.box[3] - self.box[1] + 1))
    row = property(lambda self: self.box[0])
    last_cell = property(lambda self: FakeRange(self.sheet, self.box[2], self.box[3]))
    font = property(lambda self: FakeFont(self))
    columns = property(lambda self: FakeFont(self))  # .hidden = True is recorded like a format

    def cells(self):
        return [(r, c) for r in range(self.box[0], self.box[2] + 1) for c in range(self.box[1], self.box[3] + 1)]

    @property
    def merge_area(self):
        for m in self.sheet.merges:
            if m[0] <= self.box[0] <= m[2] and m[1] <= self.box[1] <= m[3]:
                return FakeRange(self.sheet, *m)
        return self

    @property
    def color(self):
        return self.sheet.colors.get(self.cells()[0])

    @color.setter
    def color(self, value):
        self.sheet.require_unlocked(formatting=True)
        for cell in self.cells():
            self.sheet.colors[cell] = None if value is None else tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))
            if value is None:
                del self.sheet.colors[cell]

    @property
    def note(self):
        return FakeNote(self.sheet, self.box[:2]) if self.box[:2] in self.sheet.notes else None

    def add_note(self, text):
        self.sheet.require_unlocked()
        assert self.note is None
        self.sheet.notes[self.box[:2]] = text
        return FakeNote(self.sheet, self.box[:2])

    def options(self, ndim):
        return self

    @property
    def value(self):
        rows = [[self.sheet.shown(r, c) for c in range(self.box[1], self.box[3] + 1)]
                for r in range(self.box[0], self.box[2] + 1)]
        return rows if len(rows) > 1 else rows[0]

    @value.setter
    def value(self, rows):
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.cells[(self.box[0] + i, self.box[1] + j)] = v

    def __setattr__(self, name, value):
        if name in ("column_width", "wrap_text"):
            self.sheet.formats.append((self.box, name, value))
        else:
            object.__setattr__(self, name, value)


class FakeProtection:
    AllowFormattingCells, AllowFormattingColumns, AllowFormattingRows = True, True, True
    AllowInsertingColumns = AllowInsertingRows = AllowInsertingHyperlinks = False
    AllowDeletingColumns = AllowDeletingRows = AllowSorting = AllowFiltering = AllowUsingPivotTables = False


class FakeSheetApi:
    def __init__(self, password=None):
        self.ProtectContents = password is not None
        self.password, self.Protection = password, FakeProtection()
        self.ProtectDrawingObjects, self.ProtectScenarios = self.ProtectContents, self.ProtectContents
        self.protect_calls = []

    def Unprotect(self, password=""):
        if password != self.password:
            raise PermissionError("wrong password")
        self.ProtectContents = False

    def Protect(self, password="", **options):
        self.ProtectContents = True
        self.protect_calls.append(options)


class FakeSheet:
    def __init__(self, book, name, values=(), merges=(), password=None):
        self.book, self.name = book, name
        self.cells = {(r + 1, c + 1): v for r, row in enumerate(values) for c, v in enumerate(row)
                      if v not in ("", None)}
        self.colors, self.notes, self.formats, self.merges = {}, {}, [], list(merges)
        self.api = FakeSheetApi(password)

    def require_unlocked(self, formatting=False):
        if self.api.ProtectContents and not (formatting and self.api.Protection.AllowFormattingCells):
            raise PermissionError("the sheet is protected")

    def shown(self, r, c):
        """What Excel shows: a HYPERLINK formula's friendly name; text written with a leading apostrophe."""
        v = self.cells.get((r, c))
        if isinstance(v, str):
            m = re.fullmatch(r'=HYPERLINK\(".*","(.*)"\)', v)
            return m.group(1) if m else v[1:] if v.startswith("'") else v
        return v

    def range(self, a, b=None):
        if isinstance(a, tuple):
            return FakeRange(self, *a, *(b or a))
        first, _, last = a.partition(":")
        return FakeRange(self, *_rc(first), *_rc(last or first))

    @property
    def used_range(self):
        return FakeRange(self, 1, 1, max([r for r, _ in self.cells] or [1]), max([c for _, c in self.cells] or [1]))

    def clear(self):
        self.cells.clear(), self.colors.clear(), self.formats.clear()

    def activate(self):
        self.book.active_name = self.name


class FakeSheets(list):
    @property
    def active(self):
        return next(s for s in self if s.name == self[0].book.active_name)

    def add(self, name, after):
        sheet = FakeSheet(after.book, name)
        self.insert(self.index(after) + 1, sheet)
        sheet.activate()
        return sheet


class FakeApp:
    def __init__(self):
        self.screen_updating, self.alerts, self.engine = True, [], type("Engine", (), {"name": "excel"})()

    def alert(self, prompt, title=None):
        self.alerts.append((prompt, title, self.screen_updating))


class FakeBookApi:
    def __init__(self, source):
        self.source = source

    def SaveCopyAs(self, path):
        shutil.copyfile(self.source, path)


class FakeBook:
    """An open workbook as our adapter sees it through xlwings on Windows: our model, not Excel."""

    def __init__(self, path: Path, merges=None, password=None):
        self.name, self.app, self.api = path.name, FakeApp(), FakeBookApi(path)
        self.sheets = FakeSheets()
        for name, values in values_of(path).items():
            self.sheets.append(FakeSheet(self, name, values, (merges or {}).get(name, ()), password))
        self.active_name = self.sheets[0].name

    def sheet(self, name):
        return next(s for s in self.sheets if s.name == name)


RED, AMBER, BLUE = (255, 199, 206), (244, 176, 132), (221, 235, 247)


def test_main_marks_the_open_workbook_and_keeps_the_users_fill_and_note(planted):
    book = FakeBook(planted)
    form = book.sheet(FORM)
    form.colors[(10, 6)] = BLUE  # F10: an input cell the template shades
    form.notes[(21, 7)] = "张三:\n成本含运维费"  # G21: the user's own note
    done = xa.main(book)
    assert (done.fills, done.notes, done.skipped) == (7, 7, [])
    assert form.colors[(10, 6)] == RED and form.colors[(21, 7)] == AMBER
    assert form.notes[(10, 6)] == C02_NOTE
    assert form.notes[(21, 7)].startswith("张三:\n成本含运维费\n【核查】\n[C23] 警告：")
    results = book.sheet("核查结果")
    assert [s.name for s in book.sheets] == [FORM, "核查结果"] and book.active_name == FORM
    assert results.range((3, 1), (3, 10)).value[8:] == ["#DDEBF7", "新建"]  # F10's blue is remembered
    assert results.range((9, 1), (9, 10)).value[8:] == ["无", "追加"]
    prompt, title, screen_updating = book.app.alerts[0]
    assert prompt.startswith("核查完成：错误 1 项，警告 6 项。") and re.search(r"\n用时 \d+\.\d 秒。$", prompt)
    assert screen_updating and book.app.screen_updating


def test_the_button_does_not_report_its_own_macro_workbook(planted, tmp_path):
    """S01 (macros) is for received files; in the .xlsm that carries the button it would describe the button."""
    import hostile

    xlsm = tmp_path / "planted.xlsm"
    xlsm.write_bytes(hostile.with_macros(planted.read_bytes()))
    assert "S01" in {f.check for f in check_file(xlsm).findings}
    book = FakeBook(xlsm)
    done = xa.main(book)
    assert (done.fills, done.notes) == (7, 7)
    checks = [book.sheet("核查结果").shown(r, 2) for r in range(3, 10)]
    assert not any(c.startswith("S01") for c in checks) and checks[0] == "C02 预算执行率"
    assert book.app.alerts[0][0].startswith("核查完成：错误 1 项，警告 6 项。")


def test_second_click_restores_what_the_first_click_changed(planted):
    book = FakeBook(planted)
    form = book.sheet(FORM)
    form.colors[(10, 6)] = BLUE
    form.notes[(21, 7)] = "张三:\n成本含运维费"
    xa.main(book)
    form.cells[(10, 6)] = 0.7138  # the user corrects the rate and clicks again
    book.api.source = SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx"  # what SaveCopyAs would now write
    done = xa.main(book)
    assert done.undone == 7
    assert form.colors[(10, 6)] == BLUE and (10, 6) not in form.notes  # F10: back as it was
    assert form.notes[(21, 7)].count("【核查】") == 1 and form.notes[(21, 7)].startswith("张三:\n成本含运维费\n【核查】")
    assert [s.name for s in book.sheets] == [FORM, "核查结果"]
    assert book.sheet("核查结果").shown(1, 1) == "文件：planted.xlsx　错误 0 项，警告 6 项"  # the open book's name
    # a third click on the now-unchanged workbook changes nothing
    before = (dict(form.colors), dict(form.notes))
    xa.main(book)
    assert (form.colors, form.notes) == before


def test_a_merged_cell_is_coloured_whole_and_restored_whole(planted):
    book = FakeBook(planted, merges={FORM: [(10, 6, 11, 6)]})  # pretend F10:F11 is merged
    form = book.sheet(FORM)
    xa.main(book)
    assert form.colors[(10, 6)] == form.colors[(11, 6)] == RED
    book.api.source = SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx"
    xa.main(book)
    assert (10, 6) not in form.colors and (11, 6) not in form.colors


def test_a_template_protected_without_password_is_marked_and_protected_again(planted):
    book = FakeBook(planted, password="")
    form = book.sheet(FORM)
    done = xa.main(book)
    assert done.notes == 7 and done.skipped == []
    assert form.api.ProtectContents and form.api.protect_calls[-1]["AllowFormattingCells"] is True


def test_a_sheet_protected_with_a_password_gets_fills_but_no_notes(planted):
    book = FakeBook(planted, password="secret")
    done = xa.main(book)
    assert done.fills == 7 and done.notes == 0 and len(done.skipped) == 7
    assert all("工作表受保护" in s[2] for s in done.skipped)
    assert "7 条批注未能写入" in book.app.alerts[0][0]


def test_main_on_a_one_form_workbook_takes_well_under_a_second(planted):
    """Everything but Excel: copy, check, actions, apply on the fake. COM round trips are timed by hand."""
    xa.main(FakeBook(planted))  # imports warmed
    t = time.perf_counter()
    xa.main(FakeBook(planted))
    assert time.perf_counter() - t < 0.5


# -- (c) the VBA source ----------------------------------------------------------------------------------
def test_the_vba_module_parses_and_calls_the_adapter():
    raw = BAS.read_bytes()
    text = raw.decode("ascii")  # the VBA editor imports in the system code page: ASCII only
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0] == 'Attribute VB_Name = "PerfevalXlwings"'
    code = [ln.split("'")[0].strip() if not ln.lstrip().startswith("'") else "" for ln in lines]
    opened = [ln for ln in code if re.match(r"^(Public |Private )?(Sub|Function) \w+\(", ln)]
    closed = [ln for ln in code if ln in ("End Sub", "End Function")]
    assert "Public Sub PerfevalCheck()" in opened and len(opened) == len(closed)
    assert all(len(ln) < 1024 for ln in lines)
    [command] = re.findall(r'^Private Const PYTHON_COMMAND As String = "(.*)"\r?$', text, re.M)
    assert command == "import perfeval_xl.xl.xlwings_adapter as a; a.main()"
    tree = ast.parse(command)
    [imp] = [n for n in tree.body if isinstance(n, ast.Import)]
    module = imp.names[0].name
    assert importlib.util.find_spec(module) is not None
    assert callable(importlib.import_module(module).main)
    assert re.search(r"^Private Const RUN_PYTHON As String = \"'xlwings\.xlam'!RunPython\"", text, re.M)
    assert "Application.Run RUN_PYTHON, PYTHON_COMMAND" in text
    messages = ["".join(chr(int(n)) for n in m.split()) for m in re.findall(r'U\("([\d ]+)"\)', text)]
    assert messages == ["请先打开要核查的工作簿；从邮件打开的文件请先点击“启用编辑”。",
                        "未找到 xlwings 加载项：请在命令行运行 xlwings addin install，然后重新启动 Excel。"]
