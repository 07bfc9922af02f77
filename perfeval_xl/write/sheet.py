"""What every template writer shares (xlsxwriter): the workbook's fixed properties, cell formats by kind, input and
formula cells that carry their cached values, red conditional formats, and the A4 print setup.

A writer subclasses `SheetWriter`, adds its own format kinds to `KINDS`, and calls `put` (a value or an input),
`calc` (a live formula with the value the Python rules give) and `red` (turn a range red where a formula holds).

Printing: every sheet prints on A4, one page wide and as many pages tall as it needs, with its table's header rows
repeated on every page (`print_a4`). Fitting to the width scales the sheet by printable width ÷ sheet width, so the
orientation is chosen from the column widths: portrait where the 11 pt text still prints at 9 pt or more, else
landscape (`orientation`). The width of a column unit depends on the application: Excel measures it in the digit
width of the workbook's Normal font (Calibri 11: 7 px = 5.25 pt), LibreOffice in that of the font it substitutes —
Carlito, Calibri's metric twin, where installed, else DejaVu Sans, whose digits are 7 pt wide (a column unit
printed 7.00–7.09 pt wide in LibreOffice 7.4's PDFs, its zoom going in steps). The widest is assumed, so what prints
at 9 pt in LibreOffice without Carlito prints larger everywhere else.

Row heights come from the text a cell holds (`text_height`): its display width in column units, measured as Excel
draws 宋体 11 pt (a CJK character 15 px, a column unit 7 px; the narrowest of the applications, so rows are tall enough
everywhere), each paragraph of a text with line breaks on lines of its own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from ..a1 import a1, on_sheet
from ..errors import UsageError
from ..excelmath import dec
from ..messages import TEMPLATE, cli_text

FONT = "宋体"
INPUT_BG, RED_BG, RED_FONT = "#FFFFCC", "#FFC7CE", "#9C0006"
FIXED_DATE = datetime(2024, 1, 1)  # document properties, so regenerated templates are byte-identical

BASE = {"font_name": FONT, "font_size": 11, "valign": "vcenter", "text_wrap": True, "border": 1}
INPUT = {"bg_color": INPUT_BG, "locked": False}
KINDS = {  # the kinds both writers use; each adds its own
    "title": {"font_size": 16, "bold": True, "align": "center", "border": 0},
    "year": {"align": "center", "border": 0},
    "label": {"align": "center"},
    "number": {"align": "center"},
    "in_text": {"align": "left", **INPUT},
    "in_center": {"align": "center", **INPUT},
    "helper": {"border": 0, "text_wrap": False},
}

_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def input_value(v: object) -> Decimal | str | None:
    """A fill value as it will sit in its cell: a number (Decimal), a text, or None for blank."""
    if v is None or isinstance(v, bool):
        return None if v is None else str(v)
    if isinstance(v, (int, float, Decimal)):
        return dec(v)
    s = str(v).strip()
    if not s:
        return None
    return Decimal(s) if _PLAIN.fullmatch(s) else s


def cached(v: object) -> object:
    """A value as xlsxwriter stores it next to a formula ('' for blank, int when integral)."""
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def lit(x: object) -> str:
    """A number as an Excel literal (10, 0.005)."""
    return format(dec(x).normalize(), "f")


# --- text size and row heights ----------------------------------------------------------------------------------
CJK_PX, OTHER_PX = 15, 8  # pixels a character of 宋体 11 pt takes in Excel (96 dpi)
CELL_PAD_PX = 6  # a cell's inner margins
LINE_PT, PAD_PT = 14.5, 6.0  # a line of 11 pt text, and the room above and below it in a cell


def text_px(text: str) -> int:
    """Display width of a (one-line) text in pixels."""
    return sum(CJK_PX if ord(ch) > 0x2E7F else OTHER_PX for ch in text)


def text_lines(text: str, widths) -> int:
    """Lines a text takes wrapped in a cell over columns of `widths` (units; one number for one column); each line
    break starts a new line."""
    span = sum(pixel_width(w) for w in ([widths] if isinstance(widths, (int, float)) else widths))
    room = max(span - CELL_PAD_PX, CJK_PX)
    return sum(max(1, math.ceil(text_px(part) / room)) for part in str(text).split("\n"))


def text_height(text: str, widths) -> float:
    """Row height (points) that shows a text wrapped in a cell over columns of `widths`."""
    return text_lines(text, widths) * LINE_PT + PAD_PT


def grow_rows(heights: dict[int, float], widths, r1: int, r2: int, c1: int, c2: int, text: str,
              minimum: float = 0) -> None:
    """Make rows r1..r2 (heights, points) together tall enough for `text` in columns c1..c2 of `widths` (shared out
    evenly over the rows)."""
    per_row = max(text_height(text, widths[c1:c2 + 1]), minimum) / (r2 - r1 + 1)
    for r in range(r1, r2 + 1):
        heights[r] = max(heights.get(r, 0), per_row)


# --- printing -------------------------------------------------------------------------------------------------------
A4_PT = (595.28, 841.89)  # width and height of A4 portrait, points
SIDE_MARGIN, END_MARGIN, FOOTER_MARGIN = 0.25, 0.6, 0.3  # inches: left/right, top/bottom, footer
BODY_PT = 11  # BASE's font size
MIN_PRINTED_PT = 9  # text prints at least this large
UNIT_PT = 7.1  # widest column unit: LibreOffice measuring in DejaVu Sans 11 pt (7 pt digits; 7.00–7.09 in its PDFs)
FOOTER = "&C第 &P 页，共 &N 页"
PAGE_FILL = 0.97  # of a page's height that rows may fill (rounding in the applications)


def pixel_width(width: float) -> int:
    """Pixels xlsxwriter gives a column of `width` units (7 px a unit and 5 px of padding; narrower below 1)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


