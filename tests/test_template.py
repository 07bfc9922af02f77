"""Templates: official layout, protection, validation, print setup; formulas that LibreOffice and `formulas`
recalculate to exactly what the Python rules give (fixed fills here, random ones in tests/test_verify.py); conditional
formats that turn wrong numbers red."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfeval_xl.errors import UsageError
from perfeval_xl.lo import convert, find_soffice
from perfeval_xl.profile import get_profile, shipped_profiles
from perfeval_xl.rules import RULES
from perfeval_xl.verify import agrees, check_fills, poison
from conftest import fill_row
from perfeval_xl.write.template import SHEET, _band_share, write_template
from perfeval_xl.write.templates import form_sheet, regenerate, write_template_for

SICHUAN = get_profile("sichuan.project_selfeval")
NATIONAL = get_profile("national.project_selfeval")
REPO = Path(__file__).resolve().parents[1]
needs_lo = pytest.mark.libreoffice


# seed 004, form 4: “一窗进出”改革前台岗位外包服务经费 (眉山 2023). Printed: 71.38%, 7.1, 合计 97.1.
WAIBAO = {
    "fields": {"project": "51140022T000000289349-“一窗进出”改革前台岗位外包服务经费",
               "department": "眉山市政务服务管理局(部门)", "unit": "眉山市政务服务管理局",
               "leader": "游蕾", "finance": "财务负责人:邱鹏"},
    "narrative": {"goal": "推动政务服务事项全流程“一窗进出、一网通办”。", "goal_done": "设置综合受理服务专席9个。",
                  "content": "在政务大厅设立行政审批综合服务窗口。", "conclusion": "有效提升群众办事便利度。",
                  "problems": "窗口人员业务能力存在差异。", "measures": "启动职业技能鉴定工作。"},
    "budget": {"fiscal": {"initial": "35.16", "budget": "200.16", "executed": "142.88"},
               "special": {"initial": 0, "budget": 0, "executed": 0},
               "own": {"initial": 0, "budget": 0, "executed": 0}},
    "reason": "剩余未支付资金为下半年项目尾款,待第二年项目验收合格支付。",
    "indicators": [
        fill_row("产出指标", "数量指标", "配置咨询导办等11名专业服务人。", "≥", 11, "人", 11, 20),
        fill_row("产出指标", "质量指标", "系统可用度90%以上。", "≥", 90, "%", 90, 20),
        fill_row("效益指标", "社会效益指标", "群众满意度持续提升达95%以上", "≥", 95, "%", 95, 30),
        fill_row("满意度指标", "服务对象满意度指标", "办件满意度95%以上。", "≥", 95, "%", 95, 10),
        fill_row("成本指标", "经济成本指标", "2023年新招标成本不超过165万", "≤", 165, "万元", "162.71", 10),
    ],
}

# Partial scores on every method (no exact .5 ties anywhere, so `formulas`' ROUND agrees with Excel's).
PARTIAL = {
    "budget": {"fiscal": {"initial": 80, "budget": 90, "executed": "61.5"},
               "special": {"initial": 0, "budget": 10, "executed": "9.3"}},
    "indicators": [
        fill_row("产出指标", "数量指标", "服务人员", "≥", 11, "人", 10, 20),                                # 18.18
        fill_row("产出指标", "质量指标", "覆盖率", "=", 100, "%", 98, 10),                                 # 9.8
        fill_row("产出指标", "时效指标", "办结量", "≥", 50, "件", 67.8, 10),                               # 10 (capped)
        fill_row("效益指标", "社会效益指标", "群众获得感", "定性", None, None, "部分达成年度指标并具有一定效果", 20),  # 16
        fill_row("效益指标", "可持续影响指标", "长效机制", "定性", None, None, "达成年度指标", 10, score=9),     # typed 9
        fill_row("满意度指标", "服务对象满意度指标", "整改", "定性", None, None, "未达成年度指标且效果较差", 10),  # 6
        fill_row("成本指标", "经济成本指标", "物业成本不超过预算数", "≤", 21, "万元", "21.13", 10),           # 9.94
    ],
}

# The national form writes the direction and the unit inside 年度指标值.
NATIONAL_FILL = {
    "fields": {"project": "某项目", "department": "某局", "unit": "某中心"},
    "narrative": {"goal": "完成年度任务", "goal_done": "基本完成"},
    "budget": {"fiscal": {"initial": 100, "budget": "120.5", "executed": "98.7"},
               "carryover": {"initial": 0, "budget": 10, "executed": 10}},
    "indicators": [
        fill_row("产出指标", "数量指标", "培训人数", None, "≥11人", None, "10人", 20),                    # 18.18
        fill_row("产出指标", "质量指标", "合格率", None, "≥90%", None, "95%", 15),                        # 15
        fill_row("产出指标", "成本指标", "成本控制", None, "≤21万元", None, "21.13", 15),                  # 14.91
        fill_row("效益指标", "社会效益指标", "群众获得感", None, "有效提升", None,                        # 16 (定性)
             "部分达成年度指标并具有一定效果", 20),
        fill_row("效益指标", "可持续影响指标", "制度建设", "≥", 3, None, 3, 10),                          # 10 ("≥3")
        fill_row("满意度指标", "服务对象满意度指标", "满意度", None, 95, None, "93.5", 10),                  # 9.84
    ],
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("templates")


def _written(out: Path, name: str, profile=SICHUAN, **kw):
    path = out / f"{name}.xlsx"
    return path, write_template(profile, path, **kw)


def _values(path: Path) -> dict[str, object]:
    """Cell values (cached results for formulas) by A1 reference, read with openpyxl."""
    ws = openpyxl.load_workbook(path, data_only=True)[SHEET]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row}


def _mismatches(values: dict, tmap) -> dict:
    """Formula cells whose value differs from the Python rules' value: ref -> (value, expected)."""
    return {ref: (values.get(ref), want) for ref, want in tmap.computed.items() if not agrees(values.get(ref), want)}


