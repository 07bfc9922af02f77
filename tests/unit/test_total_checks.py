"""The total, the grade, plausibility and the narrative of a project form (check/project.py): C07, C09, C15, C21,
C24.

Sichuan: 合计 H22 (weight 100) / I22 (score 97.1 = 7.1 + 90); 评价结论 C23, 存在问题 C24, 改进措施 C25; a 评价等次
cell, when the form has one, in C27; 年度目标完成情况 F6.
"""

import pytest
from expect import checks, hits, silent
from forms import ABSENT, check, national, sichuan, sichuan_spent

from perfeval_xl.check import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


# --- C07 / C09: the total row -----------------------------------------------------------------------------------------
def test_a_total_weight_other_than_100_is_an_error():
    r = check(sichuan(total_weight="90"))
    assert hits(r, "C07.total") == [("C07", E, "H22", 90, 100)]
    assert checks(r) == {"C07"}


def test_a_total_weight_written_100_point_00_is_100():
    r = check(sichuan(total_weight="100.00"))
    silent(r, "C07")


def test_a_total_that_is_not_the_sum_of_the_scores_is_an_error():
    r = check(sichuan(total_score="98.1"))
    assert hits(r, "C09.total") == [("C09", E, "I22", 98.1, 97.1)]
    assert checks(r) == {"C09"}


def test_a_total_that_is_the_sum_of_the_stated_scores_is_silent_even_when_a_score_is_wrong():
    # C09 adds what the form states (the wrong 7.2 is C03's finding, not C09's)
    r = check(sichuan(budget={"total": {"score": "7.2"}}, total_score="97.2"))
    silent(r, "C09")


def test_a_blank_total_is_an_error_with_the_sum():
    r = check(sichuan(total_score=None))
    assert hits(r, "C09.blank") == [("C09", E, "I22", None, 97.1)]
    assert checks(r) == {"C09"}


def test_a_form_without_a_total_cell_owes_none():
    r = check(sichuan(total_score=ABSENT))
    silent(r, "C09")


# --- C15: the grade ---------------------------------------------------------------------------------------------------
def test_a_grade_that_the_total_does_not_give_is_an_error():
    r = check(sichuan(grade="良"))
    assert hits(r, "C15.grade") == [("C15", E, "C27", "良", "优")]
    assert checks(r) == {"C15"}


def test_a_grade_written_as_a_word_is_that_grade():
    r = check(sichuan(grade="优秀"))
    silent(r, "C15")


def test_a_grade_follows_the_recomputed_total_not_the_stated_one():
    # full marks for 5 of 11: stated 合计 97.1 says 优; recomputed 7.1 + 20 × 5/11 (9.09) + 70 = 86.19 gives 良
    r = check(sichuan(rows={0: {"actual": "5"}}, grade="优"))
    assert hits(r, "C15.grade") == [("C15", E, "C27", "优", "良")]
    assert r.values["total_score"] == 86.19
    assert checks(r) == {"C12", "C15"}


def test_a_conclusion_naming_another_grade_is_a_warning():
    r = check(sichuan(narrative={"conclusion": "经自评,评价结果为良好。"}))
    assert hits(r, "C15.narrative") == [("C15", W, "C23", "良好", "优")]
    assert checks(r) == {"C15"}


def test_a_conclusion_naming_the_right_grade_is_silent():
    r = check(sichuan(narrative={"conclusion": "经自评,评价等级为优。"}))
    silent(r, "C15")


def test_a_conclusion_calling_the_project_good_without_grading_it_is_silent():
    r = check(sichuan(narrative={"conclusion": "项目运行情况良好,达到预期目标。"}))
    silent(r, "C15")


def test_a_conclusion_saying_in_the_results_is_not_a_grade():
    r = check(sichuan(narrative={"conclusion": "从自评结果中可以看出,项目总体运行平稳。"}))
    silent(r, "C15")


def test_a_conclusion_about_a_small_gap_is_not_a_grade():
    r = check(sichuan(narrative={"conclusion": "项目实施效果与预期结果差距不大,达到年度目标。"}))
    silent(r, "C15")


# --- C24: full marks at low execution ---------------------------------------------------------------------------------
def test_full_marks_everywhere_at_28_percent_execution_is_a_warning():
    # seed 004 一网通办: 28.41% executed, every indicator full
    r = check(sichuan_spent("100.00", "28.41", "28.41%", "2.8", initial="100.00"))
    assert hits(r, "C24.full_marks") == [("C24", W, "I22", 92.8, None)]
    assert checks(r) == {"C24"}


def test_full_marks_everywhere_at_exactly_60_percent_execution_are_plausible():
    r = check(sichuan_spent("100.00", "60.00", "60.00%", "6.0", initial="100.00"))
    silent(r, "C24")
    assert r.findings == []


def test_one_indicator_short_of_full_marks_at_low_execution_is_silent():
    r = check(sichuan_spent("100.00", "28.41", "28.41%", "2.8", initial="100.00",
                            rows={0: {"actual": "10", "score": "18.18", "reason": "1名人员离职"}}, total_score="90.98"))
    silent(r, "C24")


def test_full_marks_at_low_execution_on_the_national_form_too():
    r = check(national(budget={"total": {"executed": "3.00", "rate": "41.15%", "score": "4.12"},
                               "fiscal": {"executed": "3.00", "rate": "41.15%"}},
                       rows={2: {"target": "≤3.00万元", "actual": "3.00万元"}}, total_score="94.12"))
    assert hits(r, "C24.full_marks") == [("C24", W, "H18", 94.12, None)]


# --- C21: narrative ---------------------------------------------------------------------------------------------------
def test_the_printed_instruction_left_in_a_narrative_is_a_warning():
    text = "对照年度目标,说明完成情况(100字以内)"
    r = check(sichuan(narrative={"goal_done": text}))
    assert hits(r, "C21.placeholder") == [("C21", W, "F6", text, None)]
    assert checks(r) == {"C21"}


def test_a_narrative_saying_it_was_filled_in_is_not_an_instruction():
    r = check(sichuan(narrative={"goal_done": "已按要求填写完成情况,全年办件5万余件。"}))
    silent(r, "C21")


def test_a_blank_mandatory_narrative_is_a_warning():
    r = check(sichuan(narrative={"problems": None}))
    assert hits(r, "C21.blank") == [("C21", W, "C24", None, None)]
    assert checks(r) == {"C21"}


def test_a_missing_mandatory_narrative_is_a_warning_without_a_cell():
    r = check(sichuan(narrative={"measures": ABSENT}))
    assert hits(r, "C21.blank") == [("C21", W, None, None, None)]


def test_none_is_an_answer_to_a_mandatory_narrative():
    r = check(sichuan(narrative={"problems": "无"}))
    silent(r, "C21")
    assert r.findings == []


def test_a_blank_optional_narrative_is_silent():
    r = check(sichuan(narrative={"content": None}))
    silent(r, "C21")
