"""Indicator rows of a project form (check/project.py): C07, C08, C10–C14, C23, C28, C29.

Sichuan rows 17–21 (A..J = 一级 / 二级 / 三级 / 性质 / 指标值 / 单位 / 完成值 / 权重 / 得分 / 原因):
  17 数量 ≥ 11 人 (w 20) · 18 质量 ≥ 90 % (w 20) · 19 社会效益 ≥ 95 % (w 30) · 20 满意度 ≥ 95 % (w 10) ·
  21 经济成本 ≤ 165 万元, 完成 142.88 = 执行数 (w 10); 合计 H22 = 100, I22 = 97.1 (7.1 + 90).
National rows 13–17 (B..I = 一级 / 二级 / 三级 / 指标值 / 完成值 / 分值 / 得分 / 原因), direction in the target
("≥4场"), '产出指标(50分)' in B13.
"""

import pytest
from expect import checks, hits, silent
from forms import check, national, sichuan

from perfeval_xl.check import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def test_the_clean_national_form_has_no_findings():
    r = check(national())
    assert r.findings == []
    assert (r.values["execution_score"], r.values["indicator_score_total"], r.values["total_score"]) == (10, 90, 100)


# --- C07: weights -----------------------------------------------------------------------------------------------------
def test_indicator_weights_that_do_not_add_up_to_90_are_an_error_at_the_total_weight():
    r = check(sichuan(rows={0: {"weight": "15", "score": "15"}}, total_score="92.1"))
    assert hits(r, "C07.indicators") == [("C07", E, "H22", 85, 90)]
    assert checks(r) == {"C07"}


def test_the_90_points_may_be_spread_in_halves():
    # 大英: 4 × 22.5 = 90
    rows = [dict(level1="产出指标", level2=l2, level3=l3, nature="≥", target="100", unit="%", actual="100",
                 weight="22.5", score="22.5", reason="") for l2, l3 in
            (("数量指标", "窗口服务覆盖率"), ("质量指标", "办件合格率"), ("时效指标", "按时办结率"),
             ("成本指标", "成本控制率"))]
    r = check(sichuan(indicators=rows))
    silent(r, "C07")
    assert r.values["indicator_weight_total"] == 90


def test_a_level1_weight_in_its_label_that_its_rows_do_not_make_is_an_error():
    r = check(national(level1_weights={"产出指标": "40", "效益指标": "30", "满意度指标": "10"}))
    assert hits(r, "C07.level1") == [("C07", E, "B13", 40, 50)]
    assert checks(r) == {"C07"}


def test_level1_weights_in_labels_that_match_their_rows_are_silent():
    r = check(national())
    silent(r, "C07")


# --- C08: 0 ≤ score ≤ weight ------------------------------------------------------------------------------------------
def test_an_indicator_score_above_its_weight_is_an_error_that_gives_the_rules_score():
    r = check(sichuan(rows={0: {"score": "25"}}, total_score="102.1"))
    assert hits(r, "C08.above_rule") == [("C08", E, "I17", 25, 20)]
    assert checks(r) == {"C08"}
    assert r.findings[0].message == "得分 25 超过权重 20；按正向指标按完成比例计分，应得 20 分。"
    assert r.values["total_score"] == 97.1  # recomputed with the rule's score


def test_a_score_above_its_weight_on_a_missed_target_gives_the_lower_score_the_rule_gives():
    # 9 of 11 people: 20 × 9 / 11 = 16.36; typing the weight instead would only meet C12 on the next run
    r = check(sichuan(rows={0: {"actual": "9", "score": "25", "reason": "人员未到岗"}}, total_score="102.1"))
    assert hits(r, "C08.above_rule") == [("C08", E, "I17", 25, 16.36)]
    silent(r, "C08.above")


