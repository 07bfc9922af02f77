"""Each scoring method's Excel formula equals its Python evaluation on random inputs, in LibreOffice and `formulas`."""

import random
from decimal import Decimal as D

import pytest
import xlsxwriter

from perfeval_xl import lo
from perfeval_xl.rules import RULES

N = 40  # random cases per method


def _cases(seed=7):
    """(method name, {param: value}, {input name: value}) triples with plain-literal parameters."""
    rnd = random.Random(seed)
    dec = lambda a, b, places=2: D(str(round(rnd.uniform(a, b), places)))  # noqa: E731
    out = []
    for _ in range(N):
        out.append(("ratio", {"digits": 2}, {"ratio": dec(0, 1.3, 4), "weight": D(rnd.choice([2, 3, 4, 19]))}))
        out.append(("threshold_deduct", {"threshold": 95, "per_point": D("0.2"), "digits": 2},
                    {"rate": dec(60, 110, 3), "weight": D(4)}))
        out.append(("threshold_deduct", {"threshold": 95, "per_point": D("0.1"), "whole_points": True, "digits": 2},
                    {"rate": dec(80, 100, 3), "weight": D(1)}))
        out.append(("threshold_deduct", {"threshold": 100, "direction": "at_most", "zero_at": 120, "digits": 2},
                    {"rate": dec(40, 140, 2), "weight": D(1)}))
        out.append(("threshold_deduct", {"threshold": 85, "share": D("0.05"), "digits": 2},
                    {"rate": dec(50, 100, 1), "weight": D(7)}))
        out.append(("tiers", {"tiers": [{"min": 95, "score": 2}, {"min": 85, "score": 1.5}, {"min": 75, "score": 1}]},
                    {"value": dec(60, 100, 1)}))
        out.append(("yes_no", {}, {"answer": rnd.choice(["是", "否"]), "weight": D(2)}))
        out.append(("per_issue", {"per_issue": D("0.5")}, {"count": D(rnd.randint(0, 6)), "weight": D(2)}))
    return out


CASES = _cases()


def _write(path):
    """One row per case: inputs in A.., the formula in the last column, the Python value cached as 999."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("methods")
    cells = []
    for r, (name, params, inputs) in enumerate(CASES):
        refs = {}
        for c, (key, value) in enumerate(inputs.items()):
            ws.write(r, c, value if isinstance(value, str) else float(value))
            refs[key] = xlsxwriter.utility.xl_rowcol_to_cell(r, c)
        ws.write_formula(r, 5, "=" + RULES[name].formula(**refs, **params), None, 999)
        cells.append((r, RULES[name].evaluate(**inputs, **params)))
    wb.close()
    return cells


@pytest.mark.libreoffice
def test_every_method_formula_equals_python_in_libreoffice(tmp_path):
    from python_calamine import CalamineWorkbook

    expected = _write(tmp_path / "methods.xlsx")
    [out] = lo.convert([tmp_path / "methods.xlsx"], tmp_path / "lo")
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("methods").to_python()
    got = [D(format(rows[r][5], ".15g")) for r, _ in expected]
    want = [v for _, v in expected]
    mismatches = [(CASES[i], g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert mismatches == []
    assert len(got) == 8 * N


@pytest.mark.slow
def test_every_method_formula_equals_python_in_formulas(tmp_path):
    formulas = pytest.importorskip("formulas")
    expected = _write(tmp_path / "methods.xlsx")
    sol = formulas.ExcelModel().loads(str(tmp_path / "methods.xlsx")).finish().calculate()
    mismatches = []
    for r, want in expected:
        key = f"'[methods.xlsx]METHODS'!F{r + 1}"
        got = D(format(float(sol[key].value[0, 0]), ".15g"))
        if abs(got - want) > D("0.01"):  # `formulas` rounds ties to even; LibreOffice above is held exact
            mismatches.append((CASES[r], got, want))
    assert mismatches == []
