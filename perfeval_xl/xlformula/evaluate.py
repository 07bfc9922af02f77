"""Formulas of a workbook evaluated: each formula compiled into closures (its copies down a column share one program),
the cells put in dependency order (a cycle makes its cells uncomputable), and each evaluated with Excel's semantics
against the values the workbook holds."""

from __future__ import annotations

import datetime as dt
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from ..a1 import MAX_COLS, MAX_ROWS, a1
from .functions import FUNCTIONS
from .parse import parse_tokens
from .semantics import (
    BLANK,
    DIV0,
    ERRORS,
    MISSING,
    NUM,
    REF,
    ErrorSignal,
    Ref,
    Unsupported,
    XlError,
    add,
    check_number,
    check_text,
    compare,
    sub,
    to_number,
    to_text,
)
from .tokens import RefSpec, digit_runs, runs_at, tokenize

MAX_ARRAY = 100_000  # cells of one range SUMPRODUCT computes with
MAX_READS = 5_000_000  # cells read for one workbook, a bound on the work a hostile file can ask for
MAX_LINKS = 2_000_000  # dependencies between formula cells of one workbook, the same bound for the ordering


@dataclass(frozen=True)
class Uncomputable:
    """A formula cell whose value the evaluator cannot give exactly (why, in English, for logs and tests)."""

    reason: str


class ErrorText(str):
    """An Excel error a formula gives, as its text ('#DIV/0!'): a str for whoever reads values, told apart from a
    formula's text by its type (python-calamine reads a cached error as '')."""

    __slots__ = ()


Value = float | str | bool  # what a computed cell holds, as calamine gives values; an error is an ErrorText


# -- compiling a tree into closures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Program:
    run: Callable | None
    refs: tuple  # (sheet or None, r0, c0, r1, c1) with parts as (offset or index, absolute), for dependencies
    digits: tuple | None  # tokens.digit_runs: the formula's digits, to recognise its copies in other rows
    col: int | None  # the column it was compiled for when it has relative columns (copies must be in it), else None
    failure: Uncomputable | None = None  # why it cannot be computed (then run is None)


def _part(part, origin: int):
    """A row or column of a reference, relative to the formula's own cell: (value, absolute)."""
    if part is None:
        return None
    index, absolute = part
    return (index, True) if absolute else (index - origin, False)


def _at(part, origin: int, whole: int) -> int:
    if part is None:
        return whole
    return part[0] if part[1] else origin + part[0]


def _resolve(ctx, ref) -> Ref:
    sheet, r0, c0, r1, c1 = ref
    key = ctx.sheet if sheet is None else ctx.book.key(sheet)
    rows = (_at(r0, ctx.row, 0), _at(r1, ctx.row, MAX_ROWS - 1))
    cols = (_at(c0, ctx.col, 0), _at(c1, ctx.col, MAX_COLS - 1))
    if not (0 <= min(rows) and max(rows) < MAX_ROWS and 0 <= min(cols) and max(cols) < MAX_COLS):
        raise ErrorSignal(REF)
    return Ref(key, min(rows), min(cols), max(rows), max(cols))