# --- layout -----------------------------------------------------------------------------------------------------

def test_sichuan_layout_has_official_wording_in_canonical_cells(out):
    path, tmap = _written(out, "sichuan_blank")
    ws = openpyxl.load_workbook(path)[SHEET]
    expected = {
        "A2": "项目名称", "F2": "年度", "H2": None, "A3": "主管部门", "F3": "实施单位(盖章)",
        "A4": "项目基本情况", "B4": "1.项目年度目标完成情况", "B5": "项目年度目标", "F5": "年度目标完成情况",
        "B7": "2.项目实施内容及过程概述", "A8": "预算执行情况(10分)",
        "A9": "年度预算数(万元)", "C9": "年初预算", "D9": "调整后预算数", "E9": "预算执行数", "F9": "预算执行率",
        "G9": "权重", "H9": "得分", "I9": "原因",
        "A10": "总额", "A11": "其中:财政资金", "A12": "财政专户管理资金", "A13": "单位资金", "A14": "其他资金",
        "G10": 10, "G11": "/", "H11": "/", "G14": "/", "H14": "/",
        "A15": "绩效指标(90分)",
        "A16": "一级指标", "B16": "二级指标", "C16": "三级指标", "D16": "指标性质", "E16": "指标值",
        "F16": "度量单位", "G16": "完成值", "H16": "权重", "I16": "得分", "J16": "未完成原因分析",
        "A17": "产出指标", "B17": "数量指标", "B19": "质量指标", "B20": "时效指标", "A21": "效益指标",
        "B21": "经济效益指标", "B24": "可持续影响指标", "A25": "满意度指标", "B25": "服务对象满意度指标",
        "A26": "成本指标", "B26": "经济成本指标", "B28": "生态环境成本指标",
        "A29": "合计", "A30": "评价等次", "A31": "评价结论", "A32": "存在问题", "A33": "改进措施",
        "A34": "项目负责人:", "F34": "财务负责人:",
    }
    assert {ref: ws[ref].value for ref in expected} == expected
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:J1", "A2:B2", "C2:E2", "F2:G2", "H2:J2", "A3:B3", "C3:E3", "F3:G3", "H3:J3", "A4:A7", "B4:J4",
            "B5:E5", "F5:J5",
            "B6:E6", "F6:J6", "B7:C7", "D7:J7", "A8:J8", "A9:B9", "I9:J9", "A10:B10", "A14:B14", "I10:J14",
            "A15:J15", "A17:A20", "B17:B18", "A21:A24", "A26:A28", "A29:G29", "A30:G30", "H30:J30",
            "A31:B31", "C31:J31", "A33:B33", "C33:J33", "A34:E34", "F34:J34"} <= merged
    assert "B19:B20" not in merged and "A25:A26" not in merged
    assert tmap.budget["total"] == {"initial": "C10", "budget": "D10", "executed": "E10", "rate": "F10",
                                    "weight": "G10", "score": "H10"}
    assert [tmap.budget[k]["rate"] for k in ("fiscal", "special", "own", "other")] == ["F11", "F12", "F13", "F14"]
    assert (tmap.reason, tmap.total_weight, tmap.total_score, tmap.grade) == ("I10", "H29", "I29", "H30")
    assert [r["score"] for r in tmap.indicators] == [f"I{r}" for r in range(17, 29)]
    assert tmap.fields == {"project": "C2", "year": "H2", "department": "C3", "unit": "H3"}
    assert (tmap.title, _values(path)["A1"]) == ("A1", "部门预算项目支出绩效自评表(    年度)")
    assert tmap.narrative == {"goal": "B6", "goal_done": "F6", "content": "D7", "conclusion": "C31",
                              "problems": "C32", "measures": "C33"}
    assert tmap.last_row == 34


