"""Tables onto xlsxwriter worksheets, fit to print and hand up: a title row (the batch, the sheet, the date, the
batch's counts), a header row repeated on every printed page, typed cells (text never a formula; text left-aligned
and wrapped, numbers right-aligned), row heights that fit the wrapped text, totals rows under the table, and every
sheet landscape A4, fit to the page width, the batch in the page header and 第 N 页，共 M 页 in the footer.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

from ..excelmath import fits_a_cell
from ..messages import SUMMARY_TEXT
from ..present import FILL_RGB, FONT_RGB, HEADER_FILL_RGB, LINK_RGB, hex_colour
from ..severity import Severity

MAX_ROWS = 1_048_576 - 16  # data rows per sheet (the title, header and totals rows fit too); more spill onto (2), …
MAX_LINKS = 65_530  # Excel's hyperlinks per worksheet
TITLE_ROW, HEADER_ROW, FIRST_ROW = 0, 1, 2
FONT_PT = 10
LINE_PT = 13  # one line of 10 pt text (Latin and CJK fonts alike), in a row's height
WIDE = 1.8  # a CJK character of 10 pt text, in column-width units (Excel: 13.3 px, a unit 7 px; LibreOffice: less)
NARROW = 1.1  # any other character: a little over one unit (a wider fallback font, lines broken between words)
TITLE_PT = 22
PAPER_A4 = 9
MARGINS = {"left": 0.6, "right": 0.6, "top": 0.75, "bottom": 0.75}  # inches (1.5 cm, 1.9 cm)
HEADER_MARGIN = 0.3
BORDER = "#A6A6A6"
NUMBER_FORMATS = {"amount": "#,##0.00", "rate": "0.00%", "score": "0.00", "int": "0"}
MAX_TEXT = 32_000  # characters of a cell (Excel holds 32,767)
_FORMULA_LIKE = "=+-@"  # text starting so is written with a quote prefix: it stays text when the cell is edited


@dataclass(frozen=True)
class Column:
    """A table column: header, width (in characters of the default font) and what its cells hold — text (left,
    wrapped), value (填报值/复核值: a number or text, left-aligned and wrapped, never running into the next column),
    amount, rate, score or int (right-aligned). An `optional` column no row fills is hidden (发件人 and 日期 without
    e-mails, 隐藏 without hidden sheets); a `short` one holds text that never wraps (C08, 错误), so it is not measured
    for the row's height."""

    header: str
    width: float
    kind: str = "text"
    optional: bool = False
    short: bool = False


@dataclass(frozen=True)
class Shown:
    """A cell written with the format of another column kind than its column's (跨表不一致's 值: a rate as 0.00%)."""

    value: object
    kind: str


@dataclass(frozen=True)
class Banner:
    """What every sheet says on top: the batch's name (also in the page header) and its counts."""

    batch: str
    counts: dict  # date, files, forms, resubmitted, refused, errors, warnings

    def title(self, sheet: str) -> str:
        return SUMMARY_TEXT["title"].format(batch=self.batch, sheet=sheet, **self.counts)

    def page_header(self) -> str:
        return "&L" + self.batch[:100].replace("&", "&&") + "&R&A"


def text_width(s: str) -> float:
    """Width of 10 pt text in column-width units: a CJK character counts WIDE, any other NARROW (counted from the UTF-8
    length, which is fast on long columns: three bytes for a CJK character, one for ASCII)."""
    n = len(s)
    return NARROW * n + (len(s.encode("utf-8")) - n) / 2 * (WIDE - NARROW)


def lines_needed(s: str, width: float) -> int:
    """Lines a wrapped cell `width` characters wide takes to show `s` (a little short of the width: padding)."""
    usable = max(width - 1.0, 1.0)
    if "\n" not in s:
        return max(1, math.ceil(text_width(s) / usable))
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in s.split("\n"))


