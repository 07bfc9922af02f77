"""绩效目标申报表 forms built in memory for the unit tests: the `perfeval_xl.model_declaration.Declaration` the reader
would produce for the central two-half layout of DOMAIN.md §1.8 (and the one-half provincial one), no workbook.

Layout (0-based rows/cols, as the template draws it): 项目名称 row 3; 项目资金 block from row 6 — 中期资金总额 in
E6 with its 其中 lines in E7:E9, 年度资金总额 in H6 with its lines in H7:H9; 中期目标 / 年度目标 texts in B11 / F11;
the indicator header on row 12 (B 一级指标, C/D/E 二级/三级/指标值 of the 中期 half, F/G/H of the 年度 half), the
indicators from row 13. With `halves=("annual",)` only the 年度 half is printed, in C/D/E.

    declaration()                                  a clean 2021 form: no finding at all
    declaration(rows={1: {"annual": {"target": None}}}, funds={"annual": {"fiscal": 450}}, year=2020)

`rows` changes rows by index ({"level1": .., "medium": {...}, "annual": {...}} merged into the default); `indicators`
replaces them; `funds` changes amounts ({half: {"total" | line key: raw}}, ABSENT drops the line from the form).
"""

from __future__ import annotations

import copy

from forms import ABSENT, cell

from perfeval_xl.check import check_form
from perfeval_xl.model_declaration import Declaration, Fund, Target
from perfeval_xl.profile import get_profile
from perfeval_xl.values import norm_label

PROFILE = "national.declaration"
HEADER_ROW = 11  # row 12
FIRST_ROW = 12  # row 13
TOTAL_ROW = 5  # row 6: 中期资金总额 / 年度资金总额
HALF_COLS = {"medium": {"level2": 2, "level3": 3, "target": 4}, "annual": {"level2": 5, "level3": 6, "target": 7}}
ONE_HALF_COLS = {"annual": {"level2": 2, "level3": 3, "target": 4}}
LEVEL1_COL = 1
FUND_COLS = {"medium": 4, "annual": 7}
ONE_HALF_FUND_COLS = {"annual": 4}
LINES = ("fiscal", "carryover", "other")
LINE_LABELS = {"fiscal": "其中：财政拨款", "carryover": "上年结转资金", "other": "其他资金"}
TOTAL_LABELS = {"medium": "中期资金总额：", "annual": "年度资金总额："}
HEADERS = {"level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "target": "指标值"}


def _row(level1, level2, name, medium, annual):
    return {"level1": level1, "medium": {"level2": level2, "level3": name, "target": medium},
            "annual": {"level2": level2, "level3": name, "target": annual}}


# 教育教学改革专项 (a 中央部门 project, 2021): every category the national profile requires, every value measured.
ROWS = [
    _row("产出指标", "数量指标", "培训教师人次", "≥300人次", "≥100人次"),
    _row("产出指标", "质量指标", "培训考核合格率", "≥95%", "≥95%"),
    _row("产出指标", "时效指标", "培训完成时间", "2023年12月底前", "2021年12月底前"),
    _row("成本指标", "经济成本指标", "人均培训成本", "≤0.2万元/人", "≤0.2万元/人"),
    _row("效益指标", "社会效益指标", "教师教学能力", "显著提高", "有所提高"),
    _row("满意度指标", "服务对象满意度指标", "参训教师满意度", "≥90%", "≥90%"),
]
FUNDS = {"medium": {"total": "1500", "fiscal": "1200", "carryover": "200", "other": "100"},
         "annual": {"total": "500", "fiscal": "400", "carryover": "80", "other": "20"}}
FIELDS = {"project": (2, 2, "教育教学改革专项"), "department": (3, 2, "[105]教育部"), "unit": (3, 6, "北京大学")}
GOALS = {"medium": (10, 1, "三年内完成教师教学改革试点"), "annual": (10, 5, "完成年度培训任务")}


def declaration(*, rows=None, indicators=None, funds=None, year=2021, halves=("medium", "annual"), goals=None,
                sheet="申报表") -> Declaration:
    """A 申报表 as the reader gives it, the defaults changed as the module docstring says."""
    table = copy.deepcopy(indicators if indicators is not None else ROWS)
    for i, change in (rows or {}).items():
        for key, value in change.items():
            table[i][key] = {**table[i][key], **value} if isinstance(value, dict) else value
    cols = HALF_COLS if len(halves) == 2 else ONE_HALF_COLS
    fund_cols = FUND_COLS if len(halves) == 2 else ONE_HALF_FUND_COLS
    form = Declaration(sheet=sheet, profile_id=PROFILE, first_row=0, header_row=HEADER_ROW, year=year,
                       halves=tuple(halves))
    form.fields = {k: cell(r, c, v) for k, (r, c, v) in FIELDS.items()}
    goal_texts = {**{k: v[2] for k, v in GOALS.items()}, **(goals or {})}
    form.goals = {h: cell(GOALS[h][0] if len(halves) == 2 else GOALS["medium"][0],
                          GOALS[h][1] if len(halves) == 2 else GOALS["medium"][1], goal_texts[h]) for h in halves}
    amounts = {h: {**FUNDS[h], **((funds or {}).get(h) or {})} for h in halves}
    for half in halves:
        c = fund_cols[half]
        for i, key in enumerate(("total", *LINES)):
            raw = amounts[half].get(key)
            if raw is ABSENT:
                continue
            label = TOTAL_LABELS[half] if key == "total" else LINE_LABELS[key]
            form.funds.append(Fund(half, key, norm_label(label), cell(TOTAL_ROW + i, c, raw)))
    form.header_cells = {h: {"level1": cell(HEADER_ROW, LEVEL1_COL, HEADERS["level1"]),
                             **{k: cell(HEADER_ROW, c, HEADERS[k]) for k, c in cols[h].items()}} for h in halves}
    for half in halves:
        level1 = level2 = ""
        for i, row in enumerate(table):
            r = FIRST_ROW + i
            part = row.get(half) or {}
            if row["level1"]:
                level1, level2 = row["level1"], ""
            if part.get("level2"):
                level2 = part["level2"]
            cells = {k: cell(r, cols[half][k], part.get(k)) for k in ("level3", "target")}
            name = norm_label(part.get("level3") or "")
            form.rows.append(Target(r, half, level1, level2, cell(r, LEVEL1_COL, row["level1"] or None),
                                    cell(r, cols[half]["level2"], part.get("level2")), cells, name))
    return form


def check(form: Declaration):
    return check_form(form, get_profile(form.profile_id))