def test_the_title_reads_its_year_from_the_year_input(out):
    path, tmap = _written(out, "sichuan_2023", year=2023)
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws["A1"].value == '="部门预算项目支出绩效自评表("&IF(H2="","    ",H2)&"年度)"'
    assert (ws["H2"].value, _values(path)["A1"]) == (2023, "部门预算项目支出绩效自评表(2023年度)")
    assert "H2" in tmap.inputs and ws["H2"].protection.locked is False and ws["H2"].fill.fgColor.rgb == "FFFFFFCC"
    year = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}["H2"]
    assert (year.type, year.formula1, year.formula2) == ("whole", "1900", "2099")
    path, tmap = _written(out, "national_2023", NATIONAL, year="2023")
    ws = openpyxl.load_workbook(path)[SHEET]
    assert (ws["A1"].value, ws["A2"].value, ws["I3"].value) == ("项目支出绩效自评表", '="（"&IF(I3="","    ",I3)&"年度）"', 2023)
    assert (tmap.title, tmap.fields["year"], _values(path)["A2"]) == ("A2", "I3", "（2023年度）")


def test_the_year_given_in_the_fill_is_the_year_input(out):
    path, tmap = _written(out, "sichuan_fill_year", fill={"fields": {"year": 2022}})
    assert (_values(path)["H2"], _values(path)["A1"]) == (2022, "部门预算项目支出绩效自评表(2022年度)")


@pytest.mark.parametrize("year", ["24", "２０２４", "2024年", 24, 2024.0, "1899", "2100", True])
def test_a_year_that_is_not_four_digits_is_refused(out, year):
    with pytest.raises(UsageError, match="四位数字"):
        _written(out, "bad_year", year=year)
    assert not (out / "bad_year.xlsx").exists()


@pytest.mark.parametrize("pid", sorted(pid for pid, p in shipped_profiles().items() if p.has_template))
def test_every_template_takes_its_year_as_an_input_its_title_reads_and_refuses_a_short_one(out, pid):
    profile = get_profile(pid)
    path = out / f"year_{pid}.xlsx"
    tmap = write_template_for(profile, path, year=2031)
    ref, title = tmap.fields["year"].split("!")[-1], tmap.title.split("!")[-1]  # on the form's sheet
    ws = openpyxl.load_workbook(path)[form_sheet(profile)]
    assert ws[ref].value == 2031 and ws[ref].protection.locked is False and ws[ref].fill.fgColor.rgb == "FFFFFFCC"
    assert f"IF({ref}=" in ws[title].value and "2031年度" in str(tmap.computed[tmap.title])
    with pytest.raises(UsageError):
        write_template_for(profile, out / f"year24_{pid}.xlsx", year=24)


