"""The scoring rules against the seed figures, and Excel's rounding."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfeval_xl.excelmath import excel_round
from perfeval_xl.profile import get_profile
from perfeval_xl.rules import RULES

SICHUAN = get_profile("sichuan.project_selfeval")

# (adjusted budget, executed) of the 12 seed-004 forms and their printed execution scores
SEED_EXECUTION = [
    ("446.50", "446.50", "10"),
    ("127.15", "127.15", "10"),
    ("323.01", "323.01", "10"),
    ("200.16", "142.88", "7.1"),
    ("230.00", "65.35", "2.8"),
    ("373.36", "354.93", "9.5"),
    ("21.15", "21.13", "10"),
    ("495.00", "64.03", "1.3"),
    ("98.00", "86.58", "8.8"),
    ("15.00", "13.78", "9.2"),
    ("8.16", "8.16", "10"),
    ("285.00", "0.00", "0"),
]


@pytest.mark.parametrize("budget,executed,score", SEED_EXECUTION)
def test_execution_score_matches_every_seed_form(budget, executed, score):
    rate = RULES["execution_rate"].evaluate(executed=D(executed), budget=D(budget))
    got = RULES["execution_score"].evaluate(rate=rate, weight=D(10), digits=SICHUAN.budget.score_digits)
    assert got == D(score)


def test_outsourcing_rate_is_71_38_percent_and_scores_7_1():
    rate = RULES["execution_rate"].evaluate(executed=D("142.88"), budget=D("200.16"))
    assert excel_round(rate * 100, 2) == D("71.38")
    assert RULES["execution_score"].evaluate(rate=rate, weight=D(10), digits=1) == D("7.1")


def test_execution_above_budget_is_capped_at_the_weight():
    assert RULES["execution_score"].evaluate(rate=D("1.5845"), weight=D(10), digits=1) == D(10)


def test_no_budget_gives_rate_zero():
    assert RULES["execution_rate"].evaluate(executed=D(0), budget=D(0)) == 0


@pytest.mark.parametrize(
    "rule,target,actual,weight,expected",
    [
        ("positive", "60", "70", "20", "20"),  # 天府 数量: over target, capped
        ("positive", "11", "10", "20", "18.18"),  # DOMAIN R3
        ("positive", "0", "0", "5", "5"),
        ("reverse_linear", "21", "21.13", "10", "9.94"),  # 后勤 cost, DOMAIN R4
        ("reverse_linear", "21", "42", "10", "0"),
        ("reverse_linear", "21", "20", "10", "10"),
        ("equal", "0", "0", "10", "10"),
        ("equal", "0", "1", "10", "0"),
        ("equal", "100", "90", "10", "9"),
    ],
)
def test_indicator_rules(rule, target, actual, weight, expected):
    got = RULES[rule].evaluate(target=D(target), actual=D(actual), weight=D(weight), digits=2)
    assert got == D(expected)


def test_qualitative_bands_follow_the_completion_text():
    q, bands = RULES["qualitative"], SICHUAN.qualitative
    achieved = q.evaluate(actual="达成年度指标", weight=D(10), bands=bands)
    partial = q.evaluate(actual="部分达成年度指标并具有一定效果", weight=D(10), bands=bands)
    missed = q.evaluate(actual="未达成年度指标且效果较差", weight=D(10), bands=bands)
    assert (achieved.low, achieved.high) == (D(8), D(10))
    assert (partial.low, partial.high) == (D(6), D(8))
    assert (missed.low, missed.high) == (D(0), D(6))
    assert q.evaluate(actual="", weight=D(10), bands=bands) is None


@pytest.mark.parametrize("total,grade", [(100, "优"), (90, "优"), ("89.99", "良"), (80, "良"), (60, "中"), ("59.9", "差")])
def test_grade_bands(total, grade):
    assert RULES["grade"].evaluate(total=D(str(total)), bands=SICHUAN.grade_bands) == grade


def test_excel_round_is_half_up_not_bankers():
    assert excel_round(1.005, 2) == D("1.01")
    assert excel_round(0.125, 2) == D("0.13")
    assert excel_round(-2.5, 0) == D(-3)
    assert excel_round(2.675, 2) == D("2.68")
    assert excel_round(D("7.15"), 1) == D("7.2")


@given(st.decimals(min_value=0, max_value=10**6, places=2), st.decimals(min_value="0.01", max_value=10**6, places=2))
def test_execution_score_is_within_zero_and_weight(executed, budget):
    rate = RULES["execution_rate"].evaluate(executed=executed, budget=budget)
    score = RULES["execution_score"].evaluate(rate=rate, weight=D(10), digits=1)
    assert D(0) <= score <= D(10)
    assert abs(score - min(rate, 1) * 10) <= D("0.05")


def test_formulas_render_with_cell_references():
    f = RULES["positive"].formula(target="E17", actual="G17", weight="H17", digits=2)
    assert f == "IF(G17>=E17,H17,IF(E17<=0,0,ROUND(MAX(G17,0)/E17*H17,2)))"
    assert RULES["grade"].formula(total="I30", bands=SICHUAN.grade_bands) == (
        'IF(I30>=90,"优",IF(I30>=80,"良",IF(I30>=60,"中","差")))'
    )