def test_a_score_above_its_weight_that_no_rule_can_recompute_is_capped_at_the_weight():
    # no 完成值: the rule cannot be applied, so the weight is the most that can be said
    r = check(sichuan(rows={0: {"actual": None, "score": "25"}}, total_score="102.1"))
    assert hits(r, "C08.above") == [("C08", E, "I17", 25, 20)]
    silent(r, "C08.above_rule")


def test_an_indicator_score_equal_to_its_weight_is_not_above_it():
    r = check(sichuan(rows={0: {"score": "20.00"}}))
    silent(r, "C08")


def test_a_negative_indicator_score_is_an_error():
    r = check(sichuan(rows={0: {"score": "-5", "reason": "人员未到岗"}}, total_score="72.1"))
    assert hits(r, "C08.negative") == [("C08", E, "I17", -5, 0)]


def test_a_zero_score_for_nothing_done_is_not_negative():
    r = check(sichuan(rows={0: {"actual": "0", "score": "0", "reason": "人员未到岗"}}, total_score="77.1"))
    silent(r, "C08")
    assert r.findings == []


# --- C10: what must be filled in --------------------------------------------------------------------------------------
def test_a_blank_indicator_weight_is_an_error():
    r = check(sichuan(rows={1: {"weight": None}}))
    assert hits(r, "C10.weight") == [("C10", E, "H18", None, None)]


def test_a_weight_written_with_its_unit_is_not_blank():
    r = check(sichuan(rows={1: {"weight": "20分"}}))
    silent(r, "C10")
    assert r.findings == []


def test_a_blank_indicator_score_is_an_error():
    r = check(sichuan(rows={1: {"score": None}}, total_score="77.1"))
    assert hits(r, "C10.score") == [("C10", E, "I18", None, None)]
    assert checks(r) == {"C10"}


def test_a_zero_indicator_score_is_not_blank():
    r = check(sichuan(rows={1: {"actual": "0", "score": "0", "reason": "系统未上线"}}, total_score="77.1"))
    silent(r, "C10")


def test_a_blank_target_is_an_error():
    r = check(sichuan(rows={0: {"target": None}}))
    assert hits(r, "C10.target") == [("C10", E, "E17", None, None)]
    assert checks(r) == {"C10"}


def test_a_target_written_with_its_unit_is_read():
    r = check(sichuan(rows={0: {"target": "11人", "unit": ""}}))
    silent(r, "C10")
    assert r.findings == []


def test_a_blank_actual_value_is_an_error():
    r = check(sichuan(rows={0: {"actual": None}}))
    assert hits(r, "C10.actual") == [("C10", E, "G17", None, None)]
    assert checks(r) == {"C10"}


def test_an_actual_value_in_words_is_not_blank():
    # '完成' cannot be scored again, but it is filled in
    r = check(sichuan(rows={0: {"actual": "完成"}}))
    silent(r, "C10")


def test_a_blank_nature_in_a_nature_column_is_a_warning_with_the_nature_inferred():
    r = check(sichuan(rows={0: {"nature": None}}))
    assert hits(r, "C10.nature") == [("C10", W, "D17", None, "≥")]
    assert checks(r) == {"C10"}


def test_a_blank_nature_of_a_cost_row_is_inferred_as_at_most():
    r = check(sichuan(rows={4: {"nature": None}}))
    assert hits(r, "C10.nature") == [("C10", W, "D21", None, "≤")]


def test_a_full_width_or_compatibility_equals_sign_is_a_nature():
    # 丽江 writes U+FE66 '﹦'; others the full-width '＝'
    r = check(sichuan(rows={0: {"nature": "﹦"}, 1: {"nature": "＝"}}))
    silent(r, "C10")
    assert r.findings == []


def test_a_national_target_without_a_direction_is_a_note_at_the_indicator_name():
    r = check(national(rows={0: {"target": "4", "actual": "4"}}))
    assert hits(r, "C10.nature") == [("C10", INFO, "D13", None, "≥")]
    assert checks(r) == {"C10"}


def test_a_national_target_with_its_direction_needs_no_nature():
    r = check(national(rows={0: {"target": "≥4场", "actual": "5场"}}))
    silent(r, "C10")