def test_national_layout_follows_the_mof_form(out):
    path, tmap = _written(out, "national_blank", NATIONAL)
    ws = openpyxl.load_workbook(path)[SHEET]
    expected = {
        "A1": "项目支出绩效自评表", "A3": "项目名称", "G3": "年度", "I3": None, "A4": "主管部门", "G4": "实施单位",
        "A5": "项目资金(万元)", "E5": "年初预算数", "F5": "全年预算数", "G5": "全年执行数", "H5": "分值",
        "I5": "执行率", "J5": "得分", "C6": "年度资金总额", "C7": "其中：当年财政拨款", "C8": "上年结转资金",
        "C9": "其他资金", "H6": 10, "H7": None, "J7": None,
        "A10": "年度总体目标", "B10": "预期目标", "G10": "实际完成情况",
        "A12": "绩效指标", "B12": "一级指标", "C12": "二级指标", "D12": "三级指标", "E12": "年度指标值",
        "F12": "实际完成值", "G12": "分值", "H12": "得分", "I12": "偏差原因分析及改进措施",
        "B13": "产出指标", "C13": "数量指标", "B18": "效益指标", "B22": "满意度指标",
        "A23": "总分", "A24": "评价等次",
        "L12": "符号", "M12": "指标数值", "N12": "完成数值", "O12": "性质", "P12": "规则得分", "Q12": "得分下限",
        "R12": "指标数字文本", "S12": "完成数字文本",
    }
    assert {ref: ws[ref].value for ref in expected} == expected
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:J1", "A2:J2", "C3:F3", "G3:H3", "I3:J3", "A5:B9", "C5:D5", "C6:D6", "A10:A11", "B10:F10", "G10:J10", "B11:F11", "G11:J11",
            "A12:A22", "B13:B17", "C13:C14", "B18:B21", "I12:J12", "A23:F23", "I23:J23", "A24:F24", "G24:J24"} <= merged
    assert (tmap.total_weight, tmap.total_score, tmap.grade, tmap.last_row) == ("G23", "H23", "G24", 24)
    assert tmap.budget["total"]["score"] == "J6" and tmap.budget["total"]["rate"] == "I6"
    helpers = ws.column_dimensions["L"]  # one <col> element for L..S
    assert helpers.hidden and (helpers.min, helpers.max) == (12, 19)


def test_inputs_are_unlocked_yellow_and_computed_cells_locked(out):
    path, tmap = _written(out, "sichuan_protect", fill=WAIBAO)
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws.protection.sheet and not ws.protection.password
    assert ws.protection.insertRows is False  # False = "not prohibited": row insertion allowed
    for ref in tmap.inputs:
        assert ws[ref].protection.locked is False, ref
        assert ws[ref].fill.fgColor.rgb == "FFFFFFCC", ref
    assert {"C2", "C11", "E11", "D17", "H17", "I10", tmap.narrative["conclusion"], *tmap.signatures.values()} <= set(
        tmap.inputs)
    for ref in ("C10", "D10", "E10", "F10", "F11", "G10", "H10", "H22", "I22", "H23", "A1", "A16"):
        assert ws[ref].protection.locked is True, ref
    assert ws["I17"].protection.locked is False  # indicator score: formula, but a 定性 score may be adjusted
    assert ws["I17"].value.startswith("=IF(ISNUMBER(H17),IF(OR(D17=\"≥\",D17=\">\")")


