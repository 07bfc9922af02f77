"""Framework templates: the profile's weight tree laid out as the form, a 基础数据 sheet the computed rows read, a
问卷统计 sheet; cached values that are what the Python rules give; filled templates that the checker reads back without
an error. (Random fills recalculated by LibreOffice and by `formulas`: tests/test_verify.py.)"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfeval_xl.api import check_file
from perfeval_xl.profile import get_profile, shipped_profiles
from perfeval_xl.verify import agrees, framework_fill, tree_leaves
from perfeval_xl.write.framework_template import DATA_SHEET, Q_SHEET, SHEET, write_framework_template

REPO = Path(__file__).resolve().parents[1]
FRAMEWORKS = sorted(pid for pid, p in shipped_profiles().items() if p.kind == "framework")
XUNDIAN = get_profile("yunnan.kunming.dept_common")
# weights 安宁 leaves open (the seed prints none), chosen so that every level closes
ANNING_WEIGHTS = {"部门职能职责的": 1, "年度工作目标与": 4, "年度具体工作与": 4, "部门内设科室及": 1, "人员类、运转类": 2,
                  "特定目标类项目": 3, "考核任务实际完成率": 7.5, "完成及时率": 7.5, "质量达标率": 7.5, "重点工作办结率": 7.5,
                  "经济效益": 4.5, "社会效益": 4.5, "生态效益": 4.5, "可持续影响": 4.5}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fw_templates")


def _written(out: Path, name: str, profile, **kw):
    path = out / f"{name}.xlsx"
    return path, write_framework_template(profile, path, **kw)


# --- layout and wording ---------------------------------------------------------------------------------------------

def test_every_framework_profile_has_a_tree_with_computed_rows():
    assert len(FRAMEWORKS) == 6
    for pid in FRAMEWORKS:
        leaves = tree_leaves(get_profile(pid))
        assert any(leaf.method for leaf in leaves), pid


def test_xundian_layout_and_wording(out):
    path, tmap = _written(out, "xundian_blank", XUNDIAN)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET, DATA_SHEET, Q_SHEET]
    ws = wb[SHEET]
    expected = {
        "A1": "部门整体支出绩效评价共性指标体系框架", "A2": '="（"&IF(F4="","    ",F4)&"年度）"',
        "A3": "项目名称", "B3": None, "A4": "单位名称", "B4": None, "D4": "年度", "F4": None,
        "A5": "一级指标", "B5": "二级指标", "C5": "三级指标", "D5": "分值", "E5": "得分", "F5": "评分细则",
        "A6": "A部门决策(35分)", "B6": "A1部门目标(12分)", "C6": "A11部门中长期规划目标的明确性与合理性(2分)", "D6": 2,
        "B11": "A2部门职能(10分)", "A19": "B部门管理(20分)", "C19": "B11基本支出预算执行率(1分)", "D19": 1,
        "C33": "C13规范政务大厅管理服务完成情况(6分)", "D33": 6, "A41": "合计", "A42": "评价等次",
    }
    assert {ref: ws[ref].value for ref in expected} == expected
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A2:F2", "B3:F3", "B4:C4", "D4:E4", "A6:A18", "B6:B10", "A19:A31", "A32:A40", "A41:C41", "A42:C42", "D42:F42"} <= merged
    assert ws["F19"].value.endswith("预算完成率≥95%得满分,未达到的每低于1%扣0.1分,扣完为止。")
    assert (tmap.total_weight, tmap.total_score, tmap.grade) == (f"{SHEET}!D41", f"{SHEET}!E41", f"{SHEET}!D42")
    assert ws["D41"].value == "=SUM(D6:D40)" and ws["E41"].value == "=ROUND(SUM(E6:E40),2)"
    assert ws["D42"].value.startswith('=IF(COUNT(E6:E40)=0,"",IF(E41>=90,"优"')
    b11 = tmap.rows["B部门管理/B1预算管理/B11基本支出预算执行率"]
    assert b11["score"] == f"{SHEET}!E19" and ws["E19"].value == (  # rounded to 10 decimals first: rules.NOISE_DIGITS
        '=IF(H19="","",IF((95-H19)<=0,D19,ROUND(ROUND(MAX(0,D19-0.1*(95-H19)),10),2)))')
    assert ws["H19"].value == "=IF(OR('基础数据'!$B$4=\"\",'基础数据'!$B$5=\"\"),\"\",IF(N('基础数据'!$B$5)=0,0,'基础数据'!$B$4/'基础数据'!$B$5*100))"
    assert ws.column_dimensions["H"].hidden and ws["H5"].value == "计算值1"
    assert (tmap.title, tmap.fields) == (f"{SHEET}!A2", {"project": f"{SHEET}!B3", "unit": f"{SHEET}!B4",
                                                         "year": f"{SHEET}!F4"})
    assert set(tmap.fields.values()) <= set(tmap.inputs) and tmap.computed[f"{SHEET}!A2"] == "（    年度）"
    assert ws.print_title_rows == "$5:$5" and ws.page_setup.orientation == "landscape"
    ds = wb[DATA_SHEET]
    assert [ds.cell(3, c).value for c in (1, 2, 3)] == ["数据项", "数值", "说明"]
    assert [ds.cell(r, 1).value for r in (4, 5)] == ["基本支出决算数", "基本支出预算数"]
    assert ds["C4"].value == "填写数字。用于：B11基本支出预算执行率"
    assert ds["A17"].value == "问卷满意度(%)" and ds["B17"].value == (  # 综合得分 ÷ 满分 × 100
        "=IF(OR(N('问卷统计'!$E$34)=0,N('问卷统计'!$D$33)=0),\"\",'问卷统计'!$E$35/'问卷统计'!$D$33*100)")
    qs = wb[Q_SHEET]
    assert [qs.cell(2, c).value for c in range(1, 6)] == ["标题序号", "问题内容", "选项内容", "标准分值", "问卷数"]
    assert (qs["B3"].value, qs["C3"].value, qs["D3"].value) == ("您认为该部门在深入基层调查研究情况方面做的如何?", "A.经常到基层调研", 10)
    assert (qs["A33"].value, qs["D33"].value, qs["E33"].value) == ("问卷总分", "=" + "+".join(
        f"MAX(D{3 + 3 * i}:D{5 + 3 * i})" for i in range(10)), "=SUMPRODUCT(E3:E32,D3:D32)")
    assert (qs["A34"].value, qs["A35"].value) == ("有效问卷份数", "问卷综合得分")
    assert qs["E35"].value == "=IF(N($E$34)=0,0,ROUND(SUMPRODUCT(E3:E32,D3:D32)/$E$34,2))"


def test_deeper_trees_span_the_level_columns_as_the_seeds_print_them(out):
    """眉山 专项: 二级 over two columns (基础设施 splits into 在建项目 / 建成项目), 个性指标 and 扣分项 over 一级+二级."""
    path, tmap = _written(out, "meishan_special_blank", get_profile("sichuan.meishan.special_system"))
    ws = openpyxl.load_workbook(path)[SHEET]
    assert [ws.cell(5, c).value for c in range(1, 8)] == ["一级指标", "二级指标", None, "三级指标", "分值", "得分", "评分细则"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B5:C5", "A6:A15", "B6:C8", "B16:C18", "B23:B27", "C23:C24", "C25:C27", "A31:C32", "A33:C34"} <= merged
    assert (ws["A16"].value, ws["B23"].value, ws["D23"].value) == ("专用指标(30分)", "基础设施(30分)", "工程进度(15分)")
    assert ws["C23"].value == '=IF((SUM(E23:E24))=0,"在建项目","在建项目("&ROUND(SUM(E23:E24),10)&"分)")'
    assert tmap.computed[f"{SHEET}!C23"] == "在建项目(30分)" and tmap.computed[f"{SHEET}!C25"] == "建成项目(30分)"
    assert ws["A33"].value == "扣分项(10分)" and ws["E33"].value is None  # deductions print no weight
    # 分值 合计: one alternative of the pick-one block, the 扣分项 block not counted
    assert ws["E35"].value == "=SUM(E6:E15,E31:E32)+30" and tmap.computed[f"{SHEET}!E35"] == 100
    assert ws["F35"].value == "=ROUND(SUM(F6:F32)-MIN(10,SUM(F33:F34)),2)"


def test_open_weights_are_inputs_and_their_groups_add_them_up_live(out):
    anning = get_profile("yunnan.anning.dept")
    path, tmap = _written(out, "anning_open", anning, fill={"weights": ANNING_WEIGHTS})
    ws = openpyxl.load_workbook(path)[SHEET]
    row = tmap.rows["投入/部门职能职责/部门职能职责的"]
    assert row["weight"] in tmap.inputs and ws[row["weight"].split("!")[1]].value == 1
    assert tmap.computed[tmap.groups["投入"]] == "投入(30分)"
    assert tmap.computed[tmap.groups["效果效益"]] == "效果效益(18分)"
    assert tmap.computed[tmap.total_weight] == 100
    assert ws["A39"].value == "服务对象满意度(2分)" and "A39:C39" in {str(r) for r in ws.merged_cells.ranges}
    blank_path, blank = _written(out, "anning_blank", anning)
    # blank: what is printed — 绩效目标管理's rows 2 + 2 + 3 + 3, 部门职能职责 10, 预算配置's rows 1 + 1 + 3
    assert blank.computed[blank.groups["投入"]] == "投入(25分)"
    assert blank.computed[blank.groups["产出"]] == "产出"  # nothing printed, nothing typed yet


def test_inputs_are_unlocked_yellow_computed_cells_locked_and_sheets_protected(out):
    rng = random.Random(5)
    path, tmap = _written(out, "protect", XUNDIAN, fill=framework_fill(XUNDIAN, rng, complete=True))
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        assert ws.protection.sheet and not ws.protection.password, ws.title
    for ref in tmap.inputs:
        sheet, cell = ref.split("!")
        assert wb[sheet][cell].protection.locked is False, ref
        assert wb[sheet][cell].fill.fgColor.rgb == "FFFFFFCC", ref
    for ref in tmap.computed:
        sheet, cell = ref.split("!")
        assert wb[sheet][cell].protection.locked is True, ref
    typed = tmap.rows["A部门决策/A1部门目标/A11部门中长期规划目标的明确性与合理性"]["score"]
    assert typed in tmap.inputs
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in wb[SHEET].conditional_formatting}
    assert rules["E6:E40"] == ["AND(ISNUMBER(E6),OR(E6<0,E6>N(D6)+0.005))"]
    assert rules["D41"] == ["AND(COUNT(E6:E40)>0,ABS(N($D$41)-100)>0.005)"]
    qrules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in wb[Q_SHEET].conditional_formatting}
    assert qrules["E3:E5"] == ["AND(N($E$34)>0,SUM($E$3:$E$5)<>N($E$34))"]
    dvs = {str(dv.sqref): dv for dv in wb[SHEET].data_validations.dataValidation}
    assert (dvs["E6"].type, dvs["E6"].formula1, dvs["E6"].formula2) == ("decimal", "0", "2")
    assert (dvs["F4"].type, dvs["F4"].formula1, dvs["F4"].formula2) == ("whole", "1900", "2099")  # 年度


# --- values ---------------------------------------------------------------------------------------------------------

def test_seed_figures_come_out_as_the_rules_give_them(out):
    """寻甸 B11 392.54 / 415.10 = 94.565% → 1 − 0.1 × 0.435 = 0.96; 附件4 1000 / 10 = 100 → 100% → C19 7;
    五华 预算执行率 293.08 / 397.80 = 73.68% → 3 × 0.7368 = 2.21 → 2 (whole points, as the seed scores it)."""
    fill = {"data": {"基本支出决算数": "392.54", "基本支出预算数": "415.10"},
            "questionnaire": {"valid": 10, "counts": [[10, 0, 0]] * 10}}
    _, tmap = _written(out, "xundian_seed", XUNDIAN, fill=fill)
    assert tmap.values["B部门管理/B1预算管理/B11基本支出预算执行率"] == Decimal("0.96")
    assert tmap.computed[tmap.questionnaire["total"]] == 1000 and tmap.computed[tmap.questionnaire["score"]] == 100
    assert tmap.values["C部门绩效/C2部门效果/C19政务服务系统人员满意度"] == 7
    fill = {"data": {"年初预算数": "397.80", "实际到位数": "397.80", "实际支出数": "293.08"}}
    _, tmap = _written(out, "wuhua_seed", get_profile("yunnan.wuhua.project_eval"), fill=fill)
    assert tmap.values["过程/资金管理/预算执行率"] == 2 and tmap.values["过程/资金管理/资金到位率"] == 3


def test_blank_template_caches_blank_scores_and_no_grade(out):
    for pid in FRAMEWORKS:
        _, tmap = _written(out, f"blank_{pid}", get_profile(pid))
        computed_rows = [r["score"] for p, r in tmap.rows.items() if r["score"] in tmap.computed]
        assert computed_rows and all(tmap.computed[ref] == "" for ref in computed_rows), pid
        assert tmap.computed[tmap.total_score] == 0 and tmap.computed[tmap.grade] == "", pid


def test_every_formula_cell_has_its_cached_value(out):
    rng = random.Random(11)
    for pid in FRAMEWORKS:
        profile = get_profile(pid)
        fill = framework_fill(profile, rng, complete=True)
        path, tmap = _written(out, f"cached_{pid}", profile, fill=fill)
        wb = openpyxl.load_workbook(path)
        book = CalamineWorkbook.from_path(str(path))
        formula_cells = [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row
                         if c.data_type == "f"]
        assert set(formula_cells) == set(tmap.computed), pid
        for ref in formula_cells:
            sheet, cell = ref.split("!")
            c = wb[sheet][cell]
            got = book.get_sheet_by_name(sheet).to_python()[c.row - 1][c.column - 1]
            assert got != "" or tmap.computed[ref] == "", f"{pid} {ref} has no cached value"
            assert agrees(got, tmap.computed[ref]), (pid, ref, got, tmap.computed[ref])


def test_writing_is_deterministic(out):
    fill = framework_fill(XUNDIAN, random.Random(3), complete=True)
    a, _ = _written(out, "det_a", XUNDIAN, fill=fill)
    b, _ = _written(out, "det_b", XUNDIAN, fill=fill)
    assert a.read_bytes() == b.read_bytes()


def test_a_fill_that_does_not_fit_is_refused(out):
    with pytest.raises(ValueError, match="data: no data item '基本支出决算'"):
        write_framework_template(XUNDIAN, out / "bad.xlsx", fill={"data": {"基本支出决算": 1}})
    with pytest.raises(ValueError, match="is computed by threshold_deduct"):
        write_framework_template(XUNDIAN, out / "bad.xlsx", fill={"scores": {"B11基本支出预算执行率": 1}})
    with pytest.raises(ValueError, match="has a fixed weight"):
        write_framework_template(XUNDIAN, out / "bad.xlsx", fill={"weights": {"B11基本支出预算执行率": 1}})
    with pytest.raises(ValueError, match="no weight tree"):
        write_framework_template(get_profile("sichuan.project_selfeval"), out / "bad.xlsx")


# --- the checker reads filled templates --------------------------------------------------------------------------------

# the alternative filled in 眉山 专项's pick-one block: 民生保障 (基础设施's nested alternatives: tested below)
CHOSEN = {"sichuan.meishan.special_system": ("专用指标/产业发展", "专用指标/基础设施", "专用指标/行政运转")}


@pytest.mark.parametrize("pid", FRAMEWORKS)
def test_filled_templates_check_without_errors_and_give_the_same_total(out, pid):
    profile = get_profile(pid)
    rng = random.Random(pid)
    for i in range(3):
        fill = framework_fill(profile, rng, complete=True, skip=CHOSEN.get(pid))
        path, tmap = _written(out, f"check_{pid}_{i}", profile, fill=fill)
        report = check_file(path)
        [result] = report.results
        assert result.profile.id == pid
        assert report.errors == 0, [f.as_dict() for f in result.findings]
        assert result.values["total_score"] == pytest.approx(float(tmap.computed[tmap.total_score]), abs=1e-9)
        assert result.values["grade"] == tmap.computed[tmap.grade]
        assert result.values["weight_total"] == 100


NESTED = ("专用指标/产业发展", "专用指标/民生保障", "专用指标/行政运转")


@pytest.mark.parametrize("built", [False, True])
def test_a_nested_alternative_read_flat_is_regrouped_by_the_profile_tree(out, built):
    """眉山 专项's 基础设施 is itself one of 在建项目 / 建成项目, one level deeper than the table's level columns: the
    checker regroups the flat rows by the profile's tree, and a chosen alternative may score 0 on a row."""
    profile = get_profile("sichuan.meishan.special_system")
    other = "专用指标/基础设施/" + ("在建项目" if built else "建成项目")
    fill = framework_fill(profile, random.Random(1), complete=True, skip=(*NESTED, other))
    if not built:
        fill["data"].update({"计划工程进度(%)": 100, "实际工程进度(%)": 90, "预先确定的资金拨付进度(%)": 100,
                             "实际资金拨付进度(%)": 50})  # 工程进度 10 of 15, 资金拨付 below every tier: 0 of 15
    path, tmap = _written(out, f"check_nested_pick_one_{built}", profile, fill=fill)
    if not built:
        assert tmap.values["专用指标/基础设施/在建项目/资金拨付"] == 0
    report = check_file(path)
    assert report.errors == 0, [f.as_dict() for f in report.findings if f.severity == "error"]
    [result] = report.results
    assert result.values["total_score"] == pytest.approx(float(tmap.computed[tmap.total_score]), abs=1e-9)
    assert result.values["weight_total"] == 100


