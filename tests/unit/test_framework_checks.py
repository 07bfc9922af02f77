"""Weighted frameworks (check/framework.py): C07, C08, C09, C10, C11, C15, C19, C20 on tables built in memory.

The small table (profile yunnan.kunming.dept_common; one row per node, name in A/B, 分值 E, 得分 F):

    row 4  A部门决策 35            row 7  B部门管理 20            row 9  C部门绩效 45
    row 5    A11… 20 / 20          row 8    B21… 20 / 18          row 10   C31… 25 / 25
    row 6    A12… 15 / 15                                         row 11   C32… 20 / 20
    row 12 合计 E12 100 / F12 98;  row 13 评价等次 C13;  row 14 '综合评分…分' A14;  row 15 '…评价等级为…' A15
"""

from expect import checks, hits, silent
from forms import (
    KUNMING,
    MEISHAN_SPECIAL,
    SHARED,
    WUHUA,
    check,
    framework,
    from_profile,
    group,
    leaf,
    questionnaire,
)

from perfeval_xl.check import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

A11, A12, B21 = "A11部门中长期规划目标", "A12年度工作目标", "B21财务管理制度"
C31, C32 = "C31队伍建设情况", "C32信息公开情况"
WEIGHTS = {"A部门决策": 35, A11: 20, A12: 15, "B部门管理": 20, B21: 20, "C部门绩效": 45, C31: 25, C32: 20}
SCORES = {A11: 20, A12: 15, B21: 18, C31: 25, C32: 20}


def small(*, weights=None, scores=None, subtotals=None, total_weight=100, total_score=98, **kw):
    """The small table with some weights / scores / group subtotals changed (None: a blank cell)."""
    w = {**WEIGHTS, **(weights or {})}
    s = {**SCORES, **(scores or {})}
    sub = subtotals or {}

    def g(name, *children):
        return group(name, w[name], *(leaf(c, w[c], s[c]) for c in children), score=sub.get(name))

    return framework(KUNMING, g("A部门决策", A11, A12), g("B部门管理", B21), g("C部门绩效", C31, C32),
                     total_weight=total_weight, total_score=total_score, **kw)


def test_the_small_table_is_clean_and_totals_98():
    r = check(small())
    assert r.findings == []
    assert (r.values["weight_total"], r.values["total_score"], r.values["grade"]) == (100, 98, "优")


# --- C07: weights close over the tree ---------------------------------------------------------------------------------
def test_a_group_weight_its_rows_do_not_make_is_an_error():
    r = check(small(weights={A11: 25}))
    assert hits(r, "C07.children") == [("C07", E, "E4", 35, 40)]
    assert checks(r) == {"C07"}


def test_a_row_without_a_weight_is_c10_and_leaves_its_group_weight_unverified_not_wrong():
    r = check(small(weights={A12: None}))
    silent(r, "C07.children")
    assert hits(r, "C10.node_weight") == [("C10", E, "B6", None, None)]
    assert hits(r, "C07.unverifiable") == [("C07", INFO, "E4", 35, None)]
    assert "“A12年度工作目标”未标明分值，无法核对" in r.findings[-1].message


def test_top_level_weights_that_do_not_make_100_are_an_error_at_the_total_weight():
    r = check(small(weights={"B部门管理": 25, B21: 25}))
    assert hits(r, "C07.roots") == [("C07", E, "E12", 105, 100)]
    assert checks(r) == {"C07"}


def test_a_deduction_block_and_the_alternatives_of_a_pick_one_block_do_not_count_toward_100():
    # 眉山 专项: 通用 54 + 专用 30 (one of four blocks of 30) + 个性 16 = 100, 扣分项 10 aside
    r = check(from_profile(MEISHAN_SPECIAL))
    silent(r, "C07")
    assert r.findings == []


def test_two_alternatives_of_a_pick_one_block_filled_in_are_an_error():
    fw = from_profile(MEISHAN_SPECIAL, scores={"区域均衡性": 10, "对象精准性": 10, "标准合理性": 5, "群众满意度": 5},
                      total_score=130)
    r = check(fw)
    assert hits(r, "C07.children") == [("C07", E, "E19", 30, 60)]  # 专用指标 (30分), row 19


