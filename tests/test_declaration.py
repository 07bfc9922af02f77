"""The 绩效目标申报表 end to end, on workbooks laid out like the real exports (tests/declaration_books.py): each sheet
of a platform export classified as its own kind, the planted defects reported at their rows and nothing on a correct
form, the annotated copy, the template (cached values, LibreOffice recalculation, red formats) and 申报汇总."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from declaration_books import CENTRAL_ROWS, PROVINCIAL_ROWS, central, central_sheet, platform, provincial

from perfeval_xl import lo
from perfeval_xl.api import check_file, write_annotated
from perfeval_xl.batch import run_batch
from perfeval_xl.check import Severity
from perfeval_xl.errors import ProfileError
from perfeval_xl.profile import get_profile, load_profile_file, shipped_profiles
from perfeval_xl.read.detect import classify
from perfeval_xl.read.workbook import open_workbook
from perfeval_xl.verify import check_fills
from perfeval_xl.write.templates import write_template_for

REPO = Path(__file__).resolve().parents[1]
DECLARATION = get_profile("national.declaration")
OTHER_KINDS = [p for p in shipped_profiles().values() if p.kind in ("project_selfeval", "framework")]
E, W = Severity.ERROR, Severity.WARNING


def found(report) -> list[tuple[str, Severity, str, str | None]]:
    return sorted((f.check, f.severity, f.sheet, f.cell) for f in report.findings)


def without(rows, *second_levels: str, first_level: str | None = None):
    return [r for r in rows if r[1] not in second_levels and r[0] != first_level]


# --- the central two-half form ----------------------------------------------------------------------------------
def test_a_correct_central_form_has_no_finding_and_exact_values(tmp_path):
    report = check_file(central(tmp_path / "ok.xlsx"))
    (r,) = report.results
    assert (r.profile.id, r.findings, report.notes) == ("national.declaration", [], [])
    assert r.values == {
        "project": "教育教学改革专项", "year": 2020, "halves": ["medium", "annual"],
        "medium_total": 1500, "medium_lines_total": 1500, "annual_total": 500, "annual_lines_total": 500,
        "indicator_counts": {h: {"产出指标": 4, "成本指标": 0, "效益指标": 2, "满意度指标": 1}
                             for h in ("medium", "annual")},
        "indicators": 7, "missing_targets": 0, "unquantified": 0}
    assert report.as_dict()["forms"][0]["kind"] == "declaration"


SHEET = "项目支出绩效目标申报表"
CENTRAL_DEFECTS = {
    "D01": (dict(rows=without(CENTRAL_ROWS, first_level="效益指标")), [("D01", W, "B12")] * 2),
    "D01.empty": (dict(rows=[r if r[0] != "效益指标" else (*r[:2], None, None, None) for r in CENTRAL_ROWS]),
                  [("D01", W, "B17")] * 2),
    "D02": (dict(rows=without(CENTRAL_ROWS, "时效指标")), [("D02", W, "C12"), ("D02", W, "F12")]),
    "D02.cost": (dict(rows=without(CENTRAL_ROWS, "成本指标"), year=2021), [("D02", W, "C12"), ("D02", W, "F12")]),
    "D03": (dict(cells={"H14": None}), [("D03", W, "H14")]),
    "D04": (dict(cells={"E13": "大幅增加"}), [("D04", W, "E13")]),
    "D05": (dict(cells={"H7": 450}), [("D05", E, "H6")]),
    "D06": (dict(cells={"H6": 1600, "H7": 1500}), [("D06", E, "H6"), ("D06", E, "H7")]),
}


@pytest.mark.parametrize("defect", CENTRAL_DEFECTS)
def test_a_defect_planted_in_a_central_form_is_reported_at_its_row_and_nothing_else(tmp_path, defect):
    changes, expected = CENTRAL_DEFECTS[defect]
    report = check_file(central(tmp_path / "planted.xlsx", **changes))
    assert found(report) == sorted((c, s, SHEET, cell) for c, s, cell in expected)


def test_a_2020_form_without_cost_is_correct(tmp_path):
    assert found(check_file(central(tmp_path / "c.xlsx", rows=without(CENTRAL_ROWS, "成本指标"), year=2020))) == []


def test_two_forms_on_one_sheet_are_checked_apart(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    after = central_sheet(ws)
    central_sheet(ws, top=after + 2, cells={"H14": None}, year=2021)
    wb.save(tmp_path / "two.xlsx")
    report = check_file(tmp_path / "two.xlsx")
    assert [r.values["year"] for r in report.results] == [2020, 2021]
    assert found(report) == [("D03", W, SHEET, f"H{14 + after + 1}")]


# --- a one-half provincial form ---------------------------------------------------------------------------------
PROVINCIAL_DEFECTS = {
    "D01": (dict(rows=without(PROVINCIAL_ROWS, "社会效益指标")), [("D01", W, "B9")]),
    "D02": (dict(rows=without(PROVINCIAL_ROWS, "经济成本指标")), [("D02", W, "C9")]),
    "D03": (dict(cells={"F11": None}), [("D03", W, "F11")]),
    "D04": (dict(cells={"E12": "定性", "F12": "按期完成", "G12": None}), [("D04", W, "F12")]),
    "D05": (dict(cells={"D6": 90}), [("D05", E, "D5")]),
}


@pytest.mark.parametrize("defect", PROVINCIAL_DEFECTS)
def test_a_defect_planted_in_a_one_half_form_is_reported_at_its_row(tmp_path, defect):
    changes, expected = PROVINCIAL_DEFECTS[defect]
    report = check_file(provincial(tmp_path / "planted.xlsx", **changes))
    assert found(report) == sorted((c, s, "绩效目标表", cell) for c, s, cell in expected)


def test_a_correct_one_half_form_is_read_and_silent(tmp_path):
    report = check_file(provincial(tmp_path / "ok.xlsx"))
    (r,) = report.results
    assert r.findings == [] and r.values["halves"] == ["annual"] and r.values["annual_total"] == 100
    assert r.values["indicator_counts"] == {"annual": {"产出指标": 3, "成本指标": 1, "效益指标": 1, "满意度指标": 1}}


def test_lines_short_of_the_total_without_a_carryover_line_prove_nothing(tmp_path):
    assert found(check_file(provincial(tmp_path / "p.xlsx", cells={"D6": 70}))) == []


# --- the platform export: every sheet its own kind -----------------------------------------------------------------
EXPECTED_KINDS = {"项目基本信息": None, "立项依据": None, "实施方案": None, "支出计划": None, "支出明细": None,
                  "项目支出绩效目标申报表": "declaration", "项目支出绩效自评表": "project_selfeval"}
MONITORING_SHEET = "项目支出绩效目标执行监控表"


def _kinds(path: Path) -> dict[str, str | None]:
    profiles = list(shipped_profiles().values())
    return {g.name: classify(g, profiles).kind for g in open_workbook(path)}


def _assert_platform(report, kinds) -> None:
    assert {k: v for k, v in kinds.items() if k != MONITORING_SHEET} == EXPECTED_KINDS
    assert kinds[MONITORING_SHEET] != "declaration"  # a 监控表: not a form here, or the 监控表 kind once there is one
    assert report.refusal is None and report.notes == []
    by_sheet = {r.form.sheet: r for r in report.results}
    assert by_sheet["项目支出绩效目标申报表"].profile.kind == "declaration"
    assert [f.check for f in by_sheet["项目支出绩效自评表"].findings] == ["F02"]
    assert not [f for f in report.findings if f.severity is E and f.sheet != "项目支出绩效目标申报表"]


def test_each_sheet_of_a_platform_export_is_classified_as_its_own_kind(tmp_path):
    path = platform(tmp_path / "export.xlsx", cells={"H14": None})
    report = check_file(path)
    _assert_platform(report, _kinds(path))
    assert [(f.check, f.cell) for f in report.results[0].findings] == [("D03", "H14")]


@pytest.mark.libreoffice
def test_the_platform_export_saved_as_xls_reads_the_same(tmp_path):
    src = platform(tmp_path / "export.xlsx", cells={"H7": 450})
    [xls] = lo.convert([src], tmp_path / "xls", to="xls")
    report = check_file(xls)
    _assert_platform(report, _kinds(xls))
    assert found(report) == [("D05", E, "项目支出绩效目标申报表", "H6"), ("F02", Severity.INFO, "项目支出绩效自评表", None)]


def test_no_self_evaluation_or_framework_profile_claims_a_declaration(tmp_path):
    paths = [central(tmp_path / "c.xlsx"), provincial(tmp_path / "p.xlsx"), platform(tmp_path / "x.xlsx")]
    sheets = [g for p in paths for g in open_workbook(p) if "申报表" in g.name or g.name == "绩效目标表"]
    assert len(sheets) == 3
    for g in sheets:
        c = classify(g, OTHER_KINDS)
        assert (c.profile, c.uncertain, c.scores) == (None, (), {}), g.name


def test_the_declaration_profile_claims_no_sheet_of_the_samples_or_the_other_templates():
    files = [p for p in sorted((REPO / "sample_data").rglob("*.xlsx")) + sorted((REPO / "workbook_templates").glob("*"))
             if p.suffix in (".xlsx", ".ods") and not p.stem.startswith("national.declaration")]
    sheets = [g for p in files for g in open_workbook(p)]
    assert len(files) >= 30 and len(sheets) >= 60
    claimed = [g.name for g in sheets if classify(g, [DECLARATION]).scores]
    assert claimed == []


def test_a_filled_declaration_alone_is_checked_not_refused(tmp_path):
    report = check_file(central(tmp_path / "alone.xlsx"))
    assert report.refusal is None and report.exit_code == 0 and len(report.results) == 1


# --- the annotated copy -----------------------------------------------------------------------------------------
def test_the_annotated_copy_marks_the_planted_cells_and_lists_them(tmp_path):
    src = platform(tmp_path / "export.xlsx", cells={"H7": 450, "E13": "大幅增加"})
    report = check_file(src)
    out = write_annotated(report, tmp_path / "export_核查.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["项目支出绩效目标申报表"]
    assert ws["H6"].comment.text.startswith("[D05] 错误：年度资金的其中各项合计为 550，与年度资金总额填报的 500 不一致。")
    assert ws["E13"].comment.text.startswith("[D04] 警告：“培训教师人次”属于数量指标")
    assert ws["H6"].fill.fgColor.rgb.endswith("FFC7CE") and ws["E13"].fill.fgColor.rgb.endswith("F4B084")
    rows = [r for r in wb["核查结果"].iter_rows(min_row=3, values_only=True)]
    assert [(r[1].split()[0], r[4]) for r in rows] == [("D05", "H6"), ("D04", "E13"), ("F02", "（整表）")]
    assert ws["H7"].value == 450  # the user's numbers are kept


# --- the template -----------------------------------------------------------------------------------------------
FILL = {
    "fields": {"project": "教育教学改革专项", "department": "[105]教育部", "unit": "北京大学", "attribute": "延续项目",
               "period": "3年"},
    "goals": {"medium": "三年内完成教师教学改革试点", "annual": "完成年度培训任务"},
    "funds": {"medium": {"fiscal": 1200, "carryover": "200.5", "other": 100},
              "annual": {"fiscal": 400, "carryover": 80, "other": "20.25"}},
    "indicators": [
        {"level1": "产出指标", "medium": {"level2": "数量指标", "level3": "培训教师人次", "target": "≥300人次"},
         "annual": {"level2": "数量指标", "level3": "培训教师人次", "target": "≥100人次"}},
        {"level1": "产出指标", "medium": {"level2": "质量指标", "level3": "考核合格率", "target": "≥95%"},
         "annual": {"level2": "质量指标", "level3": "考核合格率"}},
        {"level1": "产出指标", "medium": {"level2": "时效指标", "level3": "完成时间", "target": "2023年底前"},
         "annual": {"level2": "时效指标", "level3": "完成时间", "target": "按时完成"}},
        {"level1": "成本指标", "medium": {"level2": "经济成本指标", "level3": "人均成本", "target": "≤0.2万元"},
         "annual": {"level2": "经济成本指标", "level3": "人均成本", "target": "≤0.2万元"}},
        {"level1": "效益指标", "medium": {"level2": "社会效益指标", "level3": "教学能力", "target": "显著提高"},
         "annual": {"level2": "社会效益指标", "level3": "教学能力", "target": "有所提高"}},
    ],
}


def test_the_template_sums_the_funds_with_cached_values_and_checks_as_the_form_says(tmp_path):
    path = tmp_path / "filled.xlsx"
    tmap = write_template_for(DECLARATION, path, year=2024, fill=FILL)
    assert tmap.computed == {"A2": "（2024年度）", "E6": 1500.5, "H6": 500.25}  # the year line reads G3, the 年度 input
    assert (tmap.title, tmap.fields["year"]) == ("A2", "G3")
    assert (tmap.funds["medium"]["total"], tmap.funds["annual"]["fiscal"], tmap.goals["annual"]) == ("E6", "H7", "F11")
    ws = openpyxl.load_workbook(path)["绩效目标申报表"]
    assert (ws["E6"].value, ws["H6"].value) == ("=SUM(E7:E9)", "=SUM(H7:H9)")
    cached = openpyxl.load_workbook(path, data_only=True)["绩效目标申报表"]
    assert (cached["E6"].value, cached["H6"].value) == (1500.5, 500.25)
    report = check_file(path)
    (r,) = report.results
    assert (r.values["year"], r.values["medium_total"], r.values["annual_total"]) == (2024, 1500.5, 500.25)
    assert found(report) == [("D03", W, "绩效目标申报表", "H14"), ("D04", W, "绩效目标申报表", "H15")]


def test_the_template_turns_red_where_the_checks_would_report(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template_for(DECLARATION, path)
    ws = openpyxl.load_workbook(path)["绩效目标申报表"]
    rules = sorted((str(cf.sqref), r.formula[0]) for cf in ws.conditional_formatting for r in cf.rules)
    assert rules == [
        ("E13:E22", "AND(LEN(TRIM(D13))>0,LEN(TRIM(E13))=0)"),
        ("E6", "ABS(N(E6)-SUM(E7:E9))>0.005"),
        ("H13:H22", "AND(LEN(TRIM(G13))>0,LEN(TRIM(H13))=0)"),
        ("H6", "ABS(N(H6)-SUM(H7:H9))>0.005"),
        ("H6", "AND(N($E$6)>0,N(H6)>N($E$6)+0.005)"),
        ("H7", "AND(N($E$7)>0,N(H7)>N($E$7)+0.005)")]
    assert ws.protection.sheet and ws.page_setup.paperSize == 9
    assert not ws["E7"].protection.locked and ws["E6"].protection.locked and not ws["D13"].protection.locked
    assert ws["A1"].value == "项目支出绩效目标申报表" and ws["A2"].value == '="（"&IF(G3="","    ",G3)&"年度）"'
    assert [ws[ref].value for ref in ("A3", "E3", "G3")] == ["项目名称", "年度", None] and not ws["G3"].protection.locked
    assert [ws.cell(12, c).value for c in range(1, 9)] == ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值",
                                                            "二级指标", "三级指标", "指标值"]


def test_the_blank_template_is_reported_blank(tmp_path):
    report = check_file(REPO / "workbook_templates" / "national.declaration.xlsx")
    assert [(f.check, f.severity) for f in report.findings] == [("F02", Severity.INFO)]


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_template_to_the_python_values(tmp_path):
    over = {**FILL, "funds": {"medium": {"fiscal": "0.1", "carryover": "0.2"}, "annual": {"fiscal": 1e6, "other": 3}}}
    (entry,) = check_fills(DECLARATION, [FILL, over, {}], engines=("libreoffice",), workdir=tmp_path)
    assert (entry["error"], entry["mismatches"], entry["cells_compared"]) == (None, 0, 9)  # 2 sums, the year line


# --- the batch summary ------------------------------------------------------------------------------------------
def test_declarations_get_their_own_summary_sheet_and_never_add_to_other_kinds(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    central(inbox / "a.xlsx", cells={"H14": None, "H7": 450})
    provincial(inbox / "b.xlsx")
    shutil.copyfile(REPO / "sample_data" / "meishan_2023" / "04_window_outsourcing.xlsx", inbox / "c.xlsx")
    out = tmp_path / "汇总.xlsx"
    doc = run_batch([str(inbox)], out)
    assert doc["forms"] == 3
    wb = openpyxl.load_workbook(out)
    rows = list(wb["申报汇总"].iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("单位", "主管部门", "项目", "年度", "中期资金总额", "年度资金总额", "年度产出指标", "年度成本指标",
                       "年度效益指标", "年度满意度指标", "年度三级指标合计", "中期三级指标合计", "指标值未填写",
                       "指标值未量化", "错误数", "警告数", "文件", "工作表", "重复提交")
    assert [r[:16] for r in rows[1:]] == [
        ("北京大学", "教育部", "教育教学改革专项", 2020, 1500, 500, 4, 0, 2, 1, 7, 7, 1, 0, 1, 1),
        ("某省财政干部教育中心", "某省财政厅", "基层财政干部培训经费", 2021, None, 100, 3, 1, 1, 1, 6, None, 0, 0, 0, 0)]
    kinds = [r[3] for r in wb["汇总"].iter_rows(min_row=3, values_only=True) if r[0] != "合计"]
    assert kinds == ["项目支出绩效目标申报表", "项目支出绩效目标申报表", "项目支出绩效自评表"]
    dept = {(r[0], r[1]): r for r in wb["按部门"].iter_rows(min_row=3, values_only=True)}
    assert dept[("教育部", "项目支出绩效目标申报表")][2:5] == (1, None, None)


# --- a province's variant is one more file ----------------------------------------------------------------------
PROVINCE = """\
id: example.province.declaration
extends: national.declaration
name: 项目支出绩效目标申报表（某省）
required:
  categories: [[产出指标], [效益指标], [满意度指标]]
