"""Department frameworks: the seed tables read and check, and planted errors are reported at their cells."""

import openpyxl
import pytest

from perfeval_xl.api import check_file

from conftest import SAMPLES

XUNDIAN = SAMPLES / "frameworks" / "xundian_2024_dept.xlsx"
ANNING = SAMPLES / "frameworks" / "anning_2023_dept.xlsx"
SHEET = "部门整体支出绩效评价"


def _planted(tmp_path, edits, src=XUNDIAN):
    wb = openpyxl.load_workbook(src)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref] = value
    path = tmp_path / "planted.xlsx"
    wb.save(path)
    return check_file(path)


def _found(report):
    return {(f.check, f.sheet, f.cell): f for f in report.findings}


def test_xundian_table_is_consistent_and_totals_99():
    report = check_file(XUNDIAN)
    [result] = report.results
    assert result.profile.id == "yunnan.kunming.dept_common"
    assert {k: result.values[k] for k in ("weight_total", "total_score", "grade")} == {
        "weight_total": 100, "total_score": 99, "grade": "优"}
    assert [f for f in result.findings if f.sheet == SHEET] == []


def test_xundian_questionnaire_tally_is_wrong_in_the_seed():
    found = _found(check_file(XUNDIAN))
    f = found[("C20", "问卷调查", "E34")]  # 问卷总分 1000, but only question 1 carries counts: Σ = 100
    assert (f.severity, f.stated, f.computed) == ("error", 1000, 100)
    assert ("C20", "问卷调查", "B7") in found  # question 2: no counts although 10 questionnaires are valid


def test_a_level_weight_that_does_not_match_its_children(tmp_path):
    report = _planted(tmp_path, {(SHEET, "B3"): "A1部门目标(13分)"})
    f = _found(report)[("C07", SHEET, "B3")]
    assert (f.severity, f.stated, f.computed) == ("error", 13, 12)


def test_a_score_above_its_weight(tmp_path):
    report = _planted(tmp_path, {(SHEET, "D3"): 3, (SHEET, "D38"): 100})
    f = _found(report)[("C08", SHEET, "D3")]
    assert (f.severity, f.stated, f.computed) == ("error", 3, 2)


def test_a_wrong_total(tmp_path):
    report = _planted(tmp_path, {(SHEET, "D38"): 98})
    f = _found(report)[("C09", SHEET, "D38")]
    assert (f.severity, f.stated, f.computed) == ("error", 98, 99)


def test_a_wrong_grade_stated_under_the_table(tmp_path):
    report = _planted(tmp_path, {(SHEET, "A40"): "综合评分99分，评价等级为“良”。"})
    f = _found(report)[("C15", SHEET, "A40")]
    assert (f.severity, f.stated, f.computed) == ("error", "良", "优")


def test_a_narrative_total_that_disagrees(tmp_path):
    report = _planted(tmp_path, {(SHEET, "A40"): "根据指标评价体系，本次绩效考评指标得分：100分。"})
    f = _found(report)[("C09", SHEET, "A40")]
    assert (f.stated, f.computed) == (100, 99)


def test_anning_missing_weights_are_reported_not_guessed():
    [result] = check_file(ANNING).results
    assert result.profile.id == "yunnan.anning.dept"
    assert result.values["total_score"] == 95.5
    found = _found(check_file(ANNING))
    assert ("C07", SHEET, "C37") in found  # the printed weights add to 47, not 100
    assert ("C10", SHEET, "C28") in found  # 考核任务实际完成率: no weight printed


@pytest.mark.parametrize(
    "name,profile,total,grade,real_errors",
    [
        # 永州: 实际完成率 unscored; the report's "综合评分为92分…等级为“良”" contradicts the table (85) and itself
        ("yongzhou_2019_special", "hunan.yongzhou.special_fund", 85, "良",
         {("C10", "C49"), ("C09", "A66"), ("C15", "A66")}),
        # 五华: 决策 weighted 40 over children worth 20; 过程 carries no weight; the ticked 优 matches 91; the 项目资金
        # 合计 row is blank although 区级财政 carries 397.8 / 397.8 / 293.08
        ("wuhua_2023_project_eval", "yunnan.wuhua.project_eval", 91, "优",
         {("C07", "B24"), ("C10", "A30"), ("C07", "B69"), ("C01", "D14"), ("C01", "E14"), ("C01", "F14")}),
        # 眉山 部门整体: adds up (its problems are against the report's own figures, outside this table)
        ("meishan_2023_dept_system", "sichuan.meishan.dept_system", 95.78, "优", set()),
        # 眉山 专项: one 专用 block of four counts; the 8% printed as a weight makes 个性指标 8.08 ≠ 16
        ("meishan_2023_special_system", "sichuan.meishan.special_system", 92.08, "优",
         {("C07", "A30"), ("C08", "T31"), ("C09", "T34")}),
    ],
)
def test_seed_tables_find_their_real_errors_and_nothing_else(name, profile, total, grade, real_errors):
    report = check_file(SAMPLES / "frameworks" / f"{name}.xlsx")
    [result] = report.results
    assert result.profile.id == profile
    assert (result.values["total_score"], result.values["grade"]) == (total, grade)
    assert {(f.check, f.cell) for f in result.findings} == real_errors


