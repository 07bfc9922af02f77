"""The monitoring form's checks (check/monitoring.py), each triggered on a form built in memory and each with a near
miss that must stay silent: M01 1-N月执行率, M02 资金合计, M03 执行进度 behind 时间进度, M04 全年预计执行数, M05 完成目标
可能性, M06 原因说明, M07 确定能 but short; F02 for a monitoring form with only headers."""

from __future__ import annotations

from expect import checks, hits, silent
from forms import ABSENT, check
from monitoring_forms import monitoring

from perfeval_xl.check import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741
BEHIND = {"total": {"executed": "200", "rate": "40.00%"}, "fiscal": {"executed": "160", "rate": "40.00%"},
          "carryover": {"executed": "40", "rate": "40.00%"}}


def test_the_clean_form_has_no_finding_and_its_values():
    r = check(monitoring())
    assert r.findings == []
    assert r.values == {"project": "基层财政干部业务培训", "budget": 500, "executed_to_month": 300, "forecast": 500,
                        "forecast_rate": 1, "month": 7, "time_progress": 0.5833333333333334, "rate_to_month": 0.6,
                        "progress_gap": 0.0167, "indicators": 7}


# --- M01 1-N月执行率 ------------------------------------------------------------------------------------------------
def test_a_rate_that_the_amounts_do_not_give_is_an_error():
    r = check(monitoring(budget={"total": {"rate": "70.00%"}}))
    assert hits(r, "M01.rate") == [("M01", E, "H6", 0.7, 0.6)]
    assert "1-7月执行率应为 60.00%（300÷500），表中填报 70.00%" in r.findings[0].message


def test_a_rate_rounded_as_printed_or_written_as_a_fraction_or_in_words_is_silent():
    for rate in ("60.0%", "60%", 0.6, "0.60", "一般", "/"):
        silent(check(monitoring(budget={"total": {"rate": rate}})), "M01")
    # 291.67 / 500 = 58.334%: printed to 0.01% as 58.33%
    lines = {"total": {"executed": "291.67", "rate": "58.33%"}, "fiscal": {"executed": "231.67", "rate": "57.92%"}}
    silent(check(monitoring(budget=lines)), "M01")


def test_a_rate_computed_on_the_initial_budget_where_the_adjusted_one_is_printed_is_a_warning():
    lines = {"total": {"budget": "600", "forecast": "600"}, "fiscal": {"budget": "500", "rate": "48.00%",
                                                                      "forecast": "500"}}
    r = check(monitoring(adjusted=True, budget=lines))
    assert hits(r, "M01.base") == [("M01", W, "H6", 0.6, 0.5)]
    assert "是按年初预算数计算的；本表应按全年预算数计算，为 50.00%" in r.findings[0].message
    silent(r, "M01.rate")


def test_a_rate_on_the_adjusted_budget_is_silent():
    lines = {"total": {"budget": "600", "rate": "50.00%", "forecast": "600"},
             "fiscal": {"budget": "500", "rate": "48.00%", "forecast": "500"}}
    silent(check(monitoring(adjusted=True, budget=lines)), "M01")


def test_a_blank_rate_on_the_total_line_is_a_warning():
    r = check(monitoring(budget={"total": {"rate": None}}))
    assert hits(r, "M01.blank") == [("M01", W, "H6", None, 0.6)]


def test_a_blank_rate_on_a_line_without_budget_or_a_form_without_the_column_is_silent():
    silent(check(monitoring(budget={"other": {"rate": None}})), "M01.blank")
    no_column = {k: {"rate": ABSENT} for k in ("total", "fiscal", "carryover", "other")}
    silent(check(monitoring(budget=no_column)), "M01")


# --- M02 资金合计 --------------------------------------------------------------------------------------------------
def test_lines_that_do_not_add_up_to_the_total_are_an_error():
    r = check(monitoring(budget={"carryover": {"forecast": "90"}}))
    assert hits(r, "M02.sum") == [("M02", E, "I6", 500, 490)]
    assert r.findings[0].message == "年度资金总额以下各资金来源的全年预计执行数合计为 490，与年度资金总额行填报的 500 不一致。"


def test_lines_that_add_up_within_the_printed_precision_are_silent():
    silent(check(monitoring(budget={"fiscal": {"initial": "400.004"}})), "M02")


# --- M03 执行进度 ----------------------------------------------------------------------------------------------------
def test_execution_behind_time_by_more_than_the_margin_asks_for_a_reason():
    r = check(monitoring(budget=BEHIND))
    assert hits(r, "M03.behind") == [("M03", W, "H6", 0.4, 0.5833)]
    assert r.findings[0].message == ("截至7月预算执行进度为 40.00%，时间进度为 58.33%，落后 18.33 个百分点（超过 10 个"
                                     "百分点），请说明执行进度滞后的原因。")
    assert r.values["progress_gap"] == -0.1833
    assert hits(check(monitoring(budget=BEHIND, reason="无")), "M03.behind") == [("M03", W, "H6", 0.4, 0.5833)]