def test_the_fields_above_the_table_are_read_back_as_the_frameworks_fields(out):
    fill = {"fields": {"project": "部门整体支出绩效评价", "unit": "寻甸县政务服务管理局", "year": 2024}}
    path, tmap = _written(out, "fields", XUNDIAN, fill=fill)
    (result,) = check_file(path).results
    assert {k: (c.ref, c.text) for k, c in result.form.fields.items()} == {
        "project": ("B3", "部门整体支出绩效评价"), "unit": ("B4", "寻甸县政务服务管理局"), "year": ("F4", "2024")}
    assert tmap.computed[tmap.title] == "（2024年度）"
    (blank,) = check_file(_written(out, "fields_blank", XUNDIAN)[0]).results
    assert {k: c.text for k, c in blank.form.fields.items()} == {}  # 项目名称 blank: not the 年度 label beside it


def test_labelled_fields_of_a_real_framework_are_read_and_a_money_unit_is_no_unit(tmp_path):
    (wuhua,) = check_file(REPO / "sample_data" / "frameworks" / "wuhua_2023_project_eval.xlsx").results
    assert {k: c.text for k, c in wuhua.form.fields.items()} == {
        "project": "政务服务专项工作经费", "department": "昆明市五华区财政局", "unit": "昆明市五华区政务服务管理局"}
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [["部门整体支出绩效评价指标"], ["单位：万元", None, None, "项目名称：信息化建设"],
            ["一级指标", "二级指标", "三级指标", "分值", "得分"],
            ["A决策(10分)", "A1目标(10分)", "A11目标明确(10分)", 10, 9], ["合计", None, None, 10, 9]]
    for row in rows:
        ws.append(row)
    wb.save(tmp_path / "money.xlsx")
    (result,) = check_file(tmp_path / "money.xlsx", XUNDIAN).results
    assert {k: (c.ref, c.text) for k, c in result.form.fields.items()} == {"project": ("D2", "信息化建设")}


