"""Framework tables in the layouts a reader must survive (tests/framework_layouts.py): each workbook, built from a
seed transcription, is read right — recomputed total and grade, execution rate where there is a funds block, and
exactly the error findings its printed figures support (a planted error at its cell)."""

import openpyxl
import pytest
from framework_layouts import CASES, read_right

from perfeval_xl.api import check_file


@pytest.mark.parametrize("name", list(CASES))
def test_the_layout_is_read_right(tmp_path, name):
    case = CASES[name]
    path = tmp_path / f"{name}.xlsx"
    case.build(path)
    assert read_right(check_file(path), case.expect) == []


def _flattened(path):
    """The workbook without merged cells, each value left in the first cell of its range."""
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
    wb.save(path)


# a merged weight over several groups is the layout itself: those cases are not flattened
FLAT = [n for n in CASES if n.startswith(("stated_", "missing_", "funds_yongzhou", "funds_meishan", "funds_xundian"))]


@pytest.mark.parametrize("name", FLAT)
def test_the_layout_is_read_the_same_without_merged_cells(tmp_path, name):
    case = CASES[name]
    path = tmp_path / f"{name}.xlsx"
    case.build(path)
    _flattened(path)
    assert read_right(check_file(path), case.expect) == []
