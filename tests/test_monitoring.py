"""Monitoring forms (项目支出绩效目标执行监控表) in real layouts, end to end: workbooks written with openpyxl as the
central export lays them out (tests/monitoring_books.py) — read by their labels, every planted defect reported at
its cell, a correct form with no finding; the platform export (one sheet per form of the budget cycle) classified
sheet by sheet, no finding on a sheet of another kind; no shipped profile of another kind claims a monitoring sheet
and the monitoring profile claims no other sheet; the annotated copy; a province's variant as one more profile file;
the CLI."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from monitoring_books import BUDGET, INDICATORS, monitoring_book, monitoring_sheet, platform_workbook
from perfeval_xl import cli
from perfeval_xl.api import check_file, write_annotated
from perfeval_xl.check import Severity
from perfeval_xl.lo import convert
from perfeval_xl.profile import get_profile, load_profile_file, shipped_profiles
from perfeval_xl.read.detect import classify
from perfeval_xl.read.workbook import open_workbook

REPO = Path(__file__).resolve().parents[1]
MONITORING = get_profile("national.monitoring")
OTHERS = [p for p in shipped_profiles().values() if p.kind != "monitoring"]
E, W = Severity.ERROR, Severity.WARNING
TOTAL, FISCAL, CARRY = "年度资金总额：", "其中：财政拨款", "上年结转资金"
PLATFORM_KINDS = {"项目基本信息": None, "立项依据": None, "实施方案": None, "支出计划": None, "支出明细": None,
                  "项目支出绩效目标执行监控表": "monitoring", "项目支出绩效自评表": "project_selfeval"}


def _budget(**lines) -> dict:
    out = copy.deepcopy(BUDGET)
    for label, change in lines.items():
        out[{"total": TOTAL, "fiscal": FISCAL, "carry": CARRY}[label]].update(change)
    return out


def _rows(**changes) -> list:
    rows = copy.deepcopy(INDICATORS)
    for i, change in changes.items():
        for k, v in change.items():
            setattr(rows[int(i[1:])], k, v)
    return rows


def _found(report) -> list[tuple]:
    return [(f.check, f.severity, f.sheet, f.cell) for f in report.findings]


# --- one form in the central layout --------------------------------------------------------------------------------
def test_a_correct_form_in_the_central_layout_has_no_finding(tmp_path):
    monitoring_book(tmp_path / "ok.xlsx")
    report = check_file(tmp_path / "ok.xlsx")
    (result,) = report.results
    assert (result.profile.id, result.findings) == ("national.monitoring", [])
    assert result.values == {"project": "基层财政干部业务培训", "budget": 500, "executed_to_month": 300,
                             "forecast": 500, "forecast_rate": 1, "month": 7, "time_progress": 0.5833333333333334,
                             "rate_to_month": 0.6, "progress_gap": 0.0167, "indicators": 7}
    assert report.as_dict()["forms"][0]["kind"] == "monitoring"


PLANTED = {  # name -> (workbook keywords, the findings at their cells)
    "rate": (dict(budget=_budget(total={"rate": "70.00%"})), [("M01", E, "监控表", "I6")]),
    "sum": (dict(budget=_budget(carry={"forecast": 90})), [("M02", E, "监控表", "K6")]),
    "behind": (dict(budget=_budget(total={"executed": 200, "rate": "40.00%"}, fiscal={"executed": 160, "rate": "40.00%"},
                                   carry={"executed": 40, "rate": "40.00%"})), [("M03", W, "监控表", "I6")]),
    "above_initial": (dict(budget=_budget(total={"forecast": 520}, fiscal={"forecast": 420})),
                      [("M04", W, "监控表", "K6"), ("M04", W, "监控表", "K7")]),
    "above": (dict(adjusted=True, budget=_budget(total={"forecast": 520}, fiscal={"forecast": 420})),
              [("M04", E, "监控表", "M6"), ("M04", E, "监控表", "M7")]),
    "below": (dict(budget=_budget(total={"forecast": 450}, fiscal={"forecast": 350})), [("M04", W, "监控表", "K6")]),
    "none": (dict(rows=_rows(r0={"likelihood": ()})), [("M05", W, "监控表", "N13")]),
    "many": (dict(rows=_rows(r1={"likelihood": ("确定能", "有可能"), "reason": "外部条件变化"})),
             [("M05", E, "监控表", "N14")]),
    "cause": (dict(rows=_rows(r2={"causes": ("经费保障",)})), [("M06", W, "监控表", "M15")]),
    "doubt": (dict(rows=_rows(r5={"reason": None, "causes": ()})), [("M06", W, "监控表", "M18")]),
    "short": (dict(rows=_rows(r0={"forecast": "800人次"})), [("M07", W, "监控表", "G13")]),
}


@pytest.mark.parametrize("name", PLANTED)
def test_a_planted_defect_is_reported_at_its_cell_and_nothing_else(tmp_path, name):
    kw, expected = PLANTED[name]
    monitoring_book(tmp_path / f"{name}.xlsx", **kw)
    assert _found(check_file(tmp_path / f"{name}.xlsx")) == expected


def test_the_month_is_read_from_headers_written_in_each_way(tmp_path):
    for month, expected in (("1-7月", 7), ("1—8月", 8), ("1至6月", 6), ("截至8月", 8)):
        monitoring_book(tmp_path / "m.xlsx", month=month)
        (result,) = check_file(tmp_path / "m.xlsx").results
        assert (result.values["month"], result.findings) == (expected, []), month
    behind = _budget(total={"executed": 200, "rate": "40.00%"}, fiscal={"executed": 160, "rate": "40.00%"},
                     carry={"executed": 40, "rate": "40.00%"})
    monitoring_book(tmp_path / "m.xlsx", month="截至8月", budget=behind)
    (finding,) = check_file(tmp_path / "m.xlsx").findings
    assert finding.message.startswith("截至8月预算执行进度为 40.00%，时间进度为 66.67%，落后 26.67 个百分点")


def test_a_reason_in_the_budget_block_answers_the_lag_and_the_shortfall(tmp_path):
    lagging = _budget(total={"executed": 200, "rate": "40.00%", "forecast": 450},
                      fiscal={"executed": 160, "rate": "40.00%", "forecast": 350}, carry={"executed": 40,
                                                                                          "rate": "40.00%"})
    monitoring_book(tmp_path / "r.xlsx", budget=lagging, with_reason_column=True)
    assert [f.check for f in check_file(tmp_path / "r.xlsx").findings] == ["M03", "M04"]
    monitoring_book(tmp_path / "r.xlsx", budget=lagging, with_reason_column=True, budget_reason="培训安排在第四季度")
    assert check_file(tmp_path / "r.xlsx").findings == []


def test_two_forms_on_one_sheet_at_an_offset_are_both_read(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "监控"
    first = monitoring_sheet(ws, top=2, left=1)
    second = monitoring_sheet(ws, top=first.last_row + 3, left=1, rows=_rows(r0={"forecast": "800人次"}))
    wb.save(tmp_path / "two.xlsx")
    report = check_file(tmp_path / "two.xlsx")
    assert [len(r.form.indicators) for r in report.results] == [7, 7]
    assert second.at(0, "forecast") == "H38"
    assert _found(report) == [("M07", W, "监控", "H38")]


# --- the platform export -------------------------------------------------------------------------------------------
def test_each_sheet_of_a_platform_export_is_classified_for_what_it_is(tmp_path):
    platform_workbook(tmp_path / "platform.xlsx")
    grids = {g.name: g for g in open_workbook(tmp_path / "platform.xlsx")}
    profiles = list(shipped_profiles().values())
    for name, kind in PLATFORM_KINDS.items():
        c = classify(grids[name], profiles)
        assert (c.kind, c.uncertain) == (kind, ()), (name, c.scores)
    declaration = classify(grids["项目支出绩效目标申报表"], profiles)
    assert declaration.kind not in ("monitoring", "project_selfeval", "framework") and declaration.uncertain == ()


def test_a_platform_export_has_no_finding_on_a_sheet_of_another_kind(tmp_path):
    platform_workbook(tmp_path / "platform.xlsx", rows=_rows(r0={"forecast": "800人次"}))
    report = check_file(tmp_path / "platform.xlsx")
    assert [(r.form.sheet, r.profile.kind) for r in report.results] == [
        ("项目支出绩效目标申报表", "declaration"), ("项目支出绩效目标执行监控表", "monitoring"),
        ("项目支出绩效自评表", "project_selfeval")]
    # the 申报表 of this export sets no 时效指标 in either half (D02, a reviewer's warning); the 监控表 has its planted
    # M07; the empty 自评表 is blank; no sheet is read as a form of another kind
    assert _found(report) == [("D02", W, "项目支出绩效目标申报表", "C12"), ("D02", W, "项目支出绩效目标申报表", "F12"),
                              ("M07", W, "项目支出绩效目标执行监控表", "G13"),
                              ("F02", Severity.INFO, "项目支出绩效自评表", None)]
    assert report.errors == 0 and report.notes == []


@pytest.mark.libreoffice
def test_a_platform_export_saved_as_xls_reads_the_same(tmp_path):
    platform_workbook(tmp_path / "platform.xlsx", rows=_rows(r0={"forecast": "800人次"}))
    (xls,) = convert([tmp_path / "platform.xlsx"], tmp_path / "xls", to="xls")
    report = check_file(xls)
    assert report.inspected.kind == "xls"
    assert [f for f in _found(report) if f[0] != "D02"] == [("M07", W, "项目支出绩效目标执行监控表", "G13"),
                                                           ("F02", Severity.INFO, "项目支出绩效自评表", None)]
    assert [r.values.get("month") for r in report.results if r.profile.kind == "monitoring"] == [7]


# --- kinds kept apart --------------------------------------------------------------------------------------------------
VARIANTS = {"central": {}, "august": {"month": "1—8月"}, "end_of_month": {"month": "截至8月"},
            "adjusted": {"adjusted": True}, "reason": {"with_reason_column": True, "budget_reason": "无"},
            "offset": {"top": 3, "left": 2}}


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_shipped_profile_of_another_kind_claims_a_monitoring_sheet(tmp_path, variant):
    monitoring_book(tmp_path / "m.xlsx", **VARIANTS[variant])
    (grid,) = open_workbook(tmp_path / "m.xlsx")
    c = classify(grid, OTHERS)
    assert (c.profile, c.uncertain, c.scores) == (None, (), {})
    assert classify(grid, list(shipped_profiles().values())).profile is MONITORING


def _other_workbooks() -> list[Path]:
    samples = sorted((REPO / "sample_data").rglob("*.xlsx"))
    templates = sorted(p for p in (REPO / "workbook_templates").glob("*.xlsx") if p.stem != MONITORING.id)
    return samples + templates


def test_the_monitoring_profile_claims_no_sheet_of_the_samples_or_the_other_templates():
    paths = _other_workbooks()
    assert len(paths) > 20
    for path in paths:
        for grid in open_workbook(path):
            c = classify(grid, [MONITORING])
            assert (c.profile, c.scores) == (None, {}), (path.name, grid.name, c.scores)


# --- annotated copy, a province's variant, the command line ----------------------------------------------------------
def test_the_annotated_copy_marks_the_planted_cells_and_lists_them(tmp_path):
    src = tmp_path / "m.xlsx"
    monitoring_book(src, rows=_rows(r0={"forecast": "800人次"}, r1={"likelihood": ()}))
    before = src.read_bytes()
    report = check_file(src)
    out = write_annotated(report, tmp_path / "m_核查.xlsx")
    assert src.read_bytes() == before
    wb = openpyxl.load_workbook(out)
    ws = wb["监控表"]
    assert ws["G13"].comment.text.startswith("[M07] 警告：“培训基层财政干部人次”全年预计完成 800人次")
    assert ws["N14"].comment.text.startswith("[M05] 警告：“培训考核合格率”未勾选完成目标可能性")
    assert ws["G13"].fill.fgColor.rgb == "FFF4B084"
    results = [row for row in wb["核查结果"].iter_rows(min_row=3, values_only=True) if row[0]]
    assert [(r[1].split()[0], r[4]) for r in results] == [("M05", "N14"), ("M07", "G13")]


PROVINCE = """\
# a province's variant: its own wording of the month headers and a tighter margin, one more file
id: example.province.monitoring
extends: national.monitoring
name: 项目绩效运行监控表（某省）
title: 项目绩效运行监控表
titles: [项目绩效运行监控表]
budget:
  columns:
    executed: ["截至N月底支出数"]
    rate: ["截至N月底支出进度"]
