"""Monitoring forms (项目支出绩效目标执行监控表) built in memory for the unit tests: no workbook, no reader.

`monitoring(...)` returns the `MonitoringForm` the reader would produce for the central layout of DOMAIN.md §1.8,
every value parsed by `perfeval_xl.values.parse`, every cell at a plausible place (0-based row/col, so `Cell.ref`
gives an A1 reference):

    项目资金  header on row 5; 年度资金总额 on row 6, 其中：财政拨款 7, 上年结转资金 8, 其他资金 9;
              E = 年初预算数, F = 全年预算数 (only with adjusted=True), G = 1-7月执行数, H = 1-7月执行率,
              I = 全年预计执行数, J = 原因说明 (only when `reason` is given)
    绩效指标  header on rows 11-12, indicators from row 13: D 三级指标, E 年度指标值, F 1-7月执行情况, G 全年预计完成情况,
              H..L 经费保障 … 其他, M 原因说明, N..P 确定能 / 有可能 / 完全不可能, Q 备注

Defaults: a clean form (no finding) — 500万元, 300 spent by July (60%, ahead of 7/12), 500 expected; seven indicators,
each with exactly one 完成目标可能性 ticked, the 有可能 one explained. Overrides merge into the defaults:
`monitoring(budget={"total": {"rate": "70.00%"}}, rows={0: {"likelihood": ()}})`; a value of ABSENT leaves the cell off
the sheet (the column is missing), None leaves it blank.
"""

from __future__ import annotations

import copy

from forms import ABSENT, cell

from perfeval_xl.model import BudgetLine
from perfeval_xl.model_monitoring import MonitoringForm, MonitoringIndicator
from perfeval_xl.profile import get_profile

MONITORING = "national.monitoring"
BUDGET_COLS = {"initial": 4, "budget": 5, "executed": 6, "rate": 7, "forecast": 8, "reason": 9}
TOTAL_ROW = 5  # 年度资金总额 on row 6
LINES = {"total": "年度资金总额:", "fiscal": "其中:财政拨款", "carryover": "上年结转资金", "other": "其他资金"}
FIRST_ROW = 12  # the first indicator on row 13
COLS = {"level3": 3, "target": 4, "progress": 5, "forecast": 6, "reason": 12, "note": 16}
CAUSE_COLS = {"funding": 7, "rules": 8, "staff": 9, "hardware": 10, "other": 11}
OPTION_COLS = {"certain": 13, "possible": 14, "impossible": 15}

BUDGET = {
    "total": dict(initial="500", executed="300", rate="60.00%", forecast="500"),
    "fiscal": dict(initial="400", executed="240", rate="60.00%", forecast="400"),
    "carryover": dict(initial="100", executed="60", rate="60.00%", forecast="100"),
    "other": dict(initial="0", executed="0", rate=None, forecast="0"),
}


def _row(level1, level2, level3, target, progress, forecast, likelihood=("certain",), causes=(), reason=None):
    return dict(level1=level1, level2=level2, level3=level3, target=target, progress=progress, forecast=forecast,
                likelihood=likelihood, causes=causes, reason=reason)


INDICATORS = [
    _row("产出指标", "数量指标", "培训基层财政干部人次", "≥1000人次", "620人次", "1000人次"),
    _row("产出指标", "质量指标", "培训考核合格率", "≥95%", "96%", "96%"),
    _row("产出指标", "时效指标", "培训完成时间", "2019年12月31日前", "按计划推进", "12月底前完成"),
    _row("产出指标", "成本指标", "人均培训成本", "≤500元", "480元", "490元"),
    _row("效益指标", "社会效益指标", "基层干部业务能力", "明显提升", "一般", "明显提升"),
    _row("效益指标", "可持续影响指标", "培训长效机制", "逐步建立", "100%", "基本建立", ("possible",), ("rules",),
         "配套培训管理办法尚在审议"),
    _row("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "100%", "95%"),
]


def monitoring(*, budget=None, rows=None, indicators=None, month=7, adjusted=False, reason=ABSENT,
               single_likelihood=False, tick="√", sheet="项目支出绩效目标执行监控表") -> MonitoringForm:
    """The clean monitoring form with `budget` lines ({line: {column: raw}}), indicator `rows` ({index: changes})
    merged over the defaults; `indicators` replaces the rows outright. `month`: the month the headers name (None:
    they name none); `adjusted`: a 全年预算数 column (each line's 年初 unless given); `reason`: a 原因说明 column
    in the 项目资金 block holding this text; `single_likelihood`: one 完成目标可能性 column holding the option's name."""
    p = get_profile(MONITORING)
    lines = copy.deepcopy(BUDGET)
    for key, change in (budget or {}).items():
        lines[key] = {**lines[key], **change}
    named = "1-N月" if month is None else f"1-{month}月"
    form = MonitoringForm(sheet=sheet, profile_id=MONITORING, first_row=0, month=month, budget_header_row=TOTAL_ROW - 1,
                          indicator_header_row=FIRST_ROW - 2)
    form.fields["project"] = cell(2, 2, "基层财政干部业务培训")
    cols = {k: c for k, c in BUDGET_COLS.items() if (k != "budget" or adjusted) and (k != "reason" or reason is not
                                                                                       ABSENT)}
    form.headers = {k: (p.budget.columns[k][0].replace("1-N月", named)) for k in cols}
    for i, (key, line) in enumerate(lines.items()):
        r = TOTAL_ROW + i
        values = dict(line)
        if adjusted:
            values.setdefault("budget", values.get("initial"))
        if reason is not ABSENT:
            values["reason"] = reason  # one cell merged over the block, read on every line
        cells = {k: cell(r if k != "reason" else TOTAL_ROW, c, values.get(k)) for k, c in cols.items()
                 if values.get(k, None) is not ABSENT}
        form.budget.append(BudgetLine(key, LINES[key], r, cells))
    given = indicators if indicators is not None else copy.deepcopy(INDICATORS)
    for i, change in (rows or {}).items():
        given[i] = {**given[i], **change}
    for i, ind in enumerate(given):
        r = FIRST_ROW + i
        cells = {k: cell(r, c, ind.get(k)) for k, c in COLS.items() if ind.get(k) is not ABSENT}
        if "nature" in ind:
            cells["nature"] = cell(r, 17, ind["nature"])
        mark = ind.get("tick", tick)
        causes = {k: cell(r, c, mark if k in ind.get("causes", ()) else None) for k, c in CAUSE_COLS.items()}
        if single_likelihood:
            names = [p.monitoring.likelihood[k][0] for k in ind.get("likelihood", ())]
            cells["likelihood"] = cell(r, 13, "".join(names) or None)
            likelihood = {}
        else:
            likelihood = {k: cell(r, c, mark if k in ind.get("likelihood", ()) else ind.get("marks", {}).get(k))
                          for k, c in OPTION_COLS.items()}
        form.indicators.append(MonitoringIndicator(r, ind["level1"], ind["level2"], cells, causes, likelihood))
    return form
