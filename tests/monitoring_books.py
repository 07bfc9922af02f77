"""Monitoring forms (项目支出绩效目标执行监控表) as real exports lay them out, written with openpyxl for the tests.

`monitoring_sheet(ws, ...)` draws the central-department layout of DOMAIN.md §1.8 on a worksheet: title, (年度),
项目名称, 主管部门及代码 | 实施单位, the 项目资金（万元） block (年初预算数 | [全年预算数] | 1-7月执行数 | 1-7月执行率 |
全年预计执行数 [| 原因说明]), 年度总体目标, and the indicator table with its two-row header (偏差原因分析 split into
经费保障 … 其他 | 原因说明, 完成目标可能性 into 确定能 | 有可能 | 完全不可能), 一级/二级 merged over their rows, the
closing 说明 row. Every label and merge as the export prints them; `top`/`left` shift the whole form.

The default content is a clean form (no finding): 500万元 of which 300 spent by July (60%, ahead of 7/12), 500
expected for the year, seven indicators each with exactly one 完成目标可能性 ticked. Tests change one thing each.

`platform_workbook(path)` is the platform export: 项目基本信息, 立项依据, 实施方案, 支出计划, 支出明细, the 申报表, the
监控表 and an empty 项目支出绩效自评表, one sheet each.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import openpyxl
from openpyxl.utils import get_column_letter

TITLE = "项目支出绩效目标执行监控表"
CAUSES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
OPTIONS = ("确定能", "有可能", "完全不可能")

BUDGET = {  # line label -> amounts (万元) and the stated rate
    "年度资金总额：": {"initial": 500, "budget": 500, "executed": 300, "rate": "60.00%", "forecast": 500},
    "其中：财政拨款": {"initial": 400, "budget": 400, "executed": 240, "rate": "60.00%", "forecast": 400},
    "上年结转资金": {"initial": 100, "budget": 100, "executed": 60, "rate": "60.00%", "forecast": 100},
    "其他资金": {"initial": 0, "budget": 0, "executed": 0, "rate": None, "forecast": 0},
}


@dataclass
class Row:
    level1: str
    level2: str
    level3: str
    target: object
    progress: object
    forecast: object
    causes: tuple[str, ...] = ()  # the 偏差原因 ticked
    reason: str | None = None  # 原因说明
    likelihood: tuple[str, ...] = ("确定能",)  # the options ticked
    note: str | None = None
    tick: str = "√"


INDICATORS = [
    Row("产出指标", "数量指标", "培训基层财政干部人次", "≥1000人次", "620人次", "1000人次"),
    Row("产出指标", "质量指标", "培训考核合格率", "≥95%", "96%", "96%"),
    Row("产出指标", "时效指标", "培训完成时间", "2019年12月31日前", "按计划推进", "12月底前完成"),
    Row("产出指标", "成本指标", "人均培训成本", "≤500元", "480元", "490元"),
    Row("效益指标", "社会效益指标", "基层干部业务能力", "明显提升", "一般", "明显提升"),
    Row("效益指标", "可持续影响指标", "培训长效机制", "逐步建立", "100%", "基本建立", causes=("制度保障",),
        reason="配套培训管理办法尚在审议", likelihood=("有可能",)),
    Row("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "100%", "95%"),
]


@dataclass
class Layout:
    """Where the form landed (1-based rows, column letters), for the tests' assertions."""

    budget_rows: dict[str, int] = field(default_factory=dict)  # line label -> row
    budget_cols: dict[str, str] = field(default_factory=dict)  # column key -> letter
    indicator_rows: list[int] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # indicator column key / cause / option -> letter
    last_row: int = 0

    def cell(self, line: str, key: str) -> str:
        return f"{self.budget_cols[key]}{self.budget_rows[line]}"

    def at(self, i: int, key: str) -> str:
        return f"{self.columns[key]}{self.indicator_rows[i]}"


