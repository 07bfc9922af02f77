"""How a template sheet prints: A4, one page wide and as many pages tall as it needs, in the orientation that keeps
its text at 9 pt or more, with page breaks that cut no label and the header of a table that runs over pages
repeated (`print_a4`); and how tall a row must be for its text (`text_height`).

Fitting to the width scales the sheet by printable width ÷ sheet width, so the orientation is chosen from the column
widths: portrait where the 11 pt text still prints at 9 pt or more, else landscape (`orientation`). The width of a
column unit depends on the application: Excel measures it in the digit width of the workbook's Normal font
(Calibri 11: 7 px = 5.25 pt), LibreOffice in that of the font it substitutes — Carlito, Calibri's metric twin, where
installed, else DejaVu Sans, whose digits are 7 pt wide (a column unit printed 7.00–7.09 pt wide in LibreOffice
7.4's PDFs, its zoom going in steps). The widest is assumed, so what prints at 9 pt in LibreOffice without Carlito
prints larger everywhere else.

Row heights come from the text a cell holds: its display width as Excel draws 宋体 11 pt (a CJK character 15 px, a
column unit 7 px; the narrowest of the applications, so rows are tall enough everywhere), each paragraph of a text
with line breaks on lines of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


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
