"""The monitoring template (write/monitoring_template.py): the official wording in its cells, inputs and tick lists,
print setup; checked by our own checker — blank, correct and with defects; its helper cells flag exactly the rows the
checker flags (the red highlights follow the checks) over random fills; LibreOffice recalculates every formula to
the Python value after the cached values are poisoned."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from perfeval_xl.api import check_file
from perfeval_xl.check import Severity
from perfeval_xl.profile import get_profile
from perfeval_xl.verify import check_fills, fills_for
from perfeval_xl.write.monitoring_template import SHEET, write_monitoring_template

PROFILE = get_profile("national.monitoring")
W, E = Severity.WARNING, Severity.ERROR

CLEAN = {
    "fields": {"project": "基层财政干部业务培训", "department": "[105]某部", "unit": "某培训中心"},
    "narrative": {"goal": "全年培训基层财政干部1000人次。"},
    "budget": {"fiscal": {"initial": 400, "executed": 240, "forecast": 400},
               "carryover": {"initial": 100, "executed": 60, "forecast": 100}},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "level3": "培训人次", "target": "≥1000人次", "progress": "620人次",
         "forecast": "1000人次", "likelihood": ["certain"]},
        {"level1": "产出指标", "level2": "成本指标", "level3": "人均培训成本", "target": 500, "progress": "480元",
         "forecast": 490, "likelihood": ["certain"]},
        {"level1": "效益指标", "level2": "社会效益指标", "level3": "业务能力", "target": "明显提升", "progress": "一般",
         "forecast": "明显提升", "likelihood": ["possible"], "causes": ["rules"], "reason": "制度尚在审议"},
    ],
}


def _write(tmp_path, name="t", **fill):
    path = tmp_path / f"{name}.xlsx"
    return path, write_monitoring_template(PROFILE, path, year=2024, fill={**CLEAN, **fill} if fill or name != "blank"
                                           else None)


def test_the_layout_has_the_official_wording_in_its_cells(tmp_path):
    path, tmap = _write(tmp_path, "blank")
    ws = openpyxl.load_workbook(path)[SHEET]
    expected = {"A1": "项目支出绩效目标执行监控表", "A2": '="（"&IF(L3="","    ",L3)&"年度）"', "A3": "项目名称",
                "J3": "年度", "L3": 2024, "A4": "主管部门及代码", "J4": "实施单位", "A5": "项目资金（万元）", "D5": "年初预算数", "E5": "1-7月执行数", "F5": "1-7月执行率",
                "G5": "时间进度", "H5": "进度差（执行进度−时间进度）", "J5": "全年预计执行数", "L5": "原因说明",
                "B6": "年度资金总额", "B7": "其中：财政拨款", "B8": "上年结转资金", "B9": "其他资金",
                "A10": "年度总体目标", "A11": "绩效指标", "B11": "一级指标", "C11": "二级指标", "D11": "三级指标",
                "E11": "年度指标值", "F11": "1-7月执行情况", "G11": "全年预计完成情况", "H11": "偏差原因分析",
                "N11": "完成目标可能性", "Q11": "备注", "H12": "经费保障", "I12": "制度保障", "J12": "人员保障",
                "K12": "硬件条件保障", "L12": "其他", "M12": "原因说明", "N12": "确定能", "O12": "有可能",
                "P12": "完全不可能", "B13": "产出指标", "C13": "数量指标"}
    assert {ref: ws[ref].value for ref in expected} == expected
    assert ws["A22"].value.startswith("说明：请在“偏差原因分析”中对应的原因类型下打“√”")
    assert (ws["G6"].value, ws["F6"].value) == ("=7/12", "=IF(N(D6)=0,0,N(E6)/D6)")
    assert ws["D6"].value == '=IF(COUNT(D7:D9)=0,"",SUM(D7:D9))'
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.protection.sheet and not ws["D7"].protection.locked and ws["D6"].protection.locked
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists["H13:L21"] == lists["N13:P21"] == '"√"'
    assert tmap.month == 7 and len(tmap.indicators) == 9
    assert (tmap.title, tmap.fields["year"], tmap.computed["A2"]) == ("A2", "L3", "（2024年度）")


def test_the_blank_template_is_blank_to_the_checker(tmp_path):
    path, _ = _write(tmp_path, "blank")
    report = check_file(path)
    assert [(f.check, f.severity, f.message) for f in report.findings] == [
        ("F02", Severity.INFO, "项目支出绩效目标执行监控表只有表头，尚未填写。")]


def test_a_correct_fill_checks_clean_with_its_values(tmp_path):
    path, tmap = _write(tmp_path, month=8)
    (result,) = check_file(path).results
    assert result.findings == []
    assert result.values == {"project": "基层财政干部业务培训", "budget": 500, "executed_to_month": 300,
                             "forecast": 500, "forecast_rate": 1, "month": 8, "time_progress": 0.6666666666666666,
                             "rate_to_month": 0.6, "progress_gap": -0.0667, "indicators": 3}
    total = tmap.budget["total"]
    assert [tmap.computed[total[k]] for k in ("initial", "executed", "rate", "forecast")] == [
        Decimal(500), Decimal(300), Decimal("0.6"), Decimal(500)]
    assert tmap.computed[total["gap"]] == Decimal("-0.0666666667")


def test_defects_filled_into_the_template_are_found_at_their_cells(tmp_path):
    rows = [dict(r) for r in CLEAN["indicators"]]
    rows[0]["forecast"] = "800人次"
    rows[1]["likelihood"] = ["certain", "possible"]
    rows[2]["reason"] = None
    budget = {"fiscal": {"initial": 400, "executed": 100, "forecast": 300},
              "carryover": {"initial": 100, "executed": 20, "forecast": 100}}
    path, tmap = _write(tmp_path, budget=budget, indicators=rows)
    found = [(f.check, f.severity, f.cell) for f in check_file(path).findings]
    assert found == [("M05", E, "N14"), ("M03", W, "F6"), ("M04", W, "J6"), ("M06", W, "M14"), ("M06", W, "M15"),
                     ("M07", W, "G13")]
    row = tmap.indicators
    assert [tmap.computed[row[0]["short"]], tmap.computed[row[1]["marks"]]] == [1, 2]


def _template_flags(tmap, fill) -> set[tuple[str, str]]:
    """(check, cell) the template's red rules mark, from the values of its helper cells (what the rules test)."""
    v, flags = tmap.computed, set()
    margin, reason = PROFILE.monitoring.progress_margin, bool(fill.get("reason"))
    for key, refs in tmap.budget.items():
        given = (fill.get("budget") or {}).get(key) or {}
        F, B, E_ = (v.get(refs[k]) if key == "total" else given.get(k) for k in ("forecast", "initial", "executed"))
        F, B, E_ = ((x if isinstance(x, Decimal) else None) for x in (F, B, E_))
        tol = Decimal("0.005")
        if F is not None and ((B is not None and F > B + tol) or (E_ is not None and F < E_ - tol)
                              or (key == "total" and B is not None and F < B - tol and not reason)):
            flags.add(("M04", refs["forecast"]))
        if key == "total" and v.get(refs["gap"]) not in ("", None) and -v[refs["gap"]] > margin and not reason:
            flags.add(("M03", refs["rate"]))
    for refs, row in zip(tmap.indicators, fill["indicators"]):
        if v[refs["filled"]] == 1 and v[refs["marks"]] != 1:
            flags.add(("M05", refs["certain"]))
        if v[refs["filled"]] == 1 and not row.get("reason") and \
                (v[refs["causes"]] > 0 or v[refs["marks"]] - v[refs["certain_mark"]] > 0):
            flags.add(("M06", refs["reason"]))
        if v[refs["short"]] == 1:
            flags.add(("M07", refs["forecast"]))
    return flags