def monitoring_sheet(ws, *, month: str = "1-7月", year: str = "( 2019年度)", title: str = TITLE,
                     budget: dict | None = None, rows: list[Row] | None = None, adjusted: bool = False,
                     budget_reason: str | None = None, with_reason_column: bool = False, top: int = 0,
                     left: int = 0) -> Layout:
    """Draw one monitoring form on `ws` from row 1 + top, column A + left; return where everything is.

    `month`: how the headers name the months ('1-7月', '1—8月', '截至8月底'); `adjusted`: print a 全年预算数 column
    (a provincial variant); `with_reason_column` / `budget_reason`: a 原因说明 column in the 项目资金 block."""
    budget = copy.deepcopy(BUDGET if budget is None else budget)
    rows = list(INDICATORS if rows is None else rows)
    out = Layout()
    L = lambda c: get_column_letter(c + left)  # noqa: E731 - 1-based column number -> letter, shifted
    r0 = 1 + top

    def put(r, c, v, c2=None, r2=None):
        ws.cell(row=r, column=c + left, value=v)
        if (c2 and c2 != c) or (r2 and r2 != r):
            ws.merge_cells(start_row=r, start_column=c + left, end_row=r2 or r, end_column=(c2 or c) + left)

    width = 17  # A..Q
    put(r0, 1, title, c2=width)
    put(r0 + 1, 1, year, c2=width)
    put(r0 + 2, 1, "项目名称", c2=2)
    put(r0 + 2, 3, "基层财政干部业务培训", c2=width)
    put(r0 + 3, 1, "主管部门及代码", c2=2)
    put(r0 + 3, 3, "[105]某部", c2=8)
    put(r0 + 3, 9, "实施单位", c2=10)
    put(r0 + 3, 11, "某培训中心", c2=width)
    # 项目资金（万元）
    head = r0 + 4
    keys = ["initial", *(["budget"] if adjusted else []), "executed", "rate", "forecast"]
    labels = {"initial": "年初预算数", "budget": "全年预算数", "executed": f"{month}执行数",
              "rate": f"{month}执行率", "forecast": "全年预计执行数"}
    if month.startswith("截至"):
        labels.update(executed=f"{month}底执行数", rate=f"{month}底执行率")
    last_line = head + len(budget)
    put(head, 1, "项目资金（万元）", r2=last_line, c2=2)
    put(head, 3, None, c2=4)
    col = 5
    for key in keys:
        put(head, col, labels[key], c2=col + 1)
        out.budget_cols[key] = L(col)
        col += 2
    if with_reason_column:
        put(head, col, "原因说明", c2=width)
        out.budget_cols["reason"] = L(col)
    for i, (label, line) in enumerate(budget.items()):
        r = head + 1 + i
        out.budget_rows[label] = r
        put(r, 3, label, c2=4)
        for j, key in enumerate(keys):
            put(r, 5 + 2 * j, line.get(key), c2=6 + 2 * j)
    if with_reason_column:
        put(head + 1, col, budget_reason, c2=width, r2=last_line)
    goal = last_line + 1
    put(goal, 1, "年度总体目标", c2=2)
    put(goal, 3, "全年培训基层财政干部1000人次，考核合格率95%以上。", c2=width)
    # 绩效指标: two header rows
    h = goal + 1
    n = len(rows)
    put(h, 1, "绩效指标", r2=h + 1 + max(n, 1))
    heads = [("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"), ("target", "年度指标值"),
             ("progress", f"{month}执行情况" if not month.startswith("截至") else f"{month}底执行情况"),
             ("forecast", "全年预计完成情况")]
    for i, (key, label) in enumerate(heads):
        put(h, 2 + i, label, r2=h + 1)
        out.columns[key] = L(2 + i)
    put(h, 8, "偏差原因分析", c2=13)
    for i, label in enumerate((*CAUSES, "原因说明")):
        put(h + 1, 8 + i, label)
        out.columns[label] = L(8 + i)
    put(h, 14, "完成目标可能性", c2=16)
    for i, label in enumerate(OPTIONS):
        put(h + 1, 14 + i, label)
        out.columns[label] = L(14 + i)
    put(h, 17, "备注", r2=h + 1)
    out.columns["note"] = L(17)
    first = h + 2
    for i, row in enumerate(rows):
        r = first + i
        out.indicator_rows.append(r)
        for key in ("level3", "target", "progress", "forecast"):
            put(r, {"level3": 4, "target": 5, "progress": 6, "forecast": 7}[key], getattr(row, key))
        for cause in row.causes:
            put(r, 8 + CAUSES.index(cause), row.tick)
        put(r, 13, row.reason)
        for option in row.likelihood:
            put(r, 14 + OPTIONS.index(option), row.tick)
        put(r, 17, row.note)
    for c, key in ((2, "level1"), (3, "level2")):  # 一级 / 二级 merged over their runs
        i = 0
        while i < n:
            j = i
            while j + 1 < n and getattr(rows[j + 1], key) == getattr(rows[i], key) and \
                    (key == "level1" or rows[j + 1].level1 == rows[i].level1):
                j += 1
            put(first + i, c, getattr(rows[i], key), r2=first + j)
            i = j + 1
    end = first + n
    put(end, 1, "说明：请在“偏差原因分析”中对应的原因类型下打“√”，并在原因说明中具体说明；“完成目标可能性”一栏中，"
                "请在对应的选项中打“√”。", c2=width)
    out.last_row = end
    return out


