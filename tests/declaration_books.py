"""Workbooks laid out like the real 绩效目标申报表 exports (DOMAIN.md §1.8), built with openpyxl for the tests.

    central(path)           the 中央部门 two-half form of a WPS-saved platform export: title, ( 2020年度), 项目名称,
                            主管部门及代码 | [105]教育部 | 实施单位 | 北京大学, 项目属性 | 项目周期, 项目资金（万元）
                            (中期资金总额： | n | 年度资金总额： | n, 其中 lines under each), 总体目标 | 中期目标 |
                            年度目标, and the indicator table (B 一级, C/D/E the 中期 half, F/G/H the 年度 half) with its
                            一级 merged over their rows and the platform's '指标1：' numbering and empty '指标2：' rows
    provincial(path)        a one-half provincial form (年度 only) with 指标性质 | 指标值 | 度量单位 columns
    platform(path)          one workbook as the budget platforms export a project: 项目基本信息, 立项依据, 实施方案,
                            支出计划, 支出明细, the 申报表, the 监控表 and an empty 项目支出绩效自评表, one sheet each

Each builder takes changes: `rows` (the indicator rows, see CENTRAL_ROWS), `cells` ({A1: value} written last, None
clears) and `year`.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

# (一级, 二级, 三级, 中期指标值, 年度指标值): the 二级 and 三级 are the same in both halves
CENTRAL_ROWS = [
    ("产出指标", "数量指标", "指标1：培训教师人次", "≥300人次", "≥100人次"),
    ("产出指标", "质量指标", "指标1：培训考核合格率", "≥95%", "≥95%"),
    ("产出指标", "时效指标", "指标1：培训完成时间", "2022年12月底前", "2020年12月底前"),
    ("产出指标", "成本指标", "指标1：人均培训成本", "≤2000元", "≤2000元"),
    ("效益指标", "社会效益指标", "指标1：教师教学能力", "显著提高", "有所提高"),
    ("效益指标", "可持续影响指标", "指标1：长效培训机制", "基本建立", "初步建立"),
    ("满意度指标", "服务对象满意度指标", "指标1：参训教师满意度", "≥90%", "≥90%"),
    ("满意度指标", "服务对象满意度指标", "指标2：", None, None),
]
CENTRAL_FIRST_ROW = 13  # the first indicator row (1-based)


def _merge_runs(ws, col: int, first: int, names: list) -> None:
    """Merge equal consecutive names in `col` from row `first` down (the 一级 cells of an export)."""
    start = 0
    for i in range(1, len(names) + 1):
        if i == len(names) or names[i] != names[start]:
            if i - start > 1 and names[start]:
                ws.merge_cells(start_row=first + start, start_column=col, end_row=first + i - 1, end_column=col)
            start = i


def central_sheet(ws, *, rows=None, cells=None, year: int = 2020, top: int = 1, title="项目支出绩效目标申报表") -> int:
    """Write the central two-half form on `ws` from row `top`; return the row after it."""
    rows = CENTRAL_ROWS if rows is None else rows
    t = top - 1  # offset
    m = ws.merge_cells

    def put(ref: str, value, merge: str | None = None):
        col = "".join(ch for ch in ref if ch.isalpha())
        r = int("".join(ch for ch in ref if ch.isdigit())) + t
        ws[f"{col}{r}"] = value
        if merge:
            c2 = "".join(ch for ch in merge if ch.isalpha())
            r2 = int("".join(ch for ch in merge if ch.isdigit())) + t
            m(f"{col}{r}:{c2}{r2}")

    put("A1", title, "H1")
    put("A2", f"( {year}年度)", "H2")
    put("A3", "项目名称", "B3")
    put("C3", "教育教学改革专项", "H3")
    put("A4", "主管部门及代码", "B4")
    put("C4", "[105]教育部", "D4")
    put("E4", "实施单位", "F4")
    put("G4", "北京大学", "H4")
    put("A5", "项目属性", "B5")
    put("C5", "延续项目", "D5")
    put("E5", "项目周期", "F5")
    put("G5", "3年", "H5")
    put("A6", "项目资金（万元）", "A9")
    for r, (label, medium, annual) in enumerate((("资金总额：", 1500, 500), ("其中：财政拨款", 1200, 400),
                                                 ("上年结转资金", 200, 80), ("其他资金", 100, 20)), start=6):
        put(f"B{r}", ("中期" + label) if r == 6 else label, f"D{r}")
        put(f"E{r}", medium)
        put(f"F{r}", ("年度" + label) if r == 6 else label, f"G{r}")
        put(f"H{r}", annual)
    put("A10", "总体目标", "A11")
    put("B10", f"中期目标（{year}年-{year + 2}年）", "E10")
    put("F10", "年度目标", "H10")
    put("B11", "三年内完成教师教学改革试点，培训教师300人次以上。", "E11")
    put("F11", "完成年度培训任务，培训教师100人次以上。", "H11")
    last = CENTRAL_FIRST_ROW + len(rows) - 1
    put("A12", "绩效指标", f"A{last}")
    for col, text in zip("BCDEFGH", ("一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值")):
        put(f"{col}12", text)
    for i, (l1, l2, l3, medium, annual) in enumerate(rows):
        r = CENTRAL_FIRST_ROW + i
        for col, v in zip("BCDEFGH", (l1, l2, l3, medium, l2, l3, annual)):
            put(f"{col}{r}", v)
    _merge_runs(ws, 2, CENTRAL_FIRST_ROW + t, [r[0] for r in rows])
    for ref, value in (cells or {}).items():
        put(ref, value)
    for col, w in zip("ABCDEFGH", (9, 12, 13, 26, 16, 13, 26, 16)):
        ws.column_dimensions[col].width = w
    return last + 1 + t


def central(path: Path, **changes) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效目标申报表"
    central_sheet(ws, **changes)
    wb.save(path)
    return path


# (一级, 二级, 三级, 指标性质, 指标值, 度量单位)
PROVINCIAL_ROWS = [
    ("产出指标", "数量指标", "培训基层干部人次", "≥", 100, "人次"),
    ("产出指标", "质量指标", "培训考核合格率", "≥", 95, "%"),
    ("产出指标", "时效指标", "培训完成时限", "≤", 12, "月"),
    ("成本指标", "经济成本指标", "人均培训成本", "≤", 0.2, "万元"),
    ("效益指标", "社会效益指标", "基层干部业务能力", "定性", "明显提升", ""),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥", 90, "%"),
]
PROVINCIAL_FIRST_ROW = 10


def provincial(path: Path, *, rows=None, cells=None, year: int = 2021) -> Path:
    """A one-half provincial 申报表: 年度资金总额 | n with 其中：财政拨款 and 其他资金, 年度绩效目标 | text, and
    一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 on row 9."""
    rows = PROVINCIAL_ROWS if rows is None else rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效目标表"
    ws["A1"] = "项目支出绩效目标申报表"
    ws.merge_cells("A1:G1")
    ws["A2"] = f"({year}年度)"
    ws.merge_cells("A2:G2")
    ws["A3"], ws["B3"] = "项目名称", "基层财政干部培训经费"
    ws.merge_cells("B3:G3")
    ws["A4"], ws["B4"], ws["D4"], ws["E4"] = "主管部门", "某省财政厅", "实施单位", "某省财政干部教育中心"
    ws.merge_cells("B4:C4")
    ws.merge_cells("E4:G4")
    ws["A5"] = "项目资金(万元)"
    ws.merge_cells("A5:A7")
    for r, (label, amount) in enumerate((("年度资金总额", 100), ("其中：财政拨款", 80), ("其他资金", 20)), start=5):
        ws[f"B{r}"], ws[f"D{r}"] = label, amount
        ws.merge_cells(f"B{r}:C{r}")
        ws.merge_cells(f"D{r}:G{r}")
    ws["A8"], ws["B8"] = "年度绩效目标", "全年培训基层财政干部100人次，考核合格率95%以上。"
    ws.merge_cells("B8:G8")
    for col, text in zip("ABCDEFG", ("绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")):
        ws[f"{col}9"] = text
    last = PROVINCIAL_FIRST_ROW + len(rows) - 1
    ws.merge_cells(f"A9:A{last}")
    for i, row in enumerate(rows):
        for col, v in zip("BCDEFG", row):
            ws[f"{col}{PROVINCIAL_FIRST_ROW + i}"] = v
    _merge_runs(ws, 2, PROVINCIAL_FIRST_ROW, [r[0] for r in rows])
    for ref, value in (cells or {}).items():
        ws[ref] = value
    wb.save(path)
    return path


def _text_sheet(wb, name: str, rows: list[list]) -> None:
    ws = wb.create_sheet(name)
    for row in rows:
        ws.append(row)
    for c in range(1, 9):
        ws.column_dimensions[get_column_letter(c)].width = 16


def monitoring_sheet(ws) -> None:
    """A 项目支出绩效目标执行监控表 (DOMAIN.md §1.8): 1-7月 execution, two header rows, ticks in 完成目标可能性."""
    rows = [
        ["项目支出绩效目标执行监控表"], ["( 2020年度)"], ["项目名称", "教育教学改革专项"],
        ["主管部门及代码", "[105]教育部", "", "实施单位", "北京大学"],
        ["项目资金（万元）", "", "年初预算数", "1-7月执行数", "1-7月执行率", "全年预计执行数"],
        ["", "年度资金总额：", 500, 280, "56%", 500], ["", "其中：财政拨款", 400, 230, "57.5%", 400],
        ["", "上年结转资金", 80, 40, "50%", 80], ["", "其他资金", 20, 10, "50%", 20],
        ["年度总体目标", "完成年度培训任务，培训教师100人次以上。"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "1-7月执行情况", "全年预计完成情况", "偏差原因分析", "", "", "",
         "", "", "完成目标可能性", "", "", "备注"],
        ["", "", "", "", "", "", "经费保障", "制度保障", "人员保障", "硬件条件保障", "其他", "原因说明", "确定能",
         "有可能", "完全不可能", ""],
        ["产出指标", "数量指标", "培训教师人次", "≥100人次", "60人次", "100人次", "", "", "", "", "", "", "√", "", "",
         ""],
        ["产出指标", "质量指标", "培训考核合格率", "≥95%", "一般", "96%", "", "", "", "", "", "", "√", "", "", ""],
        ["效益指标", "社会效益指标", "教师教学能力", "有所提高", "100%", "有所提高", "", "", "", "", "", "", "√", "", "",
         ""],
    ]
    for row in rows:
        ws.append(row)


def selfeval_sheet(ws) -> None:
    """The national 项目支出绩效自评表 with only its headers (the platform adds it empty)."""
    for row in (["项目支出绩效自评表"], ["（    年度）"], ["项目名称", ""], ["主管部门", "", "", "", "", "", "实施单位"],
                ["项目资金（万元）", "", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
                ["", "", "年度资金总额", "", None, None, None, 10, None, None],
                ["", "", "其中：当年财政拨款"], ["", "", "上年结转资金"], ["", "", "其他资金"],
                ["年度总体目标", "预期目标", "", "", "", "", "实际完成情况"], ["", "", "", "", "", "", ""],
                ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                 "偏差原因分析及改进措施"],
                ["", "产出指标", "数量指标"], ["", "效益指标", "社会效益指标"], ["", "满意度指标", "服务对象满意度指标"],
                ["总分", "", "", "", "", "", 100, None]):
        ws.append(row)


def platform(path: Path, **changes) -> Path:
    """The whole project as a budget platform exports it, one sheet per part."""
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "项目基本信息"
    for row in (["项目名称", "教育教学改革专项"], ["项目编码", "105000200000000123456"], ["主管部门", "[105]教育部"],
                ["实施单位", "北京大学"], ["项目属性", "延续项目"], ["项目周期", "3年"], ["项目类别", "其他事业发展类"],
                ["项目负责人", "张三"], ["联系电话", "010-12345678"], ["年度资金总额（万元）", 500],
                ["其中：财政拨款", 400], ["上年结转资金", 80], ["其他资金", 20]):
        info.append(row)
    _text_sheet(wb, "立项依据", [["立项依据"], ["《国家中长期教育改革和发展规划纲要》等。"]])
    _text_sheet(wb, "实施方案", [["实施方案"], ["分三年开展教师教学改革培训，每年培训教师100人次以上。"]])
    _text_sheet(wb, "支出计划", [["月份", "计划支出（万元）", "累计支出（万元）", "累计执行进度"],
                                *[[f"{m}月", 40, 40 * m, f"{40 * m / 500:.0%}"] for m in range(1, 13)]])
    _text_sheet(wb, "支出明细", [["经济分类科目", "金额（万元）", "测算依据"], ["30201 办公费", 20, "按实际"],
                                ["30216 培训费", 400, "100人次×4万元"], ["30227 委托业务费", 80, "按合同"]])
    central_sheet(wb.create_sheet("项目支出绩效目标申报表"), **changes)
    monitoring_sheet(wb.create_sheet("项目支出绩效目标执行监控表"))
    selfeval_sheet(wb.create_sheet("项目支出绩效自评表"))
    wb.save(path)
    return path