def test_deductions_are_subtracted_and_do_not_count_toward_100(tmp_path):
    src = SAMPLES / "frameworks" / "meishan_2023_dept_system.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("扣分项"))
    ws.cell(row, 19).value = 2  # 2 points deducted
    wb.save(tmp_path / "d.xlsx")
    [result] = check_file(tmp_path / "d.xlsx").results
    assert (result.values["weight_total"], result.values["deductions"], result.values["total_score"]) == (100, 2, 93.78)


def _unmerged(src, dst, repeat):
    """The same workbook without merged cells: labels repeated in every covered cell, or left only in the first."""
    wb = openpyxl.load_workbook(src)
    for ws in wb:
        for rng in list(ws.merged_cells.ranges):
            value = ws.cell(rng.min_row, rng.min_col).value
            ws.unmerge_cells(str(rng))
            if repeat:
                for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col):
                    for cell in row:
                        if isinstance(value, str):
                            cell.value = value
    wb.save(dst)
    return dst


FRAMEWORK_FILES = ["xundian_2024_dept", "yongzhou_2019_special", "wuhua_2023_project_eval",
                   "meishan_2023_dept_system", "meishan_2023_special_system"]


@pytest.mark.parametrize("repeat", [True, False], ids=["repeated_labels", "flattened"])
@pytest.mark.parametrize("name", FRAMEWORK_FILES)
def test_frameworks_read_the_same_without_merged_cells(tmp_path, name, repeat):
    src = SAMPLES / "frameworks" / f"{name}.xlsx"
    [want] = check_file(src).results
    [got] = check_file(_unmerged(src, tmp_path / "u.xlsx", repeat)).results
    keys = ("weight_total", "total_score", "grade")
    assert {k: got.values[k] for k in keys} == {k: want.values[k] for k in keys}
    assert {(f.check, f.cell) for f in got.findings} == {(f.check, f.cell) for f in want.findings}


def test_a_wrong_grade_in_a_grade_row(tmp_path):
    report = _planted(tmp_path, {(SHEET, "A39"): "评价等次", (SHEET, "D39"): "良"})
    f = _found(report)[("C15", SHEET, "D39")]
    assert (f.severity, f.stated, f.computed) == ("error", "良", "优")


def test_deductions_beyond_the_block_weight_take_off_the_weight_only(tmp_path):
    src = SAMPLES / "frameworks" / "meishan_2023_dept_system.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("扣分项"))
    ws.cell(row, 19).value = 12  # more than the 10 points the block can take
    wb.save(tmp_path / "d.xlsx")
    [result] = check_file(tmp_path / "d.xlsx").results
    assert (result.values["deductions"], result.values["total_score"]) == (10, 85.78)


def test_rows_scored_by_rule_are_recomputed_from_the_data_sheet(tmp_path):
    # 寻甸 B11 基本支出执行率: 392.54 / 415.10 = 94.57% → 1 − 0.1 × 0.43 = 0.96, the table gives 1
    wb = openpyxl.load_workbook(XUNDIAN)
    ws = wb.create_sheet("基础数据")
    ws.append(["数据项", "数值", "说明"])
    ws.append(["基本支出决算数", 392.54, "万元"])
    ws.append(["基本支出预算数", 415.10, "万元"])
    wb.save(tmp_path / "data.xlsx")
    found = _found(check_file(tmp_path / "data.xlsx"))
    f = found[("C11", SHEET, "D16")]
    assert (f.severity, f.stated, f.computed) == ("warning", 1, 0.96)
    assert "基本支出决算数 ÷ 基本支出预算数 × 100% = 94.57" in f.message


def test_satisfaction_rows_must_agree_with_the_questionnaire(tmp_path):
    # the questionnaire concludes 综合得分 100 (100%): C19 政务服务系统人员满意度 at full 7 agrees; 80% would give 5.25
    report = _planted(tmp_path, {("问卷调查", "E36"): 80})
    f = _found(report)[("C19", SHEET, "D32")]
    assert (f.severity, f.stated, f.computed) == ("error", 7, 5.25)
    assert ("C19", SHEET, "D32") not in _found(check_file(XUNDIAN))