def test_execution_just_within_the_margin_or_explained_or_without_a_month_is_silent():
    within = {"total": {"executed": "241.70", "rate": "48.34%"}, "fiscal": {"executed": "181.70", "rate": "45.43%"}}
    silent(check(monitoring(budget=within)), "M03")  # 58.33% − 48.34% = 9.99 points
    silent(check(monitoring(budget=BEHIND, reason="下半年集中支付培训费")), "M03")
    r = check(monitoring(budget=BEHIND, month=None))
    silent(r, "M03")
    assert "progress_gap" not in r.values and r.values["rate_to_month"] == 0.4


def test_the_month_read_from_the_header_sets_the_time_progress():
    r = check(monitoring(budget=BEHIND, month=5))  # 5/12 = 41.67%: 40% is within 10 points
    silent(r, "M03")
    assert (r.values["month"], r.values["time_progress"]) == (5, 0.4166666666666667)


# --- M04 全年预计执行数 -------------------------------------------------------------------------------------------------
def test_a_forecast_above_the_adjusted_budget_is_an_error():
    lines = {"total": {"forecast": "520"}, "fiscal": {"forecast": "420"}}
    r = check(monitoring(adjusted=True, budget=lines))
    assert hits(r, "M04.above") == [("M04", E, "I6", 520, 500), ("M04", E, "I7", 420, 400)]


def test_a_forecast_above_the_initial_budget_only_is_a_warning():
    lines = {"total": {"forecast": "520"}, "fiscal": {"forecast": "420"}}
    r = check(monitoring(budget=lines))
    assert hits(r, "M04.above_initial") == [("M04", W, "I6", 520, 500), ("M04", W, "I7", 420, 400)]
    assert r.errors == 0


def test_a_forecast_at_the_budget_within_the_printed_precision_is_silent():
    lines = {"total": {"forecast": "500.004"}, "fiscal": {"forecast": "400.004"}}
    silent(check(monitoring(adjusted=True, budget=lines)), "M04")


def test_a_forecast_below_the_budget_without_a_reason_is_a_warning():
    lines = {"total": {"forecast": "450"}, "fiscal": {"forecast": "350"}}
    r = check(monitoring(budget=lines))
    assert hits(r, "M04.below") == [("M04", W, "I6", 450, 500)]
    assert "预计有 50 万元不能执行" in r.findings[0].message


def test_a_forecast_below_the_budget_with_a_reason_is_silent():
    lines = {"total": {"forecast": "450"}, "fiscal": {"forecast": "350"}}
    silent(check(monitoring(budget=lines, reason="部分培训改为线上，节约经费50万元")), "M04")


def test_a_forecast_below_what_is_already_spent_is_a_warning():
    lines = {"total": {"forecast": "250"}, "fiscal": {"forecast": "200"}, "carryover": {"forecast": "50"}}
    r = check(monitoring(budget=lines, reason="培训推迟"))
    assert hits(r, "M04.short") == [("M04", W, "I6", 250, 300), ("M04", W, "I7", 200, 240), ("M04", W, "I8", 50, 60)]
    assert r.errors == 0


def test_a_forecast_equal_to_what_is_spent_is_not_short():
    lines = {"total": {"forecast": "300"}, "fiscal": {"forecast": "240"}, "carryover": {"forecast": "60"}}
    silent(check(monitoring(budget=lines, reason="培训取消")), "M04")


# --- M05 完成目标可能性 ---------------------------------------------------------------------------------------------
def test_a_row_without_a_likelihood_ticked_is_a_warning():
    r = check(monitoring(rows={0: {"likelihood": ()}}))
    assert hits(r, "M05.none") == [("M05", W, "N13", None, None)]
    assert "“确定能”、“有可能”、“完全不可能”中选一项" in r.findings[0].message


def test_two_likelihoods_ticked_are_an_error():
    r = check(monitoring(rows={1: {"likelihood": ("certain", "impossible"), "reason": "x"}}))
    assert hits(r, "M05.many") == [("M05", E, "N14", "确定能、完全不可能", None)]


def test_one_tick_in_any_mark_a_no_beside_it_an_unclear_mark_or_an_empty_row_is_silent():
    for mark in ("✔", "☑", "是", "✓", "1", True):
        silent(check(monitoring(tick=mark)), "M05")
    silent(check(monitoring(rows={0: {"marks": {"possible": "×", "impossible": "否"}}})), "M05")
    silent(check(monitoring(rows={0: {"likelihood": (), "marks": {"certain": "能"}}})), "M05")
    empty = {"level3": None, "target": None, "progress": None, "forecast": None, "likelihood": ()}
    silent(check(monitoring(rows={0: empty})), "M05")


def test_a_single_likelihood_column_holds_the_option_by_name():
    silent(check(monitoring(single_likelihood=True)), "M05")
    r = check(monitoring(single_likelihood=True, rows={2: {"likelihood": ()}}))
    assert hits(r, "M05.none") == [("M05", W, "N15", None, None)]