def test_top_level_weights_with_one_missing_cannot_be_verified_and_say_which():
    # the printed 20 + 45 and 'A部门决策' without its weight: no claim that they make 65, not 100
    r = check(small(weights={"A部门决策": None}))
    assert hits(r, "C07.roots_unverifiable") == [("C07", INFO, "E12", None, None)]
    silent(r, "C07.roots")
    assert "一级指标中“A部门决策”未标明分值" in [f for f in r.findings if f.check == "C07"][0].message
    assert r.values["weight_total"] is None  # no sum is claimed


def test_complete_top_level_weights_are_verified():
    r = check(small(weights={"B部门管理": 25, B21: 25}))
    silent(r, "C07.roots_unverifiable")
    silent(r, "C07.unverifiable")


def test_one_weight_merged_over_two_groups_covers_their_rows_together():
    # 五华: one 40 for 决策 and 过程; here one 55 for A部门决策 (20 + 15) and B部门管理 (20)
    r = check(framework(KUNMING, group("A部门决策", 55, leaf(A11, 20, 20), leaf(A12, 15, 15)),
                        group("B部门管理", SHARED, leaf(B21, 20, 18)),
                        group("C部门绩效", 45, leaf(C31, 25, 25), leaf(C32, 20, 20)), total_weight=100, total_score=98))
    silent(r, "C07")
    silent(r, "C10")
    assert r.findings == []
    assert r.values["weight_total"] == 100


def test_one_weight_merged_over_two_groups_that_their_rows_do_not_make_is_an_error_at_it():
    r = check(framework(KUNMING, group("A部门决策", 56, leaf(A11, 20, 20), leaf(A12, 15, 15)),
                        group("B部门管理", SHARED, leaf(B21, 20, 18)),
                        group("C部门绩效", 45, leaf(C31, 25, 25), leaf(C32, 20, 20)), total_weight=100, total_score=98))
    assert hits(r, "C07.joint") == [("C07", E, "E4", 56, 55)]
    assert hits(r, "C07.roots") == [("C07", E, "E12", 101, 100)]
    silent(r, "C10")


def test_one_weight_merged_over_groups_with_a_row_missing_its_weight_cannot_be_verified():
    r = check(framework(KUNMING, group("A部门决策", 55, leaf(A11, 20, 20), leaf(A12, None, 15)),
                        group("B部门管理", SHARED, leaf(B21, 20, 18)),
                        group("C部门绩效", 45, leaf(C31, 25, 25), leaf(C32, 20, 20)), total_weight=100, total_score=98))
    assert hits(r, "C07.unverifiable") == [("C07", INFO, "E4", 55, None)]
    silent(r, "C07.joint")


# --- C08: 0 ≤ score ≤ weight ------------------------------------------------------------------------------------------
def test_a_row_scored_above_its_weight_is_an_error_and_counts_its_weight():
    r = check(small(scores={B21: 25}, total_score=105))
    assert hits(r, "C08.leaf_above") == [("C08", E, "F8", 25, 20)]
    assert r.values["total_score"] == 100


def test_a_row_scored_its_weight_is_not_above_it():
    r = check(small(scores={B21: 20}, total_score=100))
    silent(r, "C08")
    assert r.findings == []


def test_a_negative_row_score_is_an_error():
    r = check(small(scores={B21: -2}, total_score=78))
    assert hits(r, "C08.negative") == [("C08", E, "F8", -2, 0)]


def test_a_row_scored_0_is_not_negative():
    r = check(small(scores={B21: 0}, total_score=80))
    silent(r, "C08")
    assert r.findings == []


def test_rows_sharing_one_weight_are_scored_within_it_together():
    # one 35 merged over A11 and A12, scored 20 and 16: 36 > 35
    r = check(framework(KUNMING, group("A部门决策", 35, leaf(A11, 35, 20), leaf(A12, SHARED, 16)),
                        group("B部门管理", 20, leaf(B21, 20, 18)),
                        group("C部门绩效", 45, leaf(C31, 25, 25), leaf(C32, 20, 20)), total_weight=100, total_score=98))
    assert hits(r, "C08.joint_above") == [("C08", E, "F6", 36, 35)]
    assert r.values["total_score"] == 98