def test_validation_and_input_messages(out):
    path, _ = _written(out, "sichuan_dv")
    dvs = openpyxl.load_workbook(path)[SHEET].data_validations.dataValidation
    by_range = {str(dv.sqref): dv for dv in dvs}
    nature = by_range["D17:D28"]
    assert (nature.type, nature.formula1) == ("list", '"≥,≤,=,定性"')
    assert by_range["H17:H28"].type == "decimal" and by_range["H17:H28"].operator in (None, "between")  # default
    assert (by_range["H17:H28"].formula1, by_range["H17:H28"].formula2) == ("0", "90")
    amounts = by_range["C11:E14"]
    assert (amounts.type, amounts.operator, amounts.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert by_range["I10:J14"].prompt == SICHUAN.budget.reason_hint


def test_print_setup_is_a4_landscape_one_page_wide_with_the_indicator_header_repeated(out):
    path, _ = _written(out, "sichuan_print")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth in (None, 1) and int(ws.page_setup.fitToHeight) == 0  # width 1 is the default
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area == "'绩效自评表'!$A$1:$J$34"
    assert ws.print_title_rows == "$16:$16"  # 一级指标 | 二级指标 | …: the table runs over two pages
    assert [b.id for b in ws.row_breaks.brk] == [19]  # after 质量指标: 产出指标 is printed whole on page 1
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert ws["A1"].font.name == "宋体" and ws["A1"].font.sz == 16 and ws["A1"].font.b
    assert ws["C17"].font.name == "宋体" and ws["C17"].font.sz == 11
    widths = {}
    for dim in ws.column_dimensions.values():  # openpyxl keeps one entry per <col min.. max..>
        for c in range(dim.min, dim.max + 1):
            widths[c] = dim.width
    assert [widths[c] for c in range(1, 11)] == pytest.approx(  # xlsxwriter adds the 5-pixel cell padding
        [w + 0.7109375 for w in SICHUAN.layout.widths], abs=0.01)
    assert ws["F10"].number_format == "0.00%" and ws["H10"].number_format == "0.0"
    assert ws["C11"].number_format == "#,##0.00" and ws["I17"].number_format == "0.00"


# --- printed text size ------------------------------------------------------------------------------------------
# A column unit as the applications print it: Excel, 7 px of Calibri 11's digits (the Normal font) = 5.25 pt;
# LibreOffice without Carlito, DejaVu Sans's digits: 7 pt, measured 7.00-7.09 pt in its PDFs (its zoom goes in steps).
UNIT_PT = {"excel": 0.75 * 7, "libreoffice": 7.1}
A4 = (595.28, 841.89)


def _printed_sizes(ws) -> dict[str, float]:
    """The smallest text size (pt) a sheet prints at, from its page setup, column widths and fonts, per application:
    fit to one page wide scales the print area's columns to the paper's width between the margins (never above
    100 %, in whole percent as Excel sets it)."""
    assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToHeight) == 0
    assert ws.page_setup.fitToWidth in (None, 1)
    assert int(ws.page_setup.paperSize) == 9  # A4
    paper = A4[1] if ws.page_setup.orientation == "landscape" else A4[0]
    printable = paper - 72 * (ws.page_margins.left + ws.page_margins.right)
    area = openpyxl.worksheet.cell_range.CellRange(ws.print_area.split("!")[1].replace("$", ""))
    widths = {}
    for dim in ws.column_dimensions.values():
        for c in range(dim.min, dim.max + 1):
            widths[c] = None if dim.hidden else dim.width
    units = sum(widths.get(c) or 0 for c in range(area.min_col, area.max_col + 1))
    fonts = {c.font.sz for row in ws.iter_rows(min_row=area.min_row, max_row=area.max_row, min_col=area.min_col,
                                                 max_col=area.max_col) for c in row if c.value is not None}
    return {app: round(min(1, int(100 * printable / (units * unit)) / 100) * min(fonts), 2)
            for app, unit in UNIT_PT.items()}


def test_every_template_sheet_prints_its_text_at_9_pt_or_more(out):
    sizes = {}
    for path in regenerate(out / "printed"):
        for ws in openpyxl.load_workbook(path):
            sizes[f"{path.stem}/{ws.title}"] = _printed_sizes(ws)
    assert len(sizes) == 17 and all(min(s.values()) >= 9 for s in sizes.values()), sizes
    for name in ("sichuan.project_selfeval/绩效自评表", "national.project_selfeval/绩效自评表"):
        assert sizes[name] == {"excel": 11, "libreoffice": 9.02}  # portrait, they printed at 7.3 and 5.4 pt
    assert sizes["national.monitoring/绩效目标执行监控表"] == {"excel": 11, "libreoffice": 9.02}
    assert sizes["yunnan.kunming.dept_common/评价指标表"]["libreoffice"] == 9.02