@pytest.mark.slow
def test_the_red_rules_mark_what_the_checker_finds_on_random_fills(tmp_path):
    path = tmp_path / "fill.xlsx"
    compared = 0
    for fill in fills_for(PROFILE, 60, seed=11):
        tmap = write_monitoring_template(PROFILE, path, fill=fill)
        findings = check_file(path).findings
        found = {(f.check, f.cell) for f in findings if f.check in ("M03", "M04", "M06", "M07")}
        row_of = {r[k]: r for r in tmap.indicators for k in PROFILE.monitoring.likelihood}
        found |= {("M05", row_of[f.cell]["certain"]) for f in findings if f.check == "M05"}
        assert _template_flags(tmap, fill) == found, fill
        compared += len(found)
    assert compared > 100


@pytest.mark.libreoffice
def test_libreoffice_recalculates_every_formula_to_the_python_value(tmp_path):
    rows = [dict(r) for r in CLEAN["indicators"]]
    rows[0]["forecast"] = "800人次"
    fills = [CLEAN, {**CLEAN, "month": 9, "indicators": rows}, {}, *fills_for(PROFILE, 5, seed=3)]
    (entry,) = check_fills(PROFILE, fills, engines=("libreoffice",), workdir=tmp_path)
    assert entry["error"] is None and entry["mismatches"] == 0, entry["first_mismatches"]
    assert entry["fills"] == len(fills) and entry["cells_compared"] > 500