layout:
  halves: [annual]
  half: [level2, level3, nature, target, unit]
  widths: [9, 12, 14, 26, 9, 14, 9]
"""


def test_a_provincial_variant_requires_satisfaction_and_draws_one_half(tmp_path):
    (tmp_path / "province.yaml").write_text(PROVINCE, encoding="utf-8")
    profile = load_profile_file(tmp_path / "province.yaml")
    assert profile.kind == "declaration" and [r.name for r in profile.declaration.categories] == [
        "产出指标", "效益指标", "满意度指标"]
    assert profile.declaration.subcategories == DECLARATION.declaration.subcategories  # the rest is inherited
    tmap = write_template_for(profile, tmp_path / "t.xlsx", year=2022)
    assert tmap.funds == {"annual": {"fiscal": "G7", "carryover": "G8", "other": "G9", "total": "G6"}}
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [ws.cell(12, c).value for c in range(1, 8)] == ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质",
                                                            "指标值", "度量单位"]
    rows = without(PROVINCIAL_ROWS, "服务对象满意度指标")
    report = check_file(provincial(tmp_path / "p.xlsx", rows=rows), profile)
    assert found(report) == [("D01", W, "绩效目标表", "B9")]
    assert "“满意度指标”" in report.findings[0].message


def test_a_declaration_profile_with_mistakes_is_refused_with_every_problem(tmp_path):
    bad = PROVINCE.replace("[annual]", "[annual, yearly]").replace("[[产出指标], [效益指标], [满意度指标]]",
                                                                      "[{names: [产出指标], from_year: 二〇二一}]")
    (tmp_path / "bad.yaml").write_text(bad + "funds:\n  within_medium: [total, grants]\n", encoding="utf-8")
    with pytest.raises(ProfileError) as e:
        load_profile_file(tmp_path / "bad.yaml")
    text = str(e.value)
    assert "from_year 应为年份" in text and "layout.halves" in text and "“grants”" in text
