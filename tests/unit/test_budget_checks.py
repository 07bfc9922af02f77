"""The budget block (check/budget.py): C01–C08, C10, C29 on forms built in memory.

The Sichuan form is seed 004 form 4 (外包): 总额 on row 10, C10 年初 35.16 · D10 调整后 200.16 · E10 执行 142.88 ·
F10 执行率 71.38% · G10 权重 10 · H10 得分 7.1 · I10 原因; 财政资金 on row 11; 合计 I22 = 97.1.
"""

import pytest
from expect import checks, hits, silent
from forms import ABSENT, WUHUA, budget_block, check, from_profile, sichuan, sichuan_spent

from perfeval_xl.check import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def test_the_clean_sichuan_form_has_no_findings_and_the_seed_figures():
    r = check(sichuan())
    assert r.findings == []
    assert (r.values["execution_rate"], r.values["execution_score"], r.values["total_score"]) == (0.7138, 7.1, 97.1)


# --- C01: the lines add up to the total -------------------------------------------------------------------------------
def test_lines_that_do_not_add_up_to_the_total_are_an_error_at_the_total():
    r = check(sichuan(budget={"fiscal": {"executed": "140.88", "rate": "70.38%"}}))
    assert hits(r, "C01.sum") == [("C01", E, "E10", 142.88, 140.88)]
    assert checks(r) == {"C01"}


def test_lines_off_by_a_cent_of_rounding_add_up():
    # 财政资金 100.01 + 单位资金 42.86 = 142.87 against 142.88: within 0.005 per line and total
    r = check(sichuan(budget={"fiscal": {"budget": "157.16", "executed": "100.01", "rate": "63.64%"},
                              "own": {"budget": "43.00", "executed": "42.86", "rate": "99.67%"}}))
    silent(r, "C01")
    assert r.findings == []


def test_a_blank_total_under_lines_with_amounts_is_an_error_with_their_sum():
    r = check(sichuan(budget={"total": {"executed": None}}))
    assert hits(r, "C01.total_blank") == [("C01", E, "E10", None, 142.88)]
    silent(r, "C10")  # one finding for one blank cell


def test_a_total_line_without_lines_below_it_is_not_summed():
    r = check(sichuan(budget={"fiscal": {"initial": None, "budget": None, "executed": None, "rate": None},
                              "special": {"initial": None, "budget": None, "executed": None, "rate": None},
                              "own": {"initial": None, "budget": None, "executed": None, "rate": None}}))
    silent(r, "C01")
    assert r.findings == []


# --- C02: the execution rate ------------------------------------------------------------------------------------------
def test_a_wrong_rate_is_an_error_at_its_cell():
    r = check(sichuan(budget={"total": {"rate": "71.40%"}}))
    assert hits(r, "C02.rate") == [("C02", E, "F10", 0.714, 0.7138)]
    assert checks(r) == {"C02"}


def test_a_rate_off_by_what_rounded_amounts_allow_is_not_an_error():
    # 142.88 / 200.16 = 71.383%; 71.39% is 0.0071 points off, inside 0.005 + what 0.01-rounded amounts allow
    # (0.0043 points here)
    r = check(sichuan(budget={"total": {"rate": "71.39%"}}))
    silent(r, "C02")


def test_a_rate_written_in_words_is_an_error_showing_the_text():
    r = check(sichuan(budget={"total": {"rate": "约七成"}}))
    assert hits(r, "C02.rate") == [("C02", E, "F10", "约七成", 0.7138)]


def test_a_rate_written_as_a_fraction_is_read_as_one():
    r = check(sichuan(budget={"total": {"rate": 0.7138}, "fiscal": {"rate": "0.7138"}}))
    silent(r, "C02")


def test_a_blank_rate_on_the_total_line_is_an_error():
    r = check(sichuan(budget={"total": {"rate": None}}))
    assert hits(r, "C02.blank") == [("C02", E, "F10", None, 0.7138)]


def test_a_blank_rate_on_a_line_below_the_total_is_not_an_error():
    r = check(sichuan(budget={"fiscal": {"rate": None}}))
    silent(r, "C02")