class _Compiler:
    def __init__(self, row: int, col: int):
        self.row, self.col = row, col
        self.refs: list = []

    def compile(self, node, array: bool = False) -> Callable:
        kind = node[0]
        if kind in ("num", "str", "bool", "err"):
            value = node[1]
            return lambda ctx: value
        if kind == "missing":
            return lambda ctx: MISSING
        if kind == "ref":
            spec: RefSpec = node[1]
            ref = (spec.sheet, _part(spec.r0, self.row), _part(spec.c0, self.col), _part(spec.r1, self.row),
                   _part(spec.c1, self.col))
            self.refs.append(ref)
            if spec.r0 == spec.r1 and spec.c0 == spec.c1 and spec.r0 is not None and spec.c0 is not None:
                return partial(_cell_ref, sheet=spec.sheet, row=ref[1], col=ref[2])
            return partial(_resolve_or_error, ref=ref)
        if kind == "neg":
            inner, odd = self.compile(node[1], array), node[2] % 2 == 1
            return partial(_unary, inner=inner, op=(lambda x: -x) if odd else (lambda x: x), array=array)
        if kind == "pct":
            inner, scale = self.compile(node[1], array), 100.0 ** node[2]
            return partial(_unary, inner=inner, op=lambda x: check_number(x / scale), array=array)
        if kind == "chain":
            first = self.compile(node[1], array)
            rest = tuple((_BINARY[op], self.compile(operand, array)) for op, operand in node[2])
            return partial(_chain, first=first, rest=rest, array=array)
        if kind == "call":
            return self.call(node[1], node[2])
        raise Unsupported(f"node {kind}")  # pragma: no cover - the parser makes no other node

    def call(self, name: str, args) -> Callable:
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise Unsupported(f"function {name} is not supported")
        if not fn.min_args <= len(args) <= fn.max_args:
            raise Unsupported(f"{name} with {len(args)} arguments")
        compiled = tuple(self.compile(a, fn.kind == "array") for a in args)
        return partial(_call, impl=fn.impl, args=compiled, lazy=fn.kind == "lazy")


def _cell_ref(ctx, sheet, row, col):
    """A one-cell reference (the common case, kept short)."""
    r = row[0] if row[1] else ctx.row + row[0]
    c = col[0] if col[1] else ctx.col + col[0]
    if not (0 <= r < MAX_ROWS and 0 <= c < MAX_COLS):
        return REF
    return Ref(ctx.sheet if sheet is None else ctx.book.key(sheet), r, c, r, c)


def _resolve_or_error(ctx, ref):
    try:
        return _resolve(ctx, ref)
    except ErrorSignal as e:
        return e.error


def _call(ctx, impl, args, lazy):
    try:
        if lazy:
            return impl(ctx, [partial(a, ctx) for a in args])
        return impl(ctx, [a(ctx) for a in args])
    except ErrorSignal as e:
        return e.error


def _unary(ctx, inner, op, array):
    v = inner(ctx)
    if array and (type(v) is list or (type(v) is Ref and not v.single)):
        return [[_unary_scalar(x, op) for x in row] for row in ctx.array(v)]
    return _unary_scalar(ctx.scalar(v), op)


def _unary_scalar(v, op):
    if type(v) is XlError:
        return v
    try:
        return op(to_number(v))
    except ErrorSignal as e:
        return e.error


def _chain(ctx, first, rest, array):
    acc = first(ctx)
    for op, operand in rest:
        right = operand(ctx)
        if array and (type(acc) is list or type(right) is list or (type(acc) is Ref and not acc.single)
                      or (type(right) is Ref and not right.single)):
            acc = _elementwise(ctx, op, acc, right)
        else:
            acc = _binary(op, ctx.scalar(acc), ctx.scalar(right))
    return acc