# --- C11: each score recomputed ---------------------------------------------------------------------------------------
def test_a_positive_score_below_the_ratio_rule_is_a_warning():
    # 外包 数量: 10 of 11 → 20 × 10/11 = 18.18
    r = check(sichuan(rows={0: {"actual": "10", "score": "18", "reason": "1名人员离职"}}, total_score="95.1"))
    assert hits(r, "C11.score") == [("C11", W, "I17", 18, 18.18)]
    assert checks(r) == {"C11"}


def test_a_positive_score_rounded_to_the_hundredth_matches_the_rule():
    r = check(sichuan(rows={0: {"actual": "10", "score": "18.18", "reason": "1名人员离职"}}, total_score="95.28"))
    silent(r, "C11")
    assert r.findings == []


def test_a_reverse_score_off_the_linear_rule_is_a_warning():
    # ≤ 4 小时, 完成 5: 20 × (1 − 1/4) = 15
    row = dict(level3="系统故障平均修复时长", nature="≤", target="4", unit="小时", actual="5", score="10",
               reason="硬件故障排查耗时较长")
    r = check(sichuan(rows={1: row}, total_score="87.1"))
    assert hits(r, "C11.score") == [("C11", W, "I18", 10, 15)]


def test_a_reverse_score_on_the_linear_rule_is_silent():
    row = dict(level3="系统故障平均修复时长", nature="≤", target="4", unit="小时", actual="5", score="15",
               reason="硬件故障排查耗时较长")
    r = check(sichuan(rows={1: row}, total_score="92.1"))
    assert r.findings == []


# --- C12: reasons for lost points, full marks for a missed target -----------------------------------------------------
def test_points_lost_without_a_reason_are_a_warning():
    r = check(sichuan(rows={0: {"actual": "10", "score": "18.18", "reason": None}}, total_score="95.28"))
    assert hits(r, "C12.reason") == [("C12", W, "J17", None, None)]
    assert checks(r) == {"C12"}


def test_points_lost_with_a_reason_are_silent():
    row = {"actual": "10", "score": "18.18", "reason": "1名人员离职,已补招"}
    r = check(sichuan(rows={0: row}, total_score="95.28"))
    silent(r, "C12")


def test_full_marks_for_a_missed_target_are_a_warning():
    r = check(sichuan(rows={0: {"actual": "10"}}))
    assert hits(r, "C12.full") == [("C12", W, "I17", 20, 18.18)]
    assert checks(r) == {"C12"}


def test_full_marks_for_a_shortfall_too_small_to_cost_a_hundredth_are_silent():
    # ≥ 100%, 完成 99.98%: 20 × 0.9998 = 19.996 → 20.00
    r = check(sichuan(rows={1: {"target": "100", "actual": "99.98"}}))
    silent(r, "C12")
    assert r.findings == []


# --- C13: over-achievement --------------------------------------------------------------------------------------------
def test_an_actual_at_135_percent_of_its_target_is_a_warning():
    # 天府: 目标 50 万户, 完成 67.8 → 135.6%
    r = check(sichuan(rows={0: {"level3": "注册用户数", "target": "50", "unit": "万户", "actual": "67.8"}}))
    assert hits(r, "C13.over") == [("C13", W, "G17", 67.8, 50)]
    assert "135.6%" in r.findings[0].message
    assert checks(r) == {"C13"}


def test_an_actual_just_under_120_percent_of_its_target_is_silent():
    r = check(sichuan(rows={0: {"level3": "注册用户数", "target": "50", "unit": "万户", "actual": "59.9"}}))
    silent(r, "C13")
    assert r.findings == []


def test_an_actual_at_exactly_120_percent_is_over_achievement():
    r = check(sichuan(rows={0: {"level3": "注册用户数", "target": "50", "unit": "万户", "actual": "60"}}))
    assert hits(r, "C13.over") == [("C13", W, "G17", 60, 50)]


