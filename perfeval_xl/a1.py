"""A1 references: column letters, cells, ranges, sheet-qualified and absolute references. The one place for them."""

from __future__ import annotations

import re

MAX_ROWS = 1_048_576
MAX_COLS = 16_384

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def col_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """Excel column letters -> 0-based index ('A' -> 0, 'AA' -> 26); the inverse of col_letter."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row: int, col: int) -> str:
    """0-based (row, col) -> 'C10'."""
    return f"{col_letter(col)}{row + 1}"


def absolute(row: int, col: int) -> str:
    """0-based (row, col) -> '$C$10'."""
    return f"${col_letter(col)}${row + 1}"


def parse_a1(ref: str) -> tuple[int, int]:
    """'C10' (or '$C$10') -> (9, 2), 0-based (row, col); ValueError for anything else or beyond XFD1048576."""
    m = _A1.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    row, col = int(m.group(2)) - 1, col_index(m.group(1))
    if not (0 <= row < MAX_ROWS and 0 <= col < MAX_COLS):
        raise ValueError(f"cell reference out of range: {ref!r}")
    return row, col


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'C10' or 'C10:D12' -> (r1, c1, r2, c2), 0-based, normalised."""
    parts = ref.split(":")
    if len(parts) > 2:
        raise ValueError(f"not a cell reference: {ref!r}")
    r1, c1 = parse_a1(parts[0])
    r2, c2 = parse_a1(parts[-1])
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def make_absolute(ref: str) -> str:
    """'H10' -> '$H$10', 'H10:H12' -> '$H$10:$H$12'; anything else is returned as it is."""
    def one(x: str) -> str:
        m = re.fullmatch(r"([A-Z]+)(\d+)", x)
        return f"${m.group(1)}${m.group(2)}" if m else x

    return ":".join(one(x) for x in ref.split(":"))


def quote_sheet(name: str) -> str:
    """A sheet name as a formula or link writes it: always quoted, inner quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def on_sheet(sheet: str, ref: str, *, quote: bool = True) -> str:
    """'Sheet'!A1 (or Sheet!A1 with quote=False, for names known to need no quotes)."""
    return f"{quote_sheet(sheet) if quote else sheet}!{ref}"


def column_ranges(col: int, rows: list[int]) -> list[str]:
    """Rows of one column -> 'E5:E9'-style ranges of consecutive rows."""
    out, rows = [], sorted(rows)
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        out.append(a1(rows[i], col) if i == j else f"{a1(rows[i], col)}:{a1(rows[j], col)}")
        i = j + 1
    return out