def test_rows_are_as_tall_as_their_scoring_rules_with_a_line_per_paragraph(out):
    """永州: 评价要点 printed as a heading and numbered points, each on lines of its own."""
    path, tmap = _written(out, "yongzhou_rows", get_profile("hunan.yongzhou.special_fund"))
    ws = openpyxl.load_workbook(path)[SHEET]
    label = tmap.rows["投入/项目立项/绩效目标合理性"]["label"].split("!")[1]
    row = ws[label].row
    criteria = ws.cell(row, 6).value
    assert criteria.startswith("评价要点：\n①") and criteria.count("\n") == 4
    # 5 paragraphs, the longest 30 characters: one line each in 评分细则 (69 units: 482 px, 32 characters of 15 px)
    assert ws.row_dimensions[row].height == pytest.approx(5 * 14.5 + 6, abs=0.25)  # Excel's 0.75 pt steps
    for r in range(6, tmap.last_row - 1):  # every row holds its 评分细则 (merged rows together)
        text = ws.cell(r, 6).value
        if text:
            lines = sum(-(-sum(15 if ord(ch) > 0x2E7F else 8 for ch in part) // (pixel(69) - 6))
                        for part in text.split("\n"))
            span = next((m for m in ws.merged_cells.ranges if m.min_row == r and m.min_col == 6), None)
            rows = range(r, (span.max_row if span else r) + 1)
            assert sum(ws.row_dimensions[x].height for x in rows) >= lines * 14.5, (r, text)


def pixel(width: float) -> int:
    return int(width * 7 + 0.5) + 5


def test_a_score_typed_above_its_weight_is_found_by_the_checker_at_its_cell(out):
    fill = framework_fill(XUNDIAN, random.Random(2), complete=True)
    fill["scores"]["A部门决策/A1部门目标/A11部门中长期规划目标的明确性与合理性"] = 3
    path, tmap = _written(out, "check_wrong", XUNDIAN, fill=fill)
    found = {(f.check, f.cell) for f in check_file(path).findings}
    assert ("C08", "E6") in found


# --- shipped templates and the command line ------------------------------------------------------------------------------

def test_cli_writes_a_framework_template(tmp_path):
    dst = tmp_path / "寻甸.xlsx"
    run = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "template", "yunnan.kunming.dept_common", "-o", str(dst),
                          "--year", "2024"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ws = openpyxl.load_workbook(dst)[SHEET]
    assert (ws["A1"].value, ws["F4"].value, ws["A5"].value) == ("部门整体支出绩效评价共性指标体系框架", 2024, "一级指标")
    assert openpyxl.load_workbook(dst, data_only=True)[SHEET]["A2"].value == "（2024年度）"


def test_the_guide_tree_example_validates_and_writes_a_template(tmp_path):
    from conftest import ROOT

    from perfeval_xl.profile import load_profile_file

    guide = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
    base = re.search(r"```yaml\n(# 某区.*?)```", guide, re.S).group(1)
    tree = re.search(r"```yaml\n(tree:.*?)```", guide, re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(base + tree, encoding="utf-8")
    profile = load_profile_file(path)
    fill = {"data": {"支出决算数": 90, "支出预算数": 100, "资金使用不合规例数": 2, "重点工作完成数": 9,
                     "重点工作计划数": 10, "服务对象满意度(%)": 90, "审计发现问题数": 1},
            "scores": {"绩效目标合理性": 8}}
    dst, tmap = _written(tmp_path, "example", profile, fill=fill)
    # 10 − 0.2 × 5 = 9; 8 typed; 30 − 2 = 28; 0.9 × 30 = 27; 15; minus 2 deducted
    assert [tmap.values[k] for k in ("投入/预算执行率", "投入/绩效目标合理性", "过程/资金使用合规性", "产出/重点工作完成率",
                                     "效果/服务对象满意度", "扣分项/审计发现问题")] == [9, 8, 28, 27, 15, 2]
    assert (tmap.computed[tmap.total_score], tmap.computed[tmap.grade]) == (85, "良")
    [result] = check_file(dst, profile).results
    assert result.findings == [] and result.values["total_score"] == 85