class SheetWriter:
    """Writes tables onto the sheets of one xlsxwriter workbook, every sheet set up for printing."""

    def __init__(self, book, base: Path, banner: Banner):
        self.book, self.base, self.banner = book, base, banner  # base: the summary's folder, for relative links
        cell = {"font_size": FONT_PT, "valign": "top", "border": 1, "border_color": BORDER}
        f = book.add_format
        self.fmt, self.bold = {}, {}
        for kind in ("text", "value", *NUMBER_FORMATS):
            spec = dict(cell, num_format=NUMBER_FORMATS.get(kind, "General"))
            if kind in ("text", "value"):
                spec.update(align="left", text_wrap=True)
            self.fmt[kind] = f(spec)
            self.bold[kind] = f(dict(spec, bold=True, top=2, bg_color="#F2F2F2"))
        self.quoted = {k: f(dict(cell, align="left", text_wrap=True, quote_prefix=True, bold=b))
                       for k, b in ((False, False), (True, True))}  # a leading = + - @ stays text when edited
        self.link = f(dict(cell, align="left", font_color=hex_colour(LINK_RGB), underline=1))
        self.edge = f({"border": 1, "border_color": BORDER})
        self.header = f({"bold": True, "font_size": FONT_PT, "bg_color": hex_colour(HEADER_FILL_RGB), "border": 1,
                         "border_color": BORDER, "text_wrap": True, "align": "center", "valign": "vcenter"})
        self.title_fmt = f({"bold": True, "font_size": 12, "valign": "vcenter", "text_wrap": True})
        self.note = f({"font_size": FONT_PT, "valign": "top", "text_wrap": True, "italic": True,
                       "font_color": "#595959"})
        self.red = f({"bg_color": hex_colour(FILL_RGB[Severity.ERROR]),
                      "font_color": hex_colour(FONT_RGB[Severity.ERROR])})
        self.amber = f({"bg_color": hex_colour(FILL_RGB[Severity.WARNING]),
                        "font_color": hex_colour(FONT_RGB[Severity.WARNING])})

    # -- cells --------------------------------------------------------------------------------------------------
    def put(self, ws, r: int, c: int, v, fmt, bold: bool = False) -> None:
        t = type(v)
        if t is Shown:
            return self.put(ws, r, c, v.value, (self.bold if bold else self.fmt)[v.kind], bold)
        if t is str:
            s = v[:MAX_TEXT]
            ws.write_string(r, c, s, self.quoted[bold] if s[:1] in _FORMULA_LIKE else fmt)
        elif v is None or t is float and v != v:
            if bold:  # a table's blank cells get their borders from one conditional format (see `table`)
                ws.write_blank(r, c, None, fmt)
        elif t is bool:
            ws.write_boolean(r, c, v, fmt)
        elif isinstance(v, Real) and fits_a_cell(v):
            ws.write_number(r, c, v, fmt)
        else:
            self.put(ws, r, c, str(v), fmt, bold)

    # -- sheets -------------------------------------------------------------------------------------------------
    def sheet(self, name: str, widths: list[float], repeat: int | None = HEADER_ROW, scale: int | None = None):
        """A new worksheet set up for printing, with its title row merged over its columns (`widths`, 0 for a hidden
        one): fit to the page width, or printed at `scale` % where the sheet has charts (Excel ignores manual page
        breaks on a sheet fit to the page, and a chart must not be cut); `repeat`: the row printed on every page."""
        ws = self.book.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(PAPER_A4)
        if scale is None:
            ws.fit_to_pages(1, 0)
        else:
            ws.set_print_scale(scale)
        ws.set_margins(**MARGINS)
        ws.set_header(self.banner.page_header(), {"margin": HEADER_MARGIN})
        ws.set_footer("&C" + SUMMARY_TEXT["footer"], {"margin": HEADER_MARGIN})
        ws.center_horizontally()
        if repeat is not None:
            ws.repeat_rows(repeat)
        title = self.banner.title(name)
        lines = lines_needed(title, max(sum(widths) * 0.9, 10))  # 12 pt bold: wider than the body text
        ws.set_row(TITLE_ROW, max(TITLE_PT, lines * 17 + 4))
        if len(widths) > 1:
            ws.merge_range(TITLE_ROW, 0, TITLE_ROW, len(widths) - 1, title, self.title_fmt)
        else:
            ws.write_string(TITLE_ROW, 0, title, self.title_fmt)
        return ws

    def table(self, name: str, columns: list[Column], rows, links=None, alert: dict | None = None,
              totals: list[tuple] = (), empty: str | None = None):
        """Write rows (tuples) under `columns`, then the `totals` rows (bold, outside the filter); `links` gives,
        per row, (file, sheet, cell) for the column headed 单元格 or None; `empty`: the sentence a table without
        rows shows (a printed blank table says nothing). Returns the (last) worksheet."""
        rows = list(rows)
        per_sheet = MAX_LINKS if links else MAX_ROWS
        chunks = [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)] or [[]]
        link_col = next((i for i, col in enumerate(columns) if col.header == "单元格"), None)
        kinds = [self.fmt[col.kind] for col in columns]
        wrapped = [(i, col.width, (col.width - 1) / WIDE, {}) for i, col in enumerate(columns)
                   if col.kind in ("text", "value") and not col.short]  # memos: a file's path repeats on its rows
        for k, chunk in enumerate(chunks):
            last = k == len(chunks) - 1
            hidden = {i for i, col in enumerate(columns) if col.optional
                      and all(row[i] is None or row[i] == "" for row in chunk)}
            widths = [0 if c in hidden else col.width for c, col in enumerate(columns)]
            ws = self.sheet(name if k == 0 else f"{name}({k + 1})", widths)
            for c, col in enumerate(columns):
                ws.set_column(c, c, col.width, None, {"hidden": True} if c in hidden else None)
            header_lines = max(lines_needed(col.header, col.width) for col in columns)
            ws.set_row(HEADER_ROW, header_lines * LINE_PT + 4)
            ws.write_row(HEADER_ROW, 0, [col.header for col in columns], self.header)
            ws.freeze_panes(FIRST_ROW, 0)
            write_string, put, height = ws.write_string, self.put, self._height
            for r, row in enumerate(chunk, start=FIRST_ROW):
                height(ws, r, row, wrapped)
                target = links[k * per_sheet + r - FIRST_ROW] if links else None
                for c, v in enumerate(row):
                    if c == link_col and target is not None and self._link(ws, r, c, target, v):
                        continue
                    if type(v) is str and v[:1] not in _FORMULA_LIKE and len(v) <= MAX_TEXT:
                        write_string(r, c, v, kinds[c])  # most cells: plain text (what `put` would do, inline)
                    elif v is not None:
                        put(ws, r, c, v, kinds[c])
            end = FIRST_ROW + max(len(chunk), 1) - 1
            if chunk:
                ws.autofilter(HEADER_ROW, 0, end, len(columns) - 1)
                # borders of the blank cells: one rule, not a written cell each (a large batch has many)
                ws.conditional_format(FIRST_ROW, 0, end, len(columns) - 1, {"type": "blanks", "format": self.edge})
            elif empty:
                ws.merge_range(FIRST_ROW, 0, FIRST_ROW, len(columns) - 1, empty, self.note)
            for col, fmt in (alert or {}).items():
                ws.conditional_format(FIRST_ROW, col, end, col,
                                      {"type": "cell", "criteria": ">", "value": 0, "format": fmt})
            if last:
                for r, row in enumerate(totals, start=FIRST_ROW + len(chunk)):
                    self._height(ws, r, row, wrapped)
                    for c, v in enumerate(row):
                        self.put(ws, r, c, v, self.bold[columns[c].kind], bold=True)
        return ws

    @staticmethod
    def _height(ws, r: int, row: tuple, wrapped: list[tuple[int, float, float, dict]]) -> None:
        """The row's height: the most lines any of its wrapped cells needs (one line: the default height).
        `wrapped`: (column, width, the length of text sure to fit on one line, the column's lines by text)."""
        lines = 1
        for c, width, short, memo in wrapped:
            s = row[c]
            if type(s) is str:
                if len(s) <= short and "\n" not in s:
                    continue  # one line whatever it holds
            elif s is None or type(s) is Shown or isinstance(s, Real):
                continue
            else:
                s = str(s)
            n = memo.get(s)
            if n is None:
                n = memo[s] = lines_needed(s, width)
            if n > lines:
                lines = n
        if lines > 1:
            ws.set_row(r, min(lines * LINE_PT + 3, 409))

    def _link(self, ws, r, c, target, text) -> bool:
        path, sheet, cell = target
        try:
            rel = os.path.relpath(path, self.base)
        except ValueError:  # another drive
            rel = str(path)
        anchor = "'" + sheet.replace("'", "''") + "'!" + cell
        return ws.write_url(r, c, f"external:{rel}#{anchor}", self.link, string=str(text),
                            tip="打开核查副本中的单元格 / open the cell in the annotated copy") == 0


def axis_step(top: int) -> int:
    """A whole-number step for an axis of counts up to `top`: 1, 2, 5, 10, 20, 50 … (at most 10 gridlines)."""
    step = 1
    while top / step > 10:
        for m in (2, 5, 10):
            if top / (step * m) <= 10 or m == 10:
                step *= m
                break
    return step
