"""What every template writer shares (xlsxwriter): the workbook's fixed properties, cell formats by kind, input and
formula cells that carry their cached values, red conditional formats, the print setup (`printing`) and the 年度
input a title reads.

A writer subclasses `SheetWriter`, adds its own format kinds to `KINDS`, and calls `put` (a value or an input),
`calc` (a live formula with the value the Python rules give) and `red` (turn a range red where a formula holds),
and finally `print_setup` with its rows' heights.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from ..a1 import a1, on_sheet
from ..errors import UsageError
from ..excelmath import dec
from ..messages import TEMPLATE, cli_text
from .printing import TallText, print_a4, text_lines

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


# --- the title's year -----------------------------------------------------------------------------------------------
_YEAR = re.compile(r"(19|20)\d\d", re.ASCII)
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
