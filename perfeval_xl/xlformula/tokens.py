"""Excel formula text cut into tokens (numbers, texts, errors, references, functions, operators), the references
parsed; a formula moved to another cell (shared formulas); the digits of a formula's text told apart (constants, and
relative rows), so that the copies of one formula down a column are recognised without parsing them again."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..a1 import MAX_COLS, MAX_ROWS, col_index, col_letter
from .semantics import Unsupported

MAX_FORMULA = 8192  # Excel's longest formula (characters)
MAX_NESTING = 64  # Excel's deepest nesting of functions; parentheses deeper than this are not parsed

_SHEET = r"(?:'(?:[^']|'')+'|[^\W\d][\w.]*)"
_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]{1,7}"
_AREA = rf"{_CELL}(?::{_CELL})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?[0-9]{{1,7}}:\$?[0-9]{{1,7}}"
_TOKEN = re.compile(rf"""
 (?P<ws>[ \t\r\n]+)
|(?P<str>"(?:[^"]|"")*")
|(?P<refreferr>{_SHEET}!\#REF!)
|(?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!|UNKNOWN!|BUSY!
          |CONNECT!|PYTHON!|EXTERNAL!))
|(?P<ref>(?:(?P<sheet>{_SHEET})!)?(?P<area>{_AREA}))(?![\w.(\[!\#'"])
|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?![\w.])
|(?P<func>[^\W\d][\w.]*(?=\())
|(?P<name>[^\W\d][\w.]*)
|(?P<op><>|<=|>=|[-+*/^&=<>%])
|(?P<lp>\()
|(?P<rp>\))
|(?P<comma>,)
|(?P<other>.)
""", re.X | re.S)
_CELL_PART = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})")
_COL_PART = re.compile(r"(\$?)([A-Za-z]{1,3})")
_ROW_PART = re.compile(r"(\$?)([0-9]{1,7})")

Part = tuple[int, bool] | None  # (0-based index, absolute) of a row or a column; None: the whole column/row


@dataclass(frozen=True, slots=True)
class RefSpec:
    """A reference as written: its sheet (None: the formula's own), and its first and last row and column."""

    sheet: str | None
    r0: Part
    c0: Part
    r1: Part
    c1: Part


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ws, str, err, ref, num, func, name, op, lp, rp, comma, other
    text: str
    start: int
    ref: RefSpec | None = None


def _sheet_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    return raw


def _parse_area(area: str) -> tuple[Part, Part, Part, Part] | None:
    """'A1', '$A$1:B3', 'A:C', '1:3' -> (r0, c0, r1, c1); None when beyond XFD1048576 (then it is a name)."""
    parts = area.split(":")
    m = [_CELL_PART.fullmatch(p) for p in parts]
    if all(m):
        cells = []
        for x in m:
            row, col = int(x.group(4)) - 1, col_index(x.group(2))
            if not (0 <= row < MAX_ROWS and 0 <= col < MAX_COLS):
                return None
            cells.append(((row, bool(x.group(3))), (col, bool(x.group(1)))))
        (r0, c0), (r1, c1) = cells[0], cells[-1]
        return r0, c0, r1, c1
    if all(_COL_PART.fullmatch(p) for p in parts):
        cols = []
        for p in parts:
            x = _COL_PART.fullmatch(p)
            col = col_index(x.group(2))
            if col >= MAX_COLS:
                return None
            cols.append((col, bool(x.group(1))))
        return None, cols[0], None, cols[1]
    rows = []
    for p in parts:
        x = _ROW_PART.fullmatch(p)
        row = int(x.group(2)) - 1
        if not 0 <= row < MAX_ROWS:
            return None
        rows.append((row, bool(x.group(1))))
    return rows[0], None, rows[1], None


def tokenize(text: str) -> list[Token]:
    """The tokens of a formula (without its leading '='); whitespace is kept as 'ws' tokens. Unsupported when the
    formula is longer than Excel allows."""
    if len(text) > MAX_FORMULA:
        raise Unsupported("formula longer than Excel allows")
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("sheet", "area"):  # pragma: no cover - inner groups of ref
            kind = "ref"
        if m.group("ref") is not None:
            parsed = _parse_area(m.group("area"))
            if parsed is None:
                out.append(Token("name", m.group(0), m.start()))
                continue
            out.append(Token("ref", m.group(0), m.start(), RefSpec(_sheet_name(m.group("sheet")), *parsed)))
        elif kind == "refreferr":
            out.append(Token("err", "#REF!", m.start()))
        else:
            out.append(Token(kind, m.group(0), m.start()))
    return out


# -- a formula moved (shared formulas) ----------------------------------------------------------------------------
def _cell_text(row: Part, col: Part) -> str:
    text = ""
    if col is not None:
        text += ("$" if col[1] else "") + col_letter(col[0])
    if row is not None:
        text += ("$" if row[1] else "") + str(row[0] + 1)
    return text


def _shift(part: Part, delta: int, limit: int) -> Part:
    if part is None or part[1]:
        return part
    moved = part[0] + delta
    if not 0 <= moved < limit:
        raise IndexError
    return moved, False


def shift_formula(text: str, drow: int, dcol: int) -> str:
    """The formula `text` as it reads `drow` rows and `dcol` columns further (relative references move, $-anchored
    ones stay, one moved off the sheet becomes #REF!). Texts, names and functions are left as they are."""
    out = []
    for tok in tokenize(text):
        spec = tok.ref
        if spec is None:
            out.append(tok.text)
            continue
        try:
            r0, r1 = _shift(spec.r0, drow, MAX_ROWS), _shift(spec.r1, drow, MAX_ROWS)
            c0, c1 = _shift(spec.c0, dcol, MAX_COLS), _shift(spec.c1, dcol, MAX_COLS)
        except IndexError:
            out.append("#REF!")
            continue
        sheet = tok.text[: len(tok.text) - len(_area_text(tok.text))]
        first, last = _cell_text(r0, c0), _cell_text(r1, c1)
        single = ":" not in _area_text(tok.text)
        out.append(sheet + (first if single else f"{first}:{last}"))
    return "".join(out)


def _area_text(ref_text: str) -> str:
    """The area part of a reference token ('$A$1:B2' of "'My sheet'!$A$1:B2")."""
    return ref_text.rpartition("!")[2] if "!" in ref_text else ref_text


# -- a formula's copies: the same text but for the numbers of its relative rows ---------------------------------
_DIGITS = re.compile(r"[0-9]+")
Runs = tuple  # the digit runs of a formula's text: a text (constant) or the offset of a relative row


def digit_runs(text: str, tokens: list[Token], row: int) -> Runs | None:
    """The runs of digits in `text` (the formula of a cell in `row`), each a constant or a relative row's offset from
    the cell; None when they cannot be told apart (then the formula is recognised by its own text only)."""
    out: list = []
    for tok in tokens:
        spec = tok.ref
        if spec is None:
            out.extend(_DIGITS.findall(tok.text))
            continue
        area = _area_text(tok.text)
        out.extend(_DIGITS.findall(tok.text[: len(tok.text) - len(area)]))  # a sheet name's digits
        parts = [spec.r0] if ":" not in area else [spec.r0, spec.r1]
        out.extend(str(p[0] + 1) if p[1] else p[0] - row for p in parts if p is not None)
    runs = tuple(out)
    return runs if runs_at(runs, row) == _DIGITS.findall(text) else None


def runs_at(runs: Runs, row: int) -> list[str] | None:
    """The digit runs of the formula copied to `row`; None when a relative row would leave the sheet."""
    out = []
    for run in runs:
        if type(run) is str:
            out.append(run)
        else:
            at = row + run
            if not 0 <= at < MAX_ROWS:
                return None
            out.append(str(at + 1))
    return out