def print_scale(widths, landscape: bool) -> float:
    """Scale at which the columns fit the width of A4 (at most 1, whole percent as Excel sets it), with a column
    unit as wide as the widest application draws it."""
    paper = A4_PT[1] if landscape else A4_PT[0]
    sheet = sum(pixel_width(w) / 7 * UNIT_PT for w in widths)
    return min(100, math.floor(100 * (paper - 2 * 72 * SIDE_MARGIN) / sheet)) / 100


def orientation(widths) -> bool:
    """True (landscape) unless portrait prints the text at MIN_PRINTED_PT or more."""
    return print_scale(widths, landscape=False) * BODY_PT < MIN_PRINTED_PT


def widen(widths, index: int) -> list[float]:
    """`widths` with column `index` as wide as landscape printing at MIN_PRINTED_PT allows (never narrower)."""
    out = list(widths)
    while print_scale(out[:index] + [out[index] + 1] + out[index + 1:], landscape=True) * BODY_PT >= MIN_PRINTED_PT:
        out[index] += 1
    return out


def page_height(landscape: bool) -> float:
    """Points of rows a page holds at 100 % (a sheet printed smaller holds more)."""
    return (A4_PT[0] if landscape else A4_PT[1]) - 2 * 72 * END_MARGIN


@dataclass(frozen=True)
class TallText:
    """A text in a cell merged down over rows first..last; a spreadsheet prints it in the middle of the cell."""

    first: int
    last: int
    lines: int


def page_breaks(heights: list[float], room: float, keep=(), texts: list[TallText] = (),
                repeat: tuple[int, int] | None = None) -> list[int]:
    """Rows that start a new page (0-based) when rows of `heights` (points) fill pages of `room` points. A page
    breaks between rows, never inside a block of `keep` ((first, last) rows: a header with its first row, a total
    with its grade) nor through the printed lines of a text merged down over rows (the cell itself may break:
    a group's label stays whole on one page) — unless a page cannot hold the block or the text. Pages after the
    `repeat` rows lose their height to them."""
    tops = [0.0]
    for h in heights:
        tops.append(tops[-1] + h)
    cut = {r for a, b in keep if b > a and tops[b + 1] - tops[a] <= room for r in range(a + 1, b + 1)}
    for t in texts:  # the text's lines, centred in the merged cell, and a little room around them
        middle, half = (tops[t.first] + tops[t.last + 1]) / 2, t.lines * LINE_PT / 2 + PAD_PT / 2
        if 2 * half <= room:
            cut |= {r for r in range(t.first + 1, t.last + 1) if abs(tops[r] - middle) < half}
    titles = tops[repeat[1] + 1] - tops[repeat[0]] if repeat else 0.0
    breaks, start, used = [], 0, 0.0
    for r, h in enumerate(heights):
        if used + h > room and r > start:
            safe = [b for b in range(r, start, -1) if b not in cut]
            start = safe[0] if safe else r
            breaks.append(start)
            used = (titles if repeat and start > repeat[1] else 0.0) + tops[r] - tops[start]
        used += h
    return breaks


def print_a4(ws, last_row: int, last_col: int, widths, heights: list[float] | None = None, keep=(),
             texts: list[TallText] = (), table: tuple[int, int, int] | None = None) -> None:
    """Every template sheet prints the same way: A4, portrait or landscape as `orientation` says for the printed
    columns' `widths`, one page wide and as many tall as needed, centred, narrow margins, page numbers in the footer,
    A1 to (last_row, last_col).

    With the rows' `heights`, pages break where they cut neither a block of `keep` nor one of the `texts`
    (`page_breaks`, for a sheet printed at 100 %: one printed smaller breaks at the same rows, its pages a little
    less full); a `table` (first and last header row, last row) that runs over pages has its header rows printed at
    the top of every page."""
    ws.set_paper(9)
    landscape = orientation(widths)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=END_MARGIN, bottom=END_MARGIN)
    ws.set_footer(FOOTER, {"margin": FOOTER_MARGIN})
    ws.print_area(0, 0, last_row, last_col)
    if heights is None:
        return
    rows, room = heights[:last_row + 1], page_height(landscape) * PAGE_FILL
    texts = [t for t in texts if t.last <= last_row]
    repeat = table[:2] if table else None
    breaks = page_breaks(rows, room, keep, texts, repeat)
    if table and not any(table[1] + 1 < b <= table[2] for b in breaks):  # the table fits on its page
        repeat, breaks = None, page_breaks(rows, room, keep, texts)
    if repeat:
        ws.repeat_rows(*repeat)
    if breaks:
        ws.set_h_pagebreaks(breaks)


# --- the title's year -----------------------------------------------------------------------------------------------
_YEAR = re.compile(r"(19|20)\d\d")
BLANK_YEAR = "    "  # what the title shows before a year is entered: (    年度)


def template_year(year: int | str | None) -> int | None:
    """The year a template is written for: None (blank) or a four-digit year (1900–2099, as `perfeval template
    --year` takes it); anything else is refused."""
    if year is None or (isinstance(year, str) and not year.strip()):
        return None
    if isinstance(year, bool) or not isinstance(year, (int, str)) or not _YEAR.fullmatch(str(year).strip()):
        raise UsageError(cli_text("template_year", year=year))
    return int(str(year).strip())


def year_text(label: str, year: int | None) -> str:
    """A title with its year: '（{year}年度）' -> '（2024年度）', or '（    年度）' without one."""
    return label.format(year=BLANK_YEAR if year is None else year)


def year_formula(label: str, ref: str) -> str:
    """The formula of a title that reads its year from the input cell `ref` (Python twin: `year_text`)."""
    before, _, after = label.partition("{year}")
    quote = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    parts = ([quote(before)] if before else []) + [f'IF({ref}="",{quote(BLANK_YEAR)},{ref})'] + \
        ([quote(after)] if after else [])
    return "&".join(parts)


def year_validation(ws, r: int, c: int) -> None:
    """The year input: a whole number 1900–2099, with a prompt."""
    ws.data_validation(r, c, r, c, {
        "validate": "integer", "criteria": "between", "minimum": 1900, "maximum": 2099,
        "input_title": "年度", "input_message": TEMPLATE["year.prompt"],
        "error_title": "年度有误", "error_message": TEMPLATE["year.error"]})