monitoring:
  progress_margin: 0.05
"""


def test_a_province_variant_is_one_more_profile_file(tmp_path):
    (tmp_path / "province.yaml").write_text(PROVINCE, encoding="utf-8")
    profile = load_profile_file(tmp_path / "province.yaml")
    assert (profile.kind, profile.monitoring.progress_margin) == ("monitoring", Decimal("0.05"))
    wb = openpyxl.Workbook()
    ws = wb.active
    monitoring_sheet(ws, title="项目绩效运行监控表",
                     budget=_budget(total={"executed": 250, "rate": "50.00%"}, fiscal={"executed": 200,
                                                                                      "rate": "50.00%"},
                                    carry={"executed": 50, "rate": "50.00%"}))
    for cell in (ws["G5"], ws["I5"]):
        cell.value = cell.value.replace("1-7月执行数", "截至7月底支出数").replace("1-7月执行率", "截至7月底支出进度")
    wb.save(tmp_path / "p.xlsx")
    report = check_file(tmp_path / "p.xlsx", profile)
    assert [(f.check, f.cell) for f in report.findings] == [("M03", "I6")]  # 8.33 points behind: beyond 5
    assert check_file(tmp_path / "p.xlsx", MONITORING).findings == []  # the national margin allows 10


def test_the_command_line_checks_a_monitoring_form_and_writes_its_template(tmp_path, capsys):
    monitoring_book(tmp_path / "m.xlsx", rows=_rows(r1={"likelihood": ("确定能", "有可能"), "reason": "x"}))
    assert cli.main(["check", str(tmp_path / "m.xlsx"), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [(f["kind"], [x["check"] for x in f["findings"]]) for f in doc["forms"]] == [("monitoring", ["M05"])]
    assert cli.main(["template", "national.monitoring", "--month", "8", "-o", str(tmp_path / "t.xlsx")]) == 0
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["绩效目标执行监控表"]
    assert (ws["E5"].value, ws["F5"].value, ws["F11"].value) == ("1-8月执行数", "1-8月执行率", "1-8月执行情况")
    assert cli.main(["template", "national.project_selfeval", "--month", "8", "-o", str(tmp_path / "x.xlsx")]) == 2


# --- the batch summary ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_batch_summary_has_a_monitoring_sheet_with_a_chart_and_keeps_kinds_apart(tmp_path):
    from perfeval_xl.batch import run_batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monitoring_book(inbox / "a_ahead.xlsx")
    monitoring_book(inbox / "b_behind.xlsx", budget=_budget(
        total={"executed": 200, "rate": "40.00%", "forecast": 450}, fiscal={"executed": 160, "rate": "40.00%",
                                                                           "forecast": 350},
        carry={"executed": 40, "rate": "40.00%"}))
    (inbox / "c_selfeval.xlsx").write_bytes((REPO / "sample_data/meishan_2023/04_window_outsourcing.xlsx").read_bytes())
    wb = openpyxl.load_workbook(inbox / "b_behind.xlsx")  # another project of the unit (not the same one again)
    wb.active["C3"] = "基层财政干部业务培训（二期）"
    wb.save(inbox / "b_behind.xlsx")
    doc = run_batch([str(inbox)], tmp_path / "汇总.xlsx", jobs=1)
    assert (doc["forms"], doc["errors"], doc["resubmitted"]) == (3, 0, [])
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    assert wb.sheetnames == ["汇总", "问题明细", "无法读取", "跨表不一致", "按部门", "监控汇总", "监控图表", "分布"]
    rows = list(wb["监控汇总"].iter_rows(min_row=2, values_only=True))
    assert rows[0][:13] == ("单位", "主管部门", "项目", "监控月份", "预算数", "1-N月执行数", "执行进度", "时间进度",
                            "进度差", "执行进度滞后", "全年预计执行数", "预计执行率", "错误数")
    assert [r[3:14] for r in rows[1:]] == [
        (7, 500, 300, 0.6, 0.5833333333333334, 0.0167, None, 500, 1, 0, 0),
        (7, 500, 200, 0.4, 0.5833333333333334, -0.1833, "是", 450, 0.9, 0, 2)]
    [chart] = wb["监控图表"]._charts  # on a page of its own, whole
    assert chart.series[0].val.numRef.f == "监控汇总!$I$3:$I$4"
    assert chart.series[0].cat.strRef.f == "监控汇总!$C$3:$C$4"
    forms = [r for r in wb["汇总"].iter_rows(min_row=3, values_only=True) if r[0] != "合计"]
    kinds = {r[3]: r for r in forms}
    assert set(kinds) == {"项目支出绩效目标执行监控表", "项目支出绩效自评表"}
    monitoring_summary = [r for r in forms if r[3] == "项目支出绩效目标执行监控表"]
    assert all(r[4:10] == (None,) * 6 for r in monitoring_summary)  # no self-evaluation figures for a 监控表
    dept = {(r[0], r[1]): r[2:5] for r in wb["按部门"].iter_rows(min_row=3, values_only=True)}
    assert dept[("某部", "项目支出绩效目标执行监控表")] == (2, None, None)  # '[105]某部': the code set aside
    assert dept[("眉山市政务服务管理局", "项目支出绩效自评表")] == (1, 200.16, 142.88)


@pytest.mark.slow
def test_a_batch_without_monitoring_forms_has_no_monitoring_sheet(tmp_path):
    from perfeval_xl.batch import run_batch

    run_batch([str(REPO / "sample_data/meishan_2023/04_window_outsourcing.xlsx")], tmp_path / "s.xlsx", jobs=1)
    assert "监控汇总" not in openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames
