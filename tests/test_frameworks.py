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