def test_rows_sharing_one_weight_within_it_are_silent():
    r = check(framework(KUNMING, group("A部门决策", 35, leaf(A11, 35, 20), leaf(A12, SHARED, 15)),
                        group("B部门管理", 20, leaf(B21, 20, 18)),
                        group("C部门绩效", 45, leaf(C31, 25, 25), leaf(C32, 20, 20)), total_weight=100, total_score=98))
    silent(r, "C08")
    silent(r, "C10")
    assert r.findings == []


# --- C09: subtotals and totals ----------------------------------------------------------------------------------------
def test_a_group_subtotal_its_rows_do_not_make_is_an_error():
    r = check(small(subtotals={"A部门决策": 33}))
    assert hits(r, "C09.subtotal") == [("C09", E, "F4", 33, 35)]
    assert checks(r) == {"C09"}


def test_a_group_subtotal_its_rows_make_is_silent():
    r = check(small(subtotals={"A部门决策": 35, "B部门管理": "18.00"}))
    assert r.findings == []


def test_a_total_the_rows_do_not_make_is_an_error():
    r = check(small(total_score=99))
    assert hits(r, "C09.fw_total") == [("C09", E, "F12", 99, 98)]
    assert checks(r) == {"C09"}


def test_a_total_within_half_a_hundredth_is_silent():
    r = check(small(scores={B21: "17.996"}, total_score="98.00"))
    silent(r, "C09")


def test_a_total_in_the_text_under_the_table_that_disagrees_is_an_error():
    r = check(small(said_total=96))
    assert hits(r, "C09.summary") == [("C09", E, "A14", 96, 98)]
    assert checks(r) == {"C09"}


def test_a_total_in_the_text_under_the_table_that_agrees_is_silent():
    r = check(small(said_total=98))
    assert r.findings == []


def test_a_total_in_a_labelled_cell_that_disagrees_is_an_error_at_that_cell():
    r = check(small(labelled_total=96))
    assert hits(r, "C09.stated") == [("C09", E, "B16", 96, 98)]
    assert "“综合评分”填报 96 分" in r.findings[0].message


def test_a_total_in_a_labelled_cell_that_agrees_is_silent():
    r = check(small(labelled_total=98))
    silent(r, "C09.stated")
    assert r.findings == []


def test_a_sentence_saying_what_a_labelled_cell_says_is_not_reported_again():
    r = check(small(labelled_total=96, said_total=96))
    assert hits(r, "C09.stated") == [("C09", E, "B16", 96, 98)]
    silent(r, "C09.summary")


def test_a_sentence_disagreeing_with_a_labelled_cell_is_checked_too():
    r = check(small(labelled_total=98, said_total=97))
    assert hits(r, "C09.summary") == [("C09", E, "A14", 97, 98)]
    silent(r, "C09.stated")


def test_deductions_are_subtracted_from_the_total():
    fw = from_profile(MEISHAN_SPECIAL, scores={"绩效管理存在问题": 2}, total_score=98)
    r = check(fw)
    silent(r, "C09")
    assert (r.values["deductions"], r.values["total_score"]) == (2, 98)


def test_deductions_beyond_the_block_weight_take_off_the_weight_only():
    r = check(from_profile(MEISHAN_SPECIAL, scores={"绩效管理存在问题": 12}, total_score=90))
    silent(r, "C09")
    assert (r.values["deductions"], r.values["total_score"]) == (10, 90)


# --- C10: blank weights and scores ------------------------------------------------------------------------------------
def test_a_row_without_a_weight_is_an_error_at_its_name():
    r = check(small(weights={A12: None}))
    assert hits(r, "C10.node_weight") == [("C10", E, "B6", None, None)]


def test_a_row_weighted_0_has_a_weight():
    # 五华 '不涉及' rows carry weight 0
    r = check(small(weights={A11: 0, "A部门决策": 15, "C部门绩效": 65, C31: 45}, scores={A11: 0, C31: 45}))
    silent(r, "C10")
    assert r.findings == []


