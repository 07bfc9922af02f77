"""The 绩效目标申报表 checks (D01–D06) on forms built in memory: each case triggered where a reviewer would send the
form back, and its near miss silent."""

from __future__ import annotations

from declaration_forms import ROWS, check, declaration
from expect import checks, hits, silent
from forms import ABSENT

from perfeval_xl.check import Severity
from perfeval_xl.check.declaration import category_key, quantified

W, E = Severity.WARNING, Severity.ERROR


def without(*names: str) -> list[dict]:
    """The default rows without those whose 一级 or 二级 is one of `names`."""
    return [r for r in ROWS if r["level1"] not in names and r["annual"]["level2"] not in names]


def test_the_default_form_has_no_finding_and_its_values():
    r = check(declaration())
    assert r.findings == []
    assert r.values == {
        "project": "教育教学改革专项", "year": 2021, "halves": ["medium", "annual"],
        "medium_total": 1500, "medium_lines_total": 1500, "annual_total": 500, "annual_lines_total": 500,
        "indicator_counts": {h: {"产出指标": 3, "成本指标": 1, "效益指标": 1, "满意度指标": 1}
                             for h in ("medium", "annual")},
        "indicators": 6, "missing_targets": 0, "unquantified": 0}


# --- D01: the required 一级 categories ------------------------------------------------------------------------------
def test_a_missing_benefit_category_is_a_warning_in_each_half_at_the_level1_header():
    r = check(declaration(indicators=without("效益指标")))
    assert hits(r, "D01.missing") == [("D01", W, "B12", None, None)] * 2
    assert [f.message for f in r.findings if f.check == "D01"] == [
        "中期绩效指标中没有“效益指标”，应至少设置 1 个三级指标。",
        "年度绩效指标中没有“效益指标”，应至少设置 1 个三级指标。"]


def test_a_category_written_without_any_third_level_indicator_is_empty():
    rows = {4: {"medium": {"level3": None, "target": None}, "annual": {"level3": None, "target": None}}}
    r = check(declaration(rows=rows))
    assert hits(r, "D01.empty") == [("D01", W, "B17", "效益指标", None)] * 2
    silent(r, "D01.missing")


def test_satisfaction_is_not_required_by_the_national_profile():
    silent(check(declaration(indicators=without("满意度指标"))), "D01")


def test_a_category_named_without_its_suffix_or_with_numbering_counts():
    rows = {4: {"level1": "效益"}}
    r = check(declaration(rows=rows))
    silent(r, "D01")
    assert category_key("产出") == category_key("产出指标") == "产出"


def test_an_empty_medium_half_is_not_required_to_carry_anything():
    blank = {"level2": None, "level3": None, "target": None}
    r = check(declaration(rows={i: {"medium": blank} for i in range(len(ROWS))}))
    silent(r, "D01")
    silent(r, "D02")
    assert r.values["indicator_counts"]["medium"] == {"产出指标": 0, "成本指标": 0, "效益指标": 0, "满意度指标": 0}


# --- D02: the 二级 categories of 产出 and the 成本指标 ---------------------------------------------------------------
def test_a_missing_timeliness_indicator_is_a_warning_at_the_level2_header_of_each_half():
    r = check(declaration(indicators=without("时效指标")))
    assert hits(r, "D02.missing") == [("D02", W, "C12", None, None), ("D02", W, "F12", None, None)]
    assert "时效指标" in r.findings[0].message


def test_a_timeliness_row_without_a_third_level_indicator_is_empty():
    r = check(declaration(rows={2: {"annual": {"level3": None, "target": None}}}))
    assert hits(r, "D02.empty") == [("D02", W, "F15", "时效指标", None)]


def test_cost_is_required_from_2021_on():
    r = check(declaration(indicators=without("成本指标"), year=2021))
    assert hits(r, "D02.missing") == [("D02", W, "C12", None, None), ("D02", W, "F12", None, None)]
    assert "“成本指标”" in r.findings[0].message


def test_a_2020_form_without_cost_is_not_told_to_have_one():
    silent(check(declaration(indicators=without("成本指标"), year=2020)), "D02")


def test_a_form_whose_year_cannot_be_read_is_held_to_the_cost_rule():
    r = check(declaration(indicators=without("成本指标"), year=None))
    assert len(hits(r, "D02.missing")) == 2


def test_cost_as_a_second_level_under_output_satisfies_the_rule():
    rows = {3: {"level1": "产出指标", "medium": {"level2": "成本指标"}, "annual": {"level2": "成本指标"}}}
    r = check(declaration(rows=rows))
    silent(r, "D02")
    assert r.values["indicator_counts"]["annual"] == {"产出指标": 4, "成本指标": 0, "效益指标": 1, "满意度指标": 1}


# --- D03: a 三级 without its 指标值 ----------------------------------------------------------------------------------
def test_a_named_indicator_without_a_value_is_a_warning_at_the_value_cell():
    r = check(declaration(rows={1: {"annual": {"target": None}}}))
    assert hits(r, "D03.blank") == [("D03", W, "H14", None, None)]
    assert r.findings[0].message == "“培训考核合格率”的年度指标值未填写。"
    assert r.values["missing_targets"] == 1


def test_a_value_without_a_name_is_not_a_missing_value():
    r = check(declaration(rows={1: {"annual": {"level3": None}}}))
    silent(r, "D03")


def test_a_row_with_neither_name_nor_value_is_no_indicator():
    extra = {"level1": "", "medium": {"level2": "", "level3": None, "target": None},
             "annual": {"level2": "", "level3": None, "target": None}}
    r = check(declaration(indicators=[*ROWS, extra]))
    assert r.findings == []