@needs_lo
@pytest.mark.slow
def test_libreoffice_prints_every_template_at_9_pt_or_more(out, tmp_path):
    """The glyphs in LibreOffice's PDF of each template: a CJK character is one em wide, so its width is the printed
    size of its text."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdfs = convert(regenerate(tmp_path / "xlsx"), tmp_path / "pdf", to="pdf")
    word = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([\u4e00-\u9fff]{2,})</word>')
    smallest = {}
    for pdf in pdfs:
        text = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for n, page in enumerate(text.split("<page ")[1:], 1):
            sizes = [(float(b) - float(a)) / len(w) for a, b, w in word.findall(page)]
            smallest[f"{pdf.stem} p{n}"] = round(min(sizes), 2)
    assert len(smallest) >= 30 and min(smallest.values()) >= 9, smallest


def test_writing_is_deterministic(out):
    a, _ = _written(out, "det_a", fill=WAIBAO, year=2023)
    b, _ = _written(out, "det_b", fill=WAIBAO, year=2023)
    assert a.read_bytes() == b.read_bytes()


def _content(path: Path) -> dict:
    """What a template says, sheet by sheet, independent of how xlsxwriter serialises it: cells (values, formulas,
    number formats, locking), merges, validations, conditional formats, cached values."""
    book = CalamineWorkbook.from_path(str(path))
    out = {}
    for ws in openpyxl.load_workbook(path):
        cached = book.get_sheet_by_name(ws.title).to_python()
        cells = {c.coordinate: (c.value, c.number_format, c.protection.locked, cached[c.row - 1][c.column - 1])
                 for row in ws.iter_rows() for c in row if c.value is not None}
        out[ws.title] = {
            "cells": cells, "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "dv": sorted((str(d.sqref), d.type, d.formula1, d.formula2, d.prompt) for d in
                         ws.data_validations.dataValidation),
            "cf": sorted((str(cf.sqref), r.formula[0]) for cf in ws.conditional_formatting for r in cf.rules)}
    return out


def test_shipped_templates_are_current(out):
    fresh = regenerate(out / "regen")
    # project forms, and the frameworks whose profile carries a weight tree (write/framework_template.py)
    expected = [pid for pid, p in shipped_profiles().items() if p.has_template]
    assert sorted(p.name for p in fresh) == sorted(f"{pid}.xlsx" for pid in expected)
    for path in fresh:
        shipped = REPO / "workbook_templates" / path.name
        assert shipped.is_file(), f"run python -m perfeval_xl.write.templates to create {shipped}"
        assert _content(shipped) == _content(path), f"{shipped} is stale: python -m perfeval_xl.write.templates"


# --- cached values ----------------------------------------------------------------------------------------------

def test_cached_values_are_the_rules_values(out):
    path, tmap = _written(out, "waibao", fill=WAIBAO, year=2023)
    assert tmap.computed["F10"] == Decimal("142.88") / Decimal("200.16")
    assert (tmap.computed["H10"], tmap.computed["H22"], tmap.computed["I22"], tmap.computed["H23"]) == (
        Decimal("7.1"), Decimal(100), Decimal("97.1"), "优")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    ws = openpyxl.load_workbook(path)[SHEET]
    formula_cells = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert set(formula_cells) == set(tmap.computed)
    for ref in formula_cells:
        cell = ws[ref]
        got = sheet[cell.row - 1][cell.column - 1]
        assert got != "" or tmap.computed[ref] == "", f"{ref} has no cached value"
        assert agrees(got, tmap.computed[ref]), (ref, got, tmap.computed[ref])


def test_blank_template_caches_blank_scores_and_zero_rates(out):
    path, tmap = _written(out, "blank_values")
    assert tmap.computed["F10"] == 0 and tmap.computed["H10"] == 0 and tmap.computed["I17"] == ""
    assert (tmap.computed["H29"], tmap.computed["I29"], tmap.computed["H30"]) == (10, 0, "")  # no grade before weights
    assert not _mismatches(_values(path), tmap)


def test_partial_fill_uses_every_method(out):
    _, tmap = _written(out, "partial", fill=PARTIAL)
    scores = [tmap.computed.get(r["score"]) for r in tmap.indicators]
    assert scores == [Decimal("18.18"), Decimal("9.8"), Decimal(10), Decimal("16.0"), None, Decimal("6.0"),
                      Decimal("9.94")]
    lows = [tmap.computed[r["score_low"]] for r in tmap.indicators]
    assert lows[3:6] == [Decimal("12.0"), Decimal("8.0"), Decimal("0.0")]
    assert tmap.computed["H10"] == Decimal("7.1")  # 70.8 / 100 -> 7.08 -> 7.1
    assert (tmap.computed["I24"], tmap.computed["H25"]) == (Decimal("86.02"), "良")


def test_band_share_matches_the_qualitative_rule():
    bands = SICHUAN.qualitative
    assert _band_share("G17", bands, "high") + "*H17" == RULES["qualitative"].formula(
        actual="G17", weight="H17", bands=bands)


# --- independent engines ------------------------------------------------------------------------------------------

@needs_lo
def test_libreoffice_recalculates_to_the_rules_values(out):
    cases = {"lo_waibao": (SICHUAN, WAIBAO), "lo_partial": (SICHUAN, PARTIAL),
             "lo_national": (NATIONAL, NATIONAL_FILL), "lo_blank": (SICHUAN, {})}
    poisoned, maps = [], {}
    (out / "poisoned").mkdir(exist_ok=True)
    for name, (profile, fill) in cases.items():
        path, maps[name] = _written(out, name, profile, fill=fill, year=2023)
        dst = out / "poisoned" / path.name
        assert poison(path, dst) == len(maps[name].computed)
        assert _mismatches(_values(dst), maps[name])  # the poisoned file really is wrong
        poisoned.append(dst)
    results = convert(poisoned, out / "lo")
    for (name, tmap), result in zip(maps.items(), results, strict=True):
        values = _values(result)
        assert not _mismatches(values, tmap), name
    waibao = _values(results[0])
    assert waibao["F10"] == pytest.approx(0.71382893685052, abs=1e-12)
    assert (waibao["H10"], waibao["H22"], waibao["I22"], waibao["H23"]) == (7.1, 100, 97.1, "优")
    partial = _values(results[1])
    assert [partial[f"I{r}"] for r in range(17, 24)] == [18.18, 9.8, 10, 16, 9, 6, 9.94]
    assert (partial["I24"], partial["H25"]) == (86.02, "良")
    national = _values(results[2])
    assert [national[f"H{r}"] for r in range(13, 19)] == [18.18, 15, 14.91, 16, 10, 9.84]
    assert [national[f"O{r}"] for r in range(13, 19)] == ["≥", "≥", "≤", "定性", "≥", "≥"]
    assert (national["I6"], national["J6"]) == (pytest.approx(108.7 / 130.5, abs=1e-12), 8.33)
    assert (national["G19"], national["H19"], national["G20"]) == (100, 92.26, "优")


@pytest.mark.slow
def test_formulas_library_agrees_with_the_rules(out):
    """The fixed fills in the `formulas` library (random ones: tests/test_verify.py). These have no exact .5 ties, so
    nothing needs the one-unit tolerance for formulas' ROUND."""
    pytest.importorskip("formulas")
    for name, profile, fill in (("waibao", SICHUAN, WAIBAO), ("partial", SICHUAN, PARTIAL),
                                ("national", NATIONAL, NATIONAL_FILL)):
        (entry,) = check_fills(profile, [fill], engines=("formulas",), workdir=out / f"fx_{name}")
        assert entry["error"] is None and entry["fills"] == 1, entry
        assert (entry["mismatches"], entry["tolerated"]) == (0, 0), entry["first_mismatches"]