def _elementwise(ctx, op, left, right):
    a, b = ctx.array(left), ctx.array(right)
    if len(a) == 1 and len(a[0]) == 1:
        a = [[a[0][0]] * len(b[0]) for _ in b]
    elif len(b) == 1 and len(b[0]) == 1:
        b = [[b[0][0]] * len(a[0]) for _ in a]
    elif (len(a), len(a[0])) != (len(b), len(b[0])):
        raise Unsupported("arrays of different shapes")
    return [[_binary(op, x, y) for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def _binary(op, a, b):
    if type(a) is XlError:
        if type(b) is XlError and b is not a:  # which one wins differs between engines (LibreOffice: the right)
            raise Unsupported(f"{a.code} and {b.code} meet in one operation")
        return a
    if type(b) is XlError:
        return b
    if a is MISSING or b is MISSING:
        raise Unsupported("argument left out")
    try:
        return op(a, b)
    except ErrorSignal as e:
        return e.error


def _divide(a, b):
    x, y = to_number(a), to_number(b)
    if y == 0:
        raise ErrorSignal(DIV0)
    return check_number(x / y)


def _power(a, b):
    x, y = to_number(a), to_number(b)
    if x == 0 and y == 0:
        raise ErrorSignal(NUM)
    if x == 0 and y < 0:
        raise ErrorSignal(DIV0)
    if x < 0 and y != int(y):
        raise ErrorSignal(NUM)
    try:
        return check_number(math.pow(x, y))
    except OverflowError:
        raise ErrorSignal(NUM) from None


_BINARY = {
    "+": lambda a, b: add(to_number(a), to_number(b)),
    "-": lambda a, b: sub(to_number(a), to_number(b)),
    "*": lambda a, b: check_number(to_number(a) * to_number(b)),
    "/": _divide,
    "^": _power,
    "&": lambda a, b: check_text(to_text(a) + to_text(b)),
    "=": lambda a, b: compare(a, b, False) == 0,
    "<>": lambda a, b: compare(a, b, False) != 0,
    "<": lambda a, b: compare(a, b, True) < 0,
    ">": lambda a, b: compare(a, b, True) > 0,
    "<=": lambda a, b: compare(a, b, True) <= 0,
    ">=": lambda a, b: compare(a, b, True) >= 0,
}


# -- the workbook ----------------------------------------------------------------------------------------------
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_FIRST_TRUE_1900 = dt.datetime(1900, 3, 1)  # before it, Excel's serials count the 29 February 1900 that never was


def cell_value(v, date1904: bool = False):
    """A value as a reader gives it (calamine: float, int, str, bool, dates; '' or None for an empty cell) in the
    evaluator's terms."""
    t = type(v)
    if t is float:
        return v + 0.0 if math.isfinite(v) else ERRORS["#NUM!"]
    if t is str:
        return BLANK if v == "" else v
    if v is None:
        return BLANK
    if t is bool:
        return v
    if t is int or t is Decimal:
        return float(v)
    if t is dt.date:
        v = dt.datetime(v.year, v.month, v.day)
        t = dt.datetime
    if t is dt.datetime:
        if v.tzinfo is not None:
            raise Unsupported("a date with a time zone")
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        if not date1904 and v < _FIRST_TRUE_1900:
            raise Unsupported("a date before March 1900")
        return (v - epoch).total_seconds() / 86400
    if t is dt.time:
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if t is dt.timedelta:
        return v.total_seconds() / 86400
    raise Unsupported(f"cell value of type {t.__name__}")


class _Pending:
    __slots__ = ()


_PENDING = _Pending()


class _Sheet:
    def __init__(self, name: str, rows: Sequence[Sequence] | None, formulas: Mapping[tuple[int, int], str]):
        self.name = name
        self.rows = rows
        self.formulas = dict(formulas)
        self.exact: dict[tuple[int, int], object] = {}
        self.results: dict[tuple[int, int], object] = {}
        cells = list(self.formulas)
        self.nrows = max([len(rows) if rows is not None else 0] + [r + 1 for r, _ in cells])
        self.ncols = max([max((len(r) for r in rows), default=0) if rows is not None else 0]
                         + [c + 1 for _, c in cells])
        self.by_col: dict[int, list[int]] = {}
        for r, c in sorted(cells):
            self.by_col.setdefault(c, []).append(r)


class _Book:
    def __init__(self, values, formulas, date1904: bool):
        self.date1904 = date1904
        self.sheets: dict[str, _Sheet] = {}
        self._keys: dict[str, str] = {}  # sheet names as formulas write them -> keys of self.sheets
        self.reads = 0
        given = {name.casefold(): name for name in formulas}
        for name, rows in values.items():
            key = name.casefold()
            fname = given.pop(key, None)  # the formulas' spelling of the name (keys of the result)
            self.sheets[key] = _Sheet(fname or name, rows, formulas[fname] if fname is not None else {})
        for key, name in given.items():  # formulas on a sheet whose values were not given
            self.sheets[key] = _Sheet(name, None, formulas[name])

    def key(self, name: str) -> str:
        k = self._keys.get(name)
        if k is None:
            k = name.casefold()
            if k not in self.sheets:
                raise Unsupported(f"reference to a sheet not read: {name!r}")
            self._keys[name] = k
        return k

    def count(self, n: int) -> None:
        self.reads += n
        if self.reads > MAX_READS:
            raise Unsupported("too many cells read for one workbook")

    def cell(self, key: str, r: int, c: int):
        sh = self.sheets[key]
        at = (r, c)
        if at in sh.formulas:
            res = sh.results.get(at, _PENDING)
            if res is _PENDING:  # not reached in dependency order (an edge the static analysis missed)
                raise Unsupported(f"{sh.name}!{a1(r, c)} read before it was computed")
            if type(res) is Uncomputable:
                raise Unsupported(f"needs {sh.name}!{a1(r, c)}, uncomputable ({res.reason})")
            return res
        if at in sh.exact:
            return sh.exact[at]
        if sh.rows is None:
            raise Unsupported(f"values of sheet {sh.name!r} not given")
        try:
            v = sh.rows[r][c]
        except IndexError:
            return BLANK
        return cell_value(v, self.date1904)


class _Context:
    """What a formula sees while it is evaluated: the book, and the cell it sits in."""

    __slots__ = ("book", "sheet", "row", "col")

    def __init__(self, book: _Book, sheet: str, row: int, col: int):
        self.book, self.sheet, self.row, self.col = book, sheet, row, col

    def scalar(self, v):
        if type(v) is Ref:
            if not v.single:
                raise Unsupported("a range used where one value is expected (implicit intersection)")
            return self.book.cell(v.sheet, v.r0, v.c0)
        if type(v) is list:
            raise Unsupported("an array used where one value is expected")
        return v

    def values(self, ref: Ref) -> Iterable:
        sh = self.book.sheets[ref.sheet]
        r1, c1 = min(ref.r1, sh.nrows - 1), min(ref.c1, sh.ncols - 1)
        if r1 < ref.r0 or c1 < ref.c0:
            return
        self.book.count((r1 - ref.r0 + 1) * (c1 - ref.c0 + 1))
        cell = self.book.cell
        for r in range(ref.r0, r1 + 1):
            for c in range(ref.c0, c1 + 1):
                yield cell(ref.sheet, r, c)

    def array(self, v) -> list[list]:
        if type(v) is list:
            return v
        if type(v) is Ref:
            if v.size > MAX_ARRAY:
                raise Unsupported("a range too large to compute cell by cell")
            self.book.count(v.size)
            cell = self.book.cell
            return [[cell(v.sheet, r, c) for c in range(v.c0, v.c1 + 1)] for r in range(v.r0, v.r1 + 1)]
        if v is MISSING:
            raise Unsupported("argument left out")
        return [[v]]


def _output(ctx: _Context, v):
    """A formula's result as the cell holds it: a reference read, a blank as 0, an error as its text."""
    v = ctx.scalar(v)
    t = type(v)
    if t is float:
        return v + 0.0
    if t is str or t is bool:
        return v
    if t is XlError:
        return v
    if v is BLANK or v is MISSING:
        return 0.0
    raise Unsupported(f"result {v!r}")  # pragma: no cover


_DIGITS = re.compile(r"[0-9]+")
MAX_CANDIDATES = 8  # programs kept per text with its digits masked (one per formula copied down a column)
MAX_CACHED = 4096  # masked texts whose programs are kept between workbooks (a batch sees the same templates)
_CACHE: dict[str, list[_Program]] = {}


def _compile(text: str, row: int, col: int, cache: dict = _CACHE) -> _Program | Uncomputable:
    """The program of the formula of cell (row, col). Copies of a formula down a column differ only in the numbers
    of their relative rows: a program compiled for one serves another cell whose text has the same non-digit
    characters (the cache key), the same digits once its relative rows are moved to the cell, and, when it has
    relative columns, the same column."""
    text = text[1:] if text.startswith("=") else text
    if text.startswith("{"):
        return Uncomputable("array formula")
    key = _DIGITS.sub("\x00", text)
    if key not in cache and len(cache) >= MAX_CACHED:
        cache.clear()
    candidates = cache.setdefault(key, [])
    digits = None
    for program in candidates:
        if program.digits is None or program.col not in (None, col):
            continue
        if digits is None:
            digits = _DIGITS.findall(text)
        if runs_at(program.digits, row) == digits:
            return program.failure or program
    try:
        tokens = tokenize(text)
    except Unsupported as e:
        return Uncomputable(str(e))
    runs = digit_runs(text, tokens, row)
    relative_col = any(t.ref is not None and any(p is not None and not p[1] for p in (t.ref.c0, t.ref.c1))
                       for t in tokens)
    compiler = _Compiler(row, col)
    column = col if relative_col else None
    try:
        run = compiler.compile(parse_tokens(tokens))
        program = _Program(run, tuple(dict.fromkeys(compiler.refs)), runs, column)
    except Unsupported as e:
        program = _Program(None, (), runs, column, Uncomputable(str(e)))
    except RecursionError:
        program = _Program(None, (), runs, column, Uncomputable("formula nested too deeply"))
    candidates.insert(0, program)
    del candidates[MAX_CANDIDATES:]
    return program.failure or program


def _dependencies(book: _Book, node, program: _Program) -> list:
    """The formula cells a formula may read (every reference of it, whichever branch runs)."""
    key, r, c = node
    out = []
    for sheet, r0, c0, r1, c1 in program.refs:
        try:
            target = key if sheet is None else book.key(sheet)
        except Unsupported:
            continue
        sh = book.sheets[target]
        top, bottom = sorted((_at(r0, r, 0), _at(r1, r, MAX_ROWS - 1)))
        left, right = sorted((_at(c0, c, 0), _at(c1, c, MAX_COLS - 1)))
        if top == bottom and left == right:
            if (top, left) in sh.formulas:
                out.append((target, top, left))
            continue
        for col, rows in sh.by_col.items():
            if left <= col <= right:
                out.extend((target, row, col) for row in rows[bisect_left(rows, top):bisect_right(rows, bottom)])
    return out


def _order(nodes: list, edges: dict) -> tuple[list, set]:
    """Nodes with every dependency before its dependents (iterative Tarjan), and the nodes on a cycle."""
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    order: list = []
    cyclic: set = set()
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(edges[w])))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1 or v in edges[v]:
                    cyclic.update(component)
                order.extend(reversed(component))
    return order, cyclic