# --- M06 原因说明 ---------------------------------------------------------------------------------------------------
def test_a_cause_ticked_without_an_explanation_is_a_warning():
    r = check(monitoring(rows={2: {"causes": ("funding", "staff")}}))
    assert hits(r, "M06.cause") == [("M06", W, "M15", None, None)]
    assert "勾选了偏差原因“经费保障、人员保障”" in r.findings[0].message


def test_a_doubt_ticked_without_an_explanation_is_a_warning():
    r = check(monitoring(rows={5: {"causes": (), "reason": None}}))
    assert hits(r, "M06.doubt") == [("M06", W, "M18", None, None)]
    assert "完成目标的可能性为“有可能”" in r.findings[0].message
    for nothing in ("无", "/", "—"):  # these explain nothing
        assert hits(check(monitoring(rows={5: {"reason": nothing}})), "M06.cause") == [("M06", W, "M18", nothing, None)]


def test_causes_or_doubts_explained_and_certain_rows_without_a_reason_are_silent():
    silent(check(monitoring(rows={2: {"causes": ("funding",), "reason": "资金拨付滞后"}})), "M06")
    silent(check(monitoring(rows={5: {"causes": ()}})), "M06")
    silent(check(monitoring()), "M06")


# --- M07 确定能 but short -------------------------------------------------------------------------------------------
def test_certain_with_a_forecast_short_of_the_target_is_a_warning():
    r = check(monitoring(rows={0: {"forecast": "800人次"}}))
    assert hits(r, "M07.short") == [("M07", W, "G13", "800人次", "≥1000人次")]
    r = check(monitoring(rows={3: {"forecast": "520元"}}))  # ≤500元
    assert hits(r, "M07.short") == [("M07", W, "G16", "520元", "≤500元")]
    r = check(monitoring(rows={6: {"forecast": "85%"}}))
    assert hits(r, "M07.short") == [("M07", W, "G19", "85%", "≥90%")]


def test_a_target_without_a_sign_reads_as_a_floor_unless_it_is_a_cost_or_a_ceiling():
    r = check(monitoring(rows={0: {"target": "1000人次", "forecast": "800"}}))
    assert hits(r, "M07.short") == [("M07", W, "G13", "800", "1000人次")]
    silent(check(monitoring(rows={3: {"target": "500元", "forecast": "490元"}})), "M07")  # 成本指标
    silent(check(monitoring(rows={0: {"level3": "培训费用不超过预算", "target": "1000", "forecast": "800"}})), "M07")


def test_forecasts_that_reach_the_target_or_cannot_be_compared_or_are_not_certain_are_silent():
    for target, forecast in (("≥1000人次", "1000人次"), ("≥1000人次", "1200"), ("≥1000人次", "800元"),
                             ("≥95%", "0.9"), ("95", "90%"), ("明显提升", "有所提升"), ("≥1000人次", "预计完成800人次")):
        silent(check(monitoring(rows={0: {"target": target, "forecast": forecast}})), "M07")
    silent(check(monitoring(rows={0: {"forecast": "800人次", "likelihood": ("possible",), "reason": "x"}})), "M07")


def test_a_strict_direction_is_short_on_the_target_itself():
    r = check(monitoring(rows={0: {"target": ">1000人次", "forecast": "1000人次"}}))
    assert hits(r, "M07.short") == [("M07", W, "G13", "1000人次", ">1000人次")]
    silent(check(monitoring(rows={0: {"target": "=1000人次", "forecast": "1000人次"}})), "M07")


def test_the_words_of_the_execution_columns_are_never_checked():
    odd = {"progress": "一般", "forecast": "100%"}
    r = check(monitoring(rows={4: odd, 1: {"progress": "一般"}}))
    assert checks(r) == set()


# --- F02 --------------------------------------------------------------------------------------------------------------
def _headers_only():
    empty = {k: {"initial": None, "executed": None, "rate": None, "forecast": None}
             for k in ("total", "fiscal", "carryover", "other")}
    rows = [{"level1": "产出指标", "level2": "数量指标", "level3": None, "target": None, "progress": None,
             "forecast": None, "likelihood": ()}]
    return empty, rows


def test_a_monitoring_form_with_only_headers_is_blank_and_not_checked():
    budget, rows = _headers_only()
    r = check(monitoring(budget=budget, indicators=rows))
    assert hits(r, "F02.unscored") == [("F02", I, None, None, None)]
    assert [f.message for f in r.findings] == ["项目支出绩效目标执行监控表只有表头，尚未填写。"]
    assert r.values == {"blank": True}


def test_one_amount_makes_a_monitoring_form_not_blank():
    budget, rows = _headers_only()
    budget["fiscal"]["initial"] = "400"
    r = check(monitoring(budget=budget, indicators=rows))
    silent(r, "F02")
