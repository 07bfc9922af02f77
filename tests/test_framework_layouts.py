"""Framework tables in the layouts a reader must survive (tests/framework_layouts.py): each workbook, built from a
seed transcription, is read right — recomputed total and grade, execution rate where there is a funds block, and
exactly the error findings its printed figures support (a planted error at its cell)."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from framework_layouts import CASES, read_right

from perfeval_xl import batch
from perfeval_xl.api import check_file, write_annotated


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
FLAT = [n for n in CASES if n.startswith(("stated_", "missing_", "funds_")) and "wuhua" not in n]


@pytest.mark.parametrize("name", FLAT)
def test_the_layout_is_read_the_same_without_merged_cells(tmp_path, name):
    case = CASES[name]
    path = tmp_path / f"{name}.xlsx"
    case.build(path)
    _flattened(path)
    assert read_right(check_file(path), case.expect) == []


def test_the_annotated_copy_keeps_a_weight_merged_over_two_groups_and_notes_it(tmp_path):
    src, out = tmp_path / "joint.xlsx", tmp_path / "joint_核查.xlsx"
    CASES["joint_wuhua_level1_wrong"].build(src)
    write_annotated(check_file(src), out)
    ws = openpyxl.load_workbook(out)["部门评价表"]
    assert "B24:B34" in {str(m) for m in ws.merged_cells.ranges}
    assert ws["B24"].value == 45
    assert "“决策、过程”合并标注的分值为 45 分，但其下级指标分值合计为 40 分" in ws["B24"].comment.text


def test_the_batch_summary_shows_a_framework_s_funds_and_execution_rate(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    for name in ("funds_wuhua", "funds_yongzhou", "seed_wuhua"):
        CASES[name].build(box / f"{name}.xlsx")
    batch.run_batch([str(box)], tmp_path / "汇总.xlsx", jobs=1)
    rows = pd.read_excel(tmp_path / "汇总.xlsx", sheet_name="汇总", engine="openpyxl", dtype=object, header=1)
    rows = rows[rows["单位"] != "合计"].astype(object).where(rows.notna(), None)
    got = {Path(f).stem: (u, p, b, e, r) for f, u, p, b, e, r in
           zip(rows["文件"], rows["单位"], rows["项目"], rows["预算数"], rows["执行数"], rows["执行率"])}
    wuhua = ("昆明市五华区政务服务管理局", "政务服务专项工作经费", 397.8, 293.08, 0.7368)  # 项目实施单位, 项目名称 above
    assert got == {"funds_wuhua": wuhua, "seed_wuhua": wuhua,
                   "funds_yongzhou": ("永州市行政审批服务局", None, 120, 80, 0.8)}  # the unit: a line of the title