def monitoring_book(path, **kw) -> Layout:
    """A workbook holding one monitoring form on its only sheet, saved to `path`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = kw.pop("sheet", "监控表")
    layout = monitoring_sheet(ws, **kw)
    wb.save(path)
    return layout


# --- the platform export ---------------------------------------------------------------------------------------------
def _declaration(ws) -> None:
    """项目支出绩效目标申报表 as the central export prints it (targets only: no 完成值, no 分值/得分)."""
    for row in (
        ["项目支出绩效目标申报表"], ["( 2019年度)"], ["项目名称", "", "基层财政干部业务培训"],
        ["主管部门及代码", "", "[105]某部", "", "实施单位", "某培训中心"],
        ["项目属性", "", "延续项目", "", "项目周期", "1年"],
        ["项目资金（万元）", "", "中期资金总额：", 1500, "年度资金总额：", 500],
        ["", "", "其中：财政拨款", 1200, "其中：财政拨款", 400],
        ["", "", "上年结转资金", 300, "上年结转资金", 100],
        ["", "", "其他资金", 0, "其他资金", 0],
        ["总体目标", "", "中期目标", "", "年度目标"],
        ["", "", "三年培训3000人次", "", "全年培训1000人次"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"],
        ["", "产出指标", "数量指标", "培训人次", "≥3000人次", "数量指标", "培训人次", "≥1000人次"],
        ["", "产出指标", "质量指标", "考核合格率", "≥95%", "质量指标", "考核合格率", "≥95%"],
        ["", "效益指标", "社会效益指标", "业务能力", "明显提升", "社会效益指标", "业务能力", "明显提升"],
        ["", "满意度指标", "服务对象满意度指标", "满意度", "≥90%", "服务对象满意度指标", "满意度", "≥90%"],
    ):
        ws.append(row)


def _empty_selfeval(ws) -> None:
    """项目支出绩效自评表 (财预〔2020〕10号) with its headers only."""
    for row in (
        ["项目支出绩效自评表"], ["（    年度）"], ["项目名称", ""], ["主管部门", "", "", "", "", "", "实施单位"],
        ["项目资金（万元）", "", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "", "年度资金总额", "", None, None, None, 10, None, None],
        ["", "", "其中：当年财政拨款"], ["", "", "上年结转资金"], ["", "", "其他资金"],
        ["年度总体目标", "预期目标", "", "", "", "", "实际完成情况"], ["", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        ["", "产出指标", "数量指标"], ["", "效益指标", "社会效益指标"], ["", "满意度指标", "服务对象满意度指标"],
        ["总分", "", "", "", "", "", 100, None],
    ):
        ws.append(row)


def platform_workbook(path, **monitoring) -> Layout:
    """The platform export: non-form sheets, the 申报表, the 监控表 (`monitoring` passed on) and an empty 自评表."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目基本信息"
    for row in (["项目名称", "基层财政干部业务培训"], ["项目编码", "105000190000000001"], ["项目类别", "一般性项目"],
                ["项目负责人", "张三"], ["联系电话", "010-12345678"]):
        ws.append(row)
    ws = wb.create_sheet("立项依据")
    ws.append(["立项依据"])
    ws.append(["根据《关于加强基层财政干部培训工作的通知》……"])
    ws = wb.create_sheet("实施方案")
    ws.append(["实施方案"])
    ws.append(["分三期集中培训，每期两周。"])
    ws = wb.create_sheet("支出计划")
    ws.append(["支出计划（万元）", "1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月",
               "12月", "合计"])
    ws.append(["财政拨款", 0, 0, 50, 50, 50, 50, 40, 40, 40, 40, 20, 20, 400])
    ws = wb.create_sheet("支出明细")
    ws.append(["支出内容", "经济分类", "年初预算数", "1-7月执行数", "全年预计执行数"])
    ws.append(["培训费", "30216", 400, 240, 400])
    ws.append(["差旅费", "30211", 100, 60, 100])
    _declaration(wb.create_sheet("项目支出绩效目标申报表"))
    layout = monitoring_sheet(wb.create_sheet("项目支出绩效目标执行监控表"), **monitoring)
    _empty_selfeval(wb.create_sheet("项目支出绩效自评表"))
    wb.save(path)
    return layout