def test_a_framework_budget_block_has_its_rate_checked_too():
    fw = from_profile(WUHUA, budget=budget_block(WUHUA, rate="75.68%"))
    r = check(fw)
    assert hits(r, "C02.rate") == [("C02", E, "G11", 0.7568, 0.7368)]


def test_a_framework_budget_block_with_the_right_rate_is_silent():
    r = check(from_profile(WUHUA, budget=budget_block(WUHUA, rate="73.68%")))
    assert r.findings == []
    assert r.values["execution_rate"] == 0.7368


def test_a_funds_block_measures_execution_against_the_funds_arrived_and_arrival_against_the_budget():
    # 预算数 400, 实际到位数 320 (80%), 执行数 288: 执行率 = 288 ÷ 320 = 90% (not 72%)
    block = budget_block(WUHUA, budget="400", arrived="320", executed="288", rate="90.00%", arrival_rate="80.00%")
    r = check(from_profile(WUHUA, budget=block))
    silent(r, "C02")
    assert (r.values["execution_rate"], r.values["arrival_rate"], r.values["budget_arrived"]) == (0.9, 0.8, 320)


def test_a_typed_arrival_rate_the_amounts_do_not_give_is_an_error():
    block = budget_block(WUHUA, budget="400", arrived="320", executed="288", rate="90.00%", arrival_rate="85.00%")
    r = check(from_profile(WUHUA, budget=block))
    assert hits(r, "C02.arrival") == [("C02", E, "H11", 0.85, 0.8)]
    silent(r, "C02.rate")


def test_a_blank_total_line_reports_the_rate_its_lines_give():
    # 五华 as printed: 合计 left blank, 区级财政 carries 397.80 / 397.80 / 293.08
    block = budget_block(WUHUA, budget=None, arrived=None, executed=None, rate=None)
    r = check(from_profile(WUHUA, budget=block))
    assert (r.values["execution_rate"], r.values["budget_adjusted"], r.values["budget_executed"]) == (0.7368, 397.8,
                                                                                                    293.08)
    assert {f.check for f in r.findings} == {"C01"}


# --- C03: the execution score -----------------------------------------------------------------------------------------
def test_an_execution_score_off_the_rule_is_a_warning():
    r = check(sichuan(budget={"total": {"score": "7.2"}}, total_score="97.2"))
    assert hits(r, "C03.score") == [("C03", W, "H10", 7.2, 7.1)]
    assert checks(r) == {"C03"}


def test_an_execution_score_from_the_printed_rate_is_accepted():
    # 142.99 / 200.00 = 71.495% gives 7.1 (7.1495); the printed 71.50% gives 7.2 (7.150): both stand
    r = check(sichuan_spent("200.00", "142.99", "71.50%", "7.2", initial="200.00"))
    silent(r, "C03")
    assert r.values["execution_score"] == 7.1
    assert r.findings == []


# --- C04: spending beyond the budget ----------------------------------------------------------------------------------
def test_spending_beyond_the_budget_is_a_warning_on_each_line_and_scores_full():
    r = check(sichuan_spent("200.16", "210.16", "105.00%", "10", rows={4: {"target": "220"}}))
    assert hits(r, "C04.over") == [("C04", W, "E10", 210.16, 200.16), ("C04", W, "E11", 210.16, 200.16)]
    assert r.values["execution_score"] == 10
    silent(r, "C03")
    silent(r, "C08")


def test_spending_the_whole_budget_is_not_over_budget():
    r = check(sichuan_spent("200.16", "200.16", "100.00%", "10", rows={4: {"target": "220"}}))
    silent(r, "C04")
    assert r.findings == []


def test_spending_on_a_line_without_budget_is_over_budget():
    # 单位资金: budget 0.00, spent 2.00; 总额 142.88 + 2.00 = 144.88 of 200.16 = 72.38%
    r = check(sichuan(budget={"total": {"executed": "144.88", "rate": "72.38%", "score": "7.2"},
                              "own": {"executed": "2.00"}},
                      rows={4: {"actual": "144.88"}}, total_score="97.2"))
    assert [f for f in r.findings if f.check != "C04"] == []
    assert hits(r, "C04.over") == [("C04", W, "E13", 2, 0)]