# --- conditional formats ------------------------------------------------------------------------------------------

def test_conditional_formats_cover_every_computed_figure(out):
    path, tmap = _written(out, "cf", fill=WAIBAO)
    ws = openpyxl.load_workbook(path)[SHEET]
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    assert rules["F10:F14"] == ["ABS(N(F10)-IF(N(D10)=0,0,N(E10)/D10))>0.00005"]
    assert rules["H10"] == ["ABS(N(H10)-ROUND(MIN(MAX(IF(N(D10)=0,0,N(E10)/D10),0),1)*10,1))>0.05"]
    assert rules["C10"] == ["ABS(N(C10)-SUM(C11:C14))>0.005"]
    assert rules["I17:I21"] == ["OR(AND(ISNUMBER(I17),OR(I17<0,I17>N(H17)+0.005)),"
                                "AND(ISNUMBER(N17),OR(ISNUMBER(I17)=FALSE,I17<O17-0.005,I17>N17+0.005)))"]
    assert rules["H22"] == ["AND(SUM($H$17:$H$21)>0,OR(ABS(N($H$22)-100)>0.005,ABS(SUM($H$17:$H$21)-90)>0.005))"]
    assert rules["I22"] == ["ABS(N($I$22)-ROUND(N($H$10)+SUM($I$17:$I$21),2))>0.005"]
    assert rules["H23:J23"] == ['AND(SUM($H$17:$H$21)>0,$H$23<>IF($I$22>=90,"优",IF($I$22>=80,"良",IF($I$22>=60,"中","差"))))']
    assert "LEN($I$10)=0" in rules["I10:J14"][0]
    dxf = ws.conditional_formatting
    fmt = next(iter(dxf)).rules[0].dxf
    assert fmt.fill.bgColor.rgb.endswith("FFC7CE") and fmt.font.color.rgb.endswith("9C0006")