# --- D04: quantified targets --------------------------------------------------------------------------------------
def test_an_output_value_in_words_is_not_quantified():
    r = check(declaration(rows={0: {"annual": {"target": "大幅增加"}}}))
    assert hits(r, "D04.unquantified") == [("D04", W, "H13", "大幅增加", None)]
    assert r.findings[0].message.startswith("“培训教师人次”属于数量指标，指标值“大幅增加”未量化")
    assert r.values["unquantified"] == 1


def test_a_quality_standard_in_words_is_not_quantified_either():
    r = check(declaration(rows={1: {"medium": {"target": "符合国家标准"}}}))
    assert hits(r, "D04.unquantified") == [("D04", W, "E14", "符合国家标准", None)]


def test_benefit_and_satisfaction_may_be_qualitative():
    r = check(declaration(rows={4: {"annual": {"target": "明显改善"}}, 5: {"annual": {"target": "满意"}}}))
    silent(r, "D04")


def test_numbers_dates_and_chinese_counts_are_quantified():
    for value in ("≥100人次", "100", "95%", "2021年12月底前", "≤0.2万元/人", "开展两场", "不低于95%", "十二月底前"):
        assert quantified(value), value
    for value in ("大幅增加", "按时完成", "符合标准", "进一步提高"):
        assert not quantified(value), value
    r = check(declaration(rows={0: {"annual": {"target": "开展培训两场"}}, 2: {"annual": {"target": "年内12月完成"}}}))
    silent(r, "D04")


def test_a_value_marked_not_applicable_is_left_to_the_reviewer():
    silent(check(declaration(rows={0: {"annual": {"target": "/"}}})), "D04")


# --- D05: 资金总额 = Σ 其中 lines ------------------------------------------------------------------------------------
def test_lines_that_do_not_add_up_to_the_total_are_an_error():
    r = check(declaration(funds={"annual": {"fiscal": "450"}}))
    assert hits(r, "D05.sum") == [("D05", E, "H6", 500, 550)]
    assert r.findings[0].message == "年度资金的其中各项合计为 550，与年度资金总额填报的 500 不一致。"


def test_lines_within_a_cent_of_the_total_are_fine():
    silent(check(declaration(funds={"annual": {"total": "500.01"}})), "D05")


def test_a_total_above_its_printed_lines_is_not_proved_wrong_when_a_line_is_missing():
    r = check(declaration(funds={"annual": {"other": ABSENT}}))
    silent(r, "D05")
    r = check(declaration(funds={"annual": {"other": ABSENT, "fiscal": "450"}}))  # 530 > 500: proved
    assert hits(r, "D05.sum") == [("D05", E, "H6", 500, 530)]


def test_a_blank_total_beside_filled_lines_is_a_warning():
    r = check(declaration(funds={"medium": {"total": None}}))
    assert hits(r, "D05.total_blank") == [("D05", W, "E6", None, 1500)]
    assert r.findings[0].message == "中期资金总额未填写，其中各项合计为 1500。"


def test_a_blank_total_with_blank_lines_says_nothing():
    blank = {"total": None, "fiscal": None, "carryover": None, "other": None}
    silent(check(declaration(funds={"medium": blank})), "D05")


def test_amounts_in_yuan_add_up_in_yuan():
    r = check(declaration(funds={"annual": {"total": "5000000元", "fiscal": "4000000元", "carryover": "800000元",
                                            "other": "200000元"}}))
    silent(r, "D05")
    assert r.values["annual_total"] == 500


# --- D06: 年度 within 中期 -------------------------------------------------------------------------------------------
def test_an_annual_total_above_the_medium_total_is_an_error():
    r = check(declaration(funds={"annual": {"total": "1600", "fiscal": "1500"}}))
    assert ("D06", E, "H6", 1600, 1500) in hits(r, "D06.above")
    assert ("D06", E, "H7", 1500, 1200) in hits(r, "D06.above")
    assert "年度资金总额 1600 超过中期资金总额 1500" in r.findings[0].message


def test_an_annual_carryover_above_the_medium_one_is_not_compared():
    silent(check(declaration(funds={"annual": {"carryover": "280", "total": "700"}})), "D06")


def test_a_blank_or_zero_medium_amount_is_not_compared():
    silent(check(declaration(funds={"medium": {"total": None, "fiscal": None, "carryover": None, "other": None}})),
           "D06")
    silent(check(declaration(funds={"medium": {"total": "0", "fiscal": "0", "carryover": "0", "other": "0"}})), "D06")


# --- the one-half provincial form --------------------------------------------------------------------------------
def test_a_one_half_form_is_checked_as_its_annual_half():
    r = check(declaration(halves=("annual",)))
    assert r.findings == [] and r.values["halves"] == ["annual"] and "medium" not in r.values["indicator_counts"]
    r = check(declaration(halves=("annual",), rows={1: {"annual": {"target": None}}},
                          funds={"annual": {"fiscal": "450"}}))
    assert checks(r) == {"D03", "D05"}
    assert hits(r, "D03.blank") == [("D03", W, "E14", None, None)]


def test_a_declaration_with_only_headers_is_blank():
    blank = {"level3": None, "target": None}
    r = check(declaration(rows={i: {"medium": blank, "annual": blank} for i in range(len(ROWS))},
                          funds={h: {"total": None, "fiscal": None, "carryover": None, "other": None}
                                 for h in ("medium", "annual")}, goals={"medium": None, "annual": None}))
    assert hits(r, "F02.unscored") == [("F02", Severity.INFO, None, None, None)]
    assert r.values == {"blank": True}
