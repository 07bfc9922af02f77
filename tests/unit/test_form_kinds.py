"""Which form a sheet holds (read/detect.py), a sheet that cannot be told (F01), a form with only headers (F02)."""

from __future__ import annotations

from expect import hits, silent
from forms import SICHUAN, check, sichuan

from perfeval_xl import api
from perfeval_xl.check import Severity
from perfeval_xl.profile import get_profile, shipped_profiles
from perfeval_xl.read.detect import Classification, classify
from perfeval_xl.read.workbook import Grid

PROFILES = list(shipped_profiles().values())
NATIONAL_HEAD = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


def grid(name: str, *rows: list) -> Grid:
    width = max(len(r) for r in rows)
    return Grid(name, [list(r) + [None] * (width - len(r)) for r in rows])


def national_selfeval(title: str = "项目支出绩效自评表") -> Grid:
    return grid("Sheet1", [title], ["（2023年度）"], ["项目名称", "培训项目"],
                ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
                ["", "年度资金总额", 10, 10, 9, 10, "90%", 9],
                ["绩效指标", *NATIONAL_HEAD], ["", "产出指标", "数量指标", "培训人次", "≥100人次", 120, 90, 90],
                ["总分", "", "", "", "", "", 100, 99])


def declaration_like() -> Grid:
    """A 绩效目标申报表: targets only, no 完成值, no 分值 or 得分 (DOMAIN.md §1.8)."""
    return grid("项目支出绩效目标申报表", ["项目支出绩效目标申报表"], ["( 2020年度)"], ["项目名称", "培训项目"],
                ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
                ["", "产出指标", "数量指标", "培训人次", "≥100人次"], ["", "效益指标", "社会效益指标", "满意度", "≥90%"])


def monitoring_like() -> Grid:
    """A 绩效目标执行监控表: 年度指标值 and 1-7月执行情况, no 分值 or 得分."""
    return grid("监控表", ["项目支出绩效目标执行监控表"], ["( 2019年度)"], ["项目名称", "培训项目"],
                ["项目资金（万元）", "", "年初预算数", "1-7月执行数", "1-7月执行率", "全年预计执行数"],
                ["", "年度资金总额：", 10, 5, "50%", 10],
                ["一级指标", "二级指标", "三级指标", "年度指标值", "1-7月执行情况", "全年预计完成情况", "偏差原因分析"],
                ["产出指标", "数量指标", "培训人次", "≥100人次", "60人次", "100人次", ""])


def test_a_national_self_evaluation_is_classified_as_one():
    c = classify(national_selfeval(), PROFILES)
    assert (c.kind, c.profile.id, c.uncertain) == ("project_selfeval", "national.project_selfeval", ())


def test_a_declaration_or_monitoring_form_is_never_read_as_a_self_evaluation():
    for sheet in (declaration_like(), monitoring_like()):
        c = classify(sheet, [p for p in PROFILES if p.kind in ("project_selfeval", "framework")])
        assert c.profile is None and c.uncertain == (), (sheet.name, c.scores)


def test_the_title_decides_between_forms_that_share_headers():
    c = classify(national_selfeval(title="部门预算项目支出绩效自评表(2023年度)"), PROFILES)
    assert c.profile.id == "sichuan.project_selfeval"


def test_a_sheet_of_two_kinds_alike_is_uncertain_and_names_both():
    sichuan_p, framework_p = get_profile(SICHUAN), get_profile("hunan.yongzhou.special_fund")
    c = Classification("表1", uncertain=(sichuan_p, framework_p))
    f = api.uncertain_finding(c)
    assert hits([f], "F01.uncertain") == [("F01", Severity.INFO, None, None,
                                           "sichuan.project_selfeval, hunan.yongzhou.special_fund")]
    assert "项目支出绩效自评表" in f.message and "绩效评价指标体系" in f.message


def test_a_certain_sheet_has_no_uncertainty_note():
    c = classify(national_selfeval(), PROFILES)
    assert c.uncertain == ()
    silent([], "F01")


def test_a_form_with_only_headers_is_blank_and_not_scored():
    empty = {"initial": None, "budget": None, "executed": None, "rate": None, "score": None}
    form = sichuan(budget={k: dict(empty) for k in ("total", "fiscal", "special", "own", "other")},
                   indicators=[{"level1": "产出指标", "level2": "数量指标"}], total_score=None,
                   narrative={k: None for k in ("goal", "goal_done", "conclusion", "problems", "measures")})
    r = check(form)
    assert hits(r, "F02.blank") == [("F02", Severity.INFO, None, None, None)]
    assert [f.check for f in r.findings] == ["F02"] and r.values == {"blank": True}


def test_one_amount_typed_makes_a_form_not_blank():
    empty = {"initial": None, "budget": None, "executed": None, "rate": None, "score": None}
    lines = {k: dict(empty) for k in ("total", "fiscal", "special", "own", "other")}
    lines["fiscal"]["budget"] = "10.00"
    r = check(sichuan(budget=lines, indicators=[{"level1": "产出指标", "level2": "数量指标"}], total_score=None))
    silent(r, "F02")
    assert r.values.get("blank") is None


# --- F03: formulas saved without a value that cannot be computed ------------------------------------------------------
def _uncomputed_grid(*cells: tuple[int, int]) -> Grid:
    g = grid("绩效自评表", ["项目支出绩效自评表"], ["", "", "", "", "", "", "", ""])
    g.uncomputed = set(cells)
    return g


def test_formulas_that_cannot_be_computed_are_one_warning_and_no_error_rests_on_them():
    g = _uncomputed_grid((9, 7), (21, 8))
    f = api.uncomputed_finding(g)
    assert hits([f], "F03.uncomputed") == [("F03", Severity.WARNING, "H10", None, None)]
    assert "H10、I22" in f.message
    r = check(sichuan(budget={"total": {"score": None}}, total_score=None))  # as a reader sees uncomputed cells
    kept = api.not_resting_on(r.findings, g.uncomputed)
    assert [f for f in kept if f.cell in ("H10", "I22")] == []
    assert all(f.severity is not Severity.ERROR for f in kept)


def test_a_sheet_whose_formulas_all_have_values_says_nothing_about_them():
    r = check(sichuan())
    assert api.not_resting_on(r.findings, set()) == r.findings
    silent(r, "F03")