def test_a_group_without_a_weight_among_groups_with_one_is_an_error():
    # 五华 过程: no weight printed while 决策 has its 20
    r = check(small(weights={"A部门决策": None}))
    assert hits(r, "C10.node_weight") == [("C10", E, "A4", None, None)]
    assert {f.check for f in r.findings if f.severity is E} == {"C10"}


def test_groups_without_weights_in_a_table_that_prints_none_are_silent():
    r = check(small(weights={"A部门决策": None, "B部门管理": None, "C部门绩效": None}))
    silent(r, "C10")
    assert r.values["weight_total"] == 100


def test_a_row_without_a_score_is_an_error_at_its_score_cell():
    r = check(small(scores={A12: None}, total_score=83))
    assert hits(r, "C10.node_score") == [("C10", E, "F6", None, None)]
    assert checks(r) == {"C10"}


def test_a_deduction_row_without_a_score_deducts_nothing():
    r = check(from_profile(MEISHAN_SPECIAL))
    silent(r, "C10")
    assert r.values["deductions"] == 0


# --- C11: rows scored by rule from the data ---------------------------------------------------------------------------
def test_a_rule_row_the_data_does_not_give_is_a_warning():
    # 寻甸 B11: 392.54 / 415.10 = 94.57% → 1 − 0.1 × 0.43 = 0.96; the table gives 1
    fw = from_profile(KUNMING, data={"基本支出决算数": 392.54, "基本支出预算数": 415.10})
    r = check(fw)
    assert hits(r, "C11.rule") == [("C11", W, "F23", 1, 0.96)]  # B11, row 23
    assert "基本支出决算数 ÷ 基本支出预算数 × 100% = 94.57" in r.findings[0].message
    assert checks(r) == {"C11"}


def test_a_rule_row_within_half_a_hundredth_of_the_data_is_silent():
    fw = from_profile(KUNMING, data={"基本支出决算数": 392.54, "基本支出预算数": 415.10},
                      scores={"B11基本支出预算执行率": "0.955"}, total_score="99.955")
    r = check(fw)
    silent(r, "C11")
    assert r.findings == []


def test_a_rule_row_without_its_data_is_not_recomputed():
    r = check(from_profile(KUNMING, data={"基本支出决算数": 392.54}))
    silent(r, "C11")


def test_wuhua_execution_scored_in_full_at_73_percent_is_a_warning():
    # 五华 预算执行率 (w 3, whole points): 293.08 / 397.80 = 73.675% × 3 = 2.21 → 2; the seed says 2
    data = {"年初预算数": 397.80, "实际到位数": 397.80, "实际支出数": 293.08}
    fw = from_profile(WUHUA, data=data)
    r = check(fw)
    assert hits(r, "C11.rule") == [("C11", W, "F17", 3, 2)]  # 过程 / 资金管理 / 预算执行率, row 17
    assert checks(r) == {"C11"}


def test_wuhua_execution_scored_in_whole_points_is_silent():
    data = {"年初预算数": 397.80, "实际到位数": 397.80, "实际支出数": 293.08}
    r = check(from_profile(WUHUA, data=data, scores={"预算执行率": 2}, total_score=99))
    assert r.findings == []


# --- C15: the grade ---------------------------------------------------------------------------------------------------
def test_a_grade_row_the_total_does_not_give_is_an_error():
    r = check(small(grade="良"))
    assert hits(r, "C15.grade") == [("C15", E, "C13", "良", "优")]
    assert checks(r) == {"C15"}


def test_a_grade_row_the_total_gives_is_silent():
    r = check(small(scores={B21: 10}, total_score=90, grade="优"))
    silent(r, "C15")
    assert r.findings == []


def test_a_grade_in_a_labelled_cell_that_the_total_does_not_give_is_an_error_at_that_cell():
    r = check(small(labelled_grade="良"))
    assert hits(r, "C15.stated") == [("C15", E, "D16", "良", "优")]
    assert checks(r) == {"C15"}


def test_a_grade_in_a_labelled_cell_that_the_total_gives_is_silent():
    r = check(small(labelled_grade="优", said_grade="优"))
    silent(r, "C15")