class SheetWriter:
    """The cells of a template workbook. `record` (the template's map) gets every input cell in `inputs` and every
    formula cell with the value the rules give in `computed`."""

    KINDS: dict[str, dict] = KINDS
    QUALIFIED = False  # references returned with their sheet ("评价指标表!E5"): for workbooks of several sheets

    def __init__(self, profile, record):
        self.p = profile
        self.inputs: list[str] = record.inputs
        self.computed: dict[str, object] = record.computed
        self._formats: dict = {}
        self.tall: dict[str, list[tuple[int, int, int, int, str]]] = {}  # sheet -> texts merged down (r, r2, c, c2)

    def open(self, path: Path) -> None:
        """Start the workbook: fixed document properties (byte-identical output) and the red alert format."""
        self.wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
        self.wb.set_properties({"title": self.p.title, "subject": self.p.name, "author": "perfeval_xl",
                                "comments": f"profile {self.p.id}", "created": FIXED_DATE})
        self.red_format = self.wb.add_format({"bg_color": RED_BG, "font_color": RED_FONT})

    def format_props(self, kind: str) -> dict:
        """The properties of a format kind on top of BASE (a writer may compute some, e.g. from its digits)."""
        return self.KINDS[kind]

    def fmt(self, kind: str):
        """The cell format of a kind (shared, created once)."""
        if kind not in self._formats:
            self._formats[kind] = self.wb.add_format({**BASE, **self.format_props(kind)})
        return self._formats[kind]

    def ref(self, ws, r: int, c: int) -> str:
        return on_sheet(ws.name, a1(r, c), quote=False) if self.QUALIFIED else a1(r, c)

    def wrote_text(self, r: int, c1: int, c2: int, text: str, r2: int | None = None) -> None:
        """Called for every text written (in c1..c2 of row r, or of rows r..r2 when merged down); a writer may size
        the rows for it."""

    def put(self, ws, r: int, c: int, value=None, kind: str = "label", *, r2: int | None = None,
            c2: int | None = None) -> str:
        """Write a value into a cell (merged over r..r2 × c..c2); return its reference."""
        r2, c2 = (r if r2 is None else r2), (c if c2 is None else c2)
        f = self.fmt(kind)
        if (r2, c2) != (r, c):
            ws.merge_range(r, c, r2, c2, "", f)
        if r2 > r and isinstance(value, str) and value:
            self.tall.setdefault(ws.name, []).append((r, r2, c, c2, value))
        if value is None or value == "":
            ws.write_blank(r, c, None, f)
        elif isinstance(value, (int, float, Decimal)):
            ws.write_number(r, c, cached(dec(value)), f)
        else:
            ws.write_string(r, c, str(value), f)
            if kind != "helper":
                self.wrote_text(r, c, c2, str(value), r2)
        ref = self.ref(ws, r, c)
        if kind.startswith("in_"):
            self.inputs.append(ref)
        return ref

    def calc(self, ws, r: int, c: int, formula: str, value, kind: str, *, r2: int | None = None,
             c2: int | None = None) -> str:
        """Write a live formula with its cached value (merged when r2/c2 are given); remember the rules' value."""
        f = self.fmt(kind)
        r2, c2 = (r if r2 is None else r2), (c if c2 is None else c2)
        if (r2, c2) != (r, c):
            ws.merge_range(r, c, r2, c2, "", f)
        if r2 > r and value not in (None, ""):
            self.tall.setdefault(ws.name, []).append((r, r2, c, c2, str(value)))
        ws.write_formula(r, c, "=" + formula, f, cached(value))
        ref = self.ref(ws, r, c)
        self.computed[ref] = "" if value is None else value
        return ref

    def print_setup(self, ws, heights: dict[int, float], last_row: int, last_col: int, widths, *,
                    table: tuple[int, int, int] | None = None, keep=(), minimum: float = 20) -> None:
        """Row heights (at least `minimum`) and the print setup of a sheet (`print_a4`): pages never break inside
        a block of `keep` nor through a text merged down over rows; the `table`'s header repeats on every page it
        runs over."""
        rows = [max(heights.get(r, 0), minimum) for r in range(last_row + 1)]
        for r, h in enumerate(rows):
            ws.set_row(r, h)
        texts = [TallText(r1, r2, text_lines(text, widths[c1:c2 + 1]))
                 for r1, r2, c1, c2, text in self.tall.get(ws.name, ())]
        print_a4(ws, last_row, last_col, widths, rows, keep, texts, table)

    def red(self, ws, r1: int, c1: int, r2: int, c2: int, formula: str) -> None:
        """Conditional format: the range turns red where `formula` (relative to its top-left cell) is TRUE."""
        ws.conditional_format(r1, c1, r2, c2, {"type": "formula", "criteria": "=" + formula, "format": self.red_format})
