"""The two engines that recalculate the written templates: LibreOffice headless (every file of a profile in one call)
and the Python `formulas` library (one model per layout, every fill set as inputs), each counted into an entry."""

from __future__ import annotations

import contextlib
import logging
import re
import time
import zipfile
from pathlib import Path

from ..profile import Profile
from .compare import Case, agrees, compare, entry_for
from .files import Book, formulas_of


def libreoffice_engine(profile: Profile, cases: list[Case], root: Path) -> dict:
    from ..lo import LibreOfficeError, convert, find_soffice

    entry = entry_for(profile, "libreoffice")
    start = time.perf_counter()
    if find_soffice() is None:
        entry["error"] = "LibreOffice (soffice) is not installed"
        return entry
    try:
        outputs = convert([c.poisoned for c in cases], root / "libreoffice", timeout=60 + 3 * len(cases))
    except LibreOfficeError as e:
        entry["error"] = str(e)
        return entry
    for case, out in zip(cases, outputs, strict=True):
        book = Book(out)
        compare(entry, case, {k: book.get(*k) for k in case.expected})
    entry["seconds"] = round(time.perf_counter() - start, 2)
    return entry


_NODE = re.compile(r"^'\[(?P<book>[^\]]+)\](?P<sheet>.+)'!(?P<ref>[A-Z]+[0-9]+)$")


def _excel_round(x, digits):
    """ROUND as Excel and LibreOffice do it: half away from zero on the value's 15 significant digits."""
    from ..excelmath import excel_round

    return float(excel_round(x, int(digits)))


@contextlib.contextmanager
def _formulas_patched():
    """formulas with its progress bars off, VALUE reading number texts as Excel does, and errors captured."""
    import formulas.excel as fx
    import formulas.functions.text as ft
    from formulas.functions import Error, get_functions, wrap_ufunc

    value_error = type(Error.errors["#VALUE!"])

    def value(x):
        if isinstance(x, str):
            if not x.strip():
                return Error.errors["#VALUE!"]
            got = ft.xnumbervalue(x, ".", ",")
            if not isinstance(got, value_error):
                return got
        return ft.xvalue(x)

    class _Quiet:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def update(self, *a, **kw):
            pass

    errors: list[str] = []

    class _Catch(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage()[:300])

    log = logging.getLogger("schedula")
    handler, propagate = _Catch(), log.propagate
    functions = get_functions()  # the table formulas compiles from (cached: patched in place, restored after)
    saved = functions["VALUE"], fx.tqdm
    functions["VALUE"] = wrap_ufunc(value, input_parser=lambda *a: a)
    fx.tqdm = type("tqdm", (), {"tqdm": _Quiet})
    log.addHandler(handler)
    log.propagate = False
    try:
        yield errors
    finally:
        functions["VALUE"], fx.tqdm = saved
        log.removeHandler(handler)
        log.propagate = propagate


@contextlib.contextmanager
def _excel_rounding():
    """formulas' ROUND replaced by Excel's while models are loaded (functions are bound when formulas compile)."""
    from formulas.functions import get_functions, wrap_ufunc

    functions = get_functions()
    saved = functions["ROUND"]
    functions["ROUND"] = wrap_ufunc(_excel_round)
    try:
        yield
    finally:
        functions["ROUND"] = saved


_BLANK = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*)/>')


def _probe(src: Path, dst: Path) -> None:
    """Copy an xlsx with every blank cell holding 0: formulas makes no node for a blank cell, so a model loaded from
    a fill with a blank input could not take another fill's value there (a SUM would silently miss it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _BLANK.sub(r'<c r="\1"\2><v>0</v></c>', data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)


class _Layout:
    """The formulas of one layout of a profile's template, loaded once (from a poisoned fill, blanks made cells),
    evaluated for every fill with that layout by setting all its input cells."""

    def __init__(self, case: Case):
        self.formulas = case.formulas
        self.probe = case.poisoned.with_name(f"probe_{case.poisoned.name}")
        _probe(case.poisoned, self.probe)
        self.native = self._load()
        self.excel = None  # the same with Excel's ROUND, loaded when a fill needs it

    def _load(self):
        import formulas

        model = formulas.ExcelModel().loads(str(self.probe)).finish()
        nodes = {}
        for node in model.dsp.data_nodes:
            m = _NODE.match(node) if isinstance(node, str) else None
            if m:
                nodes[(m.group("sheet"), m.group("ref"))] = node
        return model, nodes

    def fits(self, case: Case) -> bool:
        """A fill fits when its formulas are among these (a score typed over a formula becomes an input)."""
        return all(self.formulas.get(k) == f for k, f in case.formulas.items())

    def evaluate(self, case: Case, errors: list, *, excel_round: bool = False) -> dict:
        import schedula

        if excel_round and self.excel is None:
            with _excel_rounding():
                self.excel = self._load()
        model, nodes = self.excel if excel_round else self.native
        book = Book(case.path)
        inputs = {}
        for k, node in nodes.items():
            if k not in self.formulas or k not in case.formulas:  # an input cell, or typed over a formula
                v = book.get(*k)
                inputs[node] = [[schedula.EMPTY]] if v == "" or v is None else [[v]]
        del errors[:]
        solution = model.calculate(inputs=inputs)
        values = {}
        for k in case.expected:
            got = solution.get(nodes[k]) if k in nodes else None
            if got is not None and hasattr(got, "value"):
                got = got.value[0, 0]
            if got is schedula.EMPTY:
                got = ""
            elif hasattr(got, "item"):
                got = got.item()
            elif got is not None and not isinstance(got, (int, float, str)):
                got = str(got)  # an Excel error such as #VALUE!
            values[k] = got
        if errors:  # a formula failed inside the engine: nothing of this fill counts as agreeing
            values = {k: f"engine error: {errors[0]}" for k in case.expected}
        return values


def formulas_engine(profile: Profile, cases: list[Case]) -> dict:
    entry = entry_for(profile, "formulas")
    start = time.perf_counter()
    try:
        import formulas  # noqa: F401
        import schedula  # noqa: F401
    except ImportError:
        entry["error"] = "the formulas library is not installed (pip install formulas)"
        return entry
    for case in cases:
        case.formulas = formulas_of(case.path)
    layouts: list[_Layout] = []
    results = []
    with _formulas_patched() as errors:
        # the fills with the most formulas first, so that those with a score typed over a formula fit their layout
        for case in sorted(cases, key=lambda c: -len(c.formulas)):
            layout = next((x for x in layouts if x.fits(case)), None)
            if layout is None:
                layout = _Layout(case)
                layouts.append(layout)
            values = layout.evaluate(case, errors)
            wrong = {k for k, want in case.expected.items() if not agrees(values[k], want)}
            tolerated = set()
            if wrong:  # formulas' ROUND rounds the binary value: do these cells agree once ROUND is Excel's?
                again = layout.evaluate(case, errors, excel_round=True)
                tolerated = {k for k in wrong if agrees(again[k], case.expected[k])}
            results.append((case, values, tolerated))
    for case, values, tolerated in sorted(results, key=lambda x: x[0].index):
        compare(entry, case, values, tolerated)
    entry["seconds"] = round(time.perf_counter() - start, 2)
    return entry