def test_a_grade_sentence_saying_what_the_labelled_cell_says_is_not_reported_again():
    r = check(small(labelled_grade="良", said_grade="良"))
    assert hits(r, "C15.stated") == [("C15", E, "D16", "良", "优")]
    silent(r, "C15.summary")


def test_a_grade_in_the_text_under_the_table_that_disagrees_is_an_error():
    r = check(small(said_grade="良"))
    assert hits(r, "C15.summary") == [("C15", E, "A15", "良", "优")]
    assert checks(r) == {"C15"}


def test_a_grade_in_the_text_under_the_table_that_agrees_is_silent():
    r = check(small(said_grade="优"))
    silent(r, "C15")


def test_a_sentence_whose_total_and_grade_disagree_is_an_error():
    # '综合评分85分，评价等级为优': 优 is right for the table's 98, but not for the 85 of the same sentence
    r = check(small(said_grade=("优", 85)))
    assert hits(r, "C15.sentence") == [("C15", E, "A15", "优", "良")]
    assert checks(r) == {"C15"}


def test_a_sentence_whose_total_and_grade_agree_is_silent():
    r = check(small(said_grade=("优", 98)))
    assert r.findings == []


# --- C19 / C20: the questionnaire -------------------------------------------------------------------------------------
ALL_A = [(10, 0, 0)] * 10  # ten questions, ten answers each, all 'A' (10 points): 1000 / 10 = 100


def test_a_clean_questionnaire_is_silent():
    r = check(small(questionnaires=[questionnaire(ALL_A)]))
    assert r.findings == []
    assert r.values["questionnaires"] == [{"sheet": "问卷调查", "valid": 10, "tally": 1000, "score": 100}]


def test_a_question_whose_counts_are_not_the_valid_questionnaires_is_an_error():
    counts = list(ALL_A)
    counts[2] = (6, 3, 0)
    r = check(small(questionnaires=[questionnaire(counts)]))
    assert hits(r, "C20.count") == [("C20", E, "A11", 9, 10)]
    assert r.findings[0].sheet == "问卷调查"
    assert checks(r) == {"C20"}


def test_a_question_whose_counts_are_the_valid_questionnaires_is_silent():
    counts = list(ALL_A)
    counts[2] = (6, 3, 1)
    r = check(small(questionnaires=[questionnaire(counts)]))
    silent(r, "C20")


def test_a_stated_total_of_points_the_tally_does_not_give_is_an_error():
    r = check(small(questionnaires=[questionnaire(ALL_A, total=900, score=90)]))
    assert hits(r, "C20.total") == [("C20", E, "D44", 900, 1000)]
    assert checks(r) == {"C20"}


def test_a_stated_score_that_is_not_the_total_over_the_valid_count_is_an_error():
    r = check(small(questionnaires=[questionnaire(ALL_A, score=95)]))
    assert hits(r, "C20.score") == [("C20", E, "D45", 95, 100)]
    assert checks(r) == {"C20"}


def test_a_mean_rounded_to_the_hundredth_is_the_score():
    # 12 answers: (10 A, 2 B) per question → 1100 / 12 = 91.666… stated 91.67
    r = check(small(questionnaires=[questionnaire([(10, 2, 0)] * 10, valid=12, score="91.67")]))
    silent(r, "C20")
    assert r.findings == []


def test_a_satisfaction_row_the_questionnaire_does_not_give_is_an_error():
    # 6 A + 4 B per question: 800 / 10 = 80 of 100 → 80%; C19 (w 7, 85% full, −5% of w per point) = 5.25
    fw = from_profile(KUNMING, questionnaires=[questionnaire([(6, 4, 0)] * 10)],
                      scores={"C20机关其他日常工作": 5.25}, total_score=98.25)
    r = check(fw)
    assert hits(r, "C19.satisfaction") == [("C19", E, "F46", 7, 5.25)]  # C19政务服务系统人员满意度, row 46
    assert checks(r) == {"C19"}


def test_satisfaction_at_the_threshold_scores_full():
    # 7 A + 3 B: 850 / 10 = 85 → 85%: full marks
    r = check(from_profile(KUNMING, questionnaires=[questionnaire([(7, 3, 0)] * 10)]))
    silent(r, "C19")
    assert r.findings == []