def evaluate_workbook(values: Mapping[str, Sequence[Sequence]],
                      formulas: Mapping[str, Mapping[tuple[int, int], str]], *,
                      empty_text: Mapping[str, Iterable[tuple[int, int]]] | None = None,
                      errors: Mapping[str, Mapping[tuple[int, int], str]] | None = None,
                      date1904: bool = False) -> dict[str, dict[tuple[int, int], Value | Uncomputable]]:
    """Compute formula cells from the values of the other cells.

    Args:
        values: sheet name -> rows of cell values as a reader gives them (python-calamine's `to_python()`: float,
            int, str, bool, date/datetime/time/timedelta; '' or None for an empty cell), 0-based.
        formulas: sheet name -> (row, col) -> formula text (with or without '='; '{=…}' marks an array formula)
            of the cells to compute; these cells' entries in `values` are ignored.
        empty_text: cells (not in `formulas`) whose cached value is the empty text "" (a reader shows it as '',
            like an empty cell; the difference counts in comparisons: ""=0 is FALSE, blank=0 is TRUE).
        errors: cells (not in `formulas`) holding an error value, by its text ('#DIV/0!'); calamine reads them ''.
        date1904: the workbook counts dates from 1904 (dates read as datetimes become that serial number).
    Returns:
        sheet name -> (row, col) -> the value (float, str or bool; an Excel error as an ErrorText, a str such as
        '#VALUE!'; a formula's "" as '') or `Uncomputable` when it cannot be known exactly (an unsupported function or
        construct, a date-like text read as a number, a cycle, or a cell it needs that is uncomputable).
    """
    book = _Book(values, formulas, date1904)
    for name, cells in (empty_text or {}).items():
        if name.casefold() in book.sheets:
            book.sheets[name.casefold()].exact.update({at: "" for at in cells})
    for name, cells in (errors or {}).items():
        if name.casefold() in book.sheets:
            book.sheets[name.casefold()].exact.update({at: ERRORS.get(code) or XlError(code)
                                                       for at, code in cells.items()})
    programs: dict = {}
    edges: dict = {}
    links = 0
    nodes = []
    for key, sh in book.sheets.items():
        for (r, c), text in sh.formulas.items():
            node = (key, r, c)
            nodes.append(node)
            try:
                program = _compile(text or "", r, c)
            except MemoryError:
                raise
            except Exception as e:  # noqa: BLE001 - a flaw of the evaluator costs one cell its value, not the check
                program = Uncomputable(f"internal error: {type(e).__name__}: {e}")
            programs[node] = program
            edges[node] = _dependencies(book, node, program) if type(program) is _Program else []
            links += len(edges[node])
            if links > MAX_LINKS:  # a hostile web of ranges over ranges: this cell and the next are not computed
                programs[node], edges[node] = Uncomputable("too many dependencies in the workbook"), []
    order, cyclic = _order(nodes, edges)
    for node in order:
        key, r, c = node
        sh = book.sheets[key]
        program = programs[node]
        if node in cyclic:
            sh.results[(r, c)] = Uncomputable("circular reference")
        elif type(program) is Uncomputable:
            sh.results[(r, c)] = program
        else:
            sh.results[(r, c)] = _run(book, node, program)
    out: dict[str, dict] = {}
    for sh in book.sheets.values():
        if sh.formulas:
            out[sh.name] = {at: (ErrorText(v.code) if type(v) is XlError else v) for at, v in sh.results.items()}
    return out