def test_spending_with_a_zero_budget_is_an_error_and_no_rate_is_shown():
    # 调整后预算数 0, 执行数 142.88, the platform's 0.00%: no rate exists, so neither 0.00% nor C24's "仅 0.00%"
    zero = {"initial": "0.00", "budget": "0.00", "executed": "142.88", "rate": "0.00%"}
    r = check(sichuan(budget={"total": {**zero, "score": "0"}, "fiscal": zero}, total_score="90"))
    assert hits(r, "C04.no_budget") == [("C04", E, "E10", 142.88, 0)]
    assert hits(r, "C02.no_budget") == [("C02", E, "F10", 0, None)]
    assert hits(r, "C04.over") == [("C04", W, "E11", 142.88, 0)]  # 财政资金 below the total: a warning
    assert next(f.message for f in r.findings if f.cell == "E10") == (
        "总额的调整后预算数为 0，预算执行数却为 142.88：没有预算的支出算不出执行率（既不是 0%，也不是 100%），执行率得分、"
        "总分和评价等次都无法复核。请核实调整后预算数。")
    shown = ("execution_rate", "execution_score", "total_score", "grade")
    assert {k: r.values[k] for k in shown} == dict.fromkeys(shown)
    assert (r.values["budget_adjusted"], r.values["budget_executed"]) == (0, 142.88)
    silent(r, "C24")
    assert checks(r) == {"C02", "C04"}


def test_spending_with_a_blank_budget_is_an_error_with_its_own_sentence():
    blank = {"initial": None, "budget": None, "executed": "142.88", "rate": None}
    r = check(sichuan(budget={"total": {**blank, "score": "7.1"}, "fiscal": blank}))
    assert hits(r, "C04.no_budget_blank") == [("C04", E, "E10", 142.88, None)]
    assert hits(r, "C04.line_no_budget") == [("C04", W, "E11", 142.88, None)]
    silent(r, "C10.budget")
    silent(r, "C02")
    assert r.values["execution_rate"] is None and r.values["total_score"] is None


def test_no_budget_and_no_spending_is_not_over_budget_and_shows_no_rate():
    r = check(sichuan_spent("0.00", "0.00", "0.00%", "0", initial="0.00", rows={4: {"target": "0"}}))
    silent(r, "C04")
    silent(r, "C02")
    silent(r, "C24")  # there is no rate to call low
    assert r.values["execution_rate"] is None and r.values["total_score"] == 90


# --- C05 / C06: reasons owed ------------------------------------------------------------------------------------------
def test_execution_below_90_percent_without_a_reason_is_a_warning():
    r = check(sichuan(budget={"total": {"initial": "200.16", "reason": None}, "fiscal": {"initial": "200.16"}}))
    assert hits(r, "C05.reason") == [("C05", W, "I10", None, None)]
    assert checks(r) == {"C05"}


def test_the_printed_instruction_in_the_reason_cell_is_not_a_reason():
    hint = ("1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);"
            "2.年中发生预算调整的(追加或调减),应单独说明理由;3.其他资金包括:社会投入资金、银行贷款")
    r = check(sichuan(budget={"total": {"initial": "200.16", "reason": hint}, "fiscal": {"initial": "200.16"}}))
    assert hits(r, "C05.reason") == [("C05", W, "I10", hint, None)]


def test_execution_of_exactly_90_percent_needs_no_reason():
    r = check(sichuan_spent("200.00", "180.00", "90.00%", "9.0", initial="200.00", reason=None))
    silent(r, "C05")
    assert r.findings == []


def test_an_adjusted_budget_without_a_reason_is_a_warning():
    r = check(sichuan_spent("200.00", "190.00", "95.00%", "9.5", initial="150.00", reason=None))
    assert hits(r, "C06.reason") == [("C06", W, "I10", None, None)]
    assert checks(r) == {"C06"}


def test_an_unadjusted_budget_needs_no_reason():
    r = check(sichuan_spent("200.00", "190.00", "95.00%", "9.5", initial="200.00", reason=None))
    silent(r, "C06")
    assert r.findings == []


def test_a_form_whose_budget_block_has_no_reason_column_owes_no_reason():
    r = check(sichuan(budget={"total": {"reason": ABSENT}}))
    silent(r, "C05")
    silent(r, "C06")