# --- C14: 定性 bands --------------------------------------------------------------------------------------------------
QUALITATIVE = dict(level3="群众满意度持续提升", nature="定性", target="持续提升", unit="")


def test_full_marks_for_a_partly_achieved_qualitative_indicator_are_a_warning():
    # 部分达成 → [60%, 80%] of 30 = [18, 24]
    r = check(sichuan(rows={2: {**QUALITATIVE, "actual": "部分达成"}}))
    assert hits(r, "C14.band") == [("C14", W, "I19", 30, 24)]
    assert checks(r) == {"C14"}


def test_the_top_of_the_partly_achieved_band_is_inside_it():
    r = check(sichuan(rows={2: {**QUALITATIVE, "actual": "部分达成", "score": "24", "reason": "宣传覆盖不足"}},
                      total_score="91.1"))
    silent(r, "C14")
    assert r.findings == []


def test_a_qualitative_indicator_without_its_achievement_is_a_warning():
    r = check(sichuan(rows={2: {**QUALITATIVE, "actual": None}}))
    assert hits(r, "C14.no_grade") == [("C14", W, "G19", None, None)]
    assert checks(r) == {"C14"}


def test_a_qualitative_indicator_stating_its_achievement_scores_in_the_top_band():
    r = check(sichuan(rows={2: {**QUALITATIVE, "actual": "达成年度指标"}}))
    silent(r, "C14")
    assert r.findings == []


# --- C23: a cost indicator against the money spent --------------------------------------------------------------------
def test_a_cost_actual_that_is_not_the_money_spent_is_a_warning():
    # seed 004 外包: 成本 完成值 162.71 万元, 预算执行数 142.88
    r = check(sichuan(rows={4: {"actual": "162.71"}}))
    assert hits(r, "C23.cost") == [("C23", W, "G21", 162.71, 142.88)]
    assert checks(r) == {"C23"}


def test_a_cost_in_yuan_equal_to_the_money_spent_in_wan_is_silent():
    r = check(sichuan(rows={4: {"target": "1650000", "unit": "元", "actual": "1428800"}}))
    silent(r, "C23")
    assert r.findings == []


def test_a_unit_cost_is_not_compared_with_the_money_spent():
    row = dict(level3="单位面积物业管理成本", target="3000", unit="元/平方米", actual="2800")
    r = check(sichuan(rows={4: row}))
    silent(r, "C23")


# --- C28: not applicable, full marks ----------------------------------------------------------------------------------
def test_full_marks_for_a_not_applicable_indicator_are_a_note():
    r = check(sichuan(rows={2: {"actual": "/"}}))
    assert hits(r, "C28.full") == [("C28", INFO, "I19", 30, None)]
    assert checks(r) == {"C28"}


def test_a_not_applicable_indicator_scored_0_with_a_reason_is_silent():
    r = check(sichuan(rows={2: {"actual": "/", "score": "0", "reason": "本年度不涉及"}}, total_score="67.1"))
    silent(r, "C28")
    assert r.findings == []


def test_no_accidents_against_a_target_of_none_is_not_not_applicable():
    row = dict(level3="重大安全责任事故", nature="定性", target="无", unit="", actual="无")
    r = check(sichuan(rows={2: row}))
    silent(r, "C28")


# --- C29: score precision ---------------------------------------------------------------------------------------------
def test_an_indicator_score_with_three_decimals_is_a_note():
    r = check(sichuan(rows={0: {"actual": "10", "score": "18.182", "reason": "1名人员离职"}}, total_score="95.282"))
    assert hits(r, "C29.score") == [("C29", INFO, "I17", 18.182, None)]
    assert checks(r) == {"C29"}


def test_an_indicator_score_with_two_decimals_is_not_a_note():
    r = check(sichuan(rows={0: {"actual": "10", "score": "18.18", "reason": "1名人员离职"}}, total_score="95.28"))
    silent(r, "C29")

