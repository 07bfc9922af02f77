"""Excel formulas computed without Excel: for workbooks saved with formulas but no cached values (openpyxl, many
Java and PHP platform exports), which a value reader (python-calamine) sees as blanks.

    found = scan_formulas(data)                           # the formula cells of an xlsx/xlsm with no cached value
    computed = evaluate_workbook(grids, found.uncached, empty_text=found.empty_text, errors=found.errors,
                                 date1904=found.date1904)  # sheet -> (row, col) -> value | Uncomputable
    computed = compute_uncached(data, grids)              # the two in one call ({} at once for a cached workbook)

A safe, pure-Python evaluator: formula text is tokenized and parsed into a tree (`parse`), never executed; the tree
holds nothing but literals, cell references, operators and calls of a closed list of functions (`functions`).
Anything else — an unknown function, a defined name, a structured or external reference, an array formula, a
volatile function — makes that cell `Uncomputable`, never a wrong value.
"""

from .evaluate import ErrorText, Uncomputable, Value, cell_value, evaluate_formula, evaluate_workbook
from .functions import FUNCTIONS
from .package import FormulaScan, compute_uncached, scan_formulas, uncached_formulas
from .tokens import shift_formula

__all__ = ["FUNCTIONS", "ErrorText", "FormulaScan", "Uncomputable", "Value", "cell_value", "compute_uncached",
           "evaluate_formula", "evaluate_workbook", "scan_formulas", "shift_formula", "uncached_formulas"]