def _run(book: _Book, node, program: _Program):
    key, r, c = node
    ctx = _Context(book, key, r, c)
    try:
        return _output(ctx, program.run(ctx))
    except Unsupported as e:
        return Uncomputable(str(e))
    except RecursionError:
        return Uncomputable("formula nested too deeply")
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - a flaw of the evaluator costs one cell its value, never the file's check
        return Uncomputable(f"internal error: {type(e).__name__}: {e}")


def evaluate_formula(text: str, cells: Mapping[str, object] | None = None, *, sheet: str = "Sheet1",
                     at: str = "ZZ1000") -> Value | Uncomputable:
    """One formula computed against a few cells given by A1 reference ('A1', 'Other!B2'): for tests and
    explanations. The formula sits at `at` on `sheet`."""
    from ..a1 import parse_a1

    grids: dict[str, list[list]] = {sheet: []}
    for ref, v in (cells or {}).items():
        name, _, cell = ref.rpartition("!")
        name = name.strip("'") or sheet
        r, c = parse_a1(cell)
        rows = grids.setdefault(name, [])
        while len(rows) <= r:
            rows.append([])
        while len(rows[r]) <= c:
            rows[r].append("")
        rows[r][c] = v
    here = parse_a1(at)
    return evaluate_workbook(grids, {sheet: {here: text}})[sheet][here]