# --- C07 / C08 / C10: the execution weight and score ------------------------------------------------------------------
def test_an_execution_weight_other_than_10_is_an_error():
    r = check(sichuan(budget={"total": {"weight": "20"}}))
    assert hits(r, "C07.exec") == [("C07", E, "G10", 20, 10)]


def test_an_execution_weight_written_10_point_0_is_10():
    r = check(sichuan(budget={"total": {"weight": "10.0"}}))
    silent(r, "C07")


def test_an_execution_score_above_its_weight_is_an_error_that_gives_the_rules_score():
    r = check(sichuan_spent("200.16", "200.16", "100.00%", "12", rows={4: {"target": "220"}}))
    assert hits(r, "C08.above_rule") == [("C08", E, "H10", 12, 10)]
    silent(r, "C03")  # one finding for one wrong score
    r = check(sichuan_spent("200.16", "142.88", "71.38%", "12", rows={4: {"target": "220"}}))
    assert hits(r, "C08.above_rule") == [("C08", E, "H10", 12, 7.1)]


def test_a_full_execution_score_at_full_execution_is_not_above_its_weight():
    r = check(sichuan_spent("200.16", "200.16", "100.00%", "10", rows={4: {"target": "220"}}))
    silent(r, "C08")


def test_a_negative_execution_score_is_an_error():
    r = check(sichuan(budget={"total": {"score": "-1"}}, total_score="89"))
    [(check_id, severity, ref, stated, _)] = hits(r, "C08.negative")
    assert (check_id, severity, ref, stated) == ("C08", E, "H10", -1)


def test_a_negative_execution_score_is_recomputed_as_the_bound_0():
    r = check(sichuan(budget={"total": {"score": "-1"}}, total_score="89"))
    assert hits(r, "C08.negative") == [("C08", E, "H10", -1, 0)]


def test_a_blank_execution_score_is_an_error_with_the_score_it_should_be():
    r = check(sichuan(budget={"total": {"score": None}}, total_score="90"))
    assert hits(r, "C10.score") == [("C10", E, "H10", None, 7.1)]
    assert checks(r) == {"C10"}


def test_a_budget_block_without_a_score_column_owes_no_score():
    r = check(sichuan(budget={"total": {"score": ABSENT}}, total_score="90"))
    silent(r, "C10")


def test_a_total_line_without_execution_is_an_error_when_nothing_can_fill_it():
    lines_gone = {"fiscal": ABSENT, "special": ABSENT, "own": ABSENT, "other": ABSENT}
    r = check(sichuan(budget={"total": {"executed": None}, **lines_gone}))
    assert hits(r, "C10.budget") == [("C10", E, "E10", None, None)]
    assert checks(r) == {"C10"}


def test_a_blank_total_the_lines_can_fill_is_c01_not_c10():
    r = check(sichuan(budget={"total": {"executed": None}}))
    silent(r, "C10.budget")


# --- C29: precision ---------------------------------------------------------------------------------------------------
def test_an_amount_with_three_decimals_is_a_note():
    r = check(sichuan(budget={"total": {"initial": "35.164"}, "fiscal": {"initial": "35.164"}}))
    assert hits(r, "C29.amount") == [("C29", INFO, "C10", 35.164, None), ("C29", INFO, "C11", 35.164, None)]
    assert checks(r) == {"C29"}


def test_an_amount_to_the_cent_is_not_a_note():
    r = check(sichuan())
    silent(r, "C29")


def test_an_amount_written_with_a_trailing_zero_is_precise_to_the_cent():
    r = check(sichuan(budget={"total": {"budget": "200.160"}, "fiscal": {"budget": "200.160"}}))
    silent(r, "C29")


def test_an_execution_score_with_more_decimals_than_the_profile_is_a_note():
    # Sichuan scores execution to 1 decimal; 7.14 is within C03's 0.05 of 7.1, so only the precision is noted
    r = check(sichuan(budget={"total": {"score": "7.14"}}, total_score="97.14"))
    assert hits(r, "C29.score") == [("C29", INFO, "H10", 7.14, None)]
    assert checks(r) == {"C29"}


def test_an_execution_score_to_one_decimal_is_not_a_note():
    r = check(sichuan(budget={"total": {"score": "7.1"}}))
    silent(r, "C29")