def test_no_formula_uses_forbidden_constructs(out):
    allowed = {"IF", "OR", "AND", "MIN", "MAX", "ROUND", "SUM", "N", "ISNUMBER", "SEARCH", "IFERROR", "VALUE",
               "LEFT", "MID", "LEN", "ABS", "FIND", "SUBSTITUTE"}
    for profile in (SICHUAN, NATIONAL):
        path, _ = _written(out, f"fn_{profile.id}", profile, fill=PARTIAL if profile is SICHUAN else NATIONAL_FILL)
        ws = openpyxl.load_workbook(path)[SHEET]
        texts = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
        texts += [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
        for text in texts:
            bare = re.sub(r'"[^"]*"', '""', text)
            assert set(re.findall(r"([A-Z]+)\(", bare)) <= allowed, text
            assert "--" not in bare and not re.search(r"\b[A-Z]+:[A-Z]+\b", bare), text


def _red_pixels(pdf: Path) -> int:
    """Pixels of the highlight fill (FFC7CE) on page 1 rendered at 50 dpi."""
    ppm = subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", str(pdf)], capture_output=True,
                         check=True, timeout=60).stdout
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)
    body = ppm[header.end():]
    return sum(1 for i in range(0, len(body), 3)
               if abs(body[i] - 0xFF) <= 3 and abs(body[i + 1] - 0xC7) <= 3 and abs(body[i + 2] - 0xCE) <= 3)


@needs_lo
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_a_wrong_score_is_rendered_red(out):
    wrong = {**WAIBAO, "indicators": [dict(WAIBAO["indicators"][0], actual=10, score=20), *WAIBAO["indicators"][1:]]}
    right_path, _ = _written(out, "pdf_right", fill=WAIBAO)
    wrong_path, _ = _written(out, "pdf_wrong", fill=wrong)
    right_pdf, wrong_pdf = convert([right_path, wrong_path], out / "pdf", to="pdf")
    assert _red_pixels(right_pdf) == 0
    assert _red_pixels(wrong_pdf) > 50  # the 得分 cell: 20 typed where the rule gives 18.18


# --- the checker reads our templates the way it reads platform exports --------------------------------------------

def test_the_checker_reads_filled_templates_without_errors(out):
    from perfeval_xl.api import check_file

    for name, profile, fill, total, grade in (("chk_waibao", SICHUAN, WAIBAO, 97.1, "优"),
                                              ("chk_partial", SICHUAN, PARTIAL, 86.02, "良"),
                                              ("chk_national", NATIONAL, NATIONAL_FILL, 92.26, "优")):
        path, _ = _written(out, name, profile, fill=fill, year=2023)
        report = check_file(path, None)
        (form,) = report.as_dict()["forms"]
        assert form["profile"] == profile.id and report.errors == 0, form["findings"]
        assert (form["values"]["total_score"], form["values"]["grade"]) == (total, grade)


def test_the_checker_and_the_red_highlight_point_at_the_same_wrong_score(out):
    from perfeval_xl.api import check_file

    wrong = {**WAIBAO, "indicators": [dict(WAIBAO["indicators"][0], actual=10, score=20), *WAIBAO["indicators"][1:]]}
    path, tmap = _written(out, "chk_wrong", fill=wrong)
    cells = {f["cell"] for f in check_file(path, None).as_dict()["forms"][0]["findings"]}
    assert tmap.indicators[0]["score"] == "I17" and "I17" in cells


def test_a_fill_with_a_misspelt_key_is_refused(out):
    with pytest.raises(ValueError, match=r"budget.fiscal: unknown keys \['adjusted'\]"):
        write_template(SICHUAN, out / "bad.xlsx", fill={"budget": {"fiscal": {"adjusted": 1}}})
    with pytest.raises(ValueError, match="special"):  # the national form has no 财政专户管理资金 line
        write_template(NATIONAL, out / "bad.xlsx", fill={"budget": {"special": {"budget": 1}}})
